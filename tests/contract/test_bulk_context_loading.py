"""Bulk context loading (the gateways' ``prefetch``) over real HTTP against the emulators: the contexts it
loads are the ones a record's own read gives, in a handful of bulk calls (SOQL ``IN`` over up to 200 ids;
HubSpot batch reads of up to 100 and v4 association batch reads), and ``load_context`` answers each one from
the cache once, with no call. Calls are counted from the emulators' request logs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from textloop.adapters.hubspot import HubSpotGateway
from textloop.adapters.salesforce import SalesforceGateway
from textloop.domain.errors import RecordNotFound
from textloop.domain.model import RecordRef
from textloop_local.emulators import HubSpotEmulator, SalesforceEmulator, seed

REFERENCE = Path(__file__).parents[1] / "data" / "hubspot_openapi_batch_read.json"


def _sf(salesforce: SalesforceEmulator) -> SalesforceGateway:
    return SalesforceGateway.connect(
        salesforce.url, "local-sf-token", ca_bundle=str(salesforce.ca_bundle_path)
    )


def _hs(hubspot: HubSpotEmulator) -> HubSpotGateway:
    return HubSpotGateway.connect("local-hubspot-token", base_url=hubspot.url)


def _api_calls(emulator: SalesforceEmulator | HubSpotEmulator) -> list[dict[str, Any]]:
    return [r for r in emulator.requests if "oauth" not in r["path"]]


def _soql(request: dict[str, Any]) -> str:
    query = request["query"].get("q", "")
    return str(query if isinstance(query, str) else query[-1])


SF_CASES = [
    ("opportunity", [seed.SF_OPPORTUNITY_ACME, seed.SF_OPPORTUNITY_GLOBEX], ["Name", "StageName"], None),
    (
        "opportunity",
        [seed.SF_OPPORTUNITY_ACME_RENEWAL, seed.SF_OPPORTUNITY_GLOBEX_RENEWAL],
        ["Name", "CloseDate", "Account.Name"],
        "Decision Maker",
    ),
    ("case", [seed.SF_CASE_EXPORT, seed.SF_CASE_NO_PHONE, seed.SF_CASE_BADGE], ["Subject", "Status"], None),
    (
        "contract",
        [seed.SF_CONTRACT_SOYLENT, seed.SF_CONTRACT_SOYLENT_LATER],
        ["EndDate", "Account.Seats_Used__c"],
        "Decision Maker",
    ),
    ("contract", [seed.SF_CONTRACT_SOYLENT, seed.SF_CONTRACT_SOYLENT_LATER], ["EndDate"], None),
]


@pytest.mark.parametrize(("object_type", "ids", "fields", "role"), SF_CASES)
def test_given_salesforce_records_when_prefetched_then_each_context_is_its_own_read_without_a_call(
    salesforce: SalesforceEmulator,
    object_type: str,
    ids: list[str],
    fields: list[str],
    role: str | None,
) -> None:
    records = [RecordRef("salesforce", object_type, i) for i in ids]  # type: ignore[arg-type]
    expected = [_sf(salesforce).load_context(r, fields, role) for r in records]
    gateway = _sf(salesforce)
    before = len(_api_calls(salesforce))

    held = gateway.prefetch(records, fields, role)
    bulk = _api_calls(salesforce)[before:]
    loaded = [gateway.load_context(r, fields, role) for r in records]

    assert held == len(records)
    assert loaded == expected
    assert len(_api_calls(salesforce)) == before + len(bulk)  # load_context answered from the cache
    assert 1 <= len(bulk) <= 3  # records; contact roles; the accounts' primary contacts
    assert all(" IN (" in _soql(r) for r in bulk)


def test_given_more_than_200_salesforce_records_when_prefetched_then_each_soql_names_200_ids_at_most(
    salesforce: SalesforceEmulator,
) -> None:
    made = [
        salesforce.create_record(
            "Opportunity",
            {"Name": f"Bulk {n}", "StageName": "Prospecting", "CloseDate": "2027-01-01"},
        )
        for n in range(450)
    ]
    gateway = _sf(salesforce)
    before = len(_api_calls(salesforce))

    held = gateway.prefetch([RecordRef("salesforce", "opportunity", i) for i in made], ["Name"])

    bulk = _api_calls(salesforce)[before:]
    assert held == 450
    record_reads = [_soql(r) for r in bulk if " FROM Opportunity " in _soql(r)]
    assert len(record_reads) == 3  # 200 + 200 + 50
    assert [q.count("'006") for q in record_reads] == [200, 200, 50]
    assert len(bulk) == 6  # and the contact roles of each 200


def test_given_a_prefetched_context_when_loaded_twice_then_the_second_load_reads_salesforce_again(
    salesforce: SalesforceEmulator,
) -> None:
    gateway = _sf(salesforce)
    records = [RecordRef("salesforce", "case", i) for i in (seed.SF_CASE_EXPORT, seed.SF_CASE_BADGE)]
    gateway.prefetch(records, ["Subject"])
    gateway.load_context(records[0], ["Subject"])
    before = len(_api_calls(salesforce))

    gateway.load_context(records[0], ["Subject"])  # taken once: a second event re-reads
    gateway.load_context(records[1], ["Subject", "Status"])  # other fields: never from the cache

    assert len(_api_calls(salesforce)) == before + 4  # two records, each a GET and a SOQL


def test_given_a_deleted_salesforce_record_when_prefetched_then_it_is_read_on_its_own_and_not_found(
    salesforce: SalesforceEmulator,
) -> None:
    gateway = _sf(salesforce)
    gone = RecordRef("salesforce", "case", "5005e00000CsGonAAF")
    cases = [RecordRef("salesforce", "case", seed.SF_CASE_EXPORT), gone]

    assert gateway.prefetch(cases, ["Subject"]) == 1
    with pytest.raises(RecordNotFound):
        gateway.load_context(gone, ["Subject"])


HS_CASES = [
    (
        "deal",
        [seed.HS_DEAL_INITECH, seed.HS_DEAL_UMBRELLA, seed.HS_DEAL_HOOLI, seed.HS_DEAL_VANDELAY],
        ["dealname", "dealstage"],
        None,
    ),
    (
        "deal",
        [seed.HS_DEAL_INITECH_RENEWAL, seed.HS_DEAL_UMBRELLA_RENEWAL, seed.HS_DEAL_INITECH],
        ["dealname", "renewal_date"],
        "Decision maker",
    ),
    ("ticket", [seed.HS_TICKET_SSO, seed.HS_TICKET_NO_CONTACT], ["subject"], None),
]


@pytest.mark.parametrize(("object_type", "ids", "fields", "role"), HS_CASES)
def test_given_hubspot_records_when_prefetched_then_each_context_is_its_own_read_without_a_call(
    hubspot: HubSpotEmulator, object_type: str, ids: list[str], fields: list[str], role: str | None
) -> None:
    records = [RecordRef("hubspot", object_type, i) for i in ids]  # type: ignore[arg-type]
    expected = [_hs(hubspot).load_context(r, fields, role) for r in records]
    gateway = _hs(hubspot)
    before = len(_api_calls(hubspot))

    held = gateway.prefetch(records, fields, role)
    bulk = _api_calls(hubspot)[before:]
    loaded = [gateway.load_context(r, fields, role) for r in records]

    assert held == len(records)
    assert loaded == expected
    assert len(_api_calls(hubspot)) == before + len(bulk)
    paths = [r["path"] for r in bulk]
    assert paths[:3] == [
        f"/crm/v3/objects/{object_type}s/batch/read",
        f"/crm/v4/associations/{object_type}s/contacts/batch/read",
        f"/crm/v4/associations/{object_type}s/companies/batch/read",
    ]
    assert len(bulk) <= 5  # and one contacts batch read, one owners read


def test_given_250_hubspot_deals_when_prefetched_then_batches_of_100_and_one_owner_list(
    hubspot: HubSpotEmulator,
) -> None:
    deals = [_new_deal(hubspot, n) for n in range(250)]
    gateway = _hs(hubspot)
    before = len(_api_calls(hubspot))

    held = gateway.prefetch([RecordRef("hubspot", "deal", d) for d in deals], ["dealname"])

    bulk = _api_calls(hubspot)[before:]
    assert held == 250
    reads = [r for r in bulk if r["path"] == "/crm/v3/objects/deals/batch/read"]
    assert [len(r["body"]["inputs"]) for r in reads] == [100, 100, 50]
    assert all(len(r["body"]["inputs"]) <= 100 for r in bulk if r["method"] == "POST")
    assert len(bulk) == 3 * 5  # per 100: deals, two association reads, contacts, the owners' list
    assert {r["path"] for r in bulk if r["method"] == "GET"} == {"/crm/v3/owners/"}


def test_given_a_deleted_hubspot_deal_when_prefetched_then_it_is_read_on_its_own_and_not_found(
    hubspot: HubSpotEmulator,
) -> None:
    gateway = _hs(hubspot)
    gone = RecordRef("hubspot", "deal", "20841139999")

    held = gateway.prefetch([RecordRef("hubspot", "deal", seed.HS_DEAL_INITECH), gone], ["dealname"])

    assert held == 1
    with pytest.raises(RecordNotFound):
        gateway.load_context(gone, ["dealname"])


def test_given_the_batch_read_endpoints_when_called_then_they_answer_as_hubspot_documents_them(
    hubspot: HubSpotEmulator,
) -> None:
    """Shapes checked against the schemas copied from HubSpot's OpenAPI files (tests/data, source noted)."""
    import requests

    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    headers = {"Authorization": "Bearer local-hubspot-token"}
    read = requests.post(
        f"{hubspot.url}/crm/v3/objects/deals/batch/read",
        json={"inputs": [{"id": seed.HS_DEAL_INITECH}, {"id": "1"}], "properties": ["dealname"]},
        headers=headers,
        timeout=5,
    )
    links = requests.post(
        f"{hubspot.url}/crm/v4/associations/deals/contacts/batch/read",
        json={"inputs": [{"id": seed.HS_DEAL_INITECH_RENEWAL}, {"id": "1"}]},
        headers=headers,
        timeout=5,
    )
    too_many = requests.post(
        f"{hubspot.url}/crm/v3/objects/deals/batch/read",
        json={"inputs": [{"id": str(n)} for n in range(101)], "properties": []},
        headers=headers,
        timeout=5,
    )

    assert read.status_code == 207 and links.status_code == 207 and too_many.status_code == 400
    _conforms(read.json(), "BatchResponseSimplePublicObjectWithErrors", reference)
    _conforms(links.json(), "BatchResponsePublicAssociationMultiWithLabelWithErrors", reference)
    stored = next(d for d in hubspot.state()["deals"] if d["id"] == seed.HS_DEAL_INITECH)
    assert read.json()["results"][0]["properties"]["dealname"] == stored["properties"]["dealname"]
    assert read.json()["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert read.json()["errors"][0]["context"] == {"ids": ["1"]}
    labels = {t["label"] for to in links.json()["results"][0]["to"] for t in to["associationTypes"]}
    assert "Decision maker" in labels


def _conforms(body: dict[str, Any], schema: str, reference: dict[str, Any]) -> None:
    """Every required property of *schema* (and of the nested schemas it references) is present."""
    definition = reference["schemas"][schema]
    for name in definition.get("required", []):
        assert name in body, f"{schema} lacks {name}"
    for name, spec in definition.get("properties", {}).items():
        ref = spec.get("items", {}).get("$ref") if spec.get("type") == "array" else spec.get("$ref")
        if ref and name in body:
            nested = ref.rsplit("/", 1)[-1]
            for item in body[name] if isinstance(body[name], list) else [body[name]]:
                if nested in reference["schemas"]:
                    _conforms(item, nested, reference)


def _new_deal(hubspot: HubSpotEmulator, n: int) -> str:
    import requests

    made = requests.post(
        f"{hubspot.url}/crm/v3/objects/deals",
        json={
            "properties": {
                "dealname": f"Bulk {n}",
                "hubspot_owner_id": seed.HS_OWNER_AVERY if n % 2 else seed.HS_OWNER_JORDAN,
            },
            "associations": [
                {
                    "to": {"id": seed.HS_CONTACT_MARIA},
                    "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}],
                }
            ],
        },
        headers={"Authorization": "Bearer local-hubspot-token"},
        timeout=5,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["id"])
