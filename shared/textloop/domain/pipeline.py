"""Outcomes from the CRM — what happened to the pipeline after a message — and their attribution.

Pure: no SDK, no boto3. A CRM change that matters (a meeting booked, an opportunity created, a stage
advanced, a deal closed) becomes one ``OutcomeSignal``; it is attributed to the latest message sent on
its related records within the attribution window: the record itself first, else its contact, else its
account (``credited``).

Keys of the related records are ``<crm>:<object>:<id>`` (``salesforce:opportunity:006…``,
``hubspot:contact:51``, ``salesforce:account:001…``): the dispatcher indexes every message it sends
under its record, its contact and, when the CRM names one, its account (the CRM's company/Account).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from textloop.domain.sources import HUBSPOT_MEETING_TYPE_ID as HUBSPOT_MEETING_TYPE_ID  # re-exported

DEFAULT_WINDOW = timedelta(days=30)
PIPE_PREFIX = "PIPE#"  # StateTable: PIPE#<yyyy-mm>/<iso instant>#<source id>, one item per outcome
DEFAULT_WON_STAGES = ("Closed Won", "closedwon")  # Salesforce's and HubSpot's default pipelines
DEFAULT_LOST_STAGES = ("Closed Lost", "closedlost")

# Salesforce id key prefixes (the first three characters of every record id) of the records a
# meeting (an Event's WhatId / WhoId) may point at.
SALESFORCE_KEY_PREFIXES = {
    "001": "account",
    "003": "contact",
    "006": "opportunity",
    "500": "case",
    "800": "contract",
    "00Q": "lead",
}


class OutcomeKind(enum.StrEnum):
    MEETING_BOOKED = "meeting_booked"
    OPPORTUNITY_CREATED = "opportunity_created"
    STAGE_ADVANCED = "stage_advanced"
    CLOSED_WON = "closed_won"
    CLOSED_LOST = "closed_lost"


def record_key(crm: str, object_type: str, record_id: str) -> str:
    return f"{crm}:{object_type}:{record_id}"


def contact_key(crm: str, contact_id: str) -> str:
    return record_key(crm, "contact", contact_id)


def account_key(crm: str, account_id: str) -> str:
    """A CRM account: a Salesforce Account, a HubSpot company."""
    return record_key(crm, "account" if crm == "salesforce" else "company", account_id)


def message_keys(crm: str, object_type: str, record_id: str, contact_id: str, account_id: str) -> list[str]:
    """The keys a sent message is indexed under: its record, its contact, its account (when known)."""
    keys = [record_key(crm, object_type, record_id)]
    if contact_id:
        keys.append(contact_key(crm, contact_id))
    if account_id:
        keys.append(account_key(crm, account_id))
    return keys


def salesforce_key(record_id: str) -> str | None:
    """The related-record key of a Salesforce id by its key prefix; None for an unknown object."""
    object_type = SALESFORCE_KEY_PREFIXES.get(record_id[:3])
    return record_key("salesforce", object_type, record_id) if object_type else None


@dataclass(frozen=True, slots=True)
class Stages:
    """Which stage values close a deal (won or lost); every other stage change advances it."""

    won: frozenset[str] = frozenset(DEFAULT_WON_STAGES)
    lost: frozenset[str] = frozenset(DEFAULT_LOST_STAGES)

    def kind(self, stage: str, *, is_won: bool | None = None, is_closed: bool | None = None) -> OutcomeKind:
        """The outcome of a move to *stage*. Salesforce's ``IsWon``/``IsClosed`` (when the change event
        carries them) decide before the names: a renamed closed stage still closes."""
        if is_won or stage in self.won:
            return OutcomeKind.CLOSED_WON
        if (is_closed and is_won is False) or stage in self.lost:
            return OutcomeKind.CLOSED_LOST
        return OutcomeKind.STAGE_ADVANCED


@dataclass(frozen=True, slots=True)
class OutcomeSignal:
    """One CRM change that is an outcome, as the source told it.

    ``source_id`` is the source's own event identity (a redelivery has the same one); ``related`` are
    the keys its message may be found under, most specific first; ``read`` names a record whose
    amount or relations the CRM must be asked for (a HubSpot webhook carries neither)."""

    source_id: str
    kind: OutcomeKind
    crm: str
    record: str  # <crm>:<object>:<id>
    at: datetime
    tenant: str = ""  # Salesforce org id / HubSpot portal id: whose credentials read the CRM
    amount: float | None = None
    related: tuple[str, ...] = ()
    read: str | None = None  # <crm>:<object>:<id> to read for the amount and the relations

    def with_facts(self, amount: float | None, related: Iterable[str]) -> OutcomeSignal:
        merged = tuple(dict.fromkeys([*self.related, *related]))
        return OutcomeSignal(
            self.source_id,
            self.kind,
            self.crm,
            self.record,
            self.at,
            self.tenant,
            self.amount if self.amount is not None else amount,
            merged,
            None,
        )


@dataclass(frozen=True, slots=True)
class MeetingLinks:
    """The records a CRM meeting is associated with (HubSpot: its deal, contact and company associations)."""

    deals: tuple[str, ...] = ()
    contacts: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()

    def keys(self, crm: str) -> list[str]:
        """Their related-record keys, most specific first as the Salesforce Event's are (its WhatId
        opportunity, its WhoId contact, its account): deals, then contacts, then companies."""
        return [
            *(record_key(crm, "deal", i) for i in self.deals),
            *(contact_key(crm, i) for i in self.contacts),
            *(account_key(crm, i) for i in self.companies),
        ]


@dataclass(frozen=True, slots=True)
class AttributedMessage:
    """The message an outcome is credited to: its sid, when it went, and what sent it."""

    sid: str
    sent_at: datetime
    rule: str = ""
    template: str = ""
    version: int | None = None
    variant: str = ""
    related: str = ""  # the key it was found under


@dataclass(frozen=True, slots=True)
class PipelineOutcome:
    """The stored outcome (``PIPE#<yyyy-mm>``/``<iso at>#<source id>``): what the report reads."""

    source_id: str
    kind: OutcomeKind
    crm: str
    record: str
    at: datetime
    amount: float | None = None
    message: AttributedMessage | None = None
    details: dict[str, str] = field(default_factory=dict)

    @property
    def attributed(self) -> bool:
        return self.message is not None


def credited(
    candidates: Collection[AttributedMessage], related: Sequence[str], at: datetime, window: timedelta
) -> AttributedMessage | None:
    """The message an outcome is credited to: the latest one sent in [*at* - *window*, *at*] on the most
    specific related record that has one — the record itself, else its contact, else its account (*related*
    is in that order). A care text to another contact of the account does not take the credit for a deal
    whose own record was texted."""
    for key in related:
        eligible = [m for m in candidates if m.related == key and at - window <= m.sent_at <= at]
        if eligible:
            return max(eligible, key=lambda m: (m.sent_at, m.sid))
    return None
