"""The Salesforce install artifacts (infra/salesforce) against Salesforce's own contracts, offline.

- every metadata file validates against the Metadata API XSD (infra/salesforce/schema, lxml);
- ``sf project convert source`` (Salesforce CLI on Node 22, infra/salesforce/node_modules) converts the
  project, as checked in and as rendered for an org;
- the LWC Jest tests pass (@salesforce/sfdx-lwc-jest);
- the artifacts agree with the code: the fields the adapter reads and writes, the consent and phone-status
  values, the trigger values of the rules file and of ``SalesforceChangeRule``, the change events and
  enriched fields the outcome recorder reads (``SalesforceOutcomeRule``).

There is no Apex (so no prettier-plugin-apex check); a test fails if some appears without one. Nothing is
skipped: without infra/salesforce/node_modules the Node checks fail and name the make target to run.
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from tests.support.events import salesforce_change
from textloop.adapters.salesforce import PHONE_STATUS_FIELD, SMS_SID_FIELD, ContactFields
from textloop.domain.model import ConsentStatus, PhoneStatus
from textloop.domain.pipeline import OutcomeKind, Stages, account_key
from textloop.domain.rules import RuleSet
from textloop.service_layer.outcomes import AMOUNT_FIELDS, parse_outcome_body
from textloop_local import salesforce_render as sfr
from textloop_local import template as sam

ROOT = Path(__file__).resolve().parents[2]
SF_DIR = ROOT / "infra" / "salesforce"
FORCE_APP = SF_DIR / "force-app"
DEFAULT = FORCE_APP / "main" / "default"
XSD = SF_DIR / "schema" / "metadata.xsd"
NODE_MODULES = SF_DIR / "node_modules"
NODE = NODE_MODULES / ".bin" / "node"
SF_RUN = NODE_MODULES / "@salesforce" / "cli" / "bin" / "run.js"
LWC_JEST = NODE_MODULES / "@salesforce" / "sfdx-lwc-jest" / "bin" / "sfdx-lwc-jest"
MD = "{http://soap.sforce.com/2006/04/metadata}"
META_FILES = sorted(DEFAULT.rglob("*-meta.xml"))
INSTALL_HINT = "infra/salesforce/node_modules is missing or incomplete: run `make salesforce-tools` (npm ci)"


# -------------------------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def _declared_roots() -> set[str]:
    tree = etree.parse(str(XSD))
    return {e.get("name") for e in tree.getroot().findall("{http://www.w3.org/2001/XMLSchema}element")}


def _validate(schema: etree.XMLSchema, path: Path) -> list[str]:
    doc = etree.parse(str(path))
    if path.name.endswith(".js-meta.xml"):
        # The WSDL types targetConfigs as base64Binary: checked on its own below (schema/PROVENANCE.md).
        for node in doc.getroot().findall(f"{MD}targetConfigs"):
            doc.getroot().remove(node)
    if schema.validate(doc):
        return []
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return [f"{name}:{e.line}: {e.message}" for e in schema.error_log]


def _node_tools() -> Path:
    missing = [p for p in (NODE, SF_RUN, LWC_JEST) if not p.exists()]
    if missing:
        pytest.fail(f"{INSTALL_HINT} (missing: {', '.join(str(p.relative_to(ROOT)) for p in missing)})")
    return NODE


def _run_node(args: list[str], cwd: Path, home: Path) -> subprocess.CompletedProcess[str]:
    node = _node_tools()
    env = {
        **os.environ,
        "PATH": f"{node.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),  # the CLI's logs and config stay in the test's temp dir
        "SF_DISABLE_TELEMETRY": "true",
        "SFDX_DISABLE_TELEMETRY": "true",
        "SF_AUTOUPDATE_DISABLE": "true",
        "SF_SKIP_NEW_VERSION_CHECK": "true",
        "SF_HIDE_RELEASE_NOTES": "true",
        "CI": "true",
    }
    return subprocess.run(
        [str(node), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _certificate_pem() -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "textloop-jwt")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cert") / "cert.pem"
    path.write_text(_certificate_pem(), encoding="ascii")
    return path


def _render(out: Path, certificate: Path, triggers: Path | None = None) -> tuple[int, str]:
    from io import StringIO

    parser = _standalone_parser()
    argv = [
        "salesforce", "render", "--account", "123456789012", "--region", "us-east-1",
        "--username", "integration@acme.com", "--certificate", str(certificate), "--out", str(out),
    ]  # fmt: skip
    if triggers is not None:
        argv += ["--triggers", str(triggers)]
    args = parser.parse_args(argv)
    stdout = StringIO()
    code = sfr._render(args, stdout=stdout)
    return code, stdout.getvalue()


def _standalone_parser() -> Any:
    import argparse

    parser = argparse.ArgumentParser(prog="textloop")
    sfr.add_salesforce(parser.add_subparsers(dest="command", required=True))
    return parser


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, certificate: Path) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("render") / "acme"
    code, printed = _render(out, certificate)
    assert code == 0, printed
    return out, printed


# ------------------------------------------------------------------------------------ (a) the XSD
def test_given_the_project_when_listing_metadata_then_every_file_has_a_root_the_schema_declares() -> None:
    roots = {etree.parse(str(p)).getroot().tag.removeprefix(MD) for p in META_FILES}
    assert len(META_FILES) >= 15
    assert roots <= _declared_roots(), f"add these roots to schema/metadata.xsd: {roots - _declared_roots()}"


@pytest.mark.parametrize("path", META_FILES, ids=lambda p: str(p.relative_to(DEFAULT)))
def test_given_a_metadata_file_when_validating_against_the_xsd_then_it_is_valid(
    schema: etree.XMLSchema, path: Path
) -> None:
    assert _validate(schema, path) == []


@pytest.mark.parametrize(
    ("root", "body", "needle"),
    [
        (
            "EventRelayConfig",
            "<destinationResourceName>callout:X</destinationResourceName><eventChannel>C__chn</eventChannel>"
            "<state>RUNNING</state>",
            "RUNNING",
        ),
        (
            "PlatformEventChannel",
            "<channelType>data</channelType><label>x</label><colour>red</colour>",
            "colour",
        ),
        ("PlatformEventChannel", "<label>x</label><channelType>data</channelType>", "label"),
    ],
)
def test_given_a_wrong_document_when_validating_then_the_schema_rejects_it(
    schema: etree.XMLSchema, tmp_path: Path, root: str, body: str, needle: str
) -> None:
    path = tmp_path / "bad-meta.xml"
    path.write_text(f'<{root} xmlns="http://soap.sforce.com/2006/04/metadata">{body}</{root}>')

    errors = _validate(schema, path)

    assert errors and needle in " ".join(errors)


def test_given_the_lwc_when_reading_its_target_configs_then_it_is_for_opportunity_case_contact_and_contract_pages() -> (
    None
):
    meta = etree.parse(str(DEFAULT / "lwc" / "textloopThread" / "textloopThread.js-meta.xml")).getroot()

    configs = meta.findall(f"{MD}targetConfigs/{MD}targetConfig")

    assert [t.text for t in meta.findall(f"{MD}targets/{MD}target")] == ["lightning__RecordPage"]
    assert [c.get("targets") for c in configs] == ["lightning__RecordPage"]
    assert [o.text for o in configs[0].findall(f"{MD}objects/{MD}object")] == [
        "Opportunity",
        "Case",
        "Contact",
        "Contract",  # renewal texts are logged on the contract
    ]
    assert meta.findtext(f"{MD}apiVersion") == "66.0"


# ---------------------------------------------------------------------- the artifacts agree with the code
def test_given_the_sfdx_project_when_reading_it_then_it_targets_api_66_and_force_app() -> None:
    project = json.loads((SF_DIR / "sfdx-project.json").read_text())

    assert project["sourceApiVersion"] == "66.0"
    assert [d["path"] for d in project["packageDirectories"]] == ["force-app"]


def _picklist(path: Path) -> list[str]:
    root = etree.parse(str(path)).getroot()
    return [v.text or "" for v in root.findall(f"{MD}valueSet/{MD}valueSetDefinition/{MD}value/{MD}fullName")]


def test_given_the_contact_fields_when_reading_their_values_then_they_are_what_the_adapter_writes() -> None:
    fields = DEFAULT / "objects" / "Contact" / "fields"

    assert _picklist(fields / f"{PHONE_STATUS_FIELD}.field-meta.xml") == [s.value for s in PhoneStatus]
    assert _picklist(fields / f"{ContactFields().consent}.field-meta.xml") == [
        *(s.value for s in ConsentStatus),
        "unknown",
    ]
    assert (
        etree.parse(str(fields / "SMS_Time_Zone__c.field-meta.xml")).getroot().findtext(f"{MD}type") == "Text"
    )


def test_given_the_sms_task_sid_field_then_it_is_the_activity_text_field_the_adapter_looks_up() -> None:
    root = etree.parse(
        str(DEFAULT / "objects" / "Activity" / "fields" / f"{SMS_SID_FIELD}.field-meta.xml")
    ).getroot()
    assert (root.findtext(f"{MD}fullName"), root.findtext(f"{MD}type")) == (SMS_SID_FIELD, "Text")
    assert int(root.findtext(f"{MD}length") or 0) >= 34  # a Twilio SID: SM + 32 hex digits


def test_given_the_permission_set_when_reading_it_then_it_grants_what_textloop_reads_and_writes() -> None:
    root = etree.parse(
        str(DEFAULT / "permissionsets" / "Textloop_Integration.permissionset-meta.xml")
    ).getroot()
    fields = {
        f.findtext(f"{MD}field"): f.findtext(f"{MD}editable") == "true"
        for f in root.findall(f"{MD}fieldPermissions")
    }
    objects = {o.findtext(f"{MD}object"): o for o in root.findall(f"{MD}objectPermissions")}
    users = {
        u.findtext(f"{MD}name")
        for u in root.findall(f"{MD}userPermissions")
        if u.findtext(f"{MD}enabled") == "true"
    }
    sobjects = {"opportunity": "Opportunity", "case": "Case"}
    links = {
        f"{sobjects[r.object_type]}.{r.link_field}"
        for r in RuleSet.load().rules
        if r.crm == "salesforce" and r.link_field
    }

    assert {k for k, editable in fields.items() if editable} == {
        f"Contact.{PHONE_STATUS_FIELD}",
        f"Contact.{ContactFields().consent}",
        f"Activity.{SMS_SID_FIELD}",  # the SMS Task's idempotency key, written with the Task
    }
    assert links <= set(fields)
    assert {"Contact.MobilePhone", "Contact.Phone", "Contact.DoNotCall", "Contact.SMS_Time_Zone__c"} <= set(
        fields
    )
    # the outcome recorder reads an opportunity whose change event lacks them (shared/.../outcomes.py)
    assert {f"Opportunity.{AMOUNT_FIELDS['salesforce']}", "Opportunity.AccountId"} <= set(fields)
    assert len(root.findtext(f"{MD}description") or "") <= 255  # Salesforce's limit for the description
    assert {"Opportunity", "Case", "Contact", "Account", "Contract"} <= set(objects)
    assert all(o.findtext(f"{MD}allowRead") == "true" for o in objects.values())
    assert [k for k, o in objects.items() if o.findtext(f"{MD}allowEdit") == "true"] == ["Contact"]
    assert not [k for k, o in objects.items() if o.findtext(f"{MD}allowDelete") == "true"]
    assert users == {"ApiEnabled", "EditTask"}  # Task is an activity: created through Edit Tasks


def test_given_the_oauth_policies_when_reading_them_then_the_permission_set_is_preauthorised() -> None:
    policies = DEFAULT / "extlClntAppOauthPolicies" / "Textloop_oauthPlcy.ecaOauthPlcy-meta.xml"
    root = etree.parse(str(policies)).getroot()

    assert root.findtext(f"{MD}permittedUsersPolicyType") == "AdminApprovedPreAuthorized"
    assert root.findtext(f"{MD}commaSeparatedPermissionSet") == sfr.PERMISSION_SET
    glbl = DEFAULT / "extlClntAppGlobalOauthSets" / "Textloop_glbloauth.ecaGlblOauth-meta.xml"
    assert etree.parse(str(glbl)).getroot().findtext(f"{MD}certificate") == "__TEXTLOOP_JWT_CERTIFICATE__"


def test_given_the_default_rules_when_deriving_the_channel_members_then_the_checked_in_ones_are_identical() -> (
    None
):
    members = sfr.members(sfr.trigger_values())
    on_disk = sorted((DEFAULT / sfr.MEMBERS_DIR.relative_to("force-app/main/default")).glob("*.xml"))

    assert sorted(p.name for p in on_disk) == sorted(m.filename for m in members)
    for member in members:
        assert (on_disk[0].parent / member.filename).read_text() == member.xml()


def test_given_the_default_rules_when_comparing_then_the_channel_filters_the_template_defaults() -> None:
    defaults = sam.parameter_defaults(sam.load_template(ROOT / "template.yaml"))
    values = sfr.trigger_values()

    for entity in sfr.ENTITIES:
        assert list(values[entity.object_type]) == list(defaults[entity.parameter])


def _member(change_event: str, values: dict[str, tuple[str, ...]] | None = None) -> sfr.Member:
    found = {m.change_event: m for m in sfr.members(sfr.trigger_values() if values is None else values)}
    return found[change_event]


def test_given_the_opportunity_member_when_reading_it_then_it_admits_every_change_but_a_deletion() -> None:
    member = _member("OpportunityChangeEvent")
    root = etree.parse(str(DEFAULT / sfr.MEMBERS_DIR.relative_to("force-app/main/default") / member.filename))

    # Salesforce cannot filter on changedFields: only a filter without field values admits every stage
    # change (to any stage: the outcomes) as well as the trigger stages (the dispatcher).
    assert root.getroot().findtext(f"{MD}filterExpression") == "ChangeEventHeader.changeType != 'DELETE'"
    assert [e.findtext(f"{MD}name") for e in root.getroot().findall(f"{MD}enrichedFields")] == [
        "StageName",  # SalesforceChangeRule filters detail.payload.StageName on every update
        "AccountId",
        "Amount",
        "IsWon",
        "IsClosed",
    ]
    assert all(len(m.enriched) <= sfr.MAX_ENRICHED for m in sfr.members(sfr.trigger_values()))


def test_given_a_stage_change_carrying_the_enriched_fields_when_parsed_then_the_recorder_reads_nothing_more() -> (
    None
):
    sample = {"AccountId": "001000000000001AAA", "Amount": 1250.5, "IsWon": True, "IsClosed": True}
    member = _member("OpportunityChangeEvent")
    update = salesforce_change("Opportunity", ["006000000000001AAA"], {"StageName": "Signed"})
    update["detail"]["payload"] |= {name: sample[name] for name in member.enriched if name != "StageName"}

    (signal,) = parse_outcome_body(json.dumps(update), Stages(frozenset(), frozenset()))

    assert signal.kind is OutcomeKind.CLOSED_WON  # IsWon decides: "Signed" is no stage name it knows
    assert (signal.amount, signal.read) == (1250.5, None)  # no read of the opportunity from Salesforce
    assert account_key("salesforce", sample["AccountId"]) in signal.related


def test_given_the_event_member_when_reading_it_then_it_relays_creations_the_recorder_books_as_meetings() -> (
    None
):
    member = _member("EventChangeEvent")
    fields = {"WhatId": "006000000000001AAA", "WhoId": "003000000000001AAA"}
    stages = Stages()

    assert (member.filter_expression, member.enriched) == ("ChangeEventHeader.changeType = 'CREATE'", ())
    created = salesforce_change("Event", ["00U000000000001AAA"], fields, change_type="CREATE")
    assert [s.kind for s in parse_outcome_body(json.dumps(created), stages)] == [OutcomeKind.MEETING_BOOKED]
    for change_type in ("UPDATE", "DELETE", "UNDELETE", "GAP_CREATE"):  # what the filter keeps in the org
        other = salesforce_change("Event", ["00U000000000001AAA"], fields, change_type=change_type)
        assert parse_outcome_body(json.dumps(other), stages) == []


def test_given_the_template_rules_when_comparing_then_the_channel_relays_exactly_the_change_events_they_route() -> (
    None
):
    tpl = sam.load_template(ROOT / "template.yaml")
    routed = {
        detail_type
        for rule in ("SalesforceChangeRule", "SalesforceOutcomeRule")
        for detail_type in sam.event_rule(tpl, rule).event_pattern["detail-type"]
    }

    assert {m.change_event for m in sfr.members(sfr.trigger_values())} == routed
    assert [m.change_event for m in sfr.members({})] == ["OpportunityChangeEvent", "EventChangeEvent"]


def test_given_a_case_status_with_a_quote_when_deriving_the_case_member_then_the_filter_escapes_it() -> None:
    member = _member("CaseChangeEvent", {"opportunity": (), "case": ("Closed", "Won't Fix")})

    assert member.filter_expression == (
        "(Status IN ('Closed', 'Won\\'t Fix')) OR (ChangeEventHeader.changeType IN "
        "('GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE', 'GAP_OVERFLOW'))"
    )
    assert member.enriched == ("Status",)


def test_given_the_relay_when_reading_it_then_it_starts_stopped_from_the_earliest_event_on_the_channel() -> (
    None
):
    relay = etree.parse(
        str(DEFAULT / "eventRelays" / "Textloop_EventBridge_Relay.eventRelay-meta.xml")
    ).getroot()
    credential = etree.parse(
        str(DEFAULT / "namedCredentials" / f"{sfr.NAMED_CREDENTIAL}.namedCredential-meta.xml")
    ).getroot()

    assert relay.findtext(f"{MD}state") == "STOP"
    assert json.loads(relay.findtext(f"{MD}relayOption") or "") == {"ReplayRecovery": "EARLIEST"}
    assert relay.findtext(f"{MD}eventChannel") == sfr.CHANNEL
    assert relay.findtext(f"{MD}destinationResourceName") == f"callout:{sfr.NAMED_CREDENTIAL}"
    assert credential.findtext(f"{MD}endpoint") == "arn:aws:__TEXTLOOP_AWS_REGION__:__TEXTLOOP_AWS_ACCOUNT__"
    assert credential.findtext(f"{MD}namedCredentialType") == "Legacy"


def test_given_the_project_when_looking_for_apex_then_there_is_none() -> None:
    apex = sorted(
        str(p.relative_to(SF_DIR)) for p in FORCE_APP.rglob("*") if p.suffix in (".cls", ".trigger")
    )

    assert apex == [], "Apex added: add a prettier-plugin-apex parse check to this test and salesforce.mk"


# ------------------------------------------------------------------------------------------ render
def test_given_org_values_when_rendering_then_placeholders_are_filled_and_every_file_still_validates(
    schema: etree.XMLSchema, rendered: tuple[Path, str], certificate: Path
) -> None:
    out, printed = rendered
    files = sorted(out.rglob("*-meta.xml"))
    credential = out / "force-app/main/default/namedCredentials/Textloop_EventBridge.namedCredential-meta.xml"
    glbl = out / "force-app/main/default/extlClntAppGlobalOauthSets/Textloop_glbloauth.ecaGlblOauth-meta.xml"

    assert len(files) == len(META_FILES)
    assert not list(out.rglob("__tests__"))
    assert not [p for p in files if "__TEXTLOOP_" in p.read_text()]
    assert [e for p in files for e in _validate(schema, p)] == []
    assert (
        etree.parse(str(credential)).getroot().findtext(f"{MD}endpoint") == "arn:aws:US-EAST-1:123456789012"
    )
    assert etree.parse(str(glbl)).getroot().findtext(f"{MD}certificate") == certificate.read_text().strip()
    assert (
        "sam deploy --parameter-overrides SalesforceOpportunityStages=Negotiation/Review SalesforceCaseStatuses=Closed"
        in printed
    )
    assert "sf org assign permset --name Textloop_Integration --on-behalf-of integration@acme.com" in printed


def test_given_custom_rules_when_rendering_then_the_filters_and_the_sam_overrides_carry_the_same_values(
    tmp_path: Path, certificate: Path
) -> None:
    config = json.loads((ROOT / "shared/textloop/triggers.default.json").read_text())
    opportunity = next(
        r for r in config["rules"] if r["crm"] == "salesforce" and r["object_type"] == "opportunity"
    )
    opportunity["equals"] = ["Negotiation/Review", "Buyer's Review"]
    config["rules"] = [
        r for r in config["rules"] if not (r["crm"] == "salesforce" and r["object_type"] == "case")
    ]
    triggers = tmp_path / "triggers.json"
    triggers.write_text(json.dumps(config))

    code, printed = _render(tmp_path / "out", certificate, triggers)

    members = sorted((tmp_path / "out" / sfr.MEMBERS_DIR).glob("*.xml"))
    assert code == 0
    assert [p.name for p in members] == [  # no case rule: no Case member; outcomes: Event, Opportunity
        "Textloop_Changes_chn_EventChangeEvent.platformEventChannelMember-meta.xml",
        "Textloop_Changes_chn_OpportunityChangeEvent.platformEventChannelMember-meta.xml",
    ]
    # The stages are the EventBridge rule's business: the Opportunity member is the same for any rules.
    assert (
        members[1].read_text()
        == (DEFAULT / sfr.MEMBERS_DIR.relative_to("force-app/main/default") / members[1].name).read_text()
    )
    assert "(outcomes only)" not in printed and "CaseChangeEvent: not relayed" in printed
    command = next(line.strip() for line in printed.splitlines() if line.strip().startswith("sam deploy"))
    assert command == (
        "sam deploy --parameter-overrides 'SalesforceOpportunityStages=Negotiation/Review,Buyer'\"'\"'s Review' "
        "SalesforceCaseStatuses="
    )
    # The overrides, fed to the template's EventBridge rule, filter the same values as the channel.
    overrides = dict(p.split("=", 1) for p in sfr.parameter_overrides(sfr.trigger_values(triggers)))
    rule = sam.event_rule(
        sam.load_template(ROOT / "template.yaml"), "SalesforceChangeRule", parameters=overrides
    )
    assert {
        "detail": {"payload": {"StageName": ["Negotiation/Review", "Buyer's Review"]}}
    } in rule.event_pattern["$or"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: r.update(field="Probability"), "SalesforceChangeRule only filters"),
        (lambda r: r.update(equals=["Closed, Won"]), "comma"),
        (lambda r: r.update(equals=["Back\\slash"]), "backslash"),
    ],
)
def test_given_rules_the_event_bridge_rule_cannot_express_when_rendering_then_it_refuses(
    tmp_path: Path, certificate: Path, change: Any, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = json.loads((ROOT / "shared/textloop/triggers.default.json").read_text())
    change(next(r for r in config["rules"] if r["crm"] == "salesforce" and r["object_type"] == "opportunity"))
    triggers = tmp_path / "triggers.json"
    triggers.write_text(json.dumps(config))

    code, _ = _render(tmp_path / "out", certificate, triggers)

    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_given_a_private_key_as_certificate_when_rendering_then_it_is_refused_and_not_copied(
    tmp_path: Path, certificate: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "key.pem"
    bad.write_text(certificate.read_text() + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")

    code, _ = _render(tmp_path / "out", bad)

    assert code == 2
    assert "private key" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("flag", "value"), [("--account", "12345"), ("--region", "US_EAST_1")])
def test_given_a_bad_org_value_when_rendering_then_it_is_refused(
    tmp_path: Path, certificate: Path, flag: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = _standalone_parser()
    argv = [
        "salesforce", "render", "--account", "123456789012", "--region", "us-east-1",
        "--username", "integration@acme.com", "--certificate", str(certificate), "--out", str(tmp_path / "o"),
    ]  # fmt: skip
    argv[argv.index(flag) + 1] = value

    code = sfr._render(parser.parse_args(argv))

    assert code == 2
    assert flag in capsys.readouterr().err


# ------------------------------------------------------------- (b) sf project convert source, (c) Jest
@pytest.mark.parametrize("which", ["source", "rendered"])
def test_given_the_project_when_converting_with_the_salesforce_cli_then_it_converts_to_valid_metadata(
    which: str, rendered: tuple[Path, str], tmp_path: Path, schema: etree.XMLSchema
) -> None:
    project = SF_DIR if which == "source" else rendered[0]
    out = tmp_path / "mdapi"

    result = _run_node(
        [
            str(SF_RUN),
            "project",
            "convert",
            "source",
            "--source-dir",
            "force-app",
            "--output-dir",
            str(out),
            "--json",
        ],
        cwd=project,
        home=tmp_path,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["status"] == 0
    package = etree.parse(str(out / "package.xml")).getroot()
    types = {
        t.findtext(f"{MD}name"): {m.text for m in t.findall(f"{MD}members")}
        for t in package.findall(f"{MD}types")
    }
    assert package.findtext(f"{MD}version") == "66.0"
    assert types["PlatformEventChannelMember"] == {
        "Textloop_Changes_chn_OpportunityChangeEvent",
        "Textloop_Changes_chn_EventChangeEvent",
        "Textloop_Changes_chn_CaseChangeEvent",
    }
    assert {
        "ExternalClientApplication", "ExtlClntAppOauthSettings", "ExtlClntAppGlobalOauthSettings",
        "ExtlClntAppOauthConfigurablePolicies", "PermissionSet", "CustomField", "PlatformEventChannel",
        "NamedCredential", "EventRelayConfig", "LightningComponentBundle",
    } <= set(types)  # fmt: skip
    assert not list(out.rglob("*.test.js"))
    assert [e for p in sorted((out / "objects").glob("*.object")) for e in _validate(schema, p)] == []


def test_given_the_lwc_when_running_its_jest_tests_then_they_pass(tmp_path: Path) -> None:
    result = _run_node([str(LWC_JEST)], cwd=SF_DIR, home=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Tests:" in result.stderr + result.stdout
    assert "failed" not in (result.stderr + result.stdout).split("Tests:", 1)[1].splitlines()[0]


def test_given_relay_state_run_when_rendering_then_only_the_relay_state_changes(
    tmp_path: Path, certificate: Path, rendered: tuple[Path, str]
) -> None:
    parser = _standalone_parser()
    argv = [
        "salesforce", "render", "--account", "123456789012", "--region", "us-east-1", "--relay-state", "RUN",
        "--username", "integration@acme.com", "--certificate", str(certificate), "--out", str(tmp_path / "run"),
    ]  # fmt: skip

    assert sfr._render(parser.parse_args(argv)) == 0

    stopped = (rendered[0] / sfr.RELAY_FILE).read_text()
    assert (tmp_path / "run" / sfr.RELAY_FILE).read_text() == stopped.replace("STOP", "RUN")
