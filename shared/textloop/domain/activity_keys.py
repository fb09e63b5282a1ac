"""Idempotency keys of the CRM activities Textloop writes besides the SMS log (consent evidence, a
flagged number). The caller builds the key from what it already has (the reply's SID, the consent
change's evidence, the failed message's SID and error); the gateway stores it on the Task
(Salesforce ``Textloop_Message_Sid__c``, HubSpot ``textloop_message_sid``) and looks it up before it
creates one, so a redelivered message never writes the same evidence twice."""

from __future__ import annotations

import hashlib

KEY_MAX = 64
"""The stored key's longest form: the Salesforce Activity field's length (HubSpot allows more)."""


def activity_key(kind: str, *parts: str) -> str:
    """``kind:part:…``, e.g. ``consent:SM…`` or ``flag:SM…:30003``; when longer than ``KEY_MAX``,
    ``kind:`` and the SHA-256 of the whole, cut to ``KEY_MAX`` (stable: same parts, same key)."""
    if not kind or not all(parts):
        raise ValueError(f"an activity key needs a kind and non-empty parts: {kind!r}")
    key = ":".join((kind, *parts))
    if len(key) <= KEY_MAX:
        return key
    return f"{kind}:{hashlib.sha256(key.encode()).hexdigest()}"[:KEY_MAX]
