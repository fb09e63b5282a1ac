"""SalesforceGateway.log_sms_many (simple-salesforce over HTTPS) against the Salesforce emulator: one SOQL
for the SIDs already logged, one sObject Collections create for the others; per-record errors translated."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import unquote

import requests

from textloop.adapters.salesforce import SMS_SID_FIELD, SalesforceGateway
from textloop.domain.errors import CrmUnavailable, RecordNotFound
from textloop.domain.model import RecordRef, SmsActivity
from textloop_local.emulators import SalesforceEmulator, seed

ACME = RecordRef("salesforce", "opportunity", seed.SF_OPPORTUNITY_ACME)
GLOBEX = RecordRef("salesforce", "opportunity", seed.SF_OPPORTUNITY_GLOBEX)


def gateway(emulator: SalesforceEmulator) -> SalesforceGateway:
    return SalesforceGateway.connect(emulator.url, "local-sf-token", ca_bundle=str(emulator.ca_bundle_path))


def sms(n: int, record: RecordRef = ACME) -> SmsActivity:
    return SmsActivity(
        record=record,
        direction="outbound",
        body=f"Hi Priya, message {n}: the contract is ready",
        phone="+14155550132",
        sid=f"SM{n:032x}",
        at=datetime(2026, 11, 30, 17, 45, tzinfo=UTC),
        contact_id=seed.SF_CONTACT_PRIYA,
        owner_id=seed.SF_USER_DANA,
        subject=f"SMS sent: message {n}",
    )


def calls(emulator: SalesforceEmulator) -> list[str]:
    return [f"{r['method']} {str(r['path']).split('/v62.0/')[-1].rstrip('/')}" for r in emulator.requests]


def tasks_by_sid(emulator: SalesforceEmulator) -> dict[str, list[dict[str, object]]]:
    found: dict[str, list[dict[str, object]]] = {}
    for task in emulator.state()["Task"]:
        if task.get(SMS_SID_FIELD):
            found.setdefault(str(task[SMS_SID_FIELD]), []).append(task)
    return found


def test_given_ten_sms_when_logged_then_one_query_and_one_collection_create_ten_tasks(
    salesforce: SalesforceEmulator,
) -> None:
    # Given ten SMS of a batch, When logged at once
    activities = [sms(n) for n in range(1, 11)]
    logged = gateway(salesforce).log_sms_many(activities)
    # Then two calls: the SID lookup and one collection create; ten Tasks, each keyed by its SID
    assert calls(salesforce) == ["GET query", "POST composite/sobjects"]
    soql = unquote(str(salesforce.requests[0]["query"]["q"]))  # type: ignore[index]
    assert f"{SMS_SID_FIELD} IN (" in soql and "CreatedDate >= 2026-11-30T16:45:00Z" in soql
    assert salesforce.requests[1]["body"]["allOrNone"] is False  # type: ignore[index]
    assert [r.key for r in logged] == [a.sid for a in activities]
    assert all(r.error is None and r.activity_id.startswith("00T") and not r.existing for r in logged)
    stored = tasks_by_sid(salesforce)
    assert {sid: len(t) for sid, t in stored.items()} == {a.sid: 1 for a in activities}
    first = stored[activities[0].sid][0]
    assert (first["WhatId"], first["WhoId"], first["Status"]) == (
        seed.SF_OPPORTUNITY_ACME,
        seed.SF_CONTACT_PRIYA,
        "Completed",
    )


def test_given_some_already_logged_when_logged_again_then_they_are_found_and_never_created_twice(
    salesforce: SalesforceEmulator,
) -> None:
    # Given three SMS logged, and a retry of the batch with two new ones (the answer had been lost)
    crm = gateway(salesforce)
    before = crm.log_sms_many([sms(n) for n in (1, 2, 3)])
    salesforce.requests.clear()
    # When the five are logged
    again = crm.log_sms_many([sms(n) for n in (1, 2, 3, 4, 5)])
    # Then the three are found by SID (same ids), only the two new ones are created
    assert [(r.activity_id, r.existing) for r in again[:3]] == [(r.activity_id, True) for r in before]
    assert [r.existing for r in again[3:]] == [False, False]
    assert len(salesforce.requests[1]["body"]["records"]) == 2  # type: ignore[index]
    assert all(len(t) == 1 for t in tasks_by_sid(salesforce).values()) and len(tasks_by_sid(salesforce)) == 5
    # And logged once more: the lookup alone, no create
    salesforce.requests.clear()
    assert all(r.existing for r in crm.log_sms_many([sms(n) for n in (1, 2, 3, 4, 5)]))
    assert calls(salesforce) == ["GET query"]


def test_given_a_single_sms_logged_twice_then_one_task(salesforce: SalesforceEmulator) -> None:
    crm = gateway(salesforce)
    assert crm.log_sms(sms(7)) == crm.log_sms(sms(7))
    assert len(tasks_by_sid(salesforce)[sms(7).sid]) == 1


def test_given_a_record_deleted_since_then_only_its_log_fails_for_good(
    salesforce: SalesforceEmulator,
) -> None:
    # Given the Globex opportunity was deleted after its SMS went
    gone = RecordRef("salesforce", "opportunity", "006000000000999AAA")
    # When a batch with its SMS is logged
    logged = gateway(salesforce).log_sms_many([sms(1), replace(sms(2), record=gone), sms(3, GLOBEX)])
    # Then the others are on their records; its error is permanent (RecordNotFound), per record
    assert [r.error is None for r in logged] == [True, False, True]
    assert isinstance(logged[1].error, RecordNotFound)
    assert logged[1].error.details["codes"] == ["INVALID_CROSS_REFERENCE_KEY"]
    assert set(tasks_by_sid(salesforce)) == {sms(1).sid, sms(3).sid}


def test_given_salesforce_unavailable_then_every_record_is_to_retry_and_nothing_is_created(
    salesforce: SalesforceEmulator,
) -> None:
    # Given the lookup answers 503
    salesforce.fail_next.append((503, "SERVER_UNAVAILABLE", "try later"))
    # When a batch is logged
    logged = gateway(salesforce).log_sms_many([sms(1), sms(2)])
    # Then each record carries a retryable error; no Task exists
    assert all(isinstance(r.error, CrmUnavailable) for r in logged)
    assert tasks_by_sid(salesforce) == {}


def test_given_more_than_200_sms_then_collections_of_200_at_most(salesforce: SalesforceEmulator) -> None:
    logged = gateway(salesforce).log_sms_many([sms(n) for n in range(1, 206)])
    creates = [r for r in salesforce.requests if str(r["path"]).endswith("composite/sobjects")]
    assert [len(r["body"]["records"]) for r in creates] == [200, 5]  # type: ignore[index]
    assert all(r.error is None for r in logged) and len(tasks_by_sid(salesforce)) == 205


def _collection(
    emulator: SalesforceEmulator, records: list[dict[str, object]], all_or_none: bool
) -> requests.Response:
    return requests.post(
        f"{emulator.url}/services/data/v62.0/composite/sobjects",
        json={"allOrNone": all_or_none, "records": records},
        headers={"Authorization": f"Bearer {emulator.access_token}"},
        verify=str(emulator.ca_bundle_path),
        timeout=10,
    )


def test_given_a_collection_over_200_records_then_the_emulator_refuses_it_as_salesforce_does(
    salesforce: SalesforceEmulator,
) -> None:
    answer = _collection(salesforce, [{"attributes": {"type": "Task"}, "Subject": "t"}] * 201, False)
    assert answer.status_code == 400 and answer.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_given_all_or_none_and_one_bad_record_then_every_record_is_rolled_back(
    salesforce: SalesforceEmulator,
) -> None:
    good = {"attributes": {"type": "Task"}, "Subject": "ok", SMS_SID_FIELD: "SMgood"}
    bad = {"attributes": {"type": "Task"}, "Subject": "bad", "WhatId": "006000000000999AAA"}
    answer = _collection(salesforce, [good, bad], True)
    codes = [[e["statusCode"] for e in r["errors"]] for r in answer.json()]
    assert answer.status_code == 200 and codes == [
        ["ALL_OR_NONE_OPERATION_ROLLED_BACK"],
        ["INVALID_CROSS_REFERENCE_KEY"],
    ]
    assert tasks_by_sid(salesforce) == {}


def test_given_a_click_on_a_logged_sms_then_it_is_its_own_task_keyed_by_the_click(
    salesforce: SalesforceEmulator,
) -> None:
    # Given an SMS logged, and then a click on its link (an activity about the same SID)
    crm = gateway(salesforce)
    sent = crm.log_sms(sms(1))
    click = replace(
        sms(1), direction="inbound", body="SMS link clicked", key="click:Ab3dE:2026-11-30T18:00:00+00:00"
    )
    # When the click is logged, twice (a redelivery)
    first, again = crm.log_sms(click), crm.log_sms(click)
    # Then it has its own Task, logged once; the SMS's Task is untouched
    assert first == again != sent
    assert sorted(tasks_by_sid(salesforce)) == sorted([sms(1).sid, click.key])
