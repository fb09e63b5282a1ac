"""The words of the domain: a CRM change, the context of a message, an outcome.

Pure data; no SDK, no boto3. Everything crossing a port is one of these types.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from textloop.domain.consent import ConsentStatus as ConsentStatus  # re-exported
from textloop.domain.outcome import LOG_PENDING as LOG_PENDING  # re-exported
from textloop.domain.outcome import Outcome as Outcome  # re-exported
from textloop.domain.sources import HUBSPOT_MEETING_TYPE_ID as HUBSPOT_MEETING_TYPE_ID  # re-exported
from textloop.domain.sources import HUBSPOT_OBJECTS as HUBSPOT_OBJECTS  # re-exported
from textloop.domain.sources import HUBSPOT_SOURCE as HUBSPOT_SOURCE  # re-exported
from textloop.domain.sources import Crm as Crm  # re-exported
from textloop.domain.sources import ObjectType as ObjectType  # re-exported


class ChangeKind(enum.StrEnum):
    """What happened to the record, in one vocabulary for both CRMs."""

    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    UNDELETE = "UNDELETE"
    GAP = "GAP"  # Salesforce GAP_CREATE/UPDATE/DELETE/UNDELETE: values unknown, re-read the record
    GAP_OVERFLOW = "GAP_OVERFLOW"  # Salesforce: too many changes, no record ids at all
    RENEWAL = "RENEWAL"  # the renewal scanner: the record entered a renewal window (no field changed)


@dataclass(frozen=True, slots=True)
class RecordRef:
    """A CRM record: which CRM, which object type, which id."""

    crm: Crm
    object_type: ObjectType
    record_id: str

    def __str__(self) -> str:
        return f"{self.crm}:{self.object_type}:{self.record_id}"


@dataclass(frozen=True, slots=True)
class TriggerEvent:
    """One CRM change, normalized from Salesforce CDC or a HubSpot webhook event.

    ``event_key`` is derived from the source's own event identity, so a redelivered or
    duplicated event always has the same key.
    """

    event_key: str
    record: RecordRef
    kind: ChangeKind
    changed: dict[str, Any]
    occurred_at: datetime
    account: str = ""  # Salesforce org id or HubSpot portal id

    @property
    def needs_reread(self) -> bool:
        return self.kind is ChangeKind.GAP


@dataclass(frozen=True, slots=True)
class Person:
    crm_id: str
    first_name: str = ""
    last_name: str = ""
    phone: str = ""  # as typed in the CRM; normalize with textloop.domain.phone
    email: str = ""
    owner_id: str = ""  # for a contact: its owner in the CRM (who gets tasks about it)
    sms_consent: str = ""  # the CRM's own consent field: opted_in, opted_out, unknown (or empty)
    do_not_contact: bool = False  # Salesforce DoNotCall and the like
    time_zone: str = ""  # the contact's time zone as the CRM has it (IANA name when valid)
    state: str = ""  # mailing state or region as the CRM has it
    role: str = ""  # the contact's role on the record (Economic Buyer, End User...), when the CRM says

    @property
    def crm_opted_out(self) -> bool:
        return self.do_not_contact or self.sms_consent == ConsentStatus.OPTED_OUT

    @property
    def crm_opted_in(self) -> bool:
        return self.sms_consent == ConsentStatus.OPTED_IN

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass(frozen=True, slots=True)
class MessageContext:
    """Everything the CRM tells us about the record at the moment of the trigger."""

    record: RecordRef
    fields: dict[str, Any]  # the record's current field values (CRM field names)
    recipient: Person | None
    owner: Person | None
    account_name: str = ""
    account_id: str = ""  # the record's account (Salesforce AccountId, HubSpot company id), when known


@dataclass(frozen=True, slots=True)
class OutboundSms:
    to: str  # E.164
    body: str
    status_callback: str | None = None


@dataclass(frozen=True, slots=True)
class SentSms:
    sid: str
    status: str


@dataclass(frozen=True, slots=True)
class SmsActivity:
    """An SMS to log on a CRM record so the rep sees the thread where they work.

    ``record`` is None for a reply from a known contact with no conversation yet: it is logged on
    the contact alone."""

    record: RecordRef | None
    direction: Literal["outbound", "inbound"]
    body: str
    phone: str
    sid: str
    at: datetime
    contact_id: str | None
    owner_id: str | None
    subject: str
    key: str = ""  # its idempotency key on the CRM, when not the SID alone (a click on the SMS's link)

    @property
    def log_key(self) -> str:
        """What the CRM activity is keyed by: one activity per key, whatever the retries."""
        return self.key or self.sid


class TaskPriority(enum.StrEnum):
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class OwnerTask:
    """A follow-up for a person in the CRM: a Salesforce Task / a HubSpot task."""

    crm: Crm
    subject: str
    body: str
    priority: TaskPriority
    due: datetime
    owner_id: str | None  # None: the CRM's default (the integration user / unassigned)
    contact_id: str | None
    record: RecordRef | None  # the deal/opportunity/case/ticket it concerns, when known
    reminder: datetime | None = None
    key: str = ""  # domain.activity_keys: the task is created once per key (a retry finds it); "" unkeyed


class PhoneStatus(enum.StrEnum):
    """What we learned about a contact's number, flagged on the contact for the rep."""

    WRONG_PERSON = "wrong_person"
    UNREACHABLE = "unreachable"
    LANDLINE = "landline"


@dataclass(frozen=True, slots=True)
class Conversation:
    """The latest outbound message to a number: where its replies belong."""

    record: RecordRef
    contact_id: str | None
    owner_id: str | None
    sid: str
    sent_at: str
    account: str = ""  # the tenant: Salesforce org id or HubSpot portal id ("" before accounts were kept)


@dataclass(frozen=True, slots=True)
class WatchedTask:
    """An owner task with an SLA, watched until it is done or escalated once."""

    crm: Crm
    task_id: str
    due: datetime
    owner_id: str | None
    contact_id: str | None
    record: RecordRef | None
    subject: str
    account: str = ""  # the tenant whose CRM holds the task


@dataclass(frozen=True, slots=True)
class TaskState:
    """An owner task as the CRM holds it: open or not, and when it was completed (None while open,
    or when the CRM does not say)."""

    open: bool
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DispatchResult:
    outcome: Outcome
    event_key: str
    reason: str = ""
    rule: str = ""
    sid: str = ""
    activity_id: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def redeliver(self) -> bool:
        """Its queue message must come back: the event failed for now, or its SMS went and the CRM log
        is still to be written (the redelivery only logs it)."""
        return self.outcome is Outcome.RETRIED or self.details.get("log") == LOG_PENDING
