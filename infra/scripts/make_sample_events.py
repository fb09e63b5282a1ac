#!/usr/bin/env python3
"""Write the sample Lambda events in events/ (for `sam local invoke -e events/<file>.json`).

Deterministic by default (fixed timestamps, so the files don't churn). `--now` stamps the HubSpot
webhook with the current time so its v3 signature passes the 5-minute window:

    .venv/bin/python infra/scripts/make_sample_events.py --now

Ids and secrets are the local seed's (infra/local/textloop_local/emulators/seed.py) and the documented
local defaults (HUBSPOT_CLIENT_SECRET=local-hubspot-client-secret, the seed's Twilio auth token).
Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"

REGION = "us-east-1"
ACCOUNT = "123456789012"
API_ID = "abc123defg"
API_HOST = f"{API_ID}.execute-api.{REGION}.amazonaws.com"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:textloop-TriggerQueue-1A2B3C4D5E6F"
CONSENT_QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:textloop-ConsentQueue-7G8H9J0K1L2M"

HUBSPOT_CLIENT_SECRET = "local-hubspot-client-secret"
TWILIO_ACCOUNT_SID = "AC5e1f0c2b9d8a47e6b3c2d1e0f9a8b7c6"
TWILIO_AUTH_TOKEN = "7f3c9b2e1d8a4f6e5c0b9a8d7e6f5a4b"
TWILIO_MESSAGING_SERVICE_SID = "MG2b7e4d1c9a8f46e3b5d0c1a2f3e4d5c6"
TWILIO_SENDER = "+14155550100"

SF_ORG_ID = "00D5e000000TxLpEAG"
SF_CHANNEL_ID = "0YL5e0000004DfgAAE"
SF_USER_DANA = "0055e000004TlQaAAK"
SF_OPPORTUNITY_ACME = "0065e00000AcMe2AAF"
SF_CASE_EXPORT = "5005e00000CsExpAAF"
HS_PORTAL_ID = 24681357
HS_APP_ID = 1160452
HS_DEAL_INITECH = 20841130001
PRIYA = "+14155550132"

FIXED_MS = 1795187045000  # 2026-11-20T15:04:05Z
FIXED_TIME = "2026-11-20T15:04:05Z"
CLF_TIME = "20/Nov/2026:15:04:05 +0000"


def _uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"textloop-sample/{name}"))


def http_api_v2(
    route_path: str, body: str, headers: dict[str, str], *, base64_body: bool, ms: int, name: str
) -> dict[str, Any]:
    """An API Gateway HTTP API payload format 2.0 event, $default stage."""
    return {
        "version": "2.0",
        "routeKey": f"POST {route_path}",
        "rawPath": route_path,
        "rawQueryString": "",
        "headers": {
            "host": API_HOST,
            "x-forwarded-proto": "https",
            "x-forwarded-port": "443",
            "x-forwarded-for": "54.174.1.10",
            "x-amzn-trace-id": "Root=1-673df9a5-0123456789abcdef01234567",
            "content-length": str(len(base64.b64decode(body)) if base64_body else len(body.encode())),
            **headers,
        },
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": API_ID,
            "domainName": API_HOST,
            "domainPrefix": API_ID,
            "http": {
                "method": "POST",
                "path": route_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "54.174.1.10",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": _uuid(name),
            "routeKey": f"POST {route_path}",
            "stage": "$default",
            "time": CLF_TIME,
            "timeEpoch": ms,
        },
        "body": body,
        "isBase64Encoded": base64_body,
    }


def hubspot_webhook(ms: int) -> dict[str, Any]:
    batch = [
        {
            "eventId": 3816279340,
            "subscriptionId": 2401,
            "portalId": HS_PORTAL_ID,
            "appId": HS_APP_ID,
            "occurredAt": ms - 1500,
            "subscriptionType": "deal.propertyChange",
            "attemptNumber": 0,
            "objectId": HS_DEAL_INITECH,
            "propertyName": "dealstage",
            "propertyValue": "contractsent",
            "changeSource": "CRM_UI",
            "sourceId": "userId:71234501",
        }
    ]
    body = json.dumps(batch, separators=(",", ":"))
    timestamp = str(ms)
    uri = f"https://{API_HOST}/hubspot/webhooks"
    message = ("POST" + uri + body + timestamp).encode()
    signature = base64.b64encode(
        hmac.new(HUBSPOT_CLIENT_SECRET.encode(), message, hashlib.sha256).digest()
    ).decode()
    headers = {
        "content-type": "application/json",
        "user-agent": "HubSpot Connect 2.0 (http://dev.hubspot.com/) - WebhooksExecutorDaemon-executor",
        "x-hubspot-request-timestamp": timestamp,
        "x-hubspot-signature-v3": signature,
        "x-hubspot-signature-version": "v3",
    }
    return http_api_v2("/hubspot/webhooks", body, headers, base64_body=False, ms=ms, name="hubspot")


def twilio_form(path: str, params: dict[str, str], name: str) -> dict[str, Any]:
    """A form-encoded Twilio webhook as HTTP API v2 delivers it, with a real X-Twilio-Signature."""
    url = f"https://{API_HOST}{path}"
    # X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + each param name+value sorted by name)).
    payload = url + "".join(k + v for k, v in sorted(params.items()))
    signature = base64.b64encode(
        hmac.new(TWILIO_AUTH_TOKEN.encode(), payload.encode(), hashlib.sha1).digest()
    ).decode()
    body = base64.b64encode(urlencode(params).encode()).decode()
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "user-agent": "TwilioProxy/1.1",
        "i-twilio-idempotency-token": _uuid(f"{name}-idem"),
        "x-home-region": "us1",
        "x-twilio-signature": signature,
    }
    return http_api_v2(path, body, headers, base64_body=True, ms=FIXED_MS, name=name)


def twilio_status() -> dict[str, Any]:
    sid = "SM" + "3f1a2b4c5d6e7f8091a2b3c4d5e6f708"
    params = {
        "AccountSid": TWILIO_ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "From": TWILIO_SENDER,
        "MessageSid": sid,
        "MessageStatus": "delivered",
        "MessagingServiceSid": TWILIO_MESSAGING_SERVICE_SID,
        "SmsSid": sid,
        "SmsStatus": "delivered",
        "To": PRIYA,
    }
    return twilio_form("/twilio/status", params, "twilio")


INBOUND_SID = "SM" + "7c2d9e1f0a3b4c5d6e7f8091a2b3c4d5"


def twilio_inbound() -> dict[str, Any]:
    params = {
        "AccountSid": TWILIO_ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "Body": "What would 50 seats cost?",
        "From": PRIYA,
        "FromCountry": "US",
        "MessageSid": INBOUND_SID,
        "MessagingServiceSid": TWILIO_MESSAGING_SERVICE_SID,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsMessageSid": INBOUND_SID,
        "SmsSid": INBOUND_SID,
        "SmsStatus": "received",
        "To": TWILIO_SENDER,
        "ToCountry": "US",
    }
    return twilio_form("/twilio/inbound", params, "twilio-inbound")


def reply_envelope() -> dict[str, Any]:
    """What TwilioInboundFunction queues on InboundQueue for the message above."""
    sms = {
        "sid": INBOUND_SID,
        "sender": PRIYA,
        "to": TWILIO_SENDER,
        "body": "What would 50 seats cost?",
        "num_media": 0,
        "media_types": [],
        "opt_out_type": None,
        "received_at": "2026-11-20T15:04:05+00:00",
    }
    classification = {"intent": "buying_signal", "opt_out": False, "confidence": 0.9}
    return {"type": "reply", "sms": sms, "classification": classification}


STOP_SID = "SM" + "9b4e2f7a1c6d4e8f9a0b1c2d3e4f5a6b"


def consent_change() -> str:
    """What TwilioInboundFunction queues on ConsentQueue when the ConsentTable cannot be written: the
    seed contact Priya's STOP, evidence its MessageSid (the body exactly as the webhook serializes it)."""
    change = {
        "type": "consent_change",
        "phone": PRIYA,
        "status": "opted_out",
        "source": "twilio_inbound",
        "evidence": STOP_SID,
        "at": "2026-11-20T15:04:05.412093+00:00",
    }
    return json.dumps(change)


def _header(entity: str, record_id: str, changed: list[str]) -> dict[str, Any]:
    return {
        "entityName": entity,
        "recordIds": [record_id],
        "changeType": "UPDATE",
        "changedFields": changed,
        "changeOrigin": "com/salesforce/api/rest/62.0",
        "transactionKey": _uuid(f"tx/{record_id}"),
        "sequenceNumber": 1,
        "commitTimestamp": FIXED_MS,
        "commitNumber": 11652013446,
        "commitUser": SF_USER_DANA,
        "nulledFields": [],
        "diffFields": [],
    }


def event_relay(detail_type: str, payload: dict[str, Any], name: str) -> dict[str, Any]:
    """An EventBridge event as Salesforce Event Relay delivers it: the CDC payload under detail.payload."""
    return {
        "version": "0",
        "id": _uuid(f"eb/{name}"),
        "detail-type": detail_type,
        "source": f"aws.partner/salesforce.com/{SF_ORG_ID}/{SF_CHANNEL_ID}",
        "account": ACCOUNT,
        "time": FIXED_TIME,
        "region": REGION,
        "resources": [],
        "detail": {"payload": payload, "schemaId": "X3y6m9m-Q1pRf3e0R0c8nQ", "id": _uuid(f"cdc/{name}")},
    }


def sqs_event(body: Any, name: str, queue_arn: str = QUEUE_ARN) -> dict[str, Any]:
    """One SQS record as the event source mapping delivers it; a str body is the message text as is."""
    text = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
    return {
        "Records": [
            {
                "messageId": _uuid(f"sqs/{name}"),
                "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a" + name,
                "body": text,
                "attributes": {
                    "ApproximateReceiveCount": "1",
                    "SentTimestamp": str(FIXED_MS),
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": str(FIXED_MS + 20),
                },
                "messageAttributes": {},
                "md5OfBody": hashlib.md5(text.encode()).hexdigest(),  # noqa: S324 - SQS's own checksum
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
        ]
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--now", action="store_true", help="sign the HubSpot webhook with the current time")
    args = parser.parse_args()
    hubspot_ms = int(time.time() * 1000) if args.now else FIXED_MS

    opportunity = event_relay(
        "OpportunityChangeEvent",
        {
            "ChangeEventHeader": _header(
                "Opportunity", SF_OPPORTUNITY_ACME, ["StageName", "LastModifiedDate"]
            ),
            "StageName": "Negotiation/Review",
            "LastModifiedDate": "2026-11-20T15:04:05.000Z",
        },
        "opportunity",
    )
    case = event_relay(
        "CaseChangeEvent",
        {
            "ChangeEventHeader": _header("Case", SF_CASE_EXPORT, ["Status", "LastModifiedDate"]),
            "Status": "Closed",
            "LastModifiedDate": "2026-11-20T15:04:05.000Z",
        },
        "case",
    )
    # What HubSpotWebhookFunction enqueues for each event of the batch above.
    hubspot_deal = {"source": "hubspot", "event": json.loads(hubspot_webhook(FIXED_MS)["body"])[0]}
    files = {
        "hubspot_webhook.json": hubspot_webhook(hubspot_ms),
        "dispatcher_salesforce_opportunity.json": sqs_event(opportunity, "opportunity"),
        "dispatcher_salesforce_case.json": sqs_event(case, "case"),
        "dispatcher_hubspot_deal.json": sqs_event(hubspot_deal, "hubspot-deal"),
        "twilio_status.json": twilio_status(),
        "twilio_inbound.json": twilio_inbound(),
        "reply_router.json": sqs_event(reply_envelope(), "reply"),
        "sla_watchdog.json": {},  # EventBridge Scheduler (ScheduleV2) sends no input
        "consent_writer.json": sqs_event(consent_change(), "consent", CONSENT_QUEUE_ARN),
    }
    EVENTS.mkdir(exist_ok=True)
    for name, event in files.items():
        (EVENTS / name).write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")
        print(f"wrote events/{name}")


if __name__ == "__main__":
    main()
