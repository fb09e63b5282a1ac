"""Trigger rules and governed templates: configuration, validated once at cold start.

A rule says: when *field* of a *crm* *object_type* record becomes one of *equals*, send
*template* to the record's contact. Rules live in JSON (``textloop/triggers.default.json``
or the file named by ``TRIGGERS_FILE``), never in code.

Instead of one ``template`` a rule may name ``variants`` (segments: the first whose ``when`` holds
on the record, account and contact wins; the last, without ``when``, is the default) or ``ab`` arms
(weighted templates; a number always gets the same arm of a rule: :func:`ab_bucket`). A segment may
itself be an A/B test. :meth:`Rule.choose` picks the template and the variant name that travels
with the message.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from textloop.domain.model import ChangeKind, Crm, MessageContext, ObjectType, TriggerEvent
from textloop.domain.routing import Routing
from textloop.domain.watchlist import DEFAULT_TRIGGERS_FILE

# The field that names a record in a message ("your *Acme renewal* contract").
NAME_FIELDS: dict[str, str] = {
    "opportunity": "Name",
    "case": "Subject",
    "contract": "Name",  # Contract Name (optional in Salesforce: a template may prefer account.name)
    "deal": "dealname",
    "ticket": "subject",
}
# The field in which a CRM dates a record's entry into its current value of a rule's field, by object
# type and field: a *stage entry* (the value and that instant) gets one message, whatever the cooldown.
# Salesforce CDC GAP events carry no values, so the record is re-read: without it, a GAP after the
# cooldown could not tell the entry already texted from a new one.
ENTRY_FIELDS: dict[tuple[str, str], str] = {("opportunity", "StageName"): "LastStageChangeDate"}
# The object types each CRM's rules may name. A Salesforce Contract is found by the renewal scanner
# only: Textloop takes no Contract change events (the relay and the EventBridge rule carry
# Opportunity and Case changes), so a contract rule must be a renewal rule.
CRM_OBJECTS: dict[str, tuple[str, ...]] = {
    "salesforce": ("opportunity", "case", "contract"),
    "hubspot": ("deal", "ticket"),
}
RENEWAL_ONLY = frozenset({"contract"})
# A field of the record's account, read through the record's Account relationship (Salesforce:
# ``Account.Seats_Used__c`` in extra_fields, link_field or a ``record.`` condition); a template
# reads it as ``record.Account.Seats_Used__c``.
RELATED = "Account"
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,79}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


TemplateStatus = Literal["draft", "approved", "retired"]
# <stage>-<trigger>-<variant>-v<N>, e.g. "closing-contract_final_review-a-v2"
TAG_PATTERN = r"^[a-z0-9_]+-[a-z0-9_]+-[a-z0-9_]+-v[1-9][0-9]*$"


class Template(_Strict):
    """A governed message template. Only an *approved* one sends; ``version`` and ``tag`` travel
    with every message for reporting. ``segments`` and ``encoding`` declare what a message may cost
    (``textloop templates lint`` holds the template to them); ``max_lengths`` cuts merge values
    (``"record.name": 30``) so that the declaration holds whatever the CRM holds."""

    id: str
    version: int = Field(ge=1)
    status: TemplateStatus
    owner: str = Field(min_length=1)  # who answers for the wording (a team mailbox)
    tag: str = Field(pattern=TAG_PATTERN)
    body: str = Field(min_length=1, max_length=1600)
    segments: int = Field(default=1, ge=1, le=10)
    encoding: Literal["gsm7", "ucs2"] = "gsm7"
    max_lengths: dict[str, int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _tag_names_the_version(self) -> Template:
        if not self.tag.endswith(f"-v{self.version}"):
            raise ValueError(f"template {self.id}: tag {self.tag!r} does not end in -v{self.version}")
        if any(limit < 1 for limit in self.max_lengths.values()):
            raise ValueError(f"template {self.id}: max_lengths must be positive")
        return self


Purpose = Literal["transactional", "marketing"]


class Renewal(_Strict):
    """A renewal rule's schedule: the renewal scanner finds the records whose *date_field* falls within
    one of *windows* days ahead (and whose rule ``field`` is one of ``equals``), one event per record
    and window. Such a rule answers only the scanner's events, never a field change."""

    date_field: str  # Opportunity CloseDate, a HubSpot deal's renewal date property
    windows: tuple[int, ...] = Field(min_length=1)  # days ahead, e.g. (60, 30)
    recipient_role: str | None = None  # Salesforce contact role / HubSpot association label

    @model_validator(mode="after")
    def _positive(self) -> Renewal:
        if any(w < 1 for w in self.windows) or len(set(self.windows)) != len(self.windows):
            raise ValueError("renewal.windows must be distinct positive day counts")
        return self

    def admits(self, changed: dict[str, Any]) -> bool:
        return changed.get(self.date_field) in {f"window:{w}" for w in self.windows}


# What a variant's ``when`` may test: ``record.<CRM field>`` (any field: the rule fetches it), and
# what the message context carries of the contact and the account.
CONTACT_CONDITIONS = ("role", "state", "time_zone", "sms_consent", "first_name", "last_name")
ACCOUNT_CONDITIONS = ("name",)
_NAME = r"^[a-z0-9_]+$"


class Arm(_Strict):
    """One arm of an A/B test: a template and its share of the numbers (weights are relative)."""

    name: str = Field(pattern=_NAME)
    template: str
    weight: int = Field(ge=1)


class Variant(_Strict):
    """A segment of a rule's audience: ``when`` every condition holds (a field's value is one of the
    listed ones), send ``template``, or one of the ``ab`` arms. No ``when``: the default variant."""

    name: str = Field(pattern=_NAME)
    when: dict[str, tuple[str, ...]] | None = None
    template: str | None = None
    ab: tuple[Arm, ...] = ()


@dataclass(frozen=True)
class Choice:
    """The template a message uses and the variant that chose it ("" for a rule's only template;
    ``segment``, ``arm`` or ``segment/arm``)."""

    template: str
    variant: str = ""


def ab_bucket(rule: str, phone: str, buckets: int) -> int:
    """A stable bucket in ``[0, buckets)`` for the number under the rule: sha256, never random."""
    digest = hashlib.sha256(f"{rule}:{phone}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % buckets


def _pick(rule: str, phone: str, arms: tuple[Arm, ...]) -> Arm:
    bucket = ab_bucket(rule, phone, sum(a.weight for a in arms))
    for arm in arms:
        if bucket < arm.weight:
            return arm
        bucket -= arm.weight
    raise AssertionError("unreachable: the bucket is below the total weight")


def condition_value(path: str, context: MessageContext) -> Any:
    """The value a ``when`` condition tests: ``record.X``, ``contact.X`` or ``account.X``."""
    scope, name = path.split(".", 1)
    if scope == "record":
        return context.fields.get(name)
    if scope == "account":
        return context.account_name if name == "name" else None
    return getattr(context.recipient, name, None) if context.recipient is not None else None


def _holds(when: dict[str, tuple[str, ...]], context: MessageContext) -> bool:
    for path, values in when.items():
        value = condition_value(path, context)
        if value in (None, "") or str(value) not in values:
            return False
    return True


def _condition_problem(path: str) -> str | None:
    scope, _, name = path.partition(".")
    if scope == "record" and name:
        return None
    if scope == "contact" and name in CONTACT_CONDITIONS:
        return None
    if scope == "account" and name in ACCOUNT_CONDITIONS:
        return None
    if scope == "contact":
        return f"{path}: a contact condition tests one of {', '.join(CONTACT_CONDITIONS)}"
    if scope == "account":
        return (
            f"{path}: an account condition tests account.name only; put the account's field on the "
            "record (a formula or synced property) and test record.<field>"
        )
    return f"{path}: a condition names record.<field>, contact.<attribute> or account.<attribute>"


class Rule(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    # transactional: what the contact's own business with you calls for (contract ready, ticket
    # closed); marketing: an offer (renewals) — it also needs a recorded opt-in, the stricter
    # send-time rules and the frequency caps.
    purpose: Purpose
    crm: Crm
    object_type: ObjectType
    field: str
    equals: tuple[str, ...] = Field(min_length=1)
    template: str | None = None  # exactly one of template, variants and ab
    variants: tuple[Variant, ...] = ()  # segments: the first matching wins; the last is the default
    ab: tuple[Arm, ...] = ()  # an A/B test over the whole audience
    link_field: str | None = None  # CRM field holding the call-to-action link
    link_default: str | None = None  # used when the record has no link of its own
    extra_fields: tuple[str, ...] = ()  # more CRM fields the template may use
    cooldown_days: float = Field(default=7, ge=0)
    renewal: Renewal | None = None  # a renewal rule: triggered by the renewal scanner, not by a change

    @model_validator(mode="after")
    def _one_way_to_choose(self) -> Rule:
        named = [
            k for k, v in (("template", self.template), ("variants", self.variants), ("ab", self.ab)) if v
        ]
        if len(named) != 1:
            raise ValueError(
                f"rule {self.name}: name exactly one of template, variants and ab (got {', '.join(named) or 'none'})"
            )
        if self.ab:
            _check_arms(f"rule {self.name}", self.ab)
        if not self.variants:
            return self
        names = [v.name for v in self.variants]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"rule {self.name}: variants named more than once: {', '.join(repeated)}")
        default = self.variants[-1]
        if default.when is not None:
            raise ValueError(
                f"rule {self.name}: the last variant must be the default (no when); {default.name} has one"
            )
        for n, variant in enumerate(self.variants, 1):
            where = f"rule {self.name}, variant {variant.name}"
            if n < len(self.variants) and not variant.when:
                raise ValueError(f"{where}: only the last variant may go without conditions (when)")
            if (variant.template is None) == (not variant.ab):
                raise ValueError(f"{where}: name exactly one of template and ab")
            if variant.ab:
                _check_arms(where, variant.ab)
            for path, values in (variant.when or {}).items():
                problem = _condition_problem(path)
                if problem:
                    raise ValueError(f"{where}: {problem}")
                if not values:
                    raise ValueError(f"{where}: {path} lists no values")
        return self

    @property
    def cooldown(self) -> timedelta:
        return timedelta(days=self.cooldown_days)

    @property
    def fields(self) -> tuple[str, ...]:
        """The record fields to fetch: the trigger, the name, the link, ``extra_fields`` and every
        ``record.<field>`` a variant's conditions test."""
        wanted = [self.field, NAME_FIELDS[self.object_type], *self.extra_fields]
        if self.link_field:
            wanted.append(self.link_field)
        wanted += [p.split(".", 1)[1] for v in self.variants for p in v.when or {} if p.startswith("record.")]
        if self.renewal:
            wanted.append(self.renewal.date_field)
        if self.entry_field:
            wanted.append(self.entry_field)
        return tuple(dict.fromkeys(wanted))

    @property
    def entry_field(self) -> str | None:
        """The field dating the record's entry into its value of ``field`` (``ENTRY_FIELDS``), if any."""
        return ENTRY_FIELDS.get((self.object_type, self.field))

    def stage_entry(self, fields: dict[str, Any]) -> str:
        """The record's entry into its current value of ``field``: ``<field>=<value>@<entered at>``,
        or "" when the CRM does not date it (then only the cooldown tells entries apart)."""
        entered = fields.get(self.entry_field) if self.entry_field else None
        value = fields.get(self.field)
        return f"{self.field}={value}@{entered}" if entered and value is not None else ""

    @property
    def template_ids(self) -> tuple[str, ...]:
        """Every template the rule may send, in the order it names them."""
        ids = [self.template] if self.template else []
        ids += [a.template for a in self.ab]
        for variant in self.variants:
            ids += [variant.template] if variant.template else [a.template for a in variant.ab]
        return tuple(dict.fromkeys(ids))

    def choose(self, context: MessageContext, phone: str) -> Choice:
        """The template for this recipient: the first segment whose conditions hold (else the
        default), then its A/B arm by a stable hash of *phone* (E.164) and the rule."""
        if self.template:
            return Choice(self.template)
        if self.ab:
            arm = _pick(self.name, phone, self.ab)
            return Choice(arm.template, arm.name)
        variant = next(v for v in self.variants if v.when is None or _holds(v.when, context))
        if variant.template:
            return Choice(variant.template, variant.name)
        arm = _pick(self.name, phone, variant.ab)
        return Choice(arm.template, f"{variant.name}/{arm.name}")

    @model_validator(mode="after")
    def _fields_fit_the_crm(self) -> Rule:
        where = f"rule {self.name}"
        kinds = CRM_OBJECTS[self.crm]
        if self.object_type not in kinds:
            raise ValueError(
                f"{where}: a {self.crm} rule's object_type is one of {', '.join(kinds)} (got {self.object_type})"
            )
        if self.object_type in RENEWAL_ONLY and self.renewal is None:
            raise ValueError(
                f"{where}: a {self.object_type} is found by the renewal scanner, not by a change: add a "
                'renewal section, e.g. "renewal": {"date_field": "EndDate", "windows": [60, 30]}'
            )
        own = [("field", self.field)] + (
            [("renewal.date_field", self.renewal.date_field)] if self.renewal else []
        )
        for what, name in own:
            if not _FIELD_NAME.fullmatch(name):
                raise ValueError(
                    f"{where}: {what} {name!r} must name a field of the {self.object_type} itself"
                )
        fetched = [("extra field", f) for f in self.extra_fields]
        fetched += [("link_field", self.link_field)] if self.link_field else []
        fetched += [
            (f"variant {v.name} condition", p.split(".", 1)[1])
            for v in self.variants
            for p in v.when or {}
            if p.startswith("record.")
        ]
        for what, name in fetched:
            problem = _fetched_field_problem(self.crm, name)
            if problem:
                raise ValueError(f"{where}: {what} {name!r}: {problem}")
        return self

    def admits(self, value: Any) -> bool:
        return value is not None and str(value) in self.equals


def _fetched_field_problem(crm: str, name: str) -> str | None:
    """Why *name* cannot be fetched for a rule of *crm* (None: it can): a field of the record, or on
    Salesforce one of its account's (``Account.<field>``)."""
    if _FIELD_NAME.fullmatch(name):
        return None
    relationship, _, leaf = name.partition(".")
    if crm == "salesforce" and relationship == RELATED and _FIELD_NAME.fullmatch(leaf):
        return None
    if crm == "salesforce":
        return f"name a field of the record, or of its account as {RELATED}.<field>"
    return "name a property of the record itself (sync the company's property onto the deal or ticket)"


def _check_arms(where: str, arms: tuple[Arm, ...]) -> None:
    if len(arms) < 2:
        raise ValueError(f"{where}: an A/B test needs two or more arms")
    names = [a.name for a in arms]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"{where}: A/B arms named more than once: {', '.join(repeated)}")


class CapConfig(_Strict):
    limit: int = Field(ge=1)
    hours: float = Field(gt=0)


def _default_caps() -> dict[Purpose, tuple[CapConfig, ...]]:
    return {"marketing": (CapConfig(limit=1, hours=24), CapConfig(limit=3, hours=24 * 7))}


class OptimisePrior(_Strict):
    """``replies`` in ``sends`` pseudo-messages believed of every hour before any send (Beta prior)."""

    replies: float = Field(default=1.0, gt=0)
    sends: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _fewer_replies(self) -> OptimisePrior:
        if not self.replies < self.sends:
            raise ValueError("send_time.optimise.prior: replies must be fewer than sends")
        return self


SEGMENT_KEYS = ("rule", "variant")  # besides record.<field>, contact.<attribute> and account.name


class OptimiseConfig(_Strict):
    """Send-time optimisation of marketing messages (``textloop.domain.send_optimiser``): off by default.
    Per segment (``segment_by``: ``rule``, ``variant``, ``record.<field>``, ``contact.<attribute>``,
    ``account.name``), the hour of the week to send in, within the allowed window and ``horizon_days``
    of the moment the message could first go. A reply within ``reply_window_hours`` counts for the hour
    its message was sent in."""

    enabled: bool = False
    segment_by: tuple[str, ...] = ("rule",)
    horizon_days: int = Field(default=7, ge=1, le=14)
    prior: OptimisePrior = OptimisePrior()
    reply_window_hours: float = Field(default=72, gt=0, le=24 * 30)

    @model_validator(mode="after")
    def _segments(self) -> OptimiseConfig:
        repeated = sorted({p for p in self.segment_by if self.segment_by.count(p) > 1})
        if repeated:
            raise ValueError(f"send_time.optimise.segment_by names {', '.join(repeated)} more than once")
        for path in self.segment_by:
            if path in SEGMENT_KEYS:
                continue
            problem = _condition_problem(path)
            if problem:
                raise ValueError(
                    f"send_time.optimise.segment_by: {problem} (or one of {', '.join(SEGMENT_KEYS)})"
                )
        return self

    @property
    def record_fields(self) -> tuple[str, ...]:
        """The record fields the segments read (fetched with every marketing rule's fields)."""
        return tuple(p.split(".", 1)[1] for p in self.segment_by if p.startswith("record."))


class SendTimeConfig(_Strict):
    """The default window every message obeys (local wall-clock, half-open), the caps, and the
    send-time optimisation of marketing messages."""

    default_window: tuple[time, time] = (time(8, 0), time(21, 0))
    caps: dict[Purpose, tuple[CapConfig, ...]] = Field(default_factory=lambda: _default_caps())
    optimise: OptimiseConfig = OptimiseConfig()

    @model_validator(mode="after")
    def _window(self) -> SendTimeConfig:
        opens, closes = self.default_window
        if not opens < closes:
            raise ValueError("send_time.default_window must open before it closes")
        return self


class RuleSet(_Strict):
    rules: tuple[Rule, ...]
    templates: tuple[Template, ...]
    routing: Routing | None = None  # replies → owner tasks (the reply router requires it)
    send_time: SendTimeConfig = SendTimeConfig()

    @model_validator(mode="after")
    def _templates_exist(self) -> RuleSet:
        ids = [t.id for t in self.templates]
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        if duplicated:
            raise ValueError(f"templates defined more than once: {', '.join(duplicated)}")
        naming = {t: r.name for r in self.rules for t in r.template_ids}
        missing = sorted(set(naming) - set(ids))
        if missing:
            listed = ", ".join(f"{t} (rule {naming[t]})" for t in missing)
            raise ValueError(f"rules name unknown templates: {listed}")
        status = {t.id: t.status for t in self.templates}
        unapproved = sorted({t for t in naming if status[t] != "approved"})
        if unapproved:
            named = ", ".join(f"{t} ({status[t]})" for t in unapproved)
            raise ValueError(f"rules name templates that are not approved: {named}")
        return self

    @classmethod
    def load(cls, path: str | Path | None = None) -> RuleSet:
        source = Path(path) if path else DEFAULT_TRIGGERS_FILE
        return cls.model_validate(json.loads(source.read_text(encoding="utf-8")))

    def template(self, template_id: str) -> Template:
        return next(t for t in self.templates if t.id == template_id)

    def for_object(self, crm: str, object_type: str) -> list[Rule]:
        return [r for r in self.rules if r.crm == crm and r.object_type == object_type]

    def candidates(self, event: TriggerEvent) -> list[Rule]:
        """Rules the change may trigger. A GAP event carries no values: every rule of the type."""
        rules = self.for_object(event.record.crm, event.record.object_type)
        renewal = event.kind is ChangeKind.RENEWAL  # renewal rules answer the renewal scanner alone
        rules = [r for r in rules if (r.renewal is not None) == renewal]
        if renewal:
            return [r for r in rules if r.renewal is not None and r.renewal.admits(event.changed)]
        if event.kind is ChangeKind.GAP:
            return rules
        if event.kind not in (ChangeKind.CREATE, ChangeKind.UPDATE, ChangeKind.UNDELETE):
            return []
        return [r for r in rules if r.field in event.changed and r.admits(event.changed[r.field])]

    def fields_for(self, rules: Iterable[Rule]) -> list[str]:
        rules = list(rules)
        wanted = [f for r in rules for f in r.fields]
        if self.send_time.optimise.enabled and any(r.purpose == "marketing" for r in rules):
            wanted += self.send_time.optimise.record_fields  # the optimiser's segments read them
        return list(dict.fromkeys(wanted))

    @model_validator(mode="after")
    def _segments_fetchable(self) -> RuleSet:
        optimise = self.send_time.optimise
        for rule in (r for r in self.rules if r.purpose == "marketing" and optimise.enabled):
            for name in optimise.record_fields:
                problem = _fetched_field_problem(rule.crm, name)
                if problem:
                    where = f"send_time.optimise.segment_by record.{name} (rule {rule.name})"
                    raise ValueError(f"{where}: {problem}")
        return self


def confirm(rules: Iterable[Rule], context: MessageContext) -> Rule | None:
    """The first rule whose condition still holds on the record as the CRM has it now."""
    return next((r for r in rules if r.admits(context.fields.get(r.field))), None)
