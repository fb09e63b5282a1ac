"""Use case: an operator moves dead-lettered messages back to their source queue with ``textloop redrive``,
against a deployed stack (``--stack-name``: the queues from ``describe_stack_resources``; a moto server
stands for AWS) and the local stack (``--stack-url``). Receive → send → delete only what was sent: a
failed send leaves the message in the dead-letter queue, a failed delete leaves one extra copy at most,
and a redriven change that was already texted resumes its send slot instead of texting again."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.integration.test_privacy_cli import textloop
from textloop_local import template as sam
from textloop_local.redrive import Pair, redrive

AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not got:
            return out
        out += got


def visible(sqs: Any, url: str) -> int:
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


@pytest.fixture
def deployed(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A CloudFormation stack on moto with the template's queues (and their redrive policies)."""
    for name, value in {**AWS, "AWS_ENDPOINT_URL": moto_url}.items():
        monkeypatch.setenv(name, value)
    resources: dict[str, Any] = {}
    for logical_id, spec in sam.queues().items():
        props: dict[str, Any] = {"VisibilityTimeout": 30}
        if spec.dead_letter_logical_id:
            props["RedrivePolicy"] = {
                "deadLetterTargetArn": {"Fn::GetAtt": [spec.dead_letter_logical_id, "Arn"]},
                "maxReceiveCount": 5,
            }
        resources[logical_id] = {"Type": "AWS::SQS::Queue", "Properties": props}
    name = f"textloop-{uuid.uuid4().hex[:8]}"
    cfn = boto3.client("cloudformation")
    cfn.create_stack(StackName=name, TemplateBody=json.dumps({"Resources": resources}))
    urls = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cfn.describe_stack_resources(StackName=name)["StackResources"]
    }
    return {"name": name, "urls": urls, "env": {**AWS, "AWS_ENDPOINT_URL": moto_url}}


def test_given_a_deployed_stack_when_redriving_then_messages_move_back_in_batches_once(
    deployed: dict[str, Any],
) -> None:
    sqs, urls, env = boto3.client("sqs"), deployed["urls"], deployed["env"]
    bodies = [json.dumps({"source": "hubspot", "event": {"objectId": n}}) for n in range(23)]
    for body in bodies:
        sqs.send_message(
            QueueUrl=urls["TriggerDeadLetterQueue"],
            MessageBody=body,
            MessageAttributes={"origin": {"DataType": "String", "StringValue": "eventbridge"}},
        )
    sqs.send_message(QueueUrl=urls["InboundDeadLetterQueue"], MessageBody='{"type": "reply"}')

    dry = textloop("redrive", "--stack-name", deployed["name"], "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    (trigger, *_others) = sorted(
        json.loads(dry.stdout)["queues"], key=lambda q: q["queue"] != "TriggerDeadLetterQueue"
    )
    assert trigger["would_move"] == 23 and trigger["messages"][0]["kind"] == "hubspot"
    assert visible(sqs, urls["TriggerDeadLetterQueue"]) == 23  # released: nothing moved
    assert visible(sqs, urls["TriggerQueue"]) == 0

    some = textloop(
        "redrive",
        "--stack-name",
        deployed["name"],
        "--queue",
        "TriggerDeadLetterQueue",
        "--batch",
        "7",
        "--max",
        "20",
        env=env,
    )
    assert some.returncode == 0, some.stderr
    (report,) = json.loads(some.stdout)["queues"]
    assert (report["moved"], report["send_failed"], report["delete_failed"]) == (20, 0, 0)
    assert visible(sqs, urls["TriggerDeadLetterQueue"]) == 3

    rest = textloop("redrive", "--stack-name", deployed["name"], env=env)
    assert rest.returncode == 0, rest.stderr
    moved = {q["queue"]: q["moved"] for q in json.loads(rest.stdout)["queues"]}
    assert moved == {
        "TriggerDeadLetterQueue": 3,
        "InboundDeadLetterQueue": 1,
        "ConsentDeadLetterQueue": 0,
        "PrivacyDeadLetterQueue": 0,
        "OutcomeDeadLetterQueue": 0,
    }
    back = drain(sqs, urls["TriggerQueue"])
    assert sorted(m["Body"] for m in back) == sorted(bodies)  # each once, unchanged
    assert all(m["MessageAttributes"]["origin"]["StringValue"] == "eventbridge" for m in back)
    assert [m["Body"] for m in drain(sqs, urls["InboundQueue"])] == ['{"type": "reply"}']
    assert visible(sqs, urls["TriggerDeadLetterQueue"]) == 0

    missing = textloop("redrive", "--stack-name", "no-such-stack", env=env)
    assert missing.returncode == 2 and "no-such-stack" in missing.stderr


class Flaky:
    """An SQS client whose send refuses one entry and whose delete fails for another, every time."""

    def __init__(self, sqs: Any, refuse_body: str, keep_body: str) -> None:
        self.sqs, self.refuse_body, self.keep_body = sqs, refuse_body, keep_body
        self.handles: dict[str, str] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sqs, name)

    def receive_message(self, **kwargs: Any) -> Any:
        answer = self.sqs.receive_message(**kwargs)
        for m in answer.get("Messages", []):
            self.handles[m["ReceiptHandle"]] = m["Body"]
        return answer

    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> Any:  # noqa: N803
        refused = [e for e in Entries if e["MessageBody"] == self.refuse_body]
        answer = self.sqs.send_message_batch(
            QueueUrl=QueueUrl, Entries=[e for e in Entries if e not in refused]
        )
        answer["Failed"] = [{"Id": e["Id"], "Code": "InternalError", "SenderFault": False} for e in refused]
        return answer

    def delete_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> Any:  # noqa: N803
        kept = [e for e in Entries if self.handles.get(e["ReceiptHandle"]) == self.keep_body]
        answer = self.sqs.delete_message_batch(
            QueueUrl=QueueUrl, Entries=[e for e in Entries if e not in kept]
        )
        answer["Failed"] = [{"Id": e["Id"], "Code": "InternalError", "SenderFault": False} for e in kept]
        return answer


def test_given_partial_failures_then_nothing_is_lost_and_at_most_one_extra_copy_exists(
    deployed: dict[str, Any],
) -> None:
    sqs, urls = boto3.client("sqs"), deployed["urls"]
    bodies = [f'{{"n": {n}}}' for n in range(5)]
    for body in bodies:
        sqs.send_message(QueueUrl=urls["ConsentDeadLetterQueue"], MessageBody=body)
    pair = Pair(
        "ConsentDeadLetterQueue", urls["ConsentDeadLetterQueue"], "ConsentQueue", urls["ConsentQueue"]
    )

    report = redrive(Flaky(sqs, refuse_body=bodies[1], keep_body=bodies[2]), pair, batch=10)

    assert (report.moved, report.send_failed, report.delete_failed) == (3, 1, 1)
    # sent, its delete failed: the one extra copy, held in the dead-letter queue until its hold ends
    hidden = sqs.get_queue_attributes(
        QueueUrl=urls["ConsentDeadLetterQueue"], AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]["ApproximateNumberOfMessagesNotVisible"]
    at_source = sorted(m["Body"] for m in drain(sqs, urls["ConsentQueue"]))
    still_dead = sorted(m["Body"] for m in drain(sqs, urls["ConsentDeadLetterQueue"]))
    assert bodies[1] not in at_source and bodies[1] in still_dead  # not sent: not deleted
    assert at_source == sorted(b for b in bodies if b != bodies[1])  # every other one, once
    assert bodies[2] not in still_dead and int(hidden) == 1


# ---------------------------------------------------------------------------------- the local stack


@pytest.fixture(scope="module")
def stack() -> Iterator[Any]:
    from textloop_local.demo import daytime_for
    from textloop_local.emulators import seed
    from textloop_local.serve import LocalStack, StackOptions

    with LocalStack(StackOptions(extra_env={"LOG_LEVEL": "ERROR"})) as running:
        daytime_for(running, [("hubspot", seed.HS_CONTACT_KEN)])  # the deal's contact: texted at any hour
        yield running


def test_given_the_local_stack_when_an_already_texted_change_is_redriven_then_no_second_sms(
    stack: Any,
) -> None:
    from textloop_local.demo import hubspot_event, post_hubspot_batch
    from textloop_local.emulators import seed

    stack.hubspot.update_record("deals", seed.HS_DEAL_UMBRELLA, {"dealstage": "contractsent"})
    event = hubspot_event(
        "deal", seed.HS_DEAL_UMBRELLA, "dealstage", "contractsent", int(seed.HS_PORTAL_ID), 1
    )
    assert post_hubspot_batch(stack.url, stack.env["HUBSPOT_CLIENT_SECRET"], [event]).status_code == 200
    assert stack.drain(60)
    texted = len(stack.state()["sms"])
    assert texted >= 1
    # The same change also sits in the dead-letter queue (a delivery that failed after the send)
    sqs = stack.client("sqs")
    dlq = stack.queues["TriggerDeadLetterQueue"]["url"]
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps({"source": "hubspot", "event": event}))

    run = textloop("redrive", "--stack-url", stack.url, "--queue", "TriggerDeadLetterQueue")

    assert run.returncode == 0, run.stderr
    (report,) = json.loads(run.stdout)["queues"]
    assert (report["queue"], report["source"], report["moved"]) == (
        "TriggerDeadLetterQueue",
        "TriggerQueue",
        1,
    )
    assert stack.drain(60)
    assert len(stack.state()["sms"]) == texted
    assert visible(sqs, dlq) == 0
