"""The log lines a test run wrote, scanned for unmasked phone numbers.

A log line is what pytest captured for a test as a log record (stdlib ``logging``: boto, twilio, werkzeug,
our own) or a Powertools JSON line on stdout/stderr. A number is unmasked when it is written whole, as
``+14155550132`` or URL-encoded ``%2B14155550132``; ``mask`` writes ``+*******0132``. Message bodies have no
shape to recognise, so they are not scanned here (their masking is tested where they are logged).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

UNMASKED_NUMBER = re.compile(r"(?:\+|%2B)[1-9]\d{9,14}(?!\d)")


def log_lines(sections: Iterable[tuple[str, str]]) -> Iterator[str]:
    """The log lines among a test report's captured sections."""
    for name, text in sections:
        if "log" in name:
            yield from text.splitlines()
        elif "stdout" in name or "stderr" in name:
            yield from (line for line in text.splitlines() if line.startswith("{") and '"level"' in line)


def unmasked(sections: Iterable[tuple[str, str]]) -> list[str]:
    return [line for line in log_lines(sections) if UNMASKED_NUMBER.search(line)]
