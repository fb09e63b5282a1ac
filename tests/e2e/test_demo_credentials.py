"""The demo's stack authenticates as deployed: Salesforce through the JWT bearer flow, HubSpot through OAuth
refresh, each token obtained once and reused until the demo expires every token mid-run; then each is renewed
once and no event is lost (the emulators' request logs)."""

from __future__ import annotations

import json

import jwt


def requests_of(demo, vendor: str) -> list[dict]:
    lines = (demo.out_dir / f"{vendor}_requests.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line]


def test_given_the_demo_then_salesforce_tokens_come_from_one_jwt_bearer_grant(demo) -> None:
    calls = [r for r in requests_of(demo, "salesforce") if r["path"] == "/services/oauth2/token"]

    assert len(calls) == 2  # one at the start, one after the mid-run session timeout
    assert calls[0]["body"]["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    claims = jwt.decode(calls[0]["body"]["assertion"], options={"verify_signature": False})
    assert claims["iss"] == "local-sf-consumer-key" and claims["sub"].startswith("textloop-integration@")


def test_given_the_demo_then_hubspot_tokens_come_from_one_refresh(demo) -> None:
    calls = [r for r in requests_of(demo, "hubspot") if r["path"] == "/oauth/v1/token"]

    assert len(calls) == 2  # one at the start, one after the mid-run expiry
    assert calls[0]["body"]["grant_type"] == "refresh_token"


def test_given_tokens_expired_mid_run_then_the_transcript_shows_one_renewal_each_and_the_demo_passed(
    demo,
) -> None:
    assert demo.ok
    section = demo.transcript.split("## Credentials", 1)[1]
    assert "- salesforce: 1 token request before the expiry, 1 after" in section
    assert "- hubspot: 1 token request before the expiry, 1 after" in section
    routed = [r for r in demo.state["inbound"] if r.get("intent")]
    assert len(routed) == len(demo.replies)  # every reply after the expiry reached its record
