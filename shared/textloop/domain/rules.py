"""Trigger rules and governed templates: configuration, validated once at cold start.

A rule says: when *field* of a *crm* *object_type* record becomes one of *equals*, send
*template* to the record's contact. Rules live in JSON (``textloop/triggers.default.json``
or the file named by ``TRIGGERS_FILE``), never in code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
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
    "deal": "dealname",
    "ticket": "subject",
}


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
    template: str
    link_field: str | None = None  # CRM field holding the call-to-action link
    link_default: str | None = None  # used when the record has no link of its own
    extra_fields: tuple[str, ...] = ()  # more CRM fields the template may use
    cooldown_days: float = Field(default=7, ge=0)

    @property
    def cooldown(self) -> timedelta:
        return timedelta(days=self.cooldown_days)

    @property
    def fields(self) -> tuple[str, ...]:
        wanted = [self.field, NAME_FIELDS[self.object_type], *self.extra_fields]
        if self.link_field:
            wanted.append(self.link_field)
        return tuple(dict.fromkeys(wanted))

    def admits(self, value: Any) -> bool:
        return value is not None and str(value) in self.equals


class CapConfig(_Strict):
    limit: int = Field(ge=1)
    hours: float = Field(gt=0)


def _default_caps() -> dict[Purpose, tuple[CapConfig, ...]]:
    return {"marketing": (CapConfig(limit=1, hours=24), CapConfig(limit=3, hours=24 * 7))}


class SendTimeConfig(_Strict):
    """The default window every message obeys (local wall-clock, half-open), and the caps."""

    default_window: tuple[time, time] = (time(8, 0), time(21, 0))
    caps: dict[Purpose, tuple[CapConfig, ...]] = Field(default_factory=lambda: _default_caps())

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
        missing = sorted({r.template for r in self.rules} - set(ids))
        if missing:
            raise ValueError(f"rules name unknown templates: {', '.join(missing)}")
        status = {t.id: t.status for t in self.templates}
        unapproved = sorted({r.template for r in self.rules if status[r.template] != "approved"})
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
        if event.kind is ChangeKind.GAP:
            return rules
        if event.kind not in (ChangeKind.CREATE, ChangeKind.UPDATE, ChangeKind.UNDELETE):
            return []
        return [r for r in rules if r.field in event.changed and r.admits(event.changed[r.field])]

    def fields_for(self, rules: Iterable[Rule]) -> list[str]:
        return list(dict.fromkeys(f for r in rules for f in r.fields))


def confirm(rules: Iterable[Rule], context: MessageContext) -> Rule | None:
    """The first rule whose condition still holds on the record as the CRM has it now."""
    return next((r for r in rules if r.admits(context.fields.get(r.field))), None)
