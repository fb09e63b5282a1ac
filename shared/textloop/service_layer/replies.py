"""The reply router: every reply lands on the CRM thread it answers, and its intent becomes an
owner task with an SLA. A scheduled watchdog escalates an overdue task once.

Finding the conversation: the number's most recent outbound message gives the record and owner;
otherwise the CRMs' contacts are searched by number (however it was typed there); several
matches or none → a triage task, so nothing is lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from textloop.domain import errors
from textloop.domain.activity_keys import activity_key
from textloop.domain.business_time import BusinessCalendar
from textloop.domain.masking import mask
from textloop.domain.model import (
    ConsentStatus,
    Crm,
    DispatchResult,
    Outcome,
    OwnerTask,
    PhoneStatus,
    RecordRef,
    SmsActivity,
    TaskPriority,
    TaskState,
    WatchedTask,
)
from textloop.domain.ports import (
    ConsentLedger,
    Conversations,
    CrmGateways,
    EventOutcomes,
    HourStats,
    SlaTasks,
)
from textloop.domain.routing import IntentRoute, Routing
from textloop.service_layer.inbound import REPLY
from textloop.service_layer.links import LINK_CLICK
from textloop.service_layer.status import CONSENT_SYNC, DELIVERY_FAILURE, UNREACHABLE

CONSENT_INTENTS = {"opt_out": ConsentStatus.OPTED_OUT, "opt_in": ConsentStatus.OPTED_IN}
NOT_ENGAGEMENT = frozenset({"opt_out", "out_of_office"})  # not replies the send-time optimiser seeks


def _utcnow() -> datetime:
    return datetime.now(UTC)


INBOUND_TYPES = (REPLY, DELIVERY_FAILURE, CONSENT_SYNC, LINK_CLICK)  # what the InboundQueue carries


def parse_envelope(body: str) -> dict[str, Any]:
    try:
        message = json.loads(body)
    except ValueError:
        raise errors.BadRequest("inbound queue message is not JSON") from None
    if not isinstance(message, dict) or message.get("type") not in INBOUND_TYPES:
        raise errors.BadRequest("inbound queue message has no known type")
    return message


@dataclass(frozen=True, slots=True)
class Target:
    """Where a reply goes: a CRM, maybe a record, maybe a contact, maybe an owner."""

    crm: Crm
    record: RecordRef | None
    contact_id: str | None
    owner_id: str | None
    how: str  # "conversation", "contact_search", "triage"
    account: str = ""  # the tenant (org or portal) of the conversation; "" the default tenant
    sid: str = ""  # the outbound message replied to (a conversation's latest), "" when none
    sent_at: str = ""  # when that message was sent (ISO)


@dataclass
class ReplyRouter:
    routing: Routing
    crm: CrmGateways  # per (CRM, account)
    crms: Sequence[Crm]  # the CRMs to search (their default tenant) for an unknown number, in order
    outcomes: EventOutcomes
    conversations: Conversations
    tasks: SlaTasks
    clock: Callable[[], datetime] = _utcnow
    consent: ConsentLedger | None = None  # the ledger decides what the CRM field says (newest wins)
    hour_stats: HourStats | None = None  # send-time optimisation: a reply counts for its message's hour
    reply_window: timedelta = timedelta(hours=72)  # ... when it comes within this of the message

    def __post_init__(self) -> None:
        self.calendar: BusinessCalendar = self.routing.business_hours.calendar()

    def _current(self, phone: str, recorded: ConsentStatus) -> ConsentStatus:
        """What the CRM's consent field should say now: the ledger's status, which orders changes by
        time, not the change this message carries (a retried START must not overwrite a later STOP)."""
        current = self.consent.status(phone) if self.consent is not None else None
        return current or recorded

    def __call__(self, sms: dict[str, Any], classification: dict[str, Any]) -> DispatchResult:
        return self._recorded(f"in:{sms['sid']}", lambda key: self._route(key, sms, classification))

    def consent_sync(self, change: dict[str, Any]) -> DispatchResult:
        """A consent change recorded outside a reply (Twilio 21610): write it to the contact's field."""
        key = f"consent:{change['evidence']}:{change['status']}"
        return self._recorded(key, lambda key: self._consent_sync(key, change))

    def delivery_failure(self, failure: dict[str, Any]) -> DispatchResult:
        """Twilio could not deliver (30003/30005/30006): flag the number on the contact it was for."""
        key = f"failure:{failure['sid']}:{failure['error_code']}"
        return self._recorded(key, lambda key: self._delivery_failure(key, failure))

    def link_click(self, click: dict[str, Any]) -> DispatchResult:
        """A person tapped a message's tracked link: log it on the record's thread (once per click)."""
        key = f"click:{click['code']}:{click['at']}"
        return self._recorded(key, lambda key: self._link_click(key, click))

    def _recorded(self, key: str, work: Callable[[str], DispatchResult]) -> DispatchResult:
        """A permanent refusal (the CRM rejects a write, an unknown tenant) is an auditable outcome,
        never a retry loop that repeats the writes already made."""
        try:
            return work(key)
        except errors.Skip as skip:
            details = {"detail": str(skip), **{k: str(v) for k, v in skip.details.items()}}
            result = DispatchResult(Outcome.SKIPPED, key, skip.reason, details=details)
            self.outcomes.record_outcome(result, self.clock())
            return result

    def _route(self, key: str, sms: dict[str, Any], classification: dict[str, Any]) -> DispatchResult:
        if self.outcomes.outcome(key) is not None:  # Twilio retried, or SQS redelivered
            return DispatchResult(Outcome.DUPLICATE, key, "already_routed")
        intent = str(classification["intent"])
        received = datetime.fromisoformat(sms["received_at"])
        target = self._target(sms["sender"])
        gateway = self.crm(target.crm, target.account)
        details = {"intent": intent, "from": mask(sms["sender"]), "how": target.how}
        if target.account:
            details["account"] = target.account
        if target.sid:  # attribution: the message replied to, and how long the reply took (seconds)
            details["message_sid"] = target.sid
            latency = (received - datetime.fromisoformat(target.sent_at)).total_seconds()
            details["latency_s"] = str(round(max(latency, 0.0), 1))
        if target.record is not None or target.contact_id is not None:
            activity_id = gateway.log_sms(_inbound_activity(sms, target, received))
            details["logged_on"] = str(target.record or f"{target.crm}:contact:{target.contact_id}")
        else:
            activity_id = ""
        route = self.routing.unknown_sender if target.how == "triage" else self.routing.route(intent)
        if route is not None:
            task = self._task(route, target, sms, intent, received)
            task_id = gateway.create_task(task)
            self.tasks.watch_task(
                WatchedTask(
                    target.crm,
                    task_id,
                    task.due,
                    task.owner_id,
                    task.contact_id,
                    task.record,
                    task.subject,
                    target.account,
                )
            )
            details.update(task_id=task_id, priority=str(task.priority), due=task.due.isoformat())
        if intent == "wrong_person" and target.contact_id:
            gateway.flag_phone(
                target.contact_id,
                PhoneStatus.WRONG_PERSON,
                f"Replied to {sms['sid']}: wrong person",
                activity_key("flag", str(sms["sid"])),
            )
        consent = CONSENT_INTENTS.get(intent)
        if consent is not None and target.contact_id:  # the CRM's own field follows the ledger
            note = f"SMS reply {sms['sid']} ({intent.replace('_', ' ')}): {sms['body'][:200]}"
            try:
                current = self._current(sms["sender"], consent)
                gateway.record_consent(
                    target.contact_id, current, note, activity_key("consent", str(sms["sid"]))
                )
                details["crm_consent"] = str(current)
            except errors.Skip as refused:  # the ledger has it; the reply itself is still routed
                details["crm_consent"] = f"refused: {refused.reason}"
        stats, since = self.hour_stats, received - self.reply_window
        if stats and target.sid and intent not in NOT_ENGAGEMENT and stats.record_reply(target.sid, since):
            details["send_hour_reply"] = target.sid  # counted once per message, for the hour it went in
        result = DispatchResult(Outcome.ROUTED, key, intent, activity_id=activity_id, details=details)
        self.outcomes.record_outcome(result, self.clock())
        return result

    def _consent_sync(self, key: str, change: dict[str, Any]) -> DispatchResult:
        if self.outcomes.outcome(key) is not None:
            return DispatchResult(Outcome.DUPLICATE, key, "already_synced")
        status = self._current(str(change["phone"]), ConsentStatus(change["status"]))
        target = self._target(str(change["phone"]))
        if target.contact_id is None:
            result = DispatchResult(
                Outcome.IGNORED, key, "no_contact", details={"from": mask(change["phone"])}
            )
        else:
            note = f"{change['source']}: {change['evidence']}"
            self.crm(target.crm, target.account).record_consent(
                target.contact_id, status, note, activity_key("consent", str(change["evidence"]))
            )
            result = DispatchResult(
                Outcome.ROUTED, key, f"crm_consent_{status}", details={"contact": target.contact_id}
            )
        self.outcomes.record_outcome(result, self.clock())
        return result

    def _delivery_failure(self, key: str, failure: dict[str, Any]) -> DispatchResult:
        message = self.conversations.message(str(failure["sid"]))
        if message is not None and not message.get("sid"):  # only the callback's status so far
            raise errors.Retryable("the message record is not written yet", sid=str(failure["sid"]))
        if message is None or not message.get("contact_id"):
            return DispatchResult(Outcome.IGNORED, key, "unknown_message")
        status = PhoneStatus(UNREACHABLE.get(str(failure["error_code"]), "unreachable"))
        self.crm(message["crm"], str(message.get("account", ""))).flag_phone(
            message["contact_id"],
            status,
            f"Twilio error {failure['error_code']} on message {failure['sid']}",
            activity_key("flag", str(failure["sid"]), str(failure["error_code"])),
        )
        result = DispatchResult(
            Outcome.ROUTED, key, f"phone_{status}", details={"contact": message["contact_id"]}
        )
        self.outcomes.record_outcome(result, self.clock())
        return result

    def _link_click(self, key: str, click: dict[str, Any]) -> DispatchResult:
        if self.outcomes.outcome(key) is not None:
            return DispatchResult(Outcome.DUPLICATE, key, "already_logged")
        record = RecordRef(click["crm"], click["object_type"], str(click["record_id"]))
        message = self.conversations.message(str(click["sid"])) if click.get("sid") else None
        text = f"SMS link clicked: {click['target']}"
        activity = SmsActivity(
            record=record,
            direction="inbound",
            body=text,
            phone=str((message or {}).get("phone", "")),
            sid=str(click.get("sid", "")),
            at=datetime.fromisoformat(click["at"]),
            contact_id=click.get("contact_id") or None,
            owner_id=click.get("owner_id") or None,
            subject=text,
            key=key,  # its own activity: the SMS it clicked in is logged under the SID
        )
        activity_id = self.crm(record.crm, str(click.get("account", ""))).log_sms(activity)
        details = {"record": str(record), "link": click["code"], "variant": str(click.get("variant", ""))}
        result = DispatchResult(Outcome.ROUTED, key, "link_clicked", activity_id=activity_id, details=details)
        self.outcomes.record_outcome(result, self.clock())
        return result

    def _target(self, phone: str) -> Target:
        """The conversation's own tenant; a number never texted is searched in each CRM's default tenant
        only: a stranger is no tenant's yet, and listing every tenant would mean listing secrets."""
        conversation = self.conversations.latest_conversation(phone)
        if conversation is not None:
            record, account = conversation.record, conversation.account
            return Target(
                record.crm,
                record,
                conversation.contact_id,
                conversation.owner_id,
                "conversation",
                account,
                conversation.sid,
                conversation.sent_at,
            )
        matches = [(crm, person) for crm in self.crms for person in self.crm(crm, "").find_contacts(phone)]
        if len(matches) == 1:
            crm, person = matches[0]
            return Target(crm, None, person.crm_id, person.owner_id or None, "contact_search")
        return Target(self.crms[0], None, None, None, "triage")

    def _task(
        self, route: IntentRoute, target: Target, sms: dict[str, Any], intent: str, at: datetime
    ) -> OwnerTask:
        body = sms["body"] or f"(no text, {sms['num_media']} media attachment(s))"
        label = intent.replace("_", " ")
        if target.how == "triage":
            subject = f"SMS triage: reply from unknown number {mask(sms['sender'])}"
        else:
            subject = f"SMS reply ({label}): follow up"
        return OwnerTask(
            crm=target.crm,
            subject=subject,
            body=f"Reply: {body}\nIntent: {label}\nSuggested next step: {route.next_step}\nFrom: {sms['sender']}",
            priority=route.priority,
            due=route.due.after(at, self.calendar),
            owner_id=target.owner_id,
            contact_id=target.contact_id,
            record=target.record,
            key=activity_key("task", str(sms["sid"])),  # a redelivered reply finds the task it made
        )


@dataclass
class SlaWatchdog:
    """Escalates, once, every task still open after its due time."""

    routing: Routing
    crm: CrmGateways
    tasks: SlaTasks
    clock: Callable[[], datetime] = _utcnow

    def __call__(self) -> list[dict[str, str]]:
        now = self.clock()
        done: list[dict[str, str]] = []
        for task in self.tasks.overdue_tasks(now):
            try:
                gateway = self.crm(task.crm, task.account)
            except errors.UnknownTenant:  # the tenant's credentials were removed: stop chasing, once
                self.tasks.stop_watching(task, "unknown_tenant", now)
                done.append({"task": task.task_id, "outcome": "unknown_tenant"})
                continue
            try:
                state = gateway.task_state(task.task_id)
            except errors.RecordNotFound:
                state = TaskState(open=False)  # deleted in the CRM: nothing left to chase, no completion
            if not state.open:
                self.tasks.stop_watching(task, "done", now, completed_at=state.completed_at)
                done.append({"task": task.task_id, "outcome": "done"})
                continue
            escalation = gateway.create_task(
                OwnerTask(
                    crm=task.crm,
                    subject=f"SLA missed: {task.subject}",
                    body=f"The task {task.task_id} was due {task.due.isoformat()} and is still open.",
                    priority=TaskPriority.HIGH,
                    due=now + timedelta(minutes=15),
                    owner_id=self.routing.escalate_to.get(task.crm) or task.owner_id,
                    contact_id=task.contact_id,
                    record=task.record,
                    key=activity_key("escalation", task.task_id),  # once, even if the watchdog crashes
                )
            )
            self.tasks.stop_watching(task, f"escalated:{escalation}", now)
            done.append({"task": task.task_id, "outcome": "escalated", "escalation": escalation})
        return done


def _inbound_activity(sms: dict[str, Any], target: Target, at: datetime) -> SmsActivity:
    body = sms["body"]
    if sms["num_media"]:
        body = f"{body}\n[{sms['num_media']} media attachment(s): {', '.join(sms['media_types'])}]".strip()
    preview = (sms["body"] or "(media)")[:57]
    return SmsActivity(
        record=target.record,
        direction="inbound",
        body=body,
        phone=sms["sender"],
        sid=sms["sid"],
        at=at,
        contact_id=target.contact_id,
        owner_id=target.owner_id,
        subject=f"SMS received: {preview}",
    )
