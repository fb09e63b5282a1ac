"""Ports: what the domain needs from the world, as Protocols. Adapters implement them.

Every adapter translates its vendor's errors into ``textloop.domain.errors``:
permanent problems into ``Skip`` subclasses, transient ones into ``Retryable`` subclasses.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from textloop.domain.consent import ConsentChange as ConsentChange  # re-exported: ports speak it
from textloop.domain.consent import ConsentForgotten as ConsentForgotten  # re-exported: ports speak it
from textloop.domain.consent import ConsentRecord as ConsentRecord  # re-exported: ports speak it
from textloop.domain.consent import ConsentStatus as ConsentStatus  # re-exported: ports speak it
from textloop.domain.consent import Tombstone as Tombstone  # re-exported: ports speak it
from textloop.domain.errors import TextloopError
from textloop.domain.model import (
    Conversation,
    Crm,
    DispatchResult,
    MessageContext,
    OutboundSms,
    OwnerTask,
    Person,
    PhoneStatus,
    RecordRef,
    SentSms,
    SmsActivity,
    TaskState,
    TriggerEvent,
    WatchedTask,
)

if TYPE_CHECKING:  # annotations only: the webhooks' cold start imports none of these modules
    from textloop.domain.links import Click, TrackedLink
    from textloop.domain.pipeline import AttributedMessage, MeetingLinks, PipelineOutcome
    from textloop.domain.reconcile import ProviderMessage, SendAttempt
    from textloop.domain.send_optimiser import HourCount


@dataclass(frozen=True, slots=True)
class LoggedSms:
    """What became of one activity of a bulk log: its CRM id (created now, or found by its SID when
    ``existing``), or the domain error that kept it off the record."""

    key: str  # the activity's ``log_key`` (its Twilio SID)
    activity_id: str = ""
    existing: bool = False
    error: TextloopError | None = None


class CrmGateway(Protocol):
    """One CRM (Salesforce or HubSpot)."""

    def load_context(
        self, record: RecordRef, fields: Sequence[str], recipient_role: str | None = None
    ) -> MessageContext:
        """Read the record (the named fields), its recipient contact and its owner.
        With *recipient_role*, the recipient is the contact in that role on the record (Salesforce
        contact role, HubSpot association label), else the primary contact as without it.

        Raises RecordNotFound for a 404, CrmUnavailable for 429/5xx/network errors.
        ``recipient`` is None when the record has no contact.
        """
        ...

    def prefetch(
        self, records: Sequence[RecordRef], fields: Sequence[str], recipient_role: str | None = None
    ) -> int:
        """Load the contexts of many records at once (Salesforce: SOQL ``IN`` over up to 200 ids; HubSpot:
        batch reads of up to 100) into a cache for one dispatcher batch: the next ``load_context`` of each
        record with the same *fields* and *recipient_role* answers from it, once. Drops what an earlier
        prefetch left. Returns how many contexts it holds; a record it could not load (gone, or the
        read failed) is simply not held and ``load_context`` reads it as without a prefetch.
        Raises like ``load_context`` when a bulk read fails (what it read before stays held)."""
        ...

    def log_sms(self, activity: SmsActivity) -> str:
        """Log the SMS on the record (Salesforce Task / HubSpot Communication); return its id.
        ``activity.record`` may be a contact-less record; inbound replies use direction "inbound".
        Idempotent by ``activity.log_key`` (the SID): an activity already logged for that key is returned,
        not created again."""
        ...

    def log_sms_many(self, activities: Sequence[SmsActivity]) -> list[LoggedSms]:
        """Log many SMS at once, idempotent by ``log_key`` (the SID): one bulk lookup of the keys already logged (a
        retry after a crash or a lost answer finds them), then one bulk create of the others, in chunks
        of the CRM's batch limit. One result per activity, in order. Never raises a domain error: a
        failure is reported on each record it concerns (Retryable: log it later; any other: for good)."""
        ...

    def find_contacts(self, phone: str) -> list[Person]:
        """Contacts whose mobile or phone is *phone* (E.164) however it was typed in the CRM,
        each with ``owner_id``. Empty list when none."""
        ...

    def create_task(self, task: OwnerTask) -> str:
        """Create the follow-up task for the owner; return its id. With ``task.key`` it is created once
        per key: a retry after a crash finds the task it made and returns its id."""
        ...

    def flag_phone(self, contact_id: str, status: PhoneStatus, note: str, key: str | None = None) -> None:
        """Mark the contact's number (wrong person, unreachable, landline) where the rep sees it. With a
        *key* (``domain.activity_keys.activity_key``) the note's Task is created once per key: a retry
        finds it and creates nothing."""
        ...

    def task_state(self, task_id: str) -> TaskState:
        """Whether the owner task is still open in the CRM and, once completed, when (the CRM's own
        completion instant: Salesforce ``CompletedDateTime``, HubSpot ``hs_task_completion_date``).
        Raises RecordNotFound when the task was deleted."""
        ...

    def record_consent(
        self, contact_id: str, status: ConsentStatus, note: str, key: str | None = None
    ) -> None:
        """Write the SMS consent Textloop recorded back to the contact's consent field, with the
        evidence logged on the contact: with a *key*, once per key (a retry finds the evidence Task
        and creates nothing; the field write is the same value again)."""
        ...


class MeetingReader(Protocol):
    """A CRM's meetings (HubSpot: the gateway), read for the records they are associated with."""

    def meeting_links(self, meeting_id: str) -> MeetingLinks:
        """The deals, contacts and companies the meeting is associated with (empty when none).
        Raises RecordNotFound for a meeting gone, CrmUnavailable for 429/5xx/network errors."""
        ...


CrmGateways = Callable[[Crm, str], CrmGateway]
"""A CRM's gateway for one tenant (``account``: Salesforce org id, HubSpot portal id; "" the default
tenant); raises ``UnknownTenant`` when that account has no credentials."""


class SmsSender(Protocol):
    def send(self, sms: OutboundSms) -> SentSms:
        """Send through the Messaging Service. RecipientUnsubscribed for Twilio 21610,
        SendRejected for other permanent 4xx, SmsUnavailable for 429/5xx/network."""
        ...

    def recent(self, to: str, since: datetime) -> list[ProviderMessage]:
        """Outbound messages to *to* from our Messaging Service created at or after *since*, as the
        provider keeps them (crash recovery: ``domain.reconcile`` decides which one is a send's)."""
        ...


class ConsentLedger(Protocol):
    """Consent per number: the current status and its append-only evidence."""

    def status(self, phone: str) -> ConsentStatus | None:
        """The number's current consent in the ledger; None when it never said."""
        ...

    def is_opted_out(self, phone: str) -> bool: ...

    def record(self, change: ConsentChange) -> bool:
        """Append to the history and move the status, unless a newer change is already there.
        Returns whether the current status was moved."""
        ...


class SlotState(enum.StrEnum):
    DEFERRED = "deferred"  # held back by the send-time policy or a cap until ``not_before``
    SENDING = "sending"  # intent recorded before the provider is called: after a crash, unknown
    SENT = "sent"  # provider accepted it (sid known)
    LOGGED = "logged"  # on the CRM record: done
    FAILED = "failed"  # provider refused it for good


@dataclass(frozen=True, slots=True)
class SendSlot:
    """The intent to send one message: one per rule, record and recipient per cooldown window.

    Recorded *before* sending, so that a crash or a duplicate never sends twice.
    """

    key: str
    event_key: str
    owner: str  # the attempt holding the lease
    state: SlotState
    claimed_at: datetime
    lease_until: datetime
    cooldown_until: datetime
    record: RecordRef
    rule: str
    template_id: str
    template_version: int
    phone: str
    body: str
    contact_id: str | None = None
    owner_id: str | None = None
    sid: str = ""
    activity_id: str = ""
    error: str = ""  # why the provider refused it (FAILED)
    purpose: str = "transactional"
    not_before: datetime | None = None  # DEFERRED: the earliest instant it may go
    sent_at: str = ""  # ISO instant the provider accepted it (SENT)
    account: str = ""  # the tenant (Salesforce org id, HubSpot portal id): kept on the message records
    template_tag: str = ""  # <stage>-<trigger>-<variant>-v<N>: kept on the message records
    variant: str = ""  # the rule's variant that chose the template (segment, A/B arm): "" for a single one
    crm_account: str = ""  # the record's account in the CRM (Salesforce AccountId, HubSpot company): outcomes
    trigger: str = ""  # attribution (domain/attribution.py): "<field>=<value>" that fired the rule
    stage: str = ""  # the rule's field on the record at send
    tier: str = ""  # the account's tier, where a fetched field says
    lifecycle: str = ""  # the lifecycle stage, where a fetched field says
    cohort: str = ""  # the month (YYYY-MM) the number was first texted
    entry: str = ""  # the stage entry texted for (``Rule.stage_entry``): "" when the CRM does not date it

    def evolve(self, **changes: object) -> SendSlot:
        return replace(self, **changes)  # type: ignore[arg-type]


class EventOutcomes(Protocol):
    """The auditable outcome of every event (idempotency on the source's own id)."""

    def outcome(self, event_key: str) -> DispatchResult | None:
        """The outcome already recorded for this event, if any."""
        ...

    def record_outcome(self, result: DispatchResult, at: datetime) -> None: ...


class SendSlots(Protocol):
    """Never twice: the intent to send, claimed before the provider is called."""

    def claim(self, slot: SendSlot, now: datetime) -> SendSlot | None:
        """Create the slot unless one exists that it may not replace. A slot is replaced only when its
        work is finished and its cooldown has ended, whatever the cooldown (0 included): LOGGED (and
        not for the same stage entry, when *slot* has one), FAILED, or DEFERRED with no lease running.
        SENDING and SENT are never replaced: their message may have gone. Returns None on success,
        else the existing slot."""
        ...

    def slot(self, key: str) -> SendSlot | None:
        """The slot as stored now (a consistent read), None when there is none."""
        ...

    def take_over(self, existing: SendSlot, owner: str, lease_until: datetime) -> SendSlot | None:
        """Take an expired lease (optimistic on its old owner and lease). None if someone else did."""
        ...

    def advance(self, slot: SendSlot, to: SlotState, **attrs: str) -> SendSlot:
        """Move the slot forward while still holding it; raises InProgress if the lease was lost.
        Moving to SENT also stores the message record (by sid and by phone) for callbacks and replies."""
        ...

    def defer(self, slot: SendSlot, not_before: datetime, cooldown_until: datetime) -> SendSlot:
        """Slot → DEFERRED until *not_before*, lease given back; raises InProgress if it was lost."""
        ...

    def complete(self, slot: SendSlot, result: DispatchResult, at: datetime) -> None:
        """Slot → LOGGED and the event's SENT outcome, in one atomic write: a slot is logged
        exactly when its event has its outcome. Raises InProgress if the lease was lost."""
        ...

    def release(self, slot: SendSlot, now: datetime) -> None:
        """Give the lease back (the send failed cleanly and will be retried)."""
        ...

    def attempt(self, slot: SendSlot, now: datetime) -> SendAttempt | None:
        """Record, before the provider is called, that *slot*'s event is being sent (its send id,
        ``domain.reconcile.send_id``, kept as long as the event may be redelivered or redriven —
        longer than the slot); returns what an earlier delivery of the same event recorded (its first
        claim, and the SID if the send's answer or a status callback stored it), else None."""
        ...


@dataclass(frozen=True, slots=True)
class SentMessage:
    """One message that went to a number (what frequency caps count)."""

    at: datetime
    rule: str
    purpose: str


class Conversations(Protocol):
    """Outbound messages by sid (status callbacks) and by number (replies, caps)."""

    def message(self, sid: str) -> dict[str, Any] | None:
        """The stored record of an outbound message (record, contact, owner, status)."""
        ...

    def latest_conversation(self, phone: str) -> Conversation | None:
        """The most recent outbound message to *phone*, if any."""
        ...

    def sent_since(self, phone: str, since: datetime) -> list[SentMessage]:
        """Every message sent to *phone* at or after *since*, oldest first."""
        ...

    def cohort(self, phone: str) -> str:
        """The month (``YYYY-MM``) *phone* was first texted, as its oldest message record still held
        says; "" when it never was."""
        ...


class SlaTasks(Protocol):
    """Owner tasks with an SLA, watched until done or escalated once."""

    def watch_task(self, task: WatchedTask) -> None: ...

    def overdue_tasks(self, now: datetime) -> list[WatchedTask]: ...

    def stop_watching(
        self, task: WatchedTask, outcome: str, at: datetime, completed_at: datetime | None = None
    ) -> None:
        """Record why the watchdog is done with the task ("done" or "escalated:<id>") and, for a
        task done in the CRM, when the CRM says it was completed."""
        ...


@dataclass(frozen=True, slots=True)
class Deferral:
    """A held-back event, to be delivered to the trigger queue again at ``not_before``."""

    slot_key: str
    event: TriggerEvent  # comes back with its own key, to be judged again
    not_before: datetime

    @property
    def event_key(self) -> str:
        return self.event.event_key


class Deferrals(Protocol):
    def schedule(self, deferral: Deferral) -> str:
        """A one-time schedule that puts the event on the trigger queue at ``not_before`` and is
        deleted after it runs. Idempotent for the same slot and instant. Returns its name."""
        ...


# -- Privacy: export and erasure of everything held about one number --------------------------------


class ConsentRecords(Protocol):
    """The consent ledger as the privacy tools need it (the ledger's own adapter implements both)."""

    def consent_record(self, phone: str) -> ConsentRecord | None: ...

    def history(self, phone: str) -> list[ConsentChange]:
        """Every change recorded for *phone*, inline and moved out, oldest recorded first."""
        ...

    def tombstone(self, phone: str) -> Tombstone | None: ...

    def forget(self, phone: str, at: datetime) -> ConsentForgotten:
        """Delete the number's item and its history items; an opt-out stays as a tombstone.
        Idempotent."""
        ...


@dataclass(frozen=True, slots=True)
class NumberHoldings:
    """Every state-table item that holds or points at one number, as plain JSON-able dicts (with
    their ``pk``/``sk``). ``outcomes`` and ``erasures`` are reported, never deleted: outcomes carry a
    masked number only and expire on their own; erasures are the audit trail (hash, no number)."""

    conversation: tuple[dict[str, Any], ...]  # PHONE#<e164>/MSG#<iso>#<sid>
    messages: tuple[dict[str, Any], ...]  # MSG#<sid>/MSG
    slots: tuple[dict[str, Any], ...]  # SLOT#<key>/SLOT (the outbound body until it is logged)
    index: tuple[dict[str, Any], ...]  # NUMBER#<e164>/SLOT#<key>, CONTACT#<crm>:<id>/NUMBER#<e164>
    outcomes: tuple[dict[str, Any], ...]  # EVENT#<key>/OUTCOME of its events, sids and replies
    erasures: tuple[dict[str, Any], ...]  # PRIVACY#<hash>/<iso>
    links: tuple[dict[str, Any], ...] = ()  # LINK#<code>/LINK of its messages, LINK#<code>/CLICK#… fetches

    @property
    def deletable(self) -> tuple[dict[str, Any], ...]:
        return self.conversation + self.messages + self.slots + self.index + self.links


class PrivacyStore(Protocol):
    """The state table as the privacy tools need it."""

    def holdings(self, phone: str, evidence: Sequence[str], key: str | None) -> NumberHoldings:
        """Everything held about *phone*; *evidence* (the consent history's) finds routed replies,
        *key* (its keyed hash) the earlier erasures."""
        ...

    def delete(self, items: Sequence[dict[str, Any]]) -> int:
        """Delete these items (by ``pk``/``sk``); idempotent. Returns how many were asked."""
        ...

    def numbers_for_contact(self, crm: str, contact_id: str) -> list[str]:
        """The numbers Textloop texted (or was about to text) for this CRM contact."""
        ...

    def record_erasure(self, key: str, at: datetime, summary: dict[str, Any]) -> None:
        """The audit record of one erasure under *key* (the number's keyed hash, or
        ``contact:<crm>:<id>`` for a CRM's request): the time and the counts, never the number."""
        ...


@dataclass(frozen=True, slots=True)
class RenewalQuery:
    """Records of *object_type* whose *field* is one of *equals* and whose *date_field* (a date) falls
    in [*start*, *end*]."""

    object_type: str
    field: str
    equals: tuple[str, ...]
    date_field: str
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class DueRenewal:
    record_id: str
    renewal_date: date


class RenewalSearch(Protocol):
    """A CRM's records coming up for renewal (the renewal scanner)."""

    def due_renewals(self, query: RenewalQuery) -> Iterator[DueRenewal]:
        """Every matching record, paging through the CRM's results (one page held at a time).
        A record without a parseable date is left out. Raises CrmUnavailable/CrmRejected."""
        ...


class TenantDirectory(Protocol):
    """The tenants installed with credentials of their own (the renewal scanner scans each of them)."""

    def accounts(self, crm: Crm) -> list[str]:
        """The accounts of *crm* (Salesforce org ids, HubSpot portal ids) that have their own credentials,
        sorted; the default tenant ("") is not listed. Raises StoreUnavailable when they cannot be listed."""
        ...


class Links(Protocol):
    """Tracked links (``LINK#<code>``) and their clicks, on the state table."""

    def code_for(self, *parts: str) -> str:
        """An unguessable code for *parts* (the slot key, the event key): always the same for the same
        parts (a keyed hash under the deployment's link key)."""
        ...

    def create(self, link: TrackedLink) -> None:
        """Store the link with its attribution until ``expires_at``; idempotent (an existing link,
        its message and its clicks are kept)."""
        ...

    def attach(self, code: str, sid: str) -> None:
        """The message that carries the link, once the provider accepted it."""
        ...

    def link(self, code: str) -> TrackedLink | None:
        """The link (one GetItem); None when unknown or expired."""
        ...

    def record_click(self, click: Click) -> None:
        """Keep the fetch (a click or a preview) and count it on the link."""
        ...

    def clicks(self, code: str) -> list[Click]:
        """Every fetch of the link, oldest first."""
        ...


class MessageQueue(Protocol):
    def send_all(self, bodies: Sequence[str]) -> None:
        """Enqueue the bodies in batches; raises StoreUnavailable when some could not be queued."""
        ...


# -- Frequency caps: every message to a number counted atomically -----------------------------------


@dataclass(frozen=True, slots=True)
class CapEntry:
    """One message counted against its number's caps, from the moment its send slot moved to SENDING."""

    holder: str  # the message: its send slot's key and event key (one entry per message, idempotent)
    at: datetime
    rule: str
    purpose: str
    until: datetime  # it counts in no window after this instant (at + the longest window): then pruned


@dataclass(frozen=True, slots=True)
class CapLedger:
    """What one number's caps have counted since ``since``, read at ``version`` (optimistic concurrency:
    a reservation is written only if nobody else wrote since). ``since`` None: no ledger yet."""

    phone: str
    entries: tuple[CapEntry, ...] = ()
    since: datetime | None = None  # every message sent to the number from here on has its entry
    version: int = 0

    def holds(self, holder: str) -> bool:
        return any(e.holder == holder for e in self.entries)


class CapReservations(Protocol):
    """The per-number count the frequency caps are judged on, written atomically: of N messages judged
    at the same instant for a cap of k, exactly k are reserved, whatever the history read said."""

    def ledger(self, phone: str) -> CapLedger:
        """The number's ledger (a consistent read); an empty one at version 0 when there is none."""
        ...

    def reserve(self, ledger: CapLedger, entry: CapEntry) -> bool:
        """Add *entry* if the ledger is still at ``ledger.version`` (created when it is 0); entries out
        of every window are pruned. False when another writer got there first: read it and judge again."""
        ...

    def count(self, phone: str, entry: CapEntry) -> None:
        """Add *entry* whatever the ledger holds (a message the caps count but never hold back);
        idempotent for its holder, and it moves the version (a concurrent reservation is judged again)."""
        ...

    def release(self, phone: str, holder: str) -> None:
        """Remove the message's entry (deferred, or refused for good); idempotent; moves the version."""
        ...


# -- Outcomes from the CRM: the pipeline after a message --------------------------------------------


class PipelineOutcomes(Protocol):
    """Outcomes (``PIPE#<yyyy-mm>``/``<iso at>#<source id>``) and the message index they are attributed
    with (``REC#<crm>:<object>:<id>``/``MSG#<iso>#<sid>``, written with each message record)."""

    def latest_messages(
        self, related: Sequence[str], since: datetime, until: datetime
    ) -> list[AttributedMessage]:
        """For each related key, its latest message sent in [*since*, *until*] (at most one per key)."""
        ...

    def record(self, outcome: PipelineOutcome) -> bool:
        """Store the outcome once: False (nothing written) when its source id is already recorded."""
        ...

    def exists(self, at: datetime, source_id: str) -> bool:
        """Whether the outcome of *source_id* at *at* is already stored (a redelivery: the CRM is not read)."""
        ...


# -- Send-time optimisation: reply statistics per (segment, hour of the week), a plan per message ----


class HourStats(Protocol):
    """Marketing messages sent and replied to, per segment and local hour of the week (the optimiser's
    posteriors). Counts are atomic; each message counts once as sent and at most once as replied to."""

    def counts(self, segment: str) -> dict[int, HourCount]:
        """Every hour of the week the segment was sent in (hours never sent in are left out)."""
        ...

    def record_send(self, sid: str, segment: str, hour: int, at: datetime, until: datetime) -> bool:
        """Count the message *sid* as sent in *hour* to *segment*, and remember that for its reply until
        *until*. Idempotent per sid; returns whether it was counted now."""
        ...

    def record_reply(self, sid: str, since: datetime) -> bool:
        """Count a reply to the message *sid* for the hour and segment it was counted under, if it was
        counted as sent at or after *since* and has no reply counted yet. Returns whether it counted."""
        ...


@dataclass(frozen=True, slots=True)
class SendPlan:
    """The instant the optimiser chose for one message (its event), fixed the first time it was judged:
    a redelivery or the schedule firing finds it again instead of drawing anew."""

    message: str  # the event's key: one event sends at most one message
    at: datetime
    hour: int  # the local hour of the week of ``at``
    segment: str
    zone: str  # the IANA zone the hours are read in
    until: datetime  # kept until then (beyond the horizon and the deferrals after it)


class SendPlans(Protocol):
    def planned(self, message: str) -> SendPlan | None: ...

    def fix(self, plan: SendPlan) -> SendPlan:
        """Keep *plan* unless the message has one already (the first writer wins); returns the one kept."""
        ...
