"""The dispatcher use case: one CRM change → at most one SMS, logged on the record.

Never twice: the intent (a *send slot*, one per rule, record and recipient per cooldown window)
is recorded before anything is sent, and moves SENDING → SENT → LOGGED under a lease.
A redelivered event resumes where its slot stands: a slot left SENDING by a crash is reconciled
with the SMS provider's own records instead of being sent again; a SENT slot only finishes
the logging. A duplicate event while the first is still working is acknowledged, because the
first one's own queue message comes back if it dies.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from textloop.domain import errors, templates
from textloop.domain.model import (
    ChangeKind,
    Crm,
    DispatchResult,
    MessageContext,
    OutboundSms,
    Outcome,
    SmsActivity,
    TriggerEvent,
)
from textloop.domain.phone import mask, to_e164
from textloop.domain.ports import (
    ConsentChange,
    ConsentLedger,
    ConsentStatus,
    CrmGateway,
    Ledger,
    SendSlot,
    SmsSender,
)
from textloop.domain.ports import SlotState as S
from textloop.domain.rules import Rule, RuleSet, confirm


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Dispatcher:
    rules: RuleSet
    crm: Callable[[Crm], CrmGateway]  # lazy: a Salesforce event never imports the HubSpot SDK
    sms: SmsSender
    ledger: Ledger
    consent: ConsentLedger
    brand: str
    status_callback: str | None = None
    default_region: str = "US"
    lease: timedelta = timedelta(seconds=120)
    clock: Callable[[], datetime] = _utcnow
    new_owner: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)

    def __call__(self, event: TriggerEvent) -> DispatchResult:
        """Handle one change. Returns the recorded outcome; raises ``Retryable`` to be redelivered."""
        done = self.ledger.outcome(event.event_key)
        if done is not None:
            return DispatchResult(Outcome.DUPLICATE, event.event_key, f"already {done.outcome}", done.rule)
        try:
            result = self._dispatch(event)
        except errors.Skip as skip:
            result = DispatchResult(Outcome.SKIPPED, event.event_key, skip.reason, details=_details(skip))
        if result.outcome in (Outcome.SKIPPED, Outcome.IGNORED):  # SENT is recorded with its slot
            self.ledger.record_outcome(result, self.clock())
        return result

    def skip(self, event_key: str, problem: errors.Skip) -> DispatchResult:
        """Record an event that could not even be parsed, so that nothing is lost silently."""
        result = DispatchResult(Outcome.SKIPPED, event_key, problem.reason, details=_details(problem))
        self.ledger.record_outcome(result, self.clock())
        return result

    # -- the steps ---------------------------------------------------------------------------

    def _dispatch(self, event: TriggerEvent) -> DispatchResult:
        if event.kind is ChangeKind.GAP_OVERFLOW:
            return DispatchResult(
                Outcome.SKIPPED, event.event_key, "gap_overflow", details={"entity": str(event.record)}
            )
        candidates = self.rules.candidates(event)
        if not candidates:
            return DispatchResult(Outcome.IGNORED, event.event_key, "no_matching_rule")
        gateway = self.crm(event.record.crm)
        context = gateway.load_context(event.record, self.rules.fields_for(candidates))
        rule = confirm(candidates, context)
        if rule is None:
            reason = "no_matching_rule" if event.needs_reread else "stage_changed_since"
            return DispatchResult(Outcome.IGNORED, event.event_key, reason)
        if context.recipient is None:
            raise errors.NoRecipient(f"{event.record} has no contact to text")
        phone = to_e164(context.recipient.phone, self.default_region)
        if self.consent.is_opted_out(phone):
            raise errors.OptedOut("the recipient opted out", phone=mask(phone))
        template = self.rules.template(rule.template)
        body = templates.render(template, templates.merge_fields(rule, context, self.brand))
        slot = self._slot(event, rule, context, phone, body, template.version)
        return self._deliver(slot, gateway)

    def _slot(
        self, event: TriggerEvent, rule: Rule, ctx: MessageContext, phone: str, body: str, version: int
    ) -> SendSlot:
        now = self.clock()
        return SendSlot(
            key=f"{rule.name}#{event.record}#{phone}",
            event_key=event.event_key,
            owner=self.new_owner(),
            state=S.SENDING,
            claimed_at=now,
            lease_until=now + self.lease,
            cooldown_until=now + rule.cooldown,
            record=event.record,
            rule=rule.name,
            template_id=rule.template,
            template_version=version,
            phone=phone,
            body=body,
            contact_id=ctx.recipient.crm_id if ctx.recipient else None,
            owner_id=ctx.owner.crm_id if ctx.owner else None,
        )

    def _deliver(self, slot: SendSlot, gateway: CrmGateway) -> DispatchResult:
        existing = self.ledger.claim(slot, self.clock())
        resumed = existing is not None
        if existing is not None:
            if existing.event_key != slot.event_key:
                return DispatchResult(
                    Outcome.SKIPPED,
                    slot.event_key,
                    "cooldown",
                    slot.rule,
                    details={"first_event": existing.event_key},
                )
            if existing.state is S.LOGGED:
                return DispatchResult(
                    Outcome.DUPLICATE, slot.event_key, "already_sent", slot.rule, existing.sid
                )
            slot = self._resume(existing, slot.owner)
        if slot.state is S.FAILED:
            return DispatchResult(Outcome.SKIPPED, slot.event_key, slot.error or "send_rejected", slot.rule)
        if slot.state is S.SENDING:
            slot = self._send(slot, resumed=resumed)
        activity_id = gateway.log_sms(_activity(slot, self.clock()))
        encoding, parts = templates.segments(slot.body)
        result = DispatchResult(
            Outcome.SENT,
            slot.event_key,
            rule=slot.rule,
            sid=slot.sid,
            activity_id=activity_id,
            details={
                "record": str(slot.record),
                "template": f"{slot.template_id}@v{slot.template_version}",
                "to": mask(slot.phone),
                "segments": parts,
                "encoding": encoding,
            },
        )
        self.ledger.complete(slot.evolve(state=S.LOGGED, activity_id=activity_id), result, self.clock())
        return result

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
        taken = self.ledger.take_over(existing, owner, self.clock() + self.lease)
        if taken is None:
            raise errors.InProgress("another delivery took over the send slot first", slot=existing.key)
        return taken

    def _send(self, slot: SendSlot, *, resumed: bool) -> SendSlot:
        if resumed:  # an earlier delivery may have reached the provider: ask it before sending
            already = self.sms.find_sent(slot.phone, slot.claimed_at - timedelta(minutes=1), slot.body)
            if already is not None:
                return self.ledger.advance(slot, S.SENT, sid=already.sid)
        try:
            sent = self.sms.send(OutboundSms(slot.phone, slot.body, self.status_callback))
        except errors.Retryable:
            self.ledger.release(slot, self.clock())
            raise
        except errors.Skip as refused:
            self.ledger.advance(slot, S.FAILED, error=refused.reason)
            if isinstance(refused, errors.RecipientUnsubscribed):
                evidence = f"send:{slot.event_key}"  # unique: the ledger records each evidence once
                self.consent.record(
                    ConsentChange(
                        slot.phone, ConsentStatus.OPTED_OUT, "twilio_error_21610", evidence, self.clock()
                    )
                )
            raise
        return self.ledger.advance(slot, S.SENT, sid=sent.sid)


def _activity(slot: SendSlot, at: datetime) -> SmsActivity:
    preview = slot.body if len(slot.body) <= 60 else slot.body[:57] + "..."
    return SmsActivity(
        record=slot.record,
        direction="outbound",
        body=slot.body,
        phone=slot.phone,
        sid=slot.sid,
        at=at,
        contact_id=slot.contact_id,
        owner_id=slot.owner_id,
        subject=f"SMS sent: {preview}",
    )


def _details(problem: errors.TextloopError) -> dict[str, str]:
    return {"detail": str(problem), **{k: str(v) for k, v in problem.details.items()}}
