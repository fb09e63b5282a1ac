"""Phone numbers: E.164 normalization (phonenumbers) and masking for logs."""

from __future__ import annotations

import re

import phonenumbers

from textloop.domain.errors import InvalidPhone

_PHONE_LIKE = re.compile(r"\+?\d[\d ().-]{6,}\d")


def to_e164(raw: str | None, default_region: str = "US") -> str:
    """Normalize a number however it was typed in the CRM; raise InvalidPhone if it is not one."""
    if not raw or not raw.strip():
        raise InvalidPhone("no phone number on the recipient")
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"unparseable phone number: {exc}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone("phone number is not a valid number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask(phone: str) -> str:
    """``+14155550100`` → ``+1******0100``-style: enough to correlate, not to dial."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 4:
        return "***"
    return ("+" if phone.strip().startswith("+") else "") + "*" * (len(digits) - 4) + digits[-4:]


def mask_in_text(text: str) -> str:
    """Mask every phone-number-like run inside free text (used by the log formatter)."""
    return _PHONE_LIKE.sub(lambda m: mask(m.group(0)), text)
