"""Recording fakes for the ports the dispatcher talks to (CRM and SMS). No mocks, no network."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from threading import Lock

from textloop.domain.errors import (
    CrmUnavailable,
    RecipientUnsubscribed,
    RecordNotFound,
    SmsUnavailable,
    TextloopError,
)
from textloop.domain.model import (
    ConsentStatus,
    MessageContext,
    OutboundSms,
    OwnerTask,
    Person,
    PhoneStatus,
    RecordRef,
    SentSms,
    SmsActivity,
    TaskState,
)
from textloop.domain.pipeline import AttributedMessage, MeetingLinks, PipelineOutcome
from textloop.domain.ports import CapEntry, CapLedger, Deferral, LoggedSms, SendPlan
from textloop.domain.reconcile import ProviderMessage
from textloop.domain.send_optimiser import HourCount


class Crash(Exception):
    """Stands for the Lambda dying mid-flight: not a domain error, so the message is redelivered."""


@dataclass
class FakeCrm:
    contexts: dict[RecordRef, MessageContext] = field(default_factory=dict)
    logged: list[SmsActivity] = field(default_factory=list)
    loads: list[tuple[RecordRef, tuple[str, ...]]] = field(default_factory=list)
    crash_on_log: int = 0
    lose_task_answers: int = 0  # owner tasks created whose answer never comes (the caller sees a Crash)
    contacts: list[Person] = field(default_factory=list)
    tasks: dict[str, OwnerTask] = field(default_factory=dict)
    closed_tasks: set[str] = field(default_factory=set)
    completed_at: dict[str, datetime] = field(default_factory=dict)  # the CRM's completion instants
    flags: list[tuple[str, PhoneStatus, str]] = field(default_factory=list)
    consent_writes: list[tuple[str, ConsentStatus, str]] = field(default_factory=list)
    roles: list[tuple[RecordRef, str]] = field(default_factory=list)  # load_context's recipient_role
    log_calls: list[list[str]] = field(default_factory=list)  # the SIDs of each bulk log call
    log_errors: list[TextloopError] = field(default_factory=list)  # handed out one per new activity
    lose_log_answers: int = 0  # bulk calls whose activities are created but whose answer never comes
    note_keys: list[str] = field(default_factory=list)  # the keys of flag_phone/record_consent notes
    lose_note_answers: int = 0  # notes created whose answer never comes (the caller sees a Crash)

    def add(self, context: MessageContext) -> None:
        self.contexts[context.record] = context

    # prefetch: each call (records, fields, role); the contexts it holds, answered once; a failure to raise
    prefetches: list[tuple[tuple[RecordRef, ...], tuple[str, ...], str | None]] = field(default_factory=list)
    prefetched: dict[tuple[RecordRef, tuple[str, ...], str], MessageContext] = field(default_factory=dict)
    fail_prefetch: Exception | None = None

    def prefetch(
        self, records: Sequence[RecordRef], fields: Sequence[str], recipient_role: str | None = None
    ) -> int:
        self.prefetches.append((tuple(records), tuple(fields), recipient_role))
        self.prefetched = {}
        if self.fail_prefetch is not None:
            raise self.fail_prefetch
        for record in records:
            if record in self.contexts:
                self.prefetched[(record, tuple(fields), recipient_role or "")] = self.contexts[record]
        return len(self.prefetched)

    def load_context(
        self, record: RecordRef, fields: Sequence[str], recipient_role: str | None = None
    ) -> MessageContext:
        held = self.prefetched.pop((record, tuple(fields), recipient_role or ""), None)
        if held is not None:  # answered from the prefetch: no load of its own
            return held
        self.loads.append((record, tuple(fields)))
        if recipient_role:
            self.roles.append((record, recipient_role))
        if record not in self.contexts:
            raise RecordNotFound(f"{record} does not exist")
        return self.contexts[record]

    def log_sms(self, activity: SmsActivity) -> str:
        logged = self.log_sms_many([activity])[0]
        if logged.error is not None:
            raise logged.error
        return logged.activity_id

    def log_sms_many(self, activities: Sequence[SmsActivity]) -> list[LoggedSms]:
        """Idempotent by SID, as the adapters are: an activity already logged is found, not logged again."""
        self.log_calls.append([a.log_key for a in activities])
        if self.crash_on_log:
            self.crash_on_log -= 1
            raise Crash("died before logging on the CRM")
        results = []
        for activity in activities:
            found = next(
                (i for i, a in enumerate(self.logged) if a.log_key and a.log_key == activity.log_key), None
            )
            if found is not None:
                results.append(LoggedSms(activity.log_key, f"00T{found + 1:015d}", existing=True))
            elif self.log_errors:
                results.append(LoggedSms(activity.log_key, error=self.log_errors.pop(0)))
            else:
                self.logged.append(activity)
                results.append(LoggedSms(activity.log_key, f"00T{len(self.logged):015d}"))
        if self.lose_log_answers:
            self.lose_log_answers -= 1
            raise Crash("the CRM created the activities but its answer was lost")
        return results

    def logged_sids(self) -> list[str]:
        return [a.log_key for a in self.logged]

    def find_contacts(self, phone: str) -> list[Person]:
        digits = phone.lstrip("+")[-10:]
        return [p for p in self.contacts if "".join(c for c in p.phone if c.isdigit())[-10:] == digits]

    def create_task(self, task: OwnerTask) -> str:
        """Idempotent by ``task.key``, as the adapters are: a retry gets the task it made."""
        made = next((tid for tid, t in self.tasks.items() if task.key and t.key == task.key), None)
        if made is not None:
            return made
        task_id = f"TASK{len(self.tasks) + 1:03d}"
        self.tasks[task_id] = task
        if self.lose_task_answers:
            self.lose_task_answers -= 1
            raise Crash("the CRM created the task but its answer was lost")
        return task_id

    def flag_phone(self, contact_id: str, status: PhoneStatus, note: str, key: str | None = None) -> None:
        """Idempotent by *key*, as the adapters are: a note already made for it is not made again."""
        if self._new_note(key):
            self.flags.append((contact_id, status, note))
            self._answer_note()

    def _new_note(self, key: str | None) -> bool:
        if key is None:
            return True
        if key in self.note_keys:
            return False
        self.note_keys.append(key)
        return True

    def _answer_note(self) -> None:
        if self.lose_note_answers:
            self.lose_note_answers -= 1
            raise Crash("the CRM created the note but its answer was lost")

    def complete_task(self, task_id: str, at: datetime | None) -> None:
        """The rep completes the task in the CRM (*at* None: a CRM that does not say when)."""
        self.closed_tasks.add(task_id)
        if at is not None:
            self.completed_at[task_id] = at

    def task_state(self, task_id: str) -> TaskState:
        if task_id not in self.tasks:
            raise RecordNotFound(task_id)
        if task_id not in self.closed_tasks:
            return TaskState(open=True)
        return TaskState(open=False, completed_at=self.completed_at.get(task_id))

    def record_consent(
        self, contact_id: str, status: ConsentStatus, note: str, key: str | None = None
    ) -> None:
        """Idempotent by *key*, as the adapters are (the field write repeats; the evidence does not)."""
        if self._new_note(key):
            self.consent_writes.append((contact_id, status, note))
            self._answer_note()


@dataclass
class FakeDeferrals:
    """Records the one-time schedules the dispatcher asks for (EventBridge Scheduler's part)."""

    scheduled: dict[str, Deferral] = field(default_factory=dict)

    def schedule(self, deferral: Deferral) -> str:
        name = f"{deferral.slot_key}@{deferral.not_before.isoformat()}"
        self.scheduled.setdefault(name, deferral)
        return name


@dataclass
class FakeSms:
    sent: list[tuple[OutboundSms, str, datetime]] = field(default_factory=list)
    unsubscribed: set[str] = field(default_factory=set)
    crash_after_send: int = 0
    unavailable: int = 0
    retry_after: float | None = None  # the wait a 429 asks for (SmsUnavailable.retry_after)
    clock: object = None
    stored: Callable[[str], str] = field(default=lambda body: body)  # the body as Twilio keeps it
    listed: int = 0  # calls to recent()
    _lock: Lock = field(default_factory=Lock)

    def send(self, sms: OutboundSms) -> SentSms:
        if self.unavailable:
            self.unavailable -= 1
            raise SmsUnavailable("Twilio answered 429", retry_after=self.retry_after)
        if sms.to in self.unsubscribed:
            raise RecipientUnsubscribed("Attempt to send to unsubscribed recipient", code=21610)
        with self._lock:
            sid = f"SM{len(self.sent) + 1:032x}"
            self.sent.append((sms, sid, self.clock() if callable(self.clock) else datetime.now()))
        if self.crash_after_send:
            self.crash_after_send -= 1
            raise Crash("died right after Twilio accepted the message")
        return SentSms(sid, "accepted")

    def recent(self, to: str, since: datetime) -> list[ProviderMessage]:
        """What Twilio lists: outbound messages to *to* from our Messaging Service since *since*,
        newest first, each body as Twilio stored it (``stored``: smart encoding, shortened links)."""
        self.listed += 1
        kept = [
            ProviderMessage(sid, self.stored(sms.body), at, "accepted")
            for sms, sid, at in self.sent
            if sms.to == to and at >= since
        ]
        return kept[::-1]

    @property
    def bodies(self) -> list[str]:
        return [sms.body for sms, _, _ in self.sent]


def opportunity_context(
    record_id: str = "006000000000001AAA",
    *,
    phone: str = "(415) 555-0132",
    stage: str = "Negotiation/Review",
    first_name: str = "Maya",
    link: str | None = "https://sign.example.com/acme-200",
) -> MessageContext:
    fields = {"StageName": stage, "Name": "Acme Corp - 200 seats", "Contract_Signing_URL__c": link}
    return MessageContext(
        record=RecordRef("salesforce", "opportunity", record_id),
        fields=fields,
        recipient=Person("003000000000001AAA", first_name, "Lopez", phone),
        owner=Person("005000000000001AAA", "Dana", "Reyes"),
    )


def deal_context(
    record_id: str = "9001", *, phone: str = "+1 617-555-0142", stage: str = "contractsent"
) -> MessageContext:
    return MessageContext(
        record=RecordRef("hubspot", "deal", record_id),
        fields={
            "dealstage": stage,
            "dealname": "Initech expansion",
            "esign_link": "https://sign.example.com/initech",
        },
        recipient=Person("501", "Sam", "Okafor", phone),
        owner=Person("77", "Lee", "Chen"),
    )


def renewal_context(
    record_id: str = "9101",
    *,
    phone: str = "+1 617-555-0142",  # Boston: America/New_York
    consent: str = "opted_in",
    time_zone: str = "",
    state: str = "",
) -> MessageContext:
    """A HubSpot deal entering the renewal-offer stage (the marketing rule)."""
    return MessageContext(
        record=RecordRef("hubspot", "deal", record_id),
        fields={
            "dealstage": "renewal_offer",
            "dealname": "Initech",
            "renewal_link": "https://acme.example/r/1",
        },
        recipient=Person(
            "601", "Sam", "Okafor", phone, sms_consent=consent, time_zone=time_zone, state=state
        ),
        owner=Person("77", "Lee", "Chen"),
    )


@dataclass
class FakeCapReservations:
    """The per-number cap ledgers in memory, recording every call (``calls``: method, phone, holder or
    "conflict"). ``before_reserve`` holds steps run once each before the next reservation is written:
    another dispatcher writing first, between this one's read and its write."""

    ledgers: dict[str, CapLedger] = field(default_factory=dict)
    calls: list[tuple[str, str, str]] = field(default_factory=list)
    before_reserve: list[Callable[[], None]] = field(default_factory=list)
    _lock: Lock = field(default_factory=Lock)

    def ledger(self, phone: str) -> CapLedger:
        self.calls.append(("ledger", phone, ""))
        return self.ledgers.get(phone, CapLedger(phone))

    def reserve(self, ledger: CapLedger, entry: CapEntry) -> bool:
        self.calls.append(("reserve", ledger.phone, entry.holder))
        if self.before_reserve:
            self.before_reserve.pop(0)()
        if ledger.holds(entry.holder):
            return True
        with self._lock:
            current = self.ledgers.get(ledger.phone, CapLedger(ledger.phone))
            if current.version != ledger.version:
                self.calls.append(("reserve", ledger.phone, "conflict"))
                return False
            self._add(current, entry)
        return True

    def count(self, phone: str, entry: CapEntry) -> None:
        self.calls.append(("count", phone, entry.holder))
        with self._lock:
            self._add(self.ledgers.get(phone, CapLedger(phone)), entry)

    def release(self, phone: str, holder: str) -> None:
        self.calls.append(("release", phone, holder))
        with self._lock:
            if (current := self.ledgers.get(phone)) is not None:
                kept = tuple(e for e in current.entries if e.holder != holder)
                self.ledgers[phone] = replace(current, entries=kept, version=current.version + 1)

    def holders(self, phone: str) -> list[str]:
        return [e.holder for e in self.ledgers.get(phone, CapLedger(phone)).entries]

    def called(self, method: str) -> list[str]:
        return [holder for name, _, holder in self.calls if name == method]

    def _add(self, current: CapLedger, entry: CapEntry) -> None:
        kept = tuple(e for e in current.entries if e.holder != entry.holder)
        self.ledgers[current.phone] = replace(
            current,
            entries=(*kept, entry),
            since=current.since or entry.at,
            version=current.version + 1,
        )


@dataclass
class FakeHourStats:
    """Send-time optimisation's statistics and plans in memory (``HourStats`` and ``SendPlans``),
    recording every call (``calls``: method and its main argument). ``seeded`` counts are what a
    segment's week already holds; each sid counts once as sent and once as replied to."""

    seeded: dict[str, dict[int, HourCount]] = field(default_factory=dict)
    sends: dict[str, tuple[str, int, datetime]] = field(default_factory=dict)  # sid → segment, hour, at
    replies: set[str] = field(default_factory=set)
    plans: dict[str, SendPlan] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def counts(self, segment: str) -> dict[int, HourCount]:
        self.calls.append(("counts", segment))
        found = dict(self.seeded.get(segment, {}))
        for sid, (seg, hour, _) in self.sends.items():
            if seg == segment:
                old = found.get(hour, HourCount())
                found[hour] = HourCount(old.sends + 1, old.replies + (sid in self.replies))
        return found

    def record_send(self, sid: str, segment: str, hour: int, at: datetime, until: datetime) -> bool:
        self.calls.append(("record_send", sid))
        if sid in self.sends:
            return False
        self.sends[sid] = (segment, hour, at)
        return True

    def record_reply(self, sid: str, since: datetime) -> bool:
        self.calls.append(("record_reply", sid))
        if sid not in self.sends or sid in self.replies or self.sends[sid][2] < since:
            return False
        self.replies.add(sid)
        return True

    def planned(self, message: str) -> SendPlan | None:
        self.calls.append(("planned", message))
        return self.plans.get(message)

    def fix(self, plan: SendPlan) -> SendPlan:
        self.calls.append(("fix", plan.message))
        return self.plans.setdefault(plan.message, plan)

    def called(self, method: str) -> list[str]:
        return [arg for name, arg in self.calls if name == method]


@dataclass
class FakePipelineOutcomes:
    """Recording fake of ``PipelineOutcomes``: messages by related key, outcomes by source id, every
    attribution query asked."""

    messages: dict[str, list[AttributedMessage]] = field(default_factory=dict)
    recorded: dict[str, PipelineOutcome] = field(default_factory=dict)
    queries: list[tuple[tuple[str, ...], datetime, datetime]] = field(default_factory=list)

    def sent(self, key: str, message: AttributedMessage) -> None:
        self.messages.setdefault(key, []).append(replace(message, related=key))

    def latest_messages(
        self, related: Sequence[str], since: datetime, until: datetime
    ) -> list[AttributedMessage]:
        self.queries.append((tuple(related), since, until))
        found = []
        for key in dict.fromkeys(related):
            inside = [m for m in self.messages.get(key, []) if since <= m.sent_at <= until]
            found += sorted(inside, key=lambda m: m.sent_at)[-1:]
        return found

    def exists(self, at: datetime, source_id: str) -> bool:
        return source_id in self.recorded and self.recorded[source_id].at == at

    def record(self, outcome: PipelineOutcome) -> bool:
        if outcome.source_id in self.recorded:
            return False
        self.recorded[outcome.source_id] = outcome
        return True


@dataclass
class FakeMeetings:
    """Recording fake of ``MeetingReader``: a portal's meetings and their links, every meeting read."""

    links: dict[str, MeetingLinks] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)
    unavailable: int = 0  # the next reads that fail as HubSpot down (429/5xx) would

    def meeting_links(self, meeting_id: str) -> MeetingLinks:
        self.reads.append(meeting_id)
        if self.unavailable:
            self.unavailable -= 1
            raise CrmUnavailable("HubSpot answered 503", record=f"hubspot:meeting:{meeting_id}")
        if meeting_id not in self.links:
            raise RecordNotFound(f"hubspot:meeting:{meeting_id} does not exist")
        return self.links[meeting_id]
