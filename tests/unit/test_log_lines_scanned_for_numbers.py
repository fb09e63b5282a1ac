"""Use case: the run's own check that no log line carries a whole phone number (tests/support/log_scan.py)
finds one where it is, and passes the masked form."""

from __future__ import annotations

from tests.support.log_scan import unmasked


def test_given_log_sections_then_whole_numbers_are_found_and_masked_ones_pass() -> None:
    sections = [
        ("Captured log call", "INFO werkzeug GET /Messages.json?To=%2B14155550132 200\nINFO ok +*******0132"),
        (
            "Captured stdout call",
            '{"level":"INFO","message":"sent","to":"+14155550132"}\nplain output +14155550132',
        ),
        ("Captured stdout call", '{"level":"INFO","message":"sent","to":"+*******0132"}'),
    ]

    found = unmasked(sections)

    assert found == [
        "INFO werkzeug GET /Messages.json?To=%2B14155550132 200",
        '{"level":"INFO","message":"sent","to":"+14155550132"}',
    ]  # CLI output that is not a log line (a privacy export shows the subject their number) is not scanned
