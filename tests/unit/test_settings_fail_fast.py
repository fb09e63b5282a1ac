"""Use case: ops deploy with a broken configuration → the function refuses to start, clearly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from textloop.config import ConfigError, Secrets, Settings
from textloop.domain import templates
from textloop.domain.errors import TemplateError
from textloop.domain.rules import RuleSet
from textloop.domain.watchlist import DEFAULT_TRIGGERS_FILE

BASE = {"STATE_TABLE": "state", "CONSENT_TABLE": "consent"}


def test_given_the_minimum_environment_then_defaults_apply() -> None:
    settings = Settings.from_env(BASE)
    assert settings.brand_name == "Textloop" and settings.twilio_api_base_url == "https://api.twilio.com"
    assert settings.status_callback_url is None
    assert Settings.from_env(
        {**BASE, "PUBLIC_BASE_URL": "https://sms.example.com/v1/"}
    ).status_callback_url == ("https://sms.example.com/v1/twilio/status")


@pytest.mark.parametrize(
    "env",
    [
        {},
        {**BASE, "PHONE_DEFAULT_REGION": "usa"},
        {**BASE, "TWILIO_API_BASE_URL": "not a url"},
        {**BASE, "SEND_LEASE_SECONDS": "1"},
    ],
    ids=["no-tables", "bad-region", "bad-url", "lease-too-short"],
)
def test_given_a_bad_environment_then_cold_start_fails_with_the_setting_named(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as error:
        Settings.from_env(env)
    named = [
        name
        for name in ("STATE_TABLE", "PHONE_DEFAULT_REGION", "TWILIO_API_BASE_URL", "SEND_LEASE_SECONDS")
        if name in str(error.value)
    ]
    assert named, str(error.value)


def test_given_a_rule_naming_an_unknown_template_then_loading_fails(tmp_path: Path) -> None:
    config = json.loads(DEFAULT_TRIGGERS_FILE.read_text())
    config["rules"][0]["template"] = "nope"
    (tmp_path / "t.json").write_text(json.dumps(config))
    with pytest.raises(ValidationError, match="unknown templates: nope"):
        RuleSet.load(tmp_path / "t.json")


@pytest.mark.parametrize("status", ["draft", "retired"])
def test_given_a_rule_naming_a_template_that_is_not_approved_then_loading_fails_naming_it(
    tmp_path: Path, status: str
) -> None:
    config = json.loads(DEFAULT_TRIGGERS_FILE.read_text())
    offer = next(t for t in config["templates"] if t["id"] == "renewal_offer")
    offer["status"] = status
    (tmp_path / "t.json").write_text(json.dumps(config))
    with pytest.raises(ValidationError, match=rf"not approved: renewal_offer \({status}\)"):
        RuleSet.load(tmp_path / "t.json")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tag": "renewal-renewal_offer-a-v1"}, "does not end in -v2"),
        ({"tag": "renewal offer v2"}, "tag"),
        ({"owner": ""}, "owner"),
        ({"encoding": "latin1"}, "encoding"),
        ({"status": None}, "status"),
    ],
)
def test_given_a_template_without_its_governance_then_loading_fails(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    config = json.loads(DEFAULT_TRIGGERS_FILE.read_text())
    offer = next(t for t in config["templates"] if t["id"] == "renewal_offer")
    offer.update(change)
    (tmp_path / "t.json").write_text(json.dumps(config))
    with pytest.raises(ValidationError, match=message):
        RuleSet.load(tmp_path / "t.json")


def test_given_a_template_that_does_not_compile_then_validation_fails() -> None:
    with pytest.raises(TemplateError):
        templates.validate(
            templates.Template(
                id="x",
                version=1,
                status="draft",
                owner="revops@acme.example",
                tag="closing-x-a-v1",
                body="Hi {{ contact.first_name ",
            )
        )


def test_given_no_secret_id_then_secrets_come_from_the_environment_or_a_clear_error() -> None:
    assert Secrets("TWILIO", {"TWILIO_AUTH_TOKEN": "tok"}).get("auth_token") == "tok"
    with pytest.raises(RuntimeError, match="TWILIO_SECRET_ID or TWILIO_AUTH_TOKEN"):
        Secrets("TWILIO", {}).get("auth_token")
