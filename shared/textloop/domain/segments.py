"""What an SMS body costs: its encoding, its length in units and its segments, by Twilio's rules.

GSM-7 (GSM 03.38 basic table; an extension-table character is an escape plus the character, so it
counts 2): one segment holds 160 units, a concatenated message 153 per part. Any other character
makes the whole message UCS-2 (UTF-16): 70 units, 67 per part; a character outside the BMP is a
surrogate pair and counts 2. The dispatcher, the template lint and the Twilio emulator all count
with :func:`count`.

:func:`to_gsm7` turns the typographic characters a CRM field picks up from a word processor (curly
quotes, en and em dashes, ellipses, non-breaking spaces, bullets) into their GSM-7 equivalents, so
that one pasted em dash does not turn a message into UCS-2 and double its price.
"""

from __future__ import annotations

import re
from typing import Literal, NamedTuple

Encoding = Literal["gsm7", "ucs2"]

US_PRICE_PER_SEGMENT = 0.0079  # USD, Twilio's US list price of one outbound SMS segment

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

_LIMITS: dict[Encoding, tuple[int, int]] = {"gsm7": (160, 153), "ucs2": (70, 67)}


class Segments(NamedTuple):
    encoding: Encoding
    characters: int  # units: GSM-7 septets (extension characters 2) or UTF-16 code units
    segments: int


def count(body: str) -> Segments:
    """Encoding, units and segments of *body*, the way Twilio bills it (0 segments for an empty body)."""
    encoding: Encoding
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in body):
        encoding, units = "gsm7", sum(2 if c in GSM7_EXTENSION else 1 for c in body)
    else:
        encoding, units = "ucs2", sum(2 if ord(c) > 0xFFFF else 1 for c in body)
    single, part = _LIMITS[encoding]
    parts = 0 if units == 0 else 1 if units <= single else -(-units // part)
    return Segments(encoding, units, parts)


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


# Typographic characters → their GSM-7 equivalents (Twilio's "smart encoding" does much the same).
_TYPOGRAPHIC: dict[str, str] = {
    # single quotes, primes, apostrophes, backtick, acute accent, single guillemets
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035\u0060\u00b4\u02b9\u02bc\u2039\u203a", "'"),
    # double quotes, double primes, guillemets
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb", '"'),
    # hyphen, non-breaking hyphen, figure/en/em dashes, horizontal bar, minus sign, hyphen bullet
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043", "-"),
    # bullets and middle dots
    **dict.fromkeys("\u2022\u2023\u25e6\u2219\u22c5\u00b7\u25cf\u25aa", "-"),
    "\u2026": "...",  # ellipsis
    "\u2044": "/",  # fraction slash
    "\u2122": "TM",
    "\u00a9": "(C)",
    "\u00ae": "(R)",
    # tab, non-breaking and other Unicode spaces
    **dict.fromkeys("\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a", " "),
    **dict.fromkeys("\u202f\u205f\u3000", " "),
    # invisible: zero-width spaces and joiners, word joiner, byte-order mark, soft hyphen
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
}
_TYPOGRAPHIC_RE = re.compile("|".join(re.escape(c) for c in _TYPOGRAPHIC))


def to_gsm7(value: str) -> str:
    """*value* with its typographic characters replaced by GSM-7 ones; any other character is kept."""
    return _TYPOGRAPHIC_RE.sub(lambda m: _TYPOGRAPHIC[m.group()], value)
