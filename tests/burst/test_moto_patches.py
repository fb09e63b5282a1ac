"""Tier: moto_patches.py keeps moto's answers. The same DynamoDB and SQS scenario (partition queries with
paging, order, key conditions, filters and projections; receives, batch deletes with repeated, stale and
unknown receipt handles, queue attributes) runs in two fresh processes, one with moto as shipped and one
with the patches applied; everything the SDK answered must be the same."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.burst

SCENARIO = textwrap.dedent(
    """
    import json, sys
    import boto3
    from moto import mock_aws

    if sys.argv[1] == "patched":
        from textloop_local import moto_patches
        moto_patches.apply()

    out = []
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.create_table(
            TableName="h",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for p in range(5):
            for n in (3, 1, 4, 1, 5, 9, 2, 6):
                ddb.put_item(TableName="t", Item={"pk": {"S": f"P{p}"}, "sk": {"S": f"MSG#{n:02d}#{p}"},
                                                  "n": {"N": str(n)}, "x": {"S": "y" * n}})
            ddb.put_item(TableName="t", Item={"pk": {"S": f"P{p}"}, "sk": {"S": "OTHER"}})
            ddb.put_item(TableName="h", Item={"id": {"S": f"H{p}"}, "v": {"N": str(p)}})
        queries = [
            {"KeyConditionExpression": "pk = :p AND begins_with(sk, :m)",
             "ExpressionAttributeValues": {":p": {"S": "P2"}, ":m": {"S": "MSG#"}}, "ScanIndexForward": False},
            {"KeyConditionExpression": "pk = :p AND sk <= :s",
             "ExpressionAttributeValues": {":p": {"S": "P3"}, ":s": {"S": "MSG#04"}}},
            {"KeyConditionExpression": "pk = :p", "FilterExpression": "n > :k",
             "ExpressionAttributeValues": {":p": {"S": "P1"}, ":k": {"N": "2"}}, "ProjectionExpression": "sk, n"},
            {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "nobody"}}},
        ]
        for query in queries:
            for limit in (None, 2, 3):
                request = {"TableName": "t", **query, **({"Limit": limit} if limit else {})}
                pages = []
                while True:
                    page = ddb.query(**request)
                    pages.append([page["Items"], page.get("LastEvaluatedKey"), page["Count"], page["ScannedCount"]])
                    if "LastEvaluatedKey" not in page:
                        break
                    request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
                out.append(pages)
        out.append(ddb.query(TableName="h", KeyConditionExpression="id = :i",
                             ExpressionAttributeValues={":i": {"S": "H3"}})["Items"])

        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        for start in range(0, 25, 10):
            sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{i}"}
                                                          for i in range(start, min(start + 10, 25))])
        first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=60)["Messages"]
        out.append(sorted(m["Body"] for m in first))
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
                 "ApproximateNumberOfMessagesDelayed"]
        out.append(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"])
        handles = [m["ReceiptHandle"] for m in first]
        deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "ReceiptHandle": handles[0]}, {"Id": "b", "ReceiptHandle": handles[1]},
            {"Id": "d", "ReceiptHandle": "not-a-handle"},
        ])
        out.append([sorted(e["Id"] for e in deleted.get("Successful", [])),
                    sorted((e["Id"], e["Code"], e["SenderFault"]) for e in deleted.get("Failed", []))])
        again = sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": "e", "ReceiptHandle": handles[1]}])
        out.append(sorted(e["Id"] for e in again.get("Successful", [])))
        out.append(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"])
        every = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        out.append(sorted(k for k in every if k not in ("CreatedTimestamp", "LastModifiedTimestamp")))
        out.append({k: every[k] for k in names + ["MessageRetentionPeriod", "VisibilityTimeout"]})
        rest = []
        while True:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                break
            rest += [m["Body"] for m in got]
        out.append(sorted(rest))
    print(json.dumps(out, sort_keys=True, default=str))
    """
)


def _answers(mode: str) -> object:
    done = subprocess.run(  # a fresh process each: the patches cannot be taken back once applied
        [sys.executable, "-c", SCENARIO, mode], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_given_moto_patched_when_the_same_calls_are_made_then_moto_answers_the_same() -> None:
    shipped, patched = _answers("shipped"), _answers("patched")

    assert patched == shipped
    assert isinstance(shipped, list) and len(shipped) == 21  # every step answered (not two empty runs)
