"""One stack, two HubSpot portals of the same app: each portal's deal is read, texted and logged through
its own credentials (the second portal's emulator accepts only its own token), and a portal without
credentials is skipped as ``unknown_tenant``, recorded, with no SMS."""

from __future__ import annotations

import json


def requests_of(demo, name: str) -> list[dict]:
    lines = (demo.out_dir / f"{name}_requests.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line]


def outcomes_of(state: dict, portal: str) -> list[dict]:
    return [i for i in state["ledger"] if i["pk"].startswith(f"EVENT#hs:{portal}:")]


def test_given_the_demo_then_both_portals_deals_are_texted_each_through_its_own_portal(
    demo, state, seed
) -> None:
    (second,) = outcomes_of(state, seed.HS2_PORTAL_ID)
    first = outcomes_of(state, seed.HS_PORTAL_ID)

    assert second["outcome"] == "sent" and any(o["outcome"] == "sent" for o in first)
    texted = [m for m in state["sms"] if m["sid"] == second["sid"]]
    assert len(texted) == 1 and "Olivia" in texted[0]["body"]
    # Read and logged in the second portal only (its emulator accepts nothing but that portal's token)
    own = requests_of(demo, f"hubspot_{seed.HS2_PORTAL_ID}")
    assert any(r["path"] == f"/crm/v3/objects/deals/{seed.HS2_DEAL_GLOBEX}" for r in own)
    assert any(r["method"] == "POST" and r["path"] == "/crm/v3/objects/communications" for r in own)
    communications = state["hubspot_portals"][seed.HS2_PORTAL_ID]["communications"]
    assert [c["id"] for c in communications] == [second["activity_id"]]
    assert not any(seed.HS2_DEAL_GLOBEX in r["path"] for r in requests_of(demo, "hubspot"))


def test_given_the_demo_then_message_records_carry_their_portal(state, seed) -> None:
    records = {i["sid"]: i for i in state["ledger"] if i["pk"].startswith("MSG#")}
    (second,) = outcomes_of(state, seed.HS2_PORTAL_ID)
    first = [o for o in outcomes_of(state, seed.HS_PORTAL_ID) if o["outcome"] == "sent"]

    assert records[second["sid"]]["account"] == seed.HS2_PORTAL_ID
    assert {records[o["sid"]]["account"] for o in first} == {seed.HS_PORTAL_ID}


def test_given_an_event_from_a_portal_without_credentials_then_it_is_skipped_as_unknown_tenant(
    demo, state, seed
) -> None:
    (skipped,) = outcomes_of(state, seed.HS_UNKNOWN_PORTAL_ID)

    assert skipped["outcome"] == "skipped" and skipped["reason"] == "unknown_tenant"
    assert skipped["details"]["account"] == seed.HS_UNKNOWN_PORTAL_ID and not skipped["sid"]
    assert "(n) HubSpot: a portal without credentials" in demo.transcript
    assert all(ok for ok, _ in demo.verdict.checks)
