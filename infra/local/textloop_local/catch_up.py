"""``textloop catch-up``: queue the records that reached a trigger value while Textloop was not listening
(an Event Relay stopped, a HubSpot subscription paused, the stack down), as if their change had arrived.

    textloop catch-up --since 2026-03-01T08:00:00Z [--until ISO] [--crm salesforce|hubspot] [--dry-run]
                      [--salesforce-org ORG_ID] [--hubspot-portal PORTAL_ID] [--triggers-file PATH]
                      [--stack-url URL | --stack-name NAME [--region R]]

For every trigger rule: Salesforce, one SOQL per object and field (simple-salesforce) —
``SELECT Id, <field>, LastModifiedDate FROM <Object> WHERE <field> IN (<values>) AND SystemModstamp >= <since>
[AND SystemModstamp < <until>] ORDER BY SystemModstamp``; HubSpot, one CRM search per object and property
(hubspot-api-client) — ``<property> IN <values>`` and ``hs_lastmodifieddate`` GTE since [LT until]. Each
record found goes on TriggerQueue in the shape the live path gives it: Salesforce an EventBridge change
event (``changeType`` UPDATE, the field's value in the payload), HubSpot the webhook envelope
``{"source": "hubspot", "event": {...propertyChange}}``. The dispatcher then judges it as any change:
stage still current, consent, send-time policy, caps.

Never a second SMS: the event's key is derived from the record, the trigger value and the record's last
modification (``transactionKey``/``eventId`` = a hash of them), so running catch-up twice queues the
same key (its outcome is already recorded: a duplicate); and a record already texted for that rule —
live, or by an earlier catch-up after another edit — finds its send slot taken within the cooldown.

Which stack: ``--stack-url`` a local stack (the functions' environment from ``GET /_local/env``);
``--stack-name`` a deployed stack (the DispatcherFunction's environment: queue, secrets and settings, read
with ``lambda:GetFunctionConfiguration``; the CRM credentials with ``secretsmanager:GetSecretValue``); neither:
your environment. Prints a JSON report (records, never a phone number). Exit codes: 0 done, 1 failed,
2 bad input.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textloop_local.privacy import Unusable, _local_env

SF_OBJECTS = {"opportunity": "Opportunity", "case": "Case"}
HS_OBJECTS = {"deal": "deals", "ticket": "tickets"}
CATCH_UP_CHANNEL = "textloop-catch-up"
PAGE = 100


@dataclass(frozen=True)
class Found:
    crm: str
    object_type: str
    record_id: str
    rule: str
    field: str
    value: str
    modified_at: str  # LastModifiedDate / hs_lastmodifieddate as the CRM gave it
    event_key: str = ""


def add_catch_up(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    text = "queue the records that reached a trigger value while Textloop was not listening"
    p = sub.add_parser("catch-up", help=text, description=text)
    p.add_argument("--since", required=True, type=_instant, help="ISO 8601 time, e.g. 2026-03-01T08:00:00Z")
    p.add_argument("--until", type=_instant, default=None, help="ISO 8601 time (default: now)")
    p.add_argument("--crm", choices=("salesforce", "hubspot"), default=None, help="one CRM (default: both)")
    p.add_argument("--dry-run", action="store_true", help="list what would be queued; queue nothing")
    p.add_argument(
        "--salesforce-org", default="", help="the org id for the events (default: the default org)"
    )
    p.add_argument(
        "--hubspot-portal", default=None, help="the portal id (default: the HubSpot secret's 'account')"
    )
    p.add_argument("--triggers-file", default=None, help="the rules file (default: the stack's)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--stack-url", help="a local stack (textloop serve), e.g. http://127.0.0.1:8787")
    where.add_argument("--stack-name", help="a deployed stack (CloudFormation), default AWS credentials")
    p.add_argument("--region", default=None, help="AWS region of --stack-name (default: your AWS config)")
    p.set_defaults(func=_run)


def _instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {value!r}") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _run(args: argparse.Namespace) -> int:
    until = args.until or datetime.now(UTC)
    if args.since >= until:
        print("textloop catch-up: --since must be before --until", file=sys.stderr)
        return 2
    try:
        env = stack_environment(args.stack_url, args.stack_name, args.region, os.environ)
        if args.triggers_file:
            env["TRIGGERS_FILE"] = args.triggers_file
        elif env.get("TRIGGERS_FILE") and not Path(env["TRIGGERS_FILE"]).is_file():
            raise Unusable(
                f"the stack's TRIGGERS_FILE {env['TRIGGERS_FILE']} is not here: pass --triggers-file"
            )
        os.environ.update(env)  # this process is the functions' twin: same settings, secrets, endpoints
        found, bodies = catch_up(
            args.since,
            until,
            crms=[args.crm] if args.crm else ["salesforce", "hubspot"],
            salesforce_org=args.salesforce_org,
            hubspot_portal=args.hubspot_portal,
        )
        if not args.dry_run and bodies:
            from textloop.adapters.sqs import SqsQueue

            SqsQueue(_required(env, "TRIGGER_QUEUE_URL")).send_all(bodies)
    except Unusable as exc:
        print(f"textloop catch-up: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # a CRM, AWS or network failure: nothing half-queued is lost (at-least-once)
        print(f"textloop catch-up: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    report = {
        "since": _iso(args.since),
        "until": _iso(until),
        "dry_run": args.dry_run,
        ("would_queue" if args.dry_run else "queued"): len(bodies),
        "records": [asdict(f) for f in found],
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


# ------------------------------------------------------------------------------------------ the stack


def stack_environment(
    stack_url: str | None, stack_name: str | None, region: str | None, env: Mapping[str, str]
) -> dict[str, str]:
    """The environment the dispatcher runs with: the local stack's, the deployed function's, or ours."""
    if stack_url:
        return _local_env(stack_url)
    if stack_name:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError

        client = {"region_name": region} if region else {}
        try:
            resources = boto3.client("cloudformation", **client).describe_stack_resource(
                StackName=stack_name, LogicalResourceId="DispatcherFunction"
            )["StackResourceDetail"]
            config = boto3.client("lambda", **client).get_function_configuration(
                FunctionName=resources["PhysicalResourceId"]
            )
        except (BotoCoreError, ClientError) as exc:
            raise Unusable(f"cannot read the stack {stack_name}: {exc}") from None
        values = dict(config.get("Environment", {}).get("Variables", {}))
        if region:
            values.setdefault("AWS_REGION", region)
        return values
    return dict(env)


def _required(env: Mapping[str, str], name: str) -> str:
    if not env.get(name):
        raise Unusable(f"{name} is not set in the stack's environment")
    return env[name]


# ------------------------------------------------------------------------------------------ catch-up


def catch_up(
    since: datetime,
    until: datetime,
    *,
    crms: list[str],
    salesforce_org: str = "",
    hubspot_portal: str | None = None,
) -> tuple[list[Found], list[str]]:
    """The records at a trigger value modified in [since, until), and their TriggerQueue bodies."""
    from textloop import bootstrap

    rules = [r for r in bootstrap.rules().rules if r.renewal is None]  # renewals: the renewal scanner
    found: list[Found] = []
    bodies: list[str] = []
    if "salesforce" in crms and any(r.crm == "salesforce" for r in rules):
        sf = bootstrap.crm_gateway("salesforce", salesforce_org)._sf
        for item in _salesforce(sf, [r for r in rules if r.crm == "salesforce"], since, until):
            body, key = salesforce_event(item, salesforce_org)
            found.append(_keyed(item, key))
            bodies.append(body)
    if "hubspot" in crms and any(r.crm == "hubspot" for r in rules):
        portal = hubspot_portal or _hubspot_portal()
        gateway = bootstrap.crm_gateway("hubspot", portal)
        for item in _hubspot(gateway, [r for r in rules if r.crm == "hubspot"], since, until):
            body, key = hubspot_event(item, portal)
            found.append(_keyed(item, key))
            bodies.append(body)
    return found, bodies


def _keyed(item: Found, key: str) -> Found:
    return Found(**{**asdict(item), "event_key": key})


def _groups(rules: list[Any]) -> dict[tuple[str, str], tuple[list[str], list[str]]]:
    """(object type, field) -> (the trigger values, the rule names): one query each."""
    groups: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for rule in rules:
        values, names = groups.setdefault((rule.object_type, rule.field), ([], []))
        values.extend(v for v in rule.equals if v not in values)
        names.append(rule.name)
    return groups


def _rule_for(rules: list[Any], object_type: str, field: str, value: Any) -> str:
    return next(
        (r.name for r in rules if (r.object_type, r.field) == (object_type, field) and r.admits(value)), ""
    )


def _salesforce(sf: Any, rules: list[Any], since: datetime, until: datetime) -> Iterator[Found]:
    from simple_salesforce.format import format_soql

    for (object_type, field), (values, _) in _groups(rules).items():
        sobject = SF_OBJECTS[object_type]
        soql = format_soql(
            f"SELECT Id, {field}, LastModifiedDate, SystemModstamp FROM {sobject} WHERE {field} IN {{values}}"
            f" AND SystemModstamp >= {_soql_time(since)} AND SystemModstamp < {_soql_time(until)}"
            " ORDER BY SystemModstamp ASC",
            values=values,
        )
        for row in sf.query_all(soql).get("records", []):
            value = row.get(field)
            yield Found(
                "salesforce",
                object_type,
                str(row["Id"]),
                _rule_for(rules, object_type, field, value),
                field,
                str(value),
                str(row.get("LastModifiedDate") or row.get("SystemModstamp") or ""),
            )


def _hubspot(gateway: Any, rules: list[Any], since: datetime, until: datetime) -> Iterator[Found]:
    import importlib

    records = gateway._records
    for (object_type, field), (values, _) in _groups(rules).items():
        module = importlib.import_module(f"hubspot.crm.{HS_OBJECTS[object_type]}")
        search = _search_api(records[object_type], HS_OBJECTS[object_type])
        after: str | None = None
        while True:
            request = module.PublicObjectSearchRequest(
                filter_groups=[
                    module.FilterGroup(
                        filters=[
                            module.Filter(property_name=field, operator="IN", values=list(values)),
                            module.Filter(
                                property_name="hs_lastmodifieddate", operator="GTE", value=str(_ms(since))
                            ),
                            module.Filter(
                                property_name="hs_lastmodifieddate", operator="LT", value=str(_ms(until))
                            ),
                        ]
                    )
                ],
                properties=[field, "hs_lastmodifieddate"],
                sorts=["hs_lastmodifieddate"],
                limit=PAGE,
                after=after,
            )
            page = search.do_search(public_object_search_request=request)
            for obj in page.results or []:
                properties = obj.properties or {}
                value = properties.get(field)
                yield Found(
                    "hubspot",
                    object_type,
                    str(obj.id),
                    _rule_for(rules, object_type, field, value),
                    field,
                    str(value),
                    str(properties.get("hs_lastmodifieddate") or ""),
                )
            following = page.paging.next if page.paging is not None else None
            if following is None or not following.after:
                break
            after = following.after


def _search_api(basic: Any, object_name: str) -> Any:
    """The search API of the object, authenticated like the gateway's basic API (a 401 renews the token)."""
    sdk = getattr(basic, "_api", basic)  # the gateway wraps each SDK API to renew tokens on a 401
    search = type(sdk).__module__.replace("basic_api", "search_api")
    import importlib

    api = importlib.import_module(search).SearchApi(api_client=sdk.api_client)
    auth = getattr(basic, "_auth", None)
    return api if auth is None else type(basic)(api, auth)


def _hubspot_portal() -> str:
    """The portal id: the HubSpot secret's ``account`` key (its first entry)."""
    from textloop.config import Secrets

    try:
        account = Secrets("HUBSPOT").values().get("account") or ""
    except Exception:
        account = ""
    portal = account.split(",")[0].strip()
    if not portal.isdigit():
        raise Unusable("which HubSpot portal? pass --hubspot-portal <portal id>")
    return portal


# -------------------------------------------------------------------------------------- the events


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def salesforce_event(item: Found, org: str) -> tuple[str, str]:
    """An EventBridge-shaped CDC event (Event Relay: payload under ``detail.payload``) and its event key."""
    sobject = SF_OBJECTS[item.object_type]
    digest = _digest("salesforce", sobject, item.record_id, f"{item.field}={item.value}", item.modified_at)
    transaction = f"catchup-{digest[:32]}"
    modified = _parse_time(item.modified_at)
    header = {
        "entityName": sobject,
        "recordIds": [item.record_id],
        "changeType": "UPDATE",
        "changeOrigin": "textloop catch-up",
        "transactionKey": transaction,
        "sequenceNumber": 0,
        "commitTimestamp": _ms(modified),
        "commitUser": "",
        "changedFields": [item.field],
        "nulledFields": [],
        "diffFields": [],
    }
    event = {
        "version": "0",
        "id": str(uuid.UUID(digest[:32])),
        "detail-type": f"{sobject}ChangeEvent",
        "source": f"aws.partner/salesforce.com/{org}/{CATCH_UP_CHANNEL}",
        "account": "",
        "time": _iso(modified),
        "region": os.environ.get("AWS_REGION", ""),
        "resources": [],
        "detail": {
            "payload": {
                "ChangeEventHeader": header,
                item.field: item.value,
                "LastModifiedDate": item.modified_at,
            },
            "id": str(uuid.UUID(digest[32:64])),
        },
    }
    return json.dumps(event, separators=(",", ":")), f"sf:{org}:{transaction}:0:{item.record_id}"


def hubspot_event(item: Found, portal: str) -> tuple[str, str]:
    """The webhook envelope ``{"source": "hubspot", "event": {...}}`` of a propertyChange, and its key."""
    digest = _digest(
        "hubspot", item.object_type, item.record_id, f"{item.field}={item.value}", item.modified_at
    )
    event_id = int(digest[:12], 16)  # stable per record, value and modification; < 2**48
    occurred = _ms(_parse_time(item.modified_at))
    subscription = f"{item.object_type}.propertyChange"
    event = {
        "eventId": event_id,
        "subscriptionId": 0,
        "portalId": int(portal),
        "appId": 0,
        "occurredAt": occurred,
        "subscriptionType": subscription,
        "attemptNumber": 0,
        "objectId": int(item.record_id),
        "propertyName": item.field,
        "propertyValue": item.value,
        "changeSource": "TEXTLOOP_CATCH_UP",
    }
    body = json.dumps({"source": "hubspot", "event": event}, separators=(",", ":"))
    return body, f"hs:{portal}:{subscription}:{item.record_id}:{event_id}:{occurred}"


# ------------------------------------------------------------------------------------------- time


def _parse_time(value: str) -> datetime:
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, UTC)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _soql_time(moment: datetime) -> str:
    """A SOQL dateTime literal (unquoted)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
