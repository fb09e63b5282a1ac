"""The dispatcher use case: one CRM change → at most one SMS, logged on the record.

Never twice: the intent (a *send slot*, one per rule, record and recipient per cooldown window)
is recorded before anything is sent, and moves SENDING → SENT → LOGGED under a lease.
A redelivered event resumes where its slot stands: a slot left SENDING by a crash is reconciled
with the SMS provider's own records instead of being sent again; a SENT slot only finishes
the logging. A duplicate event while the first is still working is acknowledged, because the
first one's own queue message comes back if it dies. A slot is replaced only once its message is
finished and its cooldown has ended — a cooldown of 0 included — and never for the stage entry it
already texted (a Salesforce GAP event re-reads the record: the same entry is not texted again).

Frequency caps, exactly: the history of sent messages is read first (most holds are found there), and
the moment a slot moves to SENDING its message takes an entry on its number's cap ledger, written only
if nobody else wrote to the ledger since it was read and judged (``CapReservations``). Of several
messages to one number judged at the same instant (deferrals firing together at a window's opening,
concurrent invocations) exactly as many as the caps allow go; the others are deferred like any capped
message. Transactional messages are counted on the ledger, never held back; an entry is released when
its message is deferred or refused for good.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from textloop.domain import errors, reconcile, segments, templates
from textloop.domain.activity_keys import activity_key
from textloop.domain.attribution import attribute, cohort
from textloop.domain.caps import FrequencyCaps, counted
from textloop.domain.links import TrackedLink, tracked_url
from textloop.domain.masking import mask_in_text
from textloop.domain.model import (
    ChangeKind,
    Crm,
    DispatchResult,
    MessageContext,
    ObjectType,
    OutboundSms,
    Outcome,
    Person,
    RecordRef,
    SmsActivity,
    TriggerEvent,
)
from textloop.domain.outcome import LOG_FAILED, LOG_PENDING
from textloop.domain.phone import mask, to_e164
from textloop.domain.ports import (
    CapEntry,
    CapLedger,
    CapReservations,
    ConsentChange,
    ConsentLedger,
    ConsentStatus,
    Conversations,
    CrmGateway,
    CrmGateways,
    Deferral,
    Deferrals,
    EventOutcomes,
    Links,
    LoggedSms,
    SendPlan,
    SendSlot,
    SendSlots,
    SentMessage,
    SmsSender,
)
from textloop.domain.ports import SlotState as S
from textloop.domain.reconcile import SendAttempt, send_id, with_send_id
from textloop.domain.rules import Rule, RuleSet, Template, confirm
from textloop.domain.send_time import Decision, SendRequest, SendTimePolicy, decide, state_code, utc_iso
from textloop.service_layer.send_optimiser import OPTIMISED, SendTimeOptimiser

SAME_SUBJECT_WINDOW = timedelta(hours=24)  # the state caps count messages on one subject per 24 h
RESERVE_ATTEMPTS = 10  # optimistic rounds on a number's cap ledger before the event is retried
RECONCILE_MARGIN = timedelta(minutes=1)  # clock skew between our claim and Twilio's DateCreated
DEFERRAL_KEPT = "deferral_kept"  # a retry before a deferred slot's instant: it waits for it
LOG_PENDING_REASON = "log_pending"  # a SENT outcome whose CRM log is still to be written (retried)
LOG_FAILED_REASON = "log_failed"  # a SENT outcome whose CRM log was refused for good (recorded, done)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Hold:
    """Why a message may not go now, and from when it may."""

    not_before: datetime
    reason: str
    audit: dict[str, Any]


@dataclass(frozen=True, slots=True)
class _Sent:
    """An SMS that went (its slot SENT, under our lease), waiting for the batch's bulk CRM log."""

    slot: SendSlot
    gateway: CrmGateway
    tenant: tuple[str, str]  # (CRM, account): one bulk log per gateway
    link: TrackedLink | None = None
    logging_only: bool = False  # its outcome already says "sent, log pending": SmsSent was counted


Judge = Callable[[CapLedger | None], Hold | None]
"""The send-time policy and the caps for one message: on the history alone (None), or on the history
and the number's cap ledger."""


@dataclass
class Dispatcher:
    rules: RuleSet
    crm: CrmGateways  # per (CRM, account), lazy: a Salesforce event never imports the HubSpot SDK
    sms: SmsSender
    outcomes: EventOutcomes
    slots: SendSlots
    conversations: Conversations
    consent: ConsentLedger
    deferrals: Deferrals
    brand: str
    status_callback: str | None = None
    default_region: str = "US"
    lease: timedelta = timedelta(seconds=120)
    clock: Callable[[], datetime] = _utcnow
    new_owner: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)
    policy: SendTimePolicy = field(default_factory=SendTimePolicy)
    caps: FrequencyCaps = field(default_factory=FrequencyCaps)
    links: Links | None = None  # tracked links: with link_base, a message's link becomes <base>/l/<code>
    link_base: str | None = None  # the link domain's URL; None: links go as the CRM has them
    link_ttl: timedelta = timedelta(days=180)  # a tracked link lives as long as its message record
    cap_reservations: CapReservations | None = None  # None: caps judged on the history alone (racy)
    optimiser: SendTimeOptimiser | None = None  # marketing send-time optimisation; None: as soon as allowed

    def __call__(self, event: TriggerEvent) -> DispatchResult:
        """Handle one change (a batch of one). Returns the recorded outcome — an SMS that went but
        whose CRM log failed for now is "sent" with ``details["log"] == "pending"`` (``redeliver``);
        raises ``Retryable`` to be redelivered."""
        step = self._until_sent(event)
        return step if isinstance(step, DispatchResult) else self._log([step])[0]

    def dispatch_many(self, events: Sequence[TriggerEvent]) -> list[DispatchResult]:
        """Handle a queue batch: its contexts loaded in bulk first (``_prefetch``), each event taken to
        SENT as one event would be, then every SMS the batch sent logged with one bulk, idempotent call
        per CRM gateway (``log_sms_many``). One result per event, in order; an event that failed for
        now is ``Outcome.RETRIED`` (never recorded: its queue message comes back), the others go on."""
        self._prefetch(events)
        steps: list[DispatchResult | _Sent | None] = []  # None: a copy of an earlier event of the batch
        firsts: dict[str, int] = {}
        for index, event in enumerate(events):
            if event.event_key in firsts:  # SQS or the source delivered it twice: answered after the first
                steps.append(None)
                continue
            firsts[event.event_key] = index
            try:
                steps.append(self._until_sent(event))
            except Exception as problem:  # as SQS' partial batch response: only this event fails
                steps.append(_retried(event.event_key, problem))
        logged = iter(self._log([s for s in steps if isinstance(s, _Sent)]))
        results = [s if isinstance(s, DispatchResult) or s is None else next(logged) for s in steps]
        for index, event in enumerate(events):
            first = results[firsts[event.event_key]]
            if results[index] is None and first is not None:  # its first's own message comes back if needed
                reason = (
                    f"already {first.outcome}" if first.outcome is not Outcome.RETRIED else "copy_in_batch"
                )
                results[index] = DispatchResult(
                    Outcome.DUPLICATE, event.event_key, reason, first.rule, first.sid
                )
        return [r for r in results if r is not None]

    def _prefetch(self, events: Sequence[TriggerEvent]) -> None:
        """Load the batch's CRM contexts in bulk before the events are dispatched one by one (each
        gateway's ``prefetch``: SOQL ``IN`` over up to 200 ids, HubSpot batch reads), grouped as
        ``_dispatch`` will ask: per gateway, fields and recipient role. A group of one is left to its
        event (a bulk read of one record costs more calls than its own read). A failed prefetch never
        fails the batch: it is logged and each event of it loads its own context, as without one."""
        groups: dict[tuple[Crm, str, tuple[str, ...], str], list[RecordRef]] = {}
        try:
            for event in events:
                candidates = [] if event.kind is ChangeKind.GAP_OVERFLOW else self.rules.candidates(event)
                if not candidates:
                    continue
                role = next((r.renewal.recipient_role for r in candidates if r.renewal), None) or ""
                fields = tuple(self.rules.fields_for(candidates))
                group = groups.setdefault((event.record.crm, event.account, fields, role), [])
                if event.record not in group:
                    group.append(event.record)
        except Exception as problem:  # any failure: each event reads its own context
            _prefetch_failed(len(events), "", problem)
            return
        for (crm, account, fields, role), records in groups.items():
            if len(records) < 2:
                continue
            try:
                self.crm(crm, account).prefetch(records, list(fields), role or None)
            except Exception as problem:  # any failure: each event of the group reads its own context
                _prefetch_failed(len(records), crm, problem)

    def _until_sent(self, event: TriggerEvent) -> DispatchResult | _Sent:
        """One event up to its SMS: the recorded outcome, or the SMS sent (slot SENT) and still to log.
        An event whose outcome says "sent, log pending" goes again: its slot is SENT, only the log runs."""
        done = self.outcomes.outcome(event.event_key)
        pending = done is not None and done.outcome is Outcome.SENT and done.reason == LOG_PENDING_REASON
        if done is not None and done.outcome is not Outcome.DEFERRED and not pending:
            return DispatchResult(Outcome.DUPLICATE, event.event_key, f"already {done.outcome}", done.rule)
        held = self._pending_log(event, done.sid) if pending and done is not None else None
        if held is not None:
            return held
        try:
            step = self._dispatch(event)
        except errors.Skip as skip:
            step = DispatchResult(
                Outcome.SKIPPED,
                event.event_key,
                skip.reason,
                str(skip.details.get("rule", "")),
                details=_details(skip),
            )
        if isinstance(step, _Sent):
            return replace(step, logging_only=pending)
        # SENT, DUPLICATE: with their slot. A pending log's outcome is never overwritten: its SMS went.
        if step.outcome in (Outcome.SKIPPED, Outcome.IGNORED, Outcome.DEFERRED) and not pending:
            self.outcomes.record_outcome(step, self.clock())
        return step

    def _pending_log(self, event: TriggerEvent, sid: str) -> _Sent | None:
        """The SENT slot of an event whose log is pending, found through its message record: no CRM read
        and no rule judged again (whatever changed since, the SMS went; only its log is left), taken
        under our lease. None when it cannot be found so (records expired): the event goes again."""
        message = self.conversations.message(sid) if sid else None
        if message is None:
            return None
        crm, kind = cast(Crm, message.get("crm")), cast(ObjectType, message.get("object_type"))
        record = RecordRef(crm, kind, str(message.get("record_id")))
        slot = self.slots.slot(f"{message.get('rule')}#{record}#{message.get('phone')}")
        if slot is None or slot.state is not S.SENT or (slot.event_key, slot.sid) != (event.event_key, sid):
            return None
        slot = self._resume(slot, self.new_owner())  # InProgress while another delivery holds it
        tenant = (slot.record.crm, slot.account)
        return _Sent(slot, self.crm(*tenant), tenant, logging_only=True)

    def _log(self, sent: Sequence[_Sent]) -> list[DispatchResult]:
        """Log the SMS the batch sent: one bulk, idempotent call per CRM gateway; the results in order."""
        by_tenant: dict[tuple[str, str], list[int]] = {}
        for index, item in enumerate(sent):
            by_tenant.setdefault(item.tenant, []).append(index)
        results: dict[int, DispatchResult] = {}
        for indices in by_tenant.values():
            activities = [_activity(sent[i].slot, self.clock()) for i in indices]
            logged = sent[indices[0]].gateway.log_sms_many(activities)
            if len(logged) != len(indices):
                raise errors.CrmUnavailable("the CRM gateway answered a bulk log with a different count")
            for index, outcome in zip(indices, logged, strict=True):
                results[index] = self._logged(sent[index], outcome)
        return [results[i] for i in range(len(sent))]

    def _logged(self, item: _Sent, logged: LoggedSms) -> DispatchResult:
        """The outcome of one SMS of the batch, by what its log became:

        - on the record (created now, or found by its SID: a retry after a lost answer) → slot LOGGED;
        - failed for now → "sent, log pending": the outcome is recorded (so a redelivery counts no second
          SmsSent), the slot stays SENT with its lease given back, and the queue message comes back;
        - refused for good (the record was deleted...) → "sent, log failed": recorded, slot LOGGED, done.
        A redelivery that only logged (``logging_only``) answers ``duplicate``: its SMS was counted."""
        slot, now, error = item.slot, self.clock(), logged.error
        result = _sent_result(slot, item.link, logged)
        if error is not None and isinstance(error, errors.Retryable):
            if not item.logging_only:
                self.outcomes.record_outcome(result, now)
            with suppress(errors.Retryable):  # a lease not given back only delays the redelivery
                self.slots.release(slot, now)
        else:
            self.slots.complete(slot.evolve(state=S.LOGGED, activity_id=logged.activity_id), result, now)
        if not item.logging_only:
            return result
        reason = result.reason or "log_completed"
        return DispatchResult(
            Outcome.DUPLICATE, slot.event_key, reason, slot.rule, slot.sid, logged.activity_id, result.details
        )

    def skip(self, event_key: str, problem: errors.Skip) -> DispatchResult:
        """Record an event that could not even be parsed, so that nothing is lost silently."""
        result = DispatchResult(Outcome.SKIPPED, event_key, problem.reason, details=_details(problem))
        self.outcomes.record_outcome(result, self.clock())
        return result

    # -- the steps ---------------------------------------------------------------------------

    def _dispatch(self, event: TriggerEvent) -> DispatchResult | _Sent:
        if event.kind is ChangeKind.GAP_OVERFLOW:
            return DispatchResult(
                Outcome.SKIPPED, event.event_key, "gap_overflow", details={"entity": str(event.record)}
            )
        candidates = self.rules.candidates(event)
        if not candidates:
            return DispatchResult(Outcome.IGNORED, event.event_key, "no_matching_rule")
        gateway = self.crm(event.record.crm, event.account)  # UnknownTenant: skipped, recorded
        role = next(
            (r.renewal.recipient_role for r in candidates if r.renewal), None
        )  # renewal: decision maker
        fields = self.rules.fields_for(candidates)
        context = (
            gateway.load_context(event.record, fields, recipient_role=role)
            if role
            else gateway.load_context(event.record, fields)
        )
        rule = confirm(candidates, context)
        if rule is None:
            reason = "no_matching_rule" if event.needs_reread else "stage_changed_since"
            return DispatchResult(Outcome.IGNORED, event.event_key, reason)
        if context.recipient is None:
            raise errors.NoRecipient(f"{event.record} has no contact to text", rule=rule.name)
        phone = to_e164(context.recipient.phone, self.default_region)
        self._check_consent(rule, phone, context.recipient)
        choice = rule.choose(context, phone)
        template = self.rules.template(choice.template)
        variables = templates.merge_fields(rule, context, self.brand)
        key = f"{rule.name}#{event.record}#{phone}"
        link = self._tracked(key, event, rule, template, choice.variant, context, variables.get("link"))
        if link is not None and self.link_base:  # the code exists before the body that carries it
            variables["link"] = tracked_url(self.link_base, link.code)
        body = templates.render(template, variables)
        if link is not None and self.link_base and tracked_url(self.link_base, link.code) not in body:
            link = None  # the template does not show the link
        date_field = rule.renewal.date_field if rule.renewal else ""
        told = attribute(rule.field, event.changed, context.fields, date_field)  # as it is at send
        slot = self._slot(event, rule, context, phone, body, template).evolve(
            variant=choice.variant,
            trigger=told.trigger,
            stage=told.stage,
            tier=told.tier,
            lifecycle=told.lifecycle,
            cohort=self.conversations.cohort(phone) or cohort(self.clock()),  # read before the send
        )
        recipient, history = context.recipient, self._history(phone)

        def judge(ledger: CapLedger | None) -> Hold | None:
            sent = history if ledger is None else counted(history, ledger)
            return self._hold(rule, phone, recipient, sent)

        judged: Judge = judge
        if self.optimiser is not None and rule.purpose == "marketing":  # transactional: never optimised
            segment = self.optimiser.segment(rule, choice.variant, context)
            judged = self._optimised(self.optimiser, judge, rule, event.event_key, segment, phone, recipient)
        return self._deliver(event, slot, gateway, judged, link)

    def _optimised(
        self,
        optimiser: SendTimeOptimiser,
        judge: Judge,
        rule: Rule,
        message: str,
        segment: str,
        phone: str,
        recipient: Person,
    ) -> Judge:
        """The policy and the caps, then the hour the optimiser chose for the message (drawn once, among
        the hours they allow within its horizon): held back to it when it is later than they say."""
        kept: list[SendPlan] = []  # drawn once per message: the first judgement's plan

        def optimised(ledger: CapLedger | None) -> Hold | None:
            hold, now = judge(ledger), self.clock()
            earliest = hold.not_before if hold is not None else now
            kept[:] = kept or [optimiser.plan(message, segment, phone, recipient, now, earliest)]
            plan = kept[0]
            if plan.at <= earliest:
                return hold
            held_by = [*(hold.audit.get("held_by", []) if hold is not None else []), OPTIMISED]
            chosen = {"segment": segment, "hour_of_week": plan.hour, "zone": plan.zone, "held_by": held_by}
            audit = {"rule": rule.name, "purpose": rule.purpose, **(hold.audit if hold else {}), **chosen}
            return Hold(plan.at, OPTIMISED, audit)

        return optimised

    def _tracked(
        self,
        key: str,
        event: TriggerEvent,
        rule: Rule,
        template: Template,
        variant: str,
        context: MessageContext,
        target: object,
    ) -> TrackedLink | None:
        """The tracked link for this message, its code derived from the slot and the event: a
        redelivered event renders the same body. None when links are not tracked or there is none."""
        if self.links is None or not self.link_base or not isinstance(target, str) or not target:
            return None
        now = self.clock()
        return TrackedLink(
            code=self.links.code_for(key, event.event_key),
            target=target,
            slot_key=key,
            event_key=event.event_key,
            rule=rule.name,
            template_id=template.id,
            template_version=template.version,
            template_tag=template.tag,
            variant=variant,
            record=event.record,
            contact_id=context.recipient.crm_id if context.recipient else None,
            owner_id=context.owner.crm_id if context.owner else None,
            account=event.account,
            created_at=now,
            expires_at=now + self.link_ttl,
        )

    def _check_consent(self, rule: Rule, phone: str, recipient: Person) -> None:
        """The ledger first (a STOP is final), then the CRM's own flags; marketing needs an opt-in."""
        audit = {"rule": rule.name, "purpose": rule.purpose, "phone": mask(phone)}
        ledger = self.consent.status(phone)
        if ledger is ConsentStatus.OPTED_OUT:
            raise errors.OptedOut("the recipient opted out", **audit)
        if recipient.crm_opted_out:
            flag = "do_not_call" if recipient.do_not_contact else f"sms_consent={recipient.sms_consent}"
            raise errors.CrmOptedOut("the CRM says the contact may not be texted", crm_flag=flag, **audit)
        if rule.purpose == "marketing" and not (ledger is ConsentStatus.OPTED_IN or recipient.crm_opted_in):
            raise errors.NoMarketingConsent("no recorded opt-in for a marketing message", **audit)

    @property
    def _lookback(self) -> timedelta:
        """How long a sent message counts: the longest cap window, or the state caps' 24 h."""
        return max(self.caps.lookback, SAME_SUBJECT_WINDOW)

    def _history(self, phone: str) -> list[SentMessage]:
        return self.conversations.sent_since(phone, self.clock() - self._lookback)

    def _hold(self, rule: Rule, phone: str, recipient: Person, sent: list[SentMessage]) -> Hold | None:
        """The send-time policy and the frequency caps on *sent*, judged together: None means send now.

        The reason is the first rule broken now; ``held_by`` lists every rule that moved the instant."""
        now = self.clock()
        at, first, held_by = now, None, []
        for _ in range(8):  # each pass only moves forward; two or three settle every real case
            same_subject = sum(1 for m in sent if m.rule == rule.name and m.at > at - SAME_SUBJECT_WINDOW)
            state = state_code(recipient.state) or None
            request = SendRequest(phone, at, rule.purpose, recipient.time_zone or None, state, same_subject)
            decision = decide(request, self.policy)
            capped = self.caps.hold(rule.purpose, sent, at)
            first = first or decision
            if decision.decision == "defer" and decision.not_before is None:
                audit = {**_audit(first), "rule": rule.name, "reason_at_send": first.reason}
                raise errors.NoSendWindow("no send window within the policy horizon", **audit)
            later = max(decision.not_before or at, capped[0] if capped else at)
            if later == at:
                break
            held_by += [decision.reason] if decision.decision == "defer" else []
            held_by += [capped[1]] if capped and capped[0] == later else []
            at = later
        else:
            raise errors.NoSendWindow("the send-time rules and the caps did not settle", rule=rule.name)
        if at == now or first is None:
            return None
        audit = {**_audit(first), "rule": rule.name, "held_by": list(dict.fromkeys(held_by))}
        return Hold(at, held_by[0], audit)

    def _slot(
        self, event: TriggerEvent, rule: Rule, ctx: MessageContext, phone: str, body: str, template: Template
    ) -> SendSlot:
        now = self.clock()
        return SendSlot(
            key=f"{rule.name}#{event.record}#{phone}",  # as _dispatch derives the link code from it
            event_key=event.event_key,
            owner=self.new_owner(),
            state=S.SENDING,
            claimed_at=now,
            lease_until=now + self.lease,
            cooldown_until=now + rule.cooldown,
            record=event.record,
            rule=rule.name,
            template_id=template.id,
            template_version=template.version,
            template_tag=template.tag,
            phone=phone,
            body=body,
            contact_id=ctx.recipient.crm_id if ctx.recipient else None,
            owner_id=ctx.owner.crm_id if ctx.owner else None,
            purpose=rule.purpose,
            account=event.account,
            crm_account=ctx.account_id,  # the message is indexed under it: outcomes on the account
            entry=rule.stage_entry(ctx.fields),  # a GAP re-read after the cooldown: the same entry?
        )

    def _deliver(
        self,
        event: TriggerEvent,
        slot: SendSlot,
        gateway: CrmGateway,
        judge: Judge,
        link: TrackedLink | None = None,
    ) -> DispatchResult | _Sent:
        cooldown = slot.cooldown_until - slot.claimed_at  # the rule's: it starts when the message goes
        hold = judge(None)  # the history first: a message it already holds back never takes an entry
        if hold is not None:  # a deferred slot blocks other events only until its instant
            slot = slot.evolve(
                state=S.DEFERRED,
                lease_until=slot.claimed_at,
                not_before=hold.not_before,
                cooldown_until=hold.not_before,
            )
        existing = self.slots.claim(slot, self.clock())
        resumed = existing is not None
        if existing is not None:
            if existing.event_key != slot.event_key:
                return self._occupied(slot, existing)
            if existing.state is S.LOGGED:
                return DispatchResult(
                    Outcome.DUPLICATE, slot.event_key, "already_sent", slot.rule, existing.sid
                )
            resumed = existing.state is not S.DEFERRED  # a deferred slot never reached the provider
            slot = self._resume(existing, slot.owner)
            if slot.state is S.DEFERRED:
                slot, hold = self._leave_deferred(slot, hold, cooldown)
        if slot.state is S.DEFERRED:  # newly claimed as deferred, or still held back
            return self._defer(event, slot, hold)
        if slot.state is S.FAILED:
            self._release(slot)  # again: a release that failed with the send is not left behind
            return DispatchResult(Outcome.SKIPPED, slot.event_key, slot.error or "send_rejected", slot.rule)
        if slot.state is S.SENDING:
            if link is not None and self.links is not None:  # stored before the message can be tapped
                self.links.create(link)
            slot, hold = self._send(slot, gateway, resumed=resumed, hold=hold, judge=judge)
            if slot.state is S.DEFERRED:  # a retried send that may not go now, or the caps filled first
                return self._defer(event, slot, hold)
        if link is not None and self.links is not None and slot.sid:
            self.links.attach(link.code, slot.sid)  # idempotent: a redelivery at SENT sets it again
        if self.optimiser is not None and slot.purpose == "marketing" and slot.sid:  # idempotent per sid
            sent_at = datetime.fromisoformat(slot.sent_at) if slot.sent_at else self.clock()
            self.optimiser.sent(slot.event_key, slot.sid, sent_at)
        return _Sent(slot, gateway, (slot.record.crm, slot.account), link)  # logged with its batch

    def _occupied(self, slot: SendSlot, existing: SendSlot) -> DispatchResult:
        """Another event holds the slot (same rule, record and recipient) and it may not be replaced:
        within its cooldown, or its stage entry was already texted → skipped; its message may still be
        going (SENDING, SENT, or a deferred one being resumed), whatever the cooldown → retried later."""
        details = {"first_event": existing.event_key}
        if existing.cooldown_until >= self.clock():
            return DispatchResult(Outcome.SKIPPED, slot.event_key, "cooldown", slot.rule, details=details)
        if existing.state is S.LOGGED and slot.entry and existing.entry == slot.entry:
            reason = "stage_entry_already_texted"
            return DispatchResult(Outcome.SKIPPED, slot.event_key, reason, slot.rule, details=details)
        raise errors.InProgress(
            "another event's message to this recipient is still being sent", slot=slot.key, **details
        )

    def _leave_deferred(
        self, slot: SendSlot, hold: Hold | None, cooldown: timedelta
    ) -> tuple[SendSlot, Hold | None]:
        """A deferred slot taken over: still held back → new instant; free → SENDING, under our lease.
        A retry never shortens a deferral: before the slot's ``not_before`` it stays deferred to it at
        least (its schedule, named by the slot and the instant, is the one already made)."""
        kept = slot.not_before
        if kept is not None and kept > self.clock() and (hold is None or hold.not_before < kept):
            audit = {**(hold.audit if hold is not None else {}), "not_before_kept": utc_iso(kept)}
            hold = Hold(kept, hold.reason if hold is not None else DEFERRAL_KEPT, audit)
        if hold is not None:
            return self.slots.defer(slot, hold.not_before, hold.not_before), hold
        cooldown_until = (self.clock() + cooldown).isoformat()
        return self.slots.advance(slot, S.SENDING, cooldown_until=cooldown_until), None

    def _defer(self, event: TriggerEvent, slot: SendSlot, hold: Hold | None) -> DispatchResult:
        if hold is None or slot.not_before is None:  # cannot happen: a DEFERRED slot has its instant
            raise errors.InProgress("a deferred slot without its instant", slot=slot.key)
        name = self.deferrals.schedule(Deferral(slot.key, event, slot.not_before))
        return DispatchResult(
            Outcome.DEFERRED,
            event.event_key,
            hold.reason,
            slot.rule,
            details={
                "not_before": utc_iso(slot.not_before),
                "schedule": name,
                "record": str(slot.record),
                "to": mask(slot.phone),
                **hold.audit,
            },
        )

    def _resume(self, existing: SendSlot, owner: str) -> SendSlot:
        """Same event seen again: finish its work once the holder's lease has run out.

        While the lease runs, raise InProgress: the queue brings this delivery back later, when the
        holder has finished (→ duplicate) or died (→ this delivery takes over). Acknowledging it now
        would lose the event if the holder died without its own message coming back.
        """
        if existing.state is S.FAILED:
            return existing
        if existing.lease_until > self.clock():
            raise errors.InProgress("another delivery of this event holds the send slot", slot=existing.key)
        taken = self.slots.take_over(existing, owner, self.clock() + self.lease)
        if taken is None:
            raise errors.InProgress("another delivery took over the send slot first", slot=existing.key)
        return taken

    def _send(
        self, slot: SendSlot, gateway: CrmGateway, *, resumed: bool, hold: Hold | None, judge: Judge
    ) -> tuple[SendSlot, Hold | None]:
        """The slot is SENDING and ours: count it on the caps, then send. Returns the slot moved on
        (SENT, or DEFERRED with the hold that moved it)."""
        if resumed:  # an earlier delivery may have reached the provider: ask it before sending
            already = self._reconcile(slot, self.slots.attempt(slot, self.clock()))
            if already is not None:
                self._count(slot)  # it went: it counts, whatever the caps say now
                return already, None
        if hold is None:
            try:
                hold = self._reserve(slot, judge)
            except errors.Skip as refused:  # no send window at all once the others are counted
                self._release(slot)
                self.slots.advance(slot, S.FAILED, error=refused.reason)
                raise
        if hold is not None:  # a retry at an hour the policy forbids, or the caps filled first: defer
            self._release(slot)
            return self.slots.defer(slot, hold.not_before, hold.not_before), hold
        earlier = None if resumed else self.slots.attempt(slot, self.clock())
        if earlier is not None:  # a redrive after its slot expired or was replaced: did it go then?
            already = self._reconcile(slot, earlier)
            if already is not None:
                self._count(slot)
                return already, None
        callback = with_send_id(self.status_callback, send_id(slot.event_key))  # the identity travels
        try:
            sent = self.sms.send(OutboundSms(slot.phone, slot.body, callback))
        except errors.Retryable:  # its cap entry stays: the retry resumes with it
            self.slots.release(slot, self.clock())
            raise
        except errors.Skip as refused:
            self._release(slot)
            self.slots.advance(slot, S.FAILED, error=refused.reason)
            if isinstance(refused, errors.RecipientUnsubscribed):
                self._unsubscribed(slot, gateway)
            raise
        return self.slots.advance(slot, S.SENT, sid=sent.sid, sent_at=self.clock().isoformat()), None

    def _reconcile(self, slot: SendSlot, earlier: SendAttempt | None) -> SendSlot | None:
        """The slot moved to SENT if an earlier delivery of its event reached the provider (by the SID
        it stored, else by what Twilio keeps: ``domain.reconcile``), else None: not sent, send now."""
        first = min(slot.claimed_at, earlier.first_at) if earlier is not None else slot.claimed_at
        stored = earlier.sid if earlier is not None else ""
        listed = [] if stored else self.sms.recent(slot.phone, first - RECONCILE_MARGIN)

        def owner_of(sid: str) -> str | None:
            record = self.conversations.message(sid)
            return str(record.get("event_key") or "") or None if record else None

        found = reconcile.pick(stored, listed, slot.body, owner_of, slot.event_key)
        if found is None:
            return None
        logging.getLogger(__name__).info(  # no number, no body: the event key, the SID and how
            "send reconciled: it had reached the provider (%s, by %s)", found.sid, found.how
        )
        return self.slots.advance(slot, S.SENT, sid=found.sid, sent_at=self.clock().isoformat())

    # -- the caps' ledger: one entry per message, taken as its slot moves to SENDING --------------

    def _capped(self, purpose: str) -> bool:
        """Messages the counts may hold back: the purposes with caps, and marketing (the state caps)."""
        return self.caps.capped(purpose) or purpose == "marketing"

    def _entry(self, slot: SendSlot) -> CapEntry:
        now = self.clock()
        return CapEntry(f"{slot.key}#{slot.event_key}", now, slot.rule, slot.purpose, now + self._lookback)

    def _reserve(self, slot: SendSlot, judge: Judge) -> Hold | None:
        """Take the message's entry on its number's cap ledger, judged on what the ledger holds and
        written only if nobody wrote since: None when taken (send now), else the hold (defer).
        A message the caps never hold back is only counted."""
        if self.cap_reservations is None:
            return None  # judged on the history alone, before the claim
        entry = self._entry(slot)
        if not self._capped(slot.purpose):
            self.cap_reservations.count(slot.phone, entry)
            return None
        for _ in range(RESERVE_ATTEMPTS):
            ledger = self.cap_reservations.ledger(slot.phone)
            if ledger.holds(entry.holder):  # an earlier attempt of this message took it: keep it, now
                self.cap_reservations.count(slot.phone, entry)
                return None
            hold = judge(ledger)
            if hold is not None:
                return hold
            if self.cap_reservations.reserve(ledger, entry):
                return None
        self.slots.release(slot, self.clock())  # the next delivery takes it over at once
        raise errors.InProgress("the number's cap ledger kept changing", slot=slot.key)

    def _count(self, slot: SendSlot) -> None:
        if self.cap_reservations is not None:
            self.cap_reservations.count(slot.phone, self._entry(slot))

    def _release(self, slot: SendSlot) -> None:
        """The message is not going now (deferred, refused): its entry no longer counts."""
        if self.cap_reservations is not None:
            self.cap_reservations.release(slot.phone, f"{slot.key}#{slot.event_key}")

    def _unsubscribed(self, slot: SendSlot, gateway: CrmGateway) -> None:
        """Twilio 21610: the number unsubscribed. The ledger first, then the CRM's own field."""
        evidence = f"send:{slot.event_key}"  # unique: the ledger records each evidence once
        change = ConsentChange(
            slot.phone, ConsentStatus.OPTED_OUT, "twilio_error_21610", evidence, self.clock()
        )
        if self.consent.record(change) and slot.contact_id:
            note = f"Twilio refused a message with error 21610 (unsubscribed); event {slot.event_key}"
            # The ledger is what every send checks; a CRM that refuses the write must not undo the skip.
            with suppress(errors.TextloopError):
                gateway.record_consent(
                    slot.contact_id, ConsentStatus.OPTED_OUT, note, activity_key("consent", evidence)
                )


def _sent_result(slot: SendSlot, link: TrackedLink | None, logged: LoggedSms) -> DispatchResult:
    """The SENT outcome of a slot, with what became of its CRM log (``details["log"]``: logged, pending
    — failed for now, retried — or failed — refused for good)."""
    cost = segments.count(slot.body)
    log: dict[str, Any] = {"log": "logged"}
    reason = ""
    if logged.error is not None:
        retry = isinstance(logged.error, errors.Retryable)
        reason = LOG_PENDING_REASON if retry else LOG_FAILED_REASON
        log = {"log": LOG_PENDING if retry else LOG_FAILED, "log_error": logged.error.reason}
        log["log_detail"] = str(logged.error)
        if retry and logged.error.details.get("retry_after") is not None:  # the CRM asked to wait
            log["retry_after"] = logged.error.details["retry_after"]
        if isinstance(logged.error, errors.Retryable) and logged.error.retry_after is not None:
            log["retry_after"] = logged.error.retry_after  # a CRM rate limit: the message waits that long
    elif logged.existing:
        log["log_found"] = True  # already on the record: an earlier attempt's answer was lost
    return DispatchResult(
        Outcome.SENT,
        slot.event_key,
        reason,
        rule=slot.rule,
        sid=slot.sid,
        activity_id=logged.activity_id,
        details={
            "record": str(slot.record),
            "template": f"{slot.template_id}@v{slot.template_version}",
            "template_tag": slot.template_tag,
            "variant": slot.variant,
            "purpose": slot.purpose,
            "to": mask(slot.phone),
            "segments": cost.segments,
            "encoding": cost.encoding,
            **({"link": link.code} if link is not None else {}),
            **log,
        },
    )


def _retried(event_key: str, problem: Exception) -> DispatchResult:
    """An event of a batch that failed for now: its queue message comes back (then the DLQ)."""
    reason = problem.reason if isinstance(problem, errors.TextloopError) else "unexpected_error"
    details: dict[str, Any] = {"error": f"{type(problem).__name__}: {problem}"}
    if isinstance(problem, errors.TextloopError):
        details |= {k: str(v) for k, v in problem.details.items()}
    return DispatchResult(Outcome.RETRIED, event_key, reason, details=details)


def _activity(slot: SendSlot, at: datetime) -> SmsActivity:
    """The SMS as the CRM logs it, dated when it went (the same on every retry of its log)."""
    preview = slot.body if len(slot.body) <= 60 else slot.body[:57] + "..."
    sent_at = datetime.fromisoformat(slot.sent_at) if slot.sent_at else at
    return SmsActivity(
        record=slot.record,
        direction="outbound",
        body=slot.body,
        phone=slot.phone,
        sid=slot.sid,
        at=sent_at,
        contact_id=slot.contact_id,
        owner_id=slot.owner_id,
        subject=f"SMS sent: {preview}",
    )


def _prefetch_failed(count: int, crm: str, problem: Exception) -> None:
    """A prefetch that failed: logged (masked), never raised; the events load their own contexts."""
    logging.getLogger(__name__).warning(
        "prefetch of %d %s records failed (%s: %s): each loads its own context",
        count,
        crm or "CRM",
        type(problem).__name__,
        mask_in_text(str(problem)),
    )


def _audit(decision: Decision) -> dict[str, Any]:
    """Who, where and when, for the auditable record: purpose, binding zones, local times, states."""
    return {k: v for k, v in decision.audit().items() if k not in ("decision", "not_before", "reason")}


def _details(problem: errors.TextloopError) -> dict[str, str]:
    return {"detail": str(problem), **{k: str(v) for k, v in problem.details.items()}}
