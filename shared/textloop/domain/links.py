"""Tracked links on our own domain: ``https://<link domain>/l/<code>``.

A message's call-to-action link is replaced, before rendering, by a tracked link whose *code* is
8 URL-safe characters (``[A-Za-z0-9_-]``, 64 symbols: 48 bits). The code is a keyed hash
(HMAC-SHA256 under a random key from :mod:`secrets`) of the send slot's key and its event's key:
a redelivered event gets the same code, and nobody without the key can derive or guess one.

Following a link answers 302 to the target and records a *click*, unless what fetched it was a
link-preview fetcher or a security scanner (:func:`preview_reason`): those are recorded as
``preview`` and count no click.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from textloop.domain.model import RecordRef

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"  # base64url: 64 symbols
CODE_LENGTH = 8  # 48 bits; codes of 7 characters are accepted too
CODE = re.compile(r"[A-Za-z0-9_-]{7,8}")
PATH = "/l/"
PREVIEW_WINDOW = timedelta(seconds=2)  # no person opens a message and taps its link this fast

# Link-preview fetchers, unfurlers, mail and chat security scanners, scripts (lower-case substrings
# of the User-Agent header).
PREVIEW_AGENTS: tuple[str, ...] = (
    "slackbot",
    "slack-imgproxy",
    "facebookexternalhit",
    "facebot",
    "twitterbot",
    "whatsapp",
    "telegrambot",
    "discordbot",
    "linkedinbot",
    "googlebot",
    "google-pagerenderer",
    "adsbot-google",
    "bingbot",
    "bingpreview",
    "applebot",
    "skypeuripreview",
    "iframely",
    "embedly",
    "microsoft office",
    "ms-office",
    "outlook",
    "microsoftpreview",
    "safelinks",
    "proofpoint",
    "mimecast",
    "barracuda",
    "python-requests",
    "python-urllib",
    "curl/",
    "wget/",
    "go-http-client",
    "okhttp",
    "headlesschrome",
    "bot/",
    "spider",
    "crawler",
)

ClickKind = Literal["click", "preview"]


def new_key() -> bytes:
    """A fresh link key: 32 random bytes from :mod:`secrets`."""
    return secrets.token_bytes(32)


def derive_code(key: bytes, *parts: str) -> str:
    """The code for *parts* (the slot key, the event key) under *key*: the same parts, the same code."""
    digest = hmac.new(key, "\x1f".join(parts).encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[: CODE_LENGTH * 6 // 8]).decode("ascii")


def is_code(text: str) -> bool:
    return CODE.fullmatch(text) is not None


def tracked_url(base: str, code: str) -> str:
    """``<base>/l/<code>``; *base* is the link domain's URL (``https://go.acme.example``)."""
    return f"{base.rstrip('/')}{PATH}{code}"


def longest_url(base: str) -> str:
    """A tracked link as long as any: what the template lint measures."""
    return tracked_url(base, "X" * CODE_LENGTH)


def preview_reason(method: str, user_agent: str, at: datetime, delivered_at: datetime | None) -> str | None:
    """Why this fetch is a preview, not a person's click (None: a click). A HEAD request, no user agent
    or a known fetcher's, or a fetch within :data:`PREVIEW_WINDOW` of the message's delivery."""
    if method.upper() == "HEAD":
        return "head_request"
    agent = user_agent.strip().lower()
    if not agent:
        return "no_user_agent"
    known = next((name for name in PREVIEW_AGENTS if name in agent), None)
    if known is not None:
        return f"user_agent:{known.rstrip('/')}"
    if delivered_at is not None and timedelta(0) <= at - delivered_at <= PREVIEW_WINDOW:
        return "within_2s_of_delivery"
    return None


@dataclass(frozen=True, slots=True)
class TrackedLink:
    """A tracked link and the attribution of the message that carries it."""

    code: str
    target: str
    slot_key: str
    event_key: str
    rule: str
    template_id: str
    template_version: int
    template_tag: str
    variant: str
    record: RecordRef
    contact_id: str | None
    owner_id: str | None
    account: str
    created_at: datetime
    expires_at: datetime
    sid: str = ""  # the message, once the provider accepted it


@dataclass(frozen=True, slots=True)
class Click:
    """One fetch of a tracked link: a person's click, or a preview (``reason`` says why)."""

    code: str
    at: datetime
    kind: ClickKind
    reason: str  # "" for a click
    method: str
    user_agent: str
    sid: str
    record: RecordRef
    variant: str
