"""``textloop salesforce render``: the Salesforce install artifacts with one org's values filled in.

    textloop salesforce render --account 123456789012 --region us-east-1 \\
        --username integration@acme.com --certificate cert.pem [--triggers FILE] --out DIR

Copies the SFDX project of ``infra/salesforce`` (``sfdx-project.json``, ``.forceignore``, ``force-app``
without the LWC Jest tests) to *DIR*, fills in the placeholders (the AWS account and region of the
Event Relay named credential, the JWT certificate of the external client app, its contact email) and
writes the change-event channel members:

* ``OpportunityChangeEvent``, always: the dispatcher's trigger stages *and* the outcome recorder's
  creations and stage changes (any stage: advanced, closed won, closed lost). A Salesforce filter cannot
  test ``changedFields`` (an array header field), so no value filter can admit "every StageName change"
  without admitting every update: the filter drops deletions only (``changeType != 'DELETE'``; undeletions
  and ``GAP_*`` events stay, the dispatcher uses them) and the EventBridge rules narrow the stream —
  ``SalesforceChangeRule`` to the trigger stages (``StageName`` enriched, so every update carries it),
  ``SalesforceOutcomeRule`` to creations and updates whose ``changedFields`` hold ``StageName``. Enriched
  with what the recorder reads from an update (``AccountId``, ``Amount``, ``IsWon``, ``IsClosed``), so a
  stage change needs no read of the opportunity from Salesforce.
* ``EventChangeEvent``, always: creations only (``meeting_booked``; a create event carries every
  populated field, ``WhatId``/``WhoId``/``AccountId`` included, so nothing is enriched).
* ``CaseChangeEvent``, when a rule watches cases: the rules' trigger values (and every ``GAP_*`` event, as
  the EventBridge rule does), ``Status`` enriched.

The rules' trigger values are printed as the ``sam deploy --parameter-overrides`` of
``SalesforceChangeRule`` (``SalesforceOpportunityStages``, ``SalesforceCaseStatuses``), so the channel and
the EventBridge rule can never disagree.

Nothing here talks to Salesforce or AWS; ``sf project deploy start`` does (see infra/salesforce/INSTALL.md).
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape

from textloop.domain.rules import RuleSet
from textloop.domain.watchlist import DEFAULT_TRIGGERS_FILE

PROJECT = Path(__file__).resolve().parents[2] / "salesforce"  # infra/salesforce (a source checkout)
CHANNEL = "Textloop_Changes__chn"
NAMED_CREDENTIAL = "Textloop_EventBridge"
PERMISSION_SET = "Textloop_Integration"
MEMBERS_DIR = Path("force-app/main/default/platformEventChannelMembers")
RELAY_STATES = ("STOP", "RUN", "PAUSE")
RELAY_FILE = Path("force-app/main/default/eventRelays/Textloop_EventBridge_Relay.eventRelay-meta.xml")
GAP_CHANGE_TYPES = ("GAP_CREATE", "GAP_UPDATE", "GAP_DELETE", "GAP_UNDELETE", "GAP_OVERFLOW")
PLACEHOLDER = re.compile(r"__TEXTLOOP_[A-Z_]+__")
_COPIED = ("sfdx-project.json", ".forceignore", "force-app")
_SKIPPED = ("__tests__", "jsconfig.json", ".eslintrc.json")
_ACCOUNT = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CERTIFICATE = re.compile(r"-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----")


class RenderError(ValueError):
    """The inputs cannot make a consistent install (the message says which and why)."""


@dataclass(frozen=True, slots=True)
class Entity:
    """A Salesforce object the trigger rules may watch, as the EventBridge rule filters it."""

    object_type: str  # the rules' object_type
    change_event: str  # the channel member's selectedEntity and the EventBridge detail-type
    field: str  # the only field SalesforceChangeRule filters for this object
    parameter: str  # the template.yaml parameter holding the trigger values


ENTITIES = (
    Entity("opportunity", "OpportunityChangeEvent", "StageName", "SalesforceOpportunityStages"),
    Entity("case", "CaseChangeEvent", "Status", "SalesforceCaseStatuses"),
)


@dataclass(frozen=True, slots=True)
class Member:
    """One ``PlatformEventChannelMember`` of the channel: a change event, its filter, its enriched fields."""

    change_event: str  # selectedEntity
    filter_expression: str
    enriched: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{CHANNEL.replace('__chn', '_chn')}_{self.change_event}"

    def xml(self) -> str:
        enriched = "".join(
            f"    <enrichedFields>\n        <name>{name}</name>\n    </enrichedFields>\n"
            for name in self.enriched
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<PlatformEventChannelMember xmlns="http://soap.sforce.com/2006/04/metadata">\n'
            f"{enriched}"
            f"    <eventChannel>{CHANNEL}</eventChannel>\n"
            f"    <filterExpression>{escape(self.filter_expression)}</filterExpression>\n"
            f"    <selectedEntity>{self.change_event}</selectedEntity>\n"
            "</PlatformEventChannelMember>\n"
        )

    @property
    def filename(self) -> str:
        return f"{self.full_name}.platformEventChannelMember-meta.xml"


# Outcomes (shared/textloop/service_layer/outcomes.py): every Opportunity creation and stage change, every
# Event creation. What the recorder reads from an Opportunity update beyond StageName: without these it
# reads the opportunity from Salesforce (AccountId, Amount) or falls back to the stage names (IsWon/IsClosed).
OUTCOME_ENRICHED = ("AccountId", "Amount", "IsWon", "IsClosed")
OPPORTUNITY_FILTER = "ChangeEventHeader.changeType != 'DELETE'"
EVENT_FILTER = "ChangeEventHeader.changeType = 'CREATE'"
MAX_ENRICHED = 10  # Salesforce's limit per channel member (the contract test holds the members to it)


def trigger_filter(entity: Entity, values: Sequence[str]) -> str:
    """The rules' trigger values of *entity*, and every ``GAP_*`` event (as SalesforceChangeRule)."""
    listed = ", ".join(_soql_string(v) for v in values)
    gaps = ", ".join(_soql_string(v) for v in GAP_CHANGE_TYPES)
    return f"({entity.field} IN ({listed})) OR (ChangeEventHeader.changeType IN ({gaps}))"


def _soql_string(value: str) -> str:
    return "'" + value.replace("'", "\\'") + "'"


def trigger_values(rules_file: str | Path | None = None) -> dict[str, tuple[str, ...]]:
    """``{object_type: trigger values}`` of the Salesforce rules (the file is validated as the dispatcher
    validates it). Every object of ``ENTITIES`` is a key, with ``()`` when no rule watches it."""
    ruleset = RuleSet.load(rules_file)
    found: dict[str, list[str]] = {e.object_type: [] for e in ENTITIES}
    by_type = {e.object_type: e for e in ENTITIES}
    for rule in ruleset.rules:
        if rule.crm != "salesforce" or rule.renewal is not None:  # renewal rules: the scanner, not CDC
            continue
        entity = by_type.get(rule.object_type)
        if entity is None or rule.field != entity.field:
            raise RenderError(
                f"rule {rule.name!r} watches {rule.object_type}.{rule.field}: SalesforceChangeRule only filters "
                + ", ".join(f"{e.object_type}.{e.field}" for e in ENTITIES)
            )
        for value in rule.equals:
            _check_value(rule.name, value)
            if value not in found[entity.object_type]:
                found[entity.object_type].append(value)
    return {k: tuple(v) for k, v in found.items()}


def _check_value(rule: str, value: str) -> None:
    if "," in value:
        raise RenderError(
            f"rule {rule!r}: {value!r} has a comma (a CommaDelimitedList parameter cannot hold it)"
        )
    if value != value.strip() or not value:
        raise RenderError(f"rule {rule!r}: {value!r} is empty or has leading/trailing spaces")
    if "\\" in value:  # a Salesforce filter expression cannot escape a backslash
        raise RenderError(f"rule {rule!r}: {value!r} has a backslash, which a Salesforce filter cannot hold")


def members(values: dict[str, tuple[str, ...]]) -> list[Member]:
    """The channel's members: Opportunity and Event always (outcomes), Case when a rule watches cases."""
    opportunity, case = ENTITIES
    found = [
        Member(opportunity.change_event, OPPORTUNITY_FILTER, (opportunity.field, *OUTCOME_ENRICHED)),
        Member("EventChangeEvent", EVENT_FILTER),
    ]
    if values.get(case.object_type):
        found.append(Member(case.change_event, trigger_filter(case, values[case.object_type]), (case.field,)))
    return found


def parameter_overrides(values: dict[str, tuple[str, ...]]) -> list[str]:
    return [f"{e.parameter}={','.join(values.get(e.object_type, ()))}" for e in ENTITIES]


def sam_deploy_command(values: dict[str, tuple[str, ...]]) -> str:
    return "sam deploy --parameter-overrides " + " ".join(shlex.quote(p) for p in parameter_overrides(values))


def read_certificate(path: Path) -> str:
    """The PEM certificate (one, public) of *path*; a private key there is refused, never copied."""
    text = path.read_text(encoding="ascii")
    if "PRIVATE KEY" in text:
        raise RenderError(
            f"{path} holds a private key: pass the certificate only (the key goes in the secret)"
        )
    found = _CERTIFICATE.findall(text)
    if len(found) != 1:
        raise RenderError(f"{path}: expected exactly one PEM certificate, found {len(found)}")
    from cryptography import x509  # dev dependency; only the render needs it

    pem = str(found[0]).strip()
    try:
        x509.load_pem_x509_certificate(pem.encode("ascii"))
    except ValueError as exc:
        raise RenderError(f"{path}: not a valid X.509 certificate ({exc})") from None
    return pem


@dataclass(frozen=True, slots=True)
class OrgValues:
    account: str
    region: str
    username: str
    certificate: str  # PEM
    contact_email: str
    relay_state: str = "STOP"  # the EventRelayConfig's state: created stopped; RUN once the bus is accepted

    def __post_init__(self) -> None:
        if not _ACCOUNT.match(self.account):
            raise RenderError(f"--account {self.account!r}: an AWS account id has 12 digits")
        if not _REGION.match(self.region):
            raise RenderError(f"--region {self.region!r}: expected an AWS region such as us-east-1")
        if self.relay_state not in RELAY_STATES:
            raise RenderError(f"--relay-state {self.relay_state!r}: one of {', '.join(RELAY_STATES)}")
        for name, value in (("--username", self.username), ("--contact-email", self.contact_email)):
            if not _EMAIL.match(value):
                raise RenderError(f"{name} {value!r}: expected a Salesforce username (an email address)")

    @property
    def placeholders(self) -> dict[str, str]:
        """Placeholder → XML text. The Event Relay endpoint wants the region in capitals."""
        return {
            "__TEXTLOOP_AWS_ACCOUNT__": self.account,
            "__TEXTLOOP_AWS_REGION__": self.region.upper(),
            "__TEXTLOOP_JWT_CERTIFICATE__": escape(self.certificate),
            "__TEXTLOOP_CONTACT_EMAIL__": escape(self.contact_email),
        }


def render(
    org: OrgValues,
    out: Path,
    rules_file: str | Path | None = None,
    project: Path = PROJECT,
    force: bool = False,
) -> dict[str, tuple[str, ...]]:
    """Write the filled-in project to *out*; returns the trigger values it used."""
    values = trigger_values(rules_file)  # none: the channel still relays the outcomes
    if not (project / "sfdx-project.json").is_file():
        raise RenderError(f"{project} is not the Textloop SFDX project (no sfdx-project.json)")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise RenderError(f"{out} is not empty (use --force to replace it)")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in _COPIED:
        source = project / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=shutil.ignore_patterns(*_SKIPPED))
        elif source.is_file():
            shutil.copy2(source, out / name)
    members_dir = out / MEMBERS_DIR
    shutil.rmtree(members_dir, ignore_errors=True)
    members_dir.mkdir(parents=True)
    for member in members(values):
        (members_dir / member.filename).write_text(member.xml(), encoding="utf-8")
    _fill(out, org.placeholders)
    relay = out / RELAY_FILE
    text = relay.read_text(encoding="utf-8")
    if text.count("<state>STOP</state>") != 1:
        raise RenderError(f"{relay}: expected one <state>STOP</state> to set")
    relay.write_text(
        text.replace("<state>STOP</state>", f"<state>{org.relay_state}</state>"), encoding="utf-8"
    )
    return values


def _fill(out: Path, placeholders: dict[str, str]) -> None:
    for path in sorted(out.rglob("*-meta.xml")):
        text = path.read_text(encoding="utf-8")
        for key, value in placeholders.items():
            text = text.replace(key, value)
        left = sorted(set(PLACEHOLDER.findall(text)))
        if left:
            raise RenderError(f"{path}: no value for {', '.join(left)}")
        path.write_text(text, encoding="utf-8")


def next_steps(org: OrgValues, out: Path, values: dict[str, tuple[str, ...]]) -> Iterable[str]:
    q = shlex.quote
    yield f"Rendered {out} for AWS account {org.account} ({org.region}); change events relayed:"
    for member in members(values):
        enriched = f" (enriched: {', '.join(member.enriched)})" if member.enriched else ""
        yield f"  {member.change_event}: {member.filter_expression}{enriched}"
    for entity in ENTITIES:
        if not values.get(entity.object_type):
            relayed = "outcomes only" if entity.object_type == "opportunity" else "not relayed"
            yield f"  (no Salesforce rule watches {entity.change_event}: {relayed})"
    yield ""
    yield "Deploy the stack with the same trigger values:"
    yield f"  {sam_deploy_command(values)}"
    yield ""
    yield "Then, with an admin org alias (the numbered steps: infra/salesforce/INSTALL.md):"
    yield f"  cd {q(str(out))} && sf project deploy start --source-dir force-app --target-org <admin-alias>"
    yield f"  sf org assign permset --name {PERMISSION_SET} --on-behalf-of {q(org.username)} --target-org <admin-alias>"
    yield ""
    yield "Salesforce secret of the stack (SALESFORCE_SECRET_ID), JWT bearer flow:"
    yield "  " + json.dumps(
        {
            "auth": "jwt_bearer",
            "login_url": "https://login.salesforce.com",
            "instance_url": "https://<my-domain>.my.salesforce.com",
            "username": org.username,
            "consumer_key": "<the Textloop external client app's consumer key>",
            "private_key": "<PEM of the private key of the --certificate>",
        }
    )


def _render(args: argparse.Namespace, stdout: TextIO = sys.stdout) -> int:
    try:
        org = OrgValues(
            account=args.account,
            region=args.region,
            username=args.username,
            certificate=read_certificate(Path(args.certificate)),
            contact_email=args.contact_email or args.username,
            relay_state=args.relay_state,
        )
        out = Path(args.out)
        values = render(org, out, args.triggers, Path(args.project), force=args.force)
    except (RenderError, OSError) as exc:
        print(f"textloop salesforce render: {exc}", file=sys.stderr)
        return 2
    for line in next_steps(org, out, values):
        print(line, file=stdout)
    return 0


def _params(args: argparse.Namespace, stdout: TextIO = sys.stdout) -> int:
    try:
        values = trigger_values(args.triggers)
    except (RenderError, OSError) as exc:
        print(f"textloop salesforce parameters: {exc}", file=sys.stderr)
        return 2
    print(sam_deploy_command(values), file=stdout)
    return 0


def add_salesforce(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "salesforce", help="Salesforce install artifacts (render the SFDX project for one org)"
    )
    actions = p.add_subparsers(dest="salesforce_command", required=True)
    r = actions.add_parser(
        "render", help="copy infra/salesforce with one org's values and the rules' filters"
    )
    r.add_argument("--account", required=True, help="AWS account id (12 digits) that receives Event Relay")
    r.add_argument("--region", required=True, help="AWS region of the partner event bus, e.g. us-east-1")
    r.add_argument("--username", required=True, help="the Salesforce integration user (JWT subject)")
    r.add_argument("--certificate", required=True, help="PEM certificate of the JWT signing key (no key!)")
    r.add_argument("--contact-email", default=None, help="external client app contact (default --username)")
    r.add_argument("--triggers", default=None, help=f"rules file (default {DEFAULT_TRIGGERS_FILE.name})")
    r.add_argument(
        "--relay-state",
        default="STOP",
        choices=RELAY_STATES,
        help="Event Relay state (default STOP; RUN after accepting the partner event source)",
    )
    r.add_argument("--out", required=True, help="output directory (created; must be empty unless --force)")
    r.add_argument("--force", action="store_true", help="replace a non-empty --out")
    r.add_argument("--project", default=str(PROJECT), help=argparse.SUPPRESS)
    r.set_defaults(func=_render)
    s = actions.add_parser("parameters", help="print the sam deploy overrides the rules file implies")
    s.add_argument("--triggers", default=None, help=f"rules file (default {DEFAULT_TRIGGERS_FILE.name})")
    s.set_defaults(func=_params)


def main(argv: Sequence[str] | None = None) -> int:  # for `python -m textloop_local.salesforce_render`
    parser = argparse.ArgumentParser(prog="textloop")
    add_salesforce(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
