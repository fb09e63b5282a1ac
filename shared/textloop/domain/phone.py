"""Phone numbers: E.164 normalization with phonenumbers (imported on first use: the inbound webhook's
cold start only needs it for a ``From`` that is not already E.164)."""

from __future__ import annotations

import re

from textloop.domain.errors import InvalidPhone
from textloop.domain.masking import mask, mask_in_text

__all__ = ["inbound_e164", "mask", "mask_in_text", "same_number", "to_e164"]


def to_e164(raw: str | None, default_region: str = "US") -> str:
    """Normalize a number however it was typed in the CRM; raise InvalidPhone if it is not one."""
    import phonenumbers

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


# Twilio's channel addresses that carry the sender's phone number (``whatsapp:+14155550100``).
NUMBER_CHANNELS = frozenset({"whatsapp"})
# A North American number as Twilio sends it (+1, then an area code and seven digits): already canonical
# and possible, so the common case needs no phonenumbers; every other form is judged by the library.
_NANP_E164 = re.compile(r"\+1[2-9]\d{2}[2-9]\d{6}")


def inbound_e164(sender: str | None) -> str:
    """The E.164 number of an inbound message's ``From``, or InvalidPhone when it is not a number.

    Twilio's ``From`` is the sender's phone number in E.164, or a channel address: ``whatsapp:+1…``
    carries the number (a STOP on WhatsApp is the same person withdrawing consent); a short code
    (``22395``), an alphanumeric sender ID (``VERIFY``) or another channel's id has no number to key
    consent by. A possible number is enough (not ``is_valid_number``): Twilio delivered it from the
    network, and a STOP from a range newer than the library's metadata must never be dropped."""
    address = (sender or "").strip()
    channel, colon, rest = address.partition(":")
    if colon and channel.lower() in NUMBER_CHANNELS:
        address = rest.strip()
    if not address.startswith("+"):
        raise InvalidPhone("not an E.164 number: a short code, an alphanumeric sender or another channel")
    if _NANP_E164.fullmatch(address):
        return address
    import phonenumbers

    try:
        parsed = phonenumbers.parse(address, None)
    except phonenumbers.NumberParseException:
        raise InvalidPhone("not a phone number") from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhone("not a possible phone number (wrong length for its country code)")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
