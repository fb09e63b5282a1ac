"""``textloop redrive``: move dead-lettered messages back to the queue they came from.

    textloop redrive [--queue TriggerDeadLetterQueue|InboundDeadLetterQueue|ConsentDeadLetterQueue|
                      PrivacyDeadLetterQueue|OutcomeDeadLetterQueue] [--batch 10] [--max N] [--dry-run]
                     [--stack-url URL | --stack-name NAME [--region R]]

Which stack (as ``textloop privacy``): ``--stack-url`` a local stack (its environment from
``GET /_local/env``: the moto endpoint and the work queues' URLs; each dead-letter queue is the
``deadLetterTargetArn`` of its work queue's redrive policy); ``--stack-name`` a deployed stack (the
queues' URLs from ``describe_stack_resources``, by the template's logical ids), with your default AWS
credentials; neither: ``TRIGGER_QUEUE_URL``, ``INBOUND_QUEUE_URL``, ``CONSENT_QUEUE_URL``,
``PRIVACY_QUEUE_URL`` from the environment. Without ``--queue``, every dead-letter queue.

Safe by construction, batch by batch: receive (the messages stay invisible while the run holds them)
→ send the same bodies and attributes to the source queue → delete from the dead-letter queue only the
messages whose send succeeded. A failed send leaves its message in the dead-letter queue (released at
the end of the run); a failed delete leaves a copy in both queues — at-least-once, as SQS itself is —
and the dispatcher's event key and send slot make the second copy resume or be acknowledged as a
duplicate, never a second SMS. Each run moves a message once: a body this run already moved that
comes back (its consumer failed it again) is held and released at the end, not moved twice.

Prints a JSON report (counts, and per message its id, age and kind — never a body: replies hold phone
numbers). Exit codes: 0 done, 1 some messages could not be moved, 2 bad input.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from textloop_local.privacy import DEFAULT_REGION, Unusable, _local_env

# dead-letter queue -> (its source queue, the environment variable naming the source)
DEAD_LETTER_QUEUES: dict[str, tuple[str, str]] = {
    "TriggerDeadLetterQueue": ("TriggerQueue", "TRIGGER_QUEUE_URL"),
    "InboundDeadLetterQueue": ("InboundQueue", "INBOUND_QUEUE_URL"),
    "ConsentDeadLetterQueue": ("ConsentQueue", "CONSENT_QUEUE_URL"),
    "PrivacyDeadLetterQueue": ("PrivacyQueue", "PRIVACY_QUEUE_URL"),
    "OutcomeDeadLetterQueue": ("OutcomeQueue", "OUTCOME_QUEUE_URL"),  # CRM outcomes: recorded once anyway
}
HOLD_SECONDS = 300  # how long a received message stays invisible while this run holds it
SQS_MAX_BATCH = 10


@dataclass(frozen=True)
class Pair:
    dead_letter: str  # logical id
    dead_letter_url: str
    source: str  # logical id
    source_url: str


@dataclass
class Report:
    dead_letter: str
    source: str
    dry_run: bool
    moved: int = 0
    send_failed: int = 0
    delete_failed: int = 0
    came_back: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "queue": self.dead_letter,
            "source": self.source,
            "dry_run": self.dry_run,
            ("would_move" if self.dry_run else "moved"): self.moved,
            "send_failed": self.send_failed,
            "delete_failed": self.delete_failed,
            "came_back": self.came_back,
            "messages": self.messages,
        }


def add_redrive(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    text = "move dead-lettered messages back to their source queue (receive, send, then delete)"
    p = sub.add_parser("redrive", help=text, description=text)
    p.add_argument(
        "--queue",
        choices=sorted(DEAD_LETTER_QUEUES),
        action="append",
        help="a dead-letter queue by logical id (repeatable; default: every one)",
    )
    p.add_argument(
        "--batch", type=_batch, default=SQS_MAX_BATCH, help="messages per batch, 1-10 (default 10)"
    )
    p.add_argument("--max", type=_positive, default=None, help="move at most N messages per queue")
    p.add_argument("--dry-run", action="store_true", help="list what would move; move nothing")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--stack-url", help="a local stack (textloop serve), e.g. http://127.0.0.1:8787")
    where.add_argument("--stack-name", help="a deployed stack (CloudFormation), default AWS credentials")
    p.add_argument("--region", default=None, help="AWS region of --stack-name (default: your AWS config)")
    p.set_defaults(func=_run)


def _batch(value: str) -> int:
    number = int(value)
    if not 1 <= number <= SQS_MAX_BATCH:
        raise argparse.ArgumentTypeError("--batch is 1 to 10 (an SQS batch)")
    return number


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("--max is at least 1")
    return number


def _run(args: argparse.Namespace) -> int:
    wanted = args.queue or list(DEAD_LETTER_QUEUES)
    try:
        sqs, pairs = resolve(args.stack_url, args.stack_name, args.region, os.environ, wanted)
        reports = [
            redrive(sqs, pair, batch=args.batch, limit=args.max, dry_run=args.dry_run) for pair in pairs
        ]
    except Unusable as exc:
        print(f"textloop redrive: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # an AWS or network failure: what was moved stays moved
        print(f"textloop redrive: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    json.dump({"queues": [r.as_dict() for r in reports]}, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 1 if any(r.send_failed or r.delete_failed for r in reports) else 0


# ------------------------------------------------------------------------------------- which queues


def resolve(
    stack_url: str | None,
    stack_name: str | None,
    region: str | None,
    env: Mapping[str, str],
    wanted: list[str],
) -> tuple[Any, list[Pair]]:
    """An SQS client for the stack and the (dead-letter, source) queue pairs asked for."""
    import boto3

    if stack_url:
        stack = _local_env(stack_url)
        endpoint = stack.get("AWS_ENDPOINT_URL")
        if not endpoint:
            raise Unusable(f"AWS_ENDPOINT_URL is not set in {stack_url}/_local/env")
        sqs = boto3.client(
            "sqs",
            endpoint_url=endpoint,
            region_name=stack.get("AWS_REGION") or stack.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
            aws_access_key_id=stack.get("AWS_ACCESS_KEY_ID", "testing"),
            aws_secret_access_key=stack.get("AWS_SECRET_ACCESS_KEY", "testing"),
        )
        return sqs, _pairs_from_sources(sqs, stack, wanted, f"{stack_url}/_local/env")
    client = {"region_name": region} if region else {}
    sqs = boto3.client("sqs", **client)
    if stack_name:
        urls = _stack_queue_urls(stack_name, client)
        pairs = []
        for dead_letter in wanted:
            source = DEAD_LETTER_QUEUES[dead_letter][0]
            if dead_letter not in urls or source not in urls:
                raise Unusable(f"the stack {stack_name} has no {dead_letter} / {source}")
            pairs.append(Pair(dead_letter, urls[dead_letter], source, urls[source]))
        return sqs, pairs
    return sqs, _pairs_from_sources(sqs, env, wanted, "the environment (or pass --stack-url/--stack-name)")


def _pairs_from_sources(sqs: Any, env: Mapping[str, str], wanted: list[str], where: str) -> list[Pair]:
    """Each source queue's URL from the environment; its dead-letter queue from its redrive policy."""
    pairs = []
    for dead_letter in wanted:
        source, variable = DEAD_LETTER_QUEUES[dead_letter]
        source_url = env.get(variable)
        if not source_url:
            raise Unusable(f"{variable} is not set in {where}")
        attributes = sqs.get_queue_attributes(QueueUrl=source_url, AttributeNames=["RedrivePolicy"])
        policy = attributes.get("Attributes", {}).get("RedrivePolicy")
        if not policy:
            raise Unusable(f"{source} ({source_url}) has no redrive policy: no dead-letter queue")
        arn = json.loads(policy)["deadLetterTargetArn"]
        account, name = arn.split(":")[4], arn.split(":")[5]
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        pairs.append(Pair(dead_letter, url, source, source_url))
    return pairs


def _stack_queue_urls(name: str, client: dict[str, str]) -> dict[str, str]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        resources = boto3.client("cloudformation", **client).describe_stack_resources(StackName=name)
    except (BotoCoreError, ClientError) as exc:
        raise Unusable(f"cannot read the stack {name}: {exc}") from None
    return {
        r["LogicalResourceId"]: r["PhysicalResourceId"]  # an SQS queue's physical id is its URL
        for r in resources.get("StackResources", [])
        if r.get("ResourceType") == "AWS::SQS::Queue" and r.get("PhysicalResourceId")
    }


# ------------------------------------------------------------------------------------------ redrive


def redrive(
    sqs: Any, pair: Pair, *, batch: int = SQS_MAX_BATCH, limit: int | None = None, dry_run: bool = False
) -> Report:
    """Move (or, dry, list) the messages of ``pair.dead_letter`` back to ``pair.source``."""
    report = Report(pair.dead_letter, pair.source, dry_run)
    held: dict[str, str] = {}  # message id -> receipt handle: released (visible again) at the end
    moved_bodies: set[str] = set()  # digests of the bodies this run sent: never sent twice
    sent_not_deleted: dict[str, str] = {}  # message id -> digest: sent, delete failed: retry the delete
    try:
        while limit is None or report.moved < limit:
            want = batch if limit is None else min(batch, limit - report.moved)
            received = sqs.receive_message(
                QueueUrl=pair.dead_letter_url,
                MaxNumberOfMessages=want,
                VisibilityTimeout=HOLD_SECONDS,
                WaitTimeSeconds=1,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not received:
                break
            fresh = []
            for message in received:
                digest = hashlib.sha256(message["Body"].encode()).hexdigest()
                if message["MessageId"] in sent_not_deleted:  # already at the source: only delete it
                    _delete(sqs, pair, [message], report, sent_not_deleted)
                elif digest in moved_bodies:  # moved by this run, failed again: leave it for later
                    report.came_back += 1
                    held[message["MessageId"]] = message["ReceiptHandle"]
                else:
                    fresh.append((message, digest))
            if dry_run:
                for message, digest in fresh:
                    held[message["MessageId"]] = message["ReceiptHandle"]
                    moved_bodies.add(digest)
                    report.moved += 1
                    report.messages.append(_describe(message))
                continue
            if fresh:
                _move(sqs, pair, fresh, report, held, moved_bodies, sent_not_deleted)
    finally:
        _release(sqs, pair, held)
    return report


def _move(
    sqs: Any,
    pair: Pair,
    fresh: list[tuple[dict[str, Any], str]],
    report: Report,
    held: dict[str, str],
    moved_bodies: set[str],
    sent_not_deleted: dict[str, str],
) -> None:
    entries = []
    for n, (message, _) in enumerate(fresh):
        entry: dict[str, Any] = {"Id": str(n), "MessageBody": message["Body"]}
        attributes = _attributes(message)
        if attributes:
            entry["MessageAttributes"] = attributes
        entries.append(entry)
    answer = sqs.send_message_batch(QueueUrl=pair.source_url, Entries=entries)
    sent = {s["Id"] for s in answer.get("Successful", [])}
    delivered = []
    for n, (message, digest) in enumerate(fresh):
        if str(n) in sent:
            moved_bodies.add(digest)
            sent_not_deleted[message["MessageId"]] = digest
            delivered.append(message)
            report.messages.append({**_describe(message), "moved": True})
        else:  # not sent: it stays in the dead-letter queue, released at the end
            report.send_failed += 1
            held[message["MessageId"]] = message["ReceiptHandle"]
            report.messages.append({**_describe(message), "moved": False})
    if delivered:
        _delete(sqs, pair, delivered, report, sent_not_deleted)


def _delete(
    sqs: Any, pair: Pair, messages: list[dict[str, Any]], report: Report, sent_not_deleted: dict[str, str]
) -> None:
    """Delete messages already at their source (tried twice); a failed delete leaves a copy in both
    queues (at-least-once: the dispatcher's send slot makes the copy a duplicate, never a second SMS)."""
    pending = dict(enumerate(messages))
    for _attempt in (1, 2):
        try:
            answer = sqs.delete_message_batch(
                QueueUrl=pair.dead_letter_url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in pending.items()],
            )
            failed = {int(f["Id"]) for f in answer.get("Failed", [])}
        except Exception:
            failed = set(pending)
        for n in set(pending) - failed:
            sent_not_deleted.pop(pending.pop(n)["MessageId"], None)
            report.moved += 1
        if not pending:
            return
    report.delete_failed += len(pending)


def _release(sqs: Any, pair: Pair, held: dict[str, str]) -> None:
    """Make the messages this run held visible again (they stay in the dead-letter queue)."""
    handles = list(held.values())
    for start in range(0, len(handles), SQS_MAX_BATCH):
        chunk = handles[start : start + SQS_MAX_BATCH]
        try:
            sqs.change_message_visibility_batch(
                QueueUrl=pair.dead_letter_url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": h, "VisibilityTimeout": 0} for n, h in enumerate(chunk)
                ],
            )
        except Exception:  # noqa: S112 - they become visible anyway when HOLD_SECONDS end
            continue


def _attributes(message: dict[str, Any]) -> dict[str, Any]:
    """The message attributes to send again (SQS accepts only String/Number/Binary values here)."""
    out = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        kept = {k: value[k] for k in ("DataType", "StringValue", "BinaryValue") if k in value}
        if "DataType" in kept and ("StringValue" in kept or "BinaryValue" in kept):
            out[name] = kept
    return out


def _describe(message: dict[str, Any]) -> dict[str, Any]:
    """What a person needs to decide, without the body (replies hold phone numbers and texts)."""
    attributes = message.get("Attributes") or {}
    sent = attributes.get("SentTimestamp")
    return {
        "message_id": message["MessageId"],
        "first_sent_at": (
            datetime.fromtimestamp(int(sent) / 1000, UTC).isoformat().replace("+00:00", "Z") if sent else None
        ),
        "receive_count": int(attributes.get("ApproximateReceiveCount", 0)),
        "kind": _kind(message["Body"]),
    }


def _kind(body: str) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return "not_json"
    if not isinstance(data, dict):
        return "not_an_object"
    if "detail-type" in data:  # an EventBridge event (Salesforce CDC)
        return f"eventbridge:{data['detail-type']}"
    if "source" in data:  # {"source": "hubspot" | "textloop.deferred" | "hubspot.privacy", "event": ...}
        event = data.get("event") if isinstance(data.get("event"), dict) else {}
        kind = event.get("subscriptionType") if event else None
        return f"{data['source']}:{kind}" if kind else str(data["source"])
    return str(data.get("type") or "unknown")
