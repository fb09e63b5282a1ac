"""``/_local/faults`` on a running local stack: each action observed through a real SDK call (twilio,
simple-salesforce, hubspot-api-client, boto3 with botocore's own retries) against the stack's emulators and
the AWS proxy in front of moto."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError
from hubspot import HubSpot
from hubspot.crm.objects.communications.exceptions import ApiException
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from textloop_local.emulators import seed
from textloop_local.serve import LocalStack, StackOptions

TO = "+14155550132"
MESSAGES = "/2010-04-01/Accounts/"
CONNECTION_LOST = (requests.exceptions.ConnectionError, ConnectionError)


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(
        StackOptions(extra_env={"POWERTOOLS_METRICS_DISABLED": "true", "LOG_LEVEL": "ERROR"})
    ) as s:
        yield s


@pytest.fixture(autouse=True)
def no_faults(stack: LocalStack) -> Iterator[None]:
    requests.delete(f"{stack.url}/_local/faults", timeout=5).raise_for_status()
    yield
    requests.delete(f"{stack.url}/_local/faults", timeout=5).raise_for_status()


def add(stack: LocalStack, **fault: Any) -> str:
    response = requests.post(f"{stack.url}/_local/faults", json=fault, timeout=5)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def fired(stack: LocalStack) -> dict[str, int]:
    faults = requests.get(f"{stack.url}/_local/faults", timeout=5).json()["faults"]
    return {f["id"]: f["fired"] for f in faults}


def twilio(stack: LocalStack, read_timeout: float = 10.0) -> Client:
    client = Client(
        stack.env["TWILIO_ACCOUNT_SID"],
        stack.env["TWILIO_AUTH_TOKEN"],
        http_client=TwilioHttpClient(timeout=read_timeout),
        environment={},
    )
    client.api.base_url = stack.twilio.url
    return client


def send(client: Client) -> Any:
    return client.messages.create(
        to=TO, messaging_service_sid=seed.TWILIO_MESSAGING_SERVICE_SID, body="fault probe"
    )


def salesforce(stack: LocalStack) -> Salesforce:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(stack.salesforce.ca_bundle_path)
    return Salesforce(
        instance_url=stack.salesforce.url,
        session_id=stack.env["SALESFORCE_ACCESS_TOKEN"],
        version="62.0",
        session=session,
    )


def aws(stack: LocalStack, service: str, attempts: int) -> Any:
    return boto3.client(
        service,
        endpoint_url=stack.aws_endpoint,  # the app's endpoint: the proxy in front of moto
        region_name="us-east-1",
        config=Config(
            retries={"mode": "standard", "total_max_attempts": attempts}, read_timeout=2, connect_timeout=2
        ),
    )


# --- the endpoint --------------------------------------------------------------------------------


def test_given_a_bad_fault_when_posted_then_400_names_every_problem(stack: LocalStack) -> None:
    response = requests.post(
        f"{stack.url}/_local/faults",
        json={"target": "twillio", "action": "explode", "times": -1},
        timeout=5,
    )

    assert response.status_code == 400
    assert {e.split(":")[0] for e in response.json()["errors"]} == {"target", "action", "times"}


def test_given_faults_when_listed_and_cleared_then_counts_show_and_none_is_left(stack: LocalStack) -> None:
    fault = add(stack, target="hubspot", action="reset", times=2)

    listed = requests.get(f"{stack.url}/_local/faults", timeout=5).json()["faults"]
    requests.delete(f"{stack.url}/_local/faults", timeout=5).raise_for_status()

    assert [(f["id"], f["fired"], f["times"]) for f in listed] == [(fault, 0, 2)]
    assert requests.get(f"{stack.url}/_local/faults", timeout=5).json() == {"faults": []}


# --- Twilio --------------------------------------------------------------------------------------


def test_given_a_429_fault_when_a_message_is_created_then_twilio_answers_429_once(stack: LocalStack) -> None:
    fault = add(
        stack,
        target="twilio",
        match={"method": "POST", "path_prefix": MESSAGES},
        action="status",
        status=429,
        times=1,
    )
    client = twilio(stack)

    with pytest.raises(TwilioRestException) as refused:
        send(client)
    again = send(client)

    assert (refused.value.status, refused.value.code) == (429, 20429)
    assert again.sid.startswith("SM")
    assert fired(stack) == {fault: 1}


def test_given_a_drop_response_fault_when_a_message_is_created_then_it_is_sent_but_the_answer_is_lost(
    stack: LocalStack,
) -> None:
    add(
        stack,
        target="twilio",
        match={"method": "POST", "path_prefix": MESSAGES},
        action="drop_response",
        times=1,
    )
    before = len(stack.twilio.state()["messages"])

    with pytest.raises(CONNECTION_LOST):
        send(twilio(stack))

    assert len(stack.twilio.state()["messages"]) == before + 1  # Twilio did the work


def test_given_a_timeout_fault_when_a_message_is_created_then_the_client_times_out_and_nothing_is_sent(
    stack: LocalStack,
) -> None:
    add(stack, target="twilio", match={"method": "POST"}, action="timeout", delay_ms=5000, times=1)
    before = len(stack.twilio.state()["messages"])

    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        send(twilio(stack, read_timeout=0.5))

    assert time.monotonic() - started < 4.5  # the client gave up; the emulator was still holding it
    assert len(stack.twilio.state()["messages"]) == before


# --- Salesforce ----------------------------------------------------------------------------------


def test_given_a_503_fault_on_reads_when_queried_then_salesforce_answers_503_in_its_shape(
    stack: LocalStack,
) -> None:
    add(
        stack,
        target="salesforce",
        match={"method": "GET", "path_prefix": "/services/data/"},
        action="status",
        status=503,
        times=1,
    )
    sf = salesforce(stack)

    with pytest.raises(SalesforceError) as refused:
        sf.query("SELECT Id FROM Contact")
    rows = sf.query("SELECT Id FROM Contact")["records"]

    assert refused.value.status == 503
    assert refused.value.content[0]["errorCode"] == "SERVER_UNAVAILABLE"
    assert rows


def test_given_a_reset_fault_on_task_create_when_logged_then_the_connection_resets_and_no_task_exists(
    stack: LocalStack,
) -> None:
    add(
        stack,
        target="salesforce",
        match={"method": "POST", "path_prefix": "/services/data/v62.0/sobjects/Task"},
        action="reset",
        times=1,
    )
    sf = salesforce(stack)
    before = len(stack.salesforce.state()["Task"])

    with pytest.raises(CONNECTION_LOST):
        sf.Task.create({"Subject": "fault probe", "WhoId": seed.SF_CONTACT_PRIYA})

    assert len(stack.salesforce.state()["Task"]) == before


# --- HubSpot -------------------------------------------------------------------------------------


def test_given_a_delay_fault_when_a_deal_is_read_then_the_answer_comes_late_but_whole(
    stack: LocalStack,
) -> None:
    add(
        stack,
        target="hubspot",
        match={"method": "GET", "path_prefix": "/crm/v3/objects/deals"},
        action="delay",
        delay_ms=600,
        times=1,
    )
    client = HubSpot(access_token=stack.env["HUBSPOT_ACCESS_TOKEN"], host=stack.hubspot.url)

    started = time.monotonic()
    deal = client.crm.deals.basic_api.get_by_id(seed.HS_DEAL_INITECH)

    assert time.monotonic() - started >= 0.6
    assert deal.id == seed.HS_DEAL_INITECH


def test_given_a_drop_response_502_on_communications_when_created_then_502_and_the_record_exists(
    stack: LocalStack,
) -> None:
    from hubspot.crm.objects.communications import SimplePublicObjectInputForCreate

    add(
        stack,
        target="hubspot",
        match={"method": "POST", "path_prefix": "/crm/v3/objects/communications"},
        action="drop_response",
        status=502,
        times=1,
    )
    client = HubSpot(access_token=stack.env["HUBSPOT_ACCESS_TOKEN"], host=stack.hubspot.url)
    before = len(stack.hubspot.state()["communications"])

    with pytest.raises(ApiException) as lost:
        client.crm.objects.communications.basic_api.create(
            SimplePublicObjectInputForCreate(
                properties={
                    "hs_communication_channel_type": "SMS",
                    "hs_communication_logged_from": "CRM",
                    "hs_timestamp": "2026-11-30T12:00:00Z",
                    "hs_communication_body": "fault probe",
                }
            )
        )

    assert lost.value.status == 502
    assert len(stack.hubspot.state()["communications"]) == before + 1


# --- DynamoDB and SQS (the proxy in front of moto) -------------------------------------------------


def test_given_dynamodb_throttling_when_botocore_retries_then_the_call_succeeds_after_the_throttles(
    stack: LocalStack,
) -> None:
    fault = add(
        stack,
        target="dynamodb",
        match={"operation": "GetItem", "resource": "StateTable"},
        action="status",
        status=400,
        times=2,
    )

    answer = aws(stack, "dynamodb", attempts=3).get_item(
        TableName=stack.state_table, Key={"pk": {"S": "fault"}, "sk": {"S": "probe"}}
    )

    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert fired(stack) == {fault: 2}


def test_given_dynamodb_throttling_without_retries_then_aws_error_shape_is_what_botocore_reads(
    stack: LocalStack,
) -> None:
    add(stack, target="dynamodb", match={"resource": "ConsentTable"}, action="status", status=400, times=1)
    client = aws(stack, "dynamodb", attempts=1)

    with pytest.raises(ClientError) as throttled:
        client.get_item(TableName=stack.consent_table, Key={"phone": {"S": "+10000000000"}})
    client.get_item(
        TableName=stack.state_table, Key={"pk": {"S": "x"}, "sk": {"S": "y"}}
    )  # other table: fine

    assert throttled.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_given_a_drop_response_on_put_item_then_the_item_is_written_but_the_answer_is_lost(
    stack: LocalStack,
) -> None:
    add(stack, target="dynamodb", match={"operation": "PutItem"}, action="drop_response", times=1)
    client = aws(stack, "dynamodb", attempts=1)
    key = {"pk": {"S": "fault"}, "sk": {"S": "dropped"}}

    with pytest.raises((ConnectionClosedError, EndpointConnectionError)):
        client.put_item(TableName=stack.state_table, Item={**key, "v": {"S": "1"}})

    assert stack.dynamodb.get_item(TableName=stack.state_table, Key=key).get("Item")


def test_given_sqs_throttling_then_boto3_reads_request_throttled(stack: LocalStack) -> None:
    add(
        stack,
        target="sqs",
        match={"operation": "SendMessage", "resource": "ConsentQueue"},
        action="status",
        status=400,
        times=1,
    )
    client = aws(stack, "sqs", attempts=1)

    with pytest.raises(ClientError) as throttled:
        client.send_message(QueueUrl=stack.queues["ConsentQueue"]["url"], MessageBody="{}")

    assert throttled.value.response["Error"]["Code"] == "RequestThrottled"
    assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_given_an_sqs_timeout_when_boto3_reads_then_it_times_out(stack: LocalStack) -> None:
    add(
        stack,
        target="sqs",
        match={"operation": "GetQueueAttributes"},
        action="timeout",
        delay_ms=3000,
        times=1,
    )

    with pytest.raises(ReadTimeoutError):
        aws(stack, "sqs", attempts=1).get_queue_attributes(QueueUrl=stack.queues["TriggerQueue"]["url"])
