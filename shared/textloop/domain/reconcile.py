"""Reconciliation: did an earlier attempt of this send reach the SMS provider?

A send's identity travels with the message and comes back: its *send id* (derived from the event, so a
DLQ redrive days later computes the same one) is in the status-callback URL (``?slot=<id>``), and the
message SID is stored under it the moment Twilio answers the send or any status callback arrives.
Reconciliation therefore asks, in order:

1. **The SID we stored** (the send's answer or a callback): that message is ours. No provider call.
2. **The provider's list** of outbound messages to the number from our Messaging Service created since
   the send's first claim (what Twilio keeps unchanged: To, MessagingServiceSid, DateCreated). A message
   whose SID our own records give to another event is not ours; one they give to this event is.
3. Among the rest (**unknown** messages), one is taken for ours: a body that matches ours once smart
   encoding and link shortening are undone is preferred — the body only decides between several
   unknown messages, never whether one went.

The decision errs on the side of never twice. Its failure mode: a message sent to the same number
through the same Messaging Service *by something other than Textloop* (the console, another app on the
service), after our claim and before our retry, with no SID stored by our send or its callbacks, is
taken for ours and our message is not sent — at most one missed message, reported with ``how="window"``
so it is visible in the log and the outcome — never a second SMS.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from textloop.domain.send_identity import send_id as send_id  # re-exported: a send's identity
from textloop.domain.send_identity import with_send_id as with_send_id  # re-exported

_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# What Twilio's smart encoding turns into GSM-7 (its documented replacements), and the reverse typing.
_SMART = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2009": " ",
        "\u200b": "",
        "\u2022": "-",
        "\u00ab": '"',
        "\u00bb": '"',
    }
)


@dataclass(frozen=True, slots=True)
class SendAttempt:
    """What a delivery of an event recorded before calling the provider (kept as long as the event
    may be redelivered or redriven): its first claim and the SID once known."""

    send_id: str
    event_key: str
    first_at: datetime
    sid: str = ""


@dataclass(frozen=True, slots=True)
class ProviderMessage:
    """An outbound message as the provider lists it (to our number, from our Messaging Service)."""

    sid: str
    body: str
    created: datetime | None
    status: str = ""


@dataclass(frozen=True, slots=True)
class Reconciled:
    sid: str
    status: str
    how: str  # "sid" (stored), "record" (our records say so), "body" or "window" (unknown message)


def comparable(body: str) -> str:
    """A body as both sides can agree on: Unicode compatibility forms, smart punctuation as GSM-7
    would send it, every link as one token (Twilio may shorten it), whitespace collapsed, case folded."""
    text = unicodedata.normalize("NFKC", body).translate(_SMART)
    text = _LINK.sub("<link>", text)
    return " ".join(text.split()).casefold()


def pick(
    attempt_sid: str,
    listed: Sequence[ProviderMessage],
    body: str,
    owner_of: Callable[[str], str | None],
    event_key: str,
) -> Reconciled | None:
    """The message of this send, or None when none went. *owner_of(sid)*: the event our records give
    the SID to (None when they hold none)."""
    if attempt_sid:
        return Reconciled(attempt_sid, "accepted", "sid")
    unknown: list[ProviderMessage] = []
    for message in listed:
        owner = owner_of(message.sid)
        if owner == event_key:
            return Reconciled(message.sid, message.status, "record")
        if not owner:
            unknown.append(message)
    if not unknown:
        return None
    oldest_first = sorted(unknown, key=lambda m: (m.created is None, m.created or datetime.max))
    wanted = comparable(body)
    alike = [m for m in oldest_first if comparable(m.body) == wanted]
    if alike:
        return Reconciled(alike[0].sid, alike[0].status, "body")
    return Reconciled(oldest_first[0].sid, oldest_first[0].status, "window")
