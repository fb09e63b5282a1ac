"""Masking phone numbers for logs and transcripts (no phonenumbers import: webhooks use it)."""

from __future__ import annotations

import re


def mask(phone: str) -> str:
    """``+14155550100`` → ``+*******0100``: enough to correlate, not to dial."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 4:
        return "***"
    return ("+" if phone.strip().startswith("+") else "") + "*" * (len(digits) - 4) + digits[-4:]


_E164 = re.compile(r"\+\d{8,15}")
_NANP = re.compile(r"\(?\b\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b")


def mask_in_text(text: str) -> str:
    """Mask E.164 and formatted North American numbers anywhere in free text (log lines)."""
    return _NANP.sub(lambda m: mask(m.group(0)), _E164.sub(lambda m: mask(m.group(0)), text))
