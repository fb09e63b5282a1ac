"""Inbound SMS at the webhook: consent first, then queue the reply, then answer Twilio.

The consent ledger is written *before* the response goes back: a STOP is honoured even if
everything after it fails. Replies follow CTIA practice (brand, care contact, "Reply STOP to opt
out", "Msg & data rates may apply"; one opt-out confirmation without marketing).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from textloop.domain.consent import ConsentChange, ConsentStatus
from textloop.domain.errors import BadRequest, InvalidPhone, Retryable
from textloop.domain.phone import inbound_e164
from textloop.service_layer.status import CONSENT_CHANGE, record_consent

if TYPE_CHECKING:  # annotations only: the inbound webhook's cold start skips these modules
    from textloop.domain.ports import ConsentLedger
    from textloop.service_layer.intake import MessageQueue

REPLY = "reply"
TWILIO_KEYWORDS = frozenset({"STOP", "START", "HELP"})  # what Advanced Opt-Out answers itself


class Classification(Protocol):
    intent: str
    opt_out: bool
    confidence: float
    keyword: str | None


Classifier = Callable[..., Classification]


MAX_MEDIA = 10  # Twilio: a message carries at most 10 media (MediaUrl0..9)


@dataclass(frozen=True, slots=True)
class InboundSms:
    sid: str
    sender: str  # E.164 (normalised: the consent ledger's key)
    to: str
    body: str
    num_media: int
    media_types: tuple[str, ...]
    opt_out_type: str | None
    received_at: str  # ISO 8601

    @classmethod
    def from_form(cls, form: Mapping[str, str], received_at: datetime) -> InboundSms:
        sid, sender = form.get("MessageSid", ""), form.get("From", "")
        if not sid or not sender:
            raise BadRequest("an inbound message needs MessageSid and From")
        try:
            sender = inbound_e164(sender)
        except InvalidPhone as exc:  # never key consent by a short code or a sender ID
            raise BadRequest(f"From is not a phone number ({exc}); nothing was recorded") from None
        try:
            num_media = int(form.get("NumMedia") or 0)
        except ValueError:
            raise BadRequest("NumMedia is not a number") from None
        if not 0 <= num_media <= MAX_MEDIA:  # read as a count of fields below: never unbounded
            raise BadRequest(
                f"NumMedia must be 0 to {MAX_MEDIA} (Twilio's most per message), got {num_media}"
            )
        return cls(
            sid=sid,
            sender=sender,
            to=form.get("To", ""),
            body=form.get("Body", ""),
            num_media=num_media,
            media_types=tuple(form.get(f"MediaContentType{n}", "") for n in range(num_media)),
            opt_out_type=(form.get("OptOutType") or "").upper() or None,
            received_at=received_at.isoformat(),
        )


@dataclass(frozen=True, slots=True)
class Program:
    """What the CTIA replies say about the sender."""

    brand: str
    care_contact: str
    advanced_opt_out: bool  # Twilio Advanced Opt-Out answers STOP/START/HELP itself


@dataclass(frozen=True, slots=True)
class Answer:
    reply: str | None  # the TwiML message, if any
    queued: bool  # False: consent recorded and answer ready, but the reply could not reach the router


def compliance_reply(result: Classification, program: Program, *, newly_opted_out: bool) -> str | None:
    if program.advanced_opt_out and result.keyword in TWILIO_KEYWORDS:
        return None
    care = f" Help: {program.care_contact}." if program.care_contact else ""
    if result.opt_out:
        if not newly_opted_out:
            return None  # one confirmation only
        return f"{program.brand}: you are unsubscribed and will receive no more messages. Reply START to resubscribe."
    if result.intent == "opt_in":
        return (
            f"{program.brand}: you are subscribed again. Msg frequency varies. Msg & data rates may apply.{care}"
            " Reply HELP for help, STOP to opt out."
        )
    if result.intent == "help":
        return (
            f"{program.brand}: account and deal updates from your {program.brand} team.{care}"
            " Msg frequency varies. Msg & data rates may apply. Reply STOP to opt out."
        )
    return None


def parse_consent_change(body: str) -> ConsentChange:
    try:
        message = json.loads(body)
        if message.get("type") != CONSENT_CHANGE:
            raise ValueError("not a consent change")
        return ConsentChange(
            str(message["phone"]),
            ConsentStatus(message["status"]),
            str(message["source"]),
            str(message["evidence"]),
            datetime.fromisoformat(message["at"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadRequest(f"consent queue message is not a consent change: {exc}") from None


def accept_inbound(
    sms: InboundSms,
    *,
    classify: Classifier,
    consent: ConsentLedger,
    consent_fallback: MessageQueue,
    queue: MessageQueue,
    program: Program,
    at: datetime,
) -> Answer:
    """Consent (ledger, else its queue), then the reply queue, then the TwiML text (None: nothing)."""
    result = classify(sms.body, opt_out_type=sms.opt_out_type)
    newly_opted_out = False
    if result.opt_out:
        change = ConsentChange(sms.sender, ConsentStatus.OPTED_OUT, "twilio_inbound", sms.sid, at)
        newly_opted_out = record_consent(change, consent, consent_fallback)
    elif result.intent == "opt_in":
        change = ConsentChange(sms.sender, ConsentStatus.OPTED_IN, "twilio_inbound", sms.sid, at)
        record_consent(change, consent, consent_fallback)
    reply = compliance_reply(result, program, newly_opted_out=newly_opted_out)
    try:
        queue.send_all([reply_envelope(sms, result)])
    except Retryable:
        # Consent is already recorded and Twilio does not retry an inbound webhook by default:
        # a compliance answer is still owed, so give it; the caller logs the unrouted reply.
        if reply is None:
            raise
        return Answer(reply, queued=False)
    return Answer(reply, queued=True)


def reply_envelope(sms: InboundSms, result: Classification) -> str:
    classification = {"intent": result.intent, "opt_out": result.opt_out, "confidence": result.confidence}
    return json.dumps({"type": REPLY, "sms": asdict(sms), "classification": classification})


def twiml(message: str | None) -> str:
    if not message:
        return '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    from html import escape  # &, <, > as XML needs them; on use (html.entities costs a cold start 4 ms)

    inner = f"<Message>{escape(message, quote=False)}</Message>"
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{inner}</Response>'
