"""Phone numbers: E.164 normalization with phonenumbers."""

from __future__ import annotations

import phonenumbers

from textloop.domain.errors import InvalidPhone
from textloop.domain.masking import mask, mask_in_text

__all__ = ["mask", "mask_in_text", "same_number", "to_e164"]


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


def same_number(typed: object, e164: str, default_region: str = "US") -> bool:
    """Whether a number as typed in the CRM (read in *default_region* when it has no country code)
    is the E.164 number *e164*."""
    if not isinstance(typed, str) or not typed:
        return False
    try:
        return to_e164(typed, default_region) == e164
    except InvalidPhone:
        return False
