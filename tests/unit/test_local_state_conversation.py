"""The demo's transcript reads the local stack's state while callbacks still arrive."""

from __future__ import annotations

from textloop_local.state import conversation_of


def test_given_a_status_callback_written_before_the_send_record_then_the_thread_is_the_sent_message() -> None:
    # Given: Twilio's callback for SM2 arrived before the dispatcher wrote SM2 (status fields only)
    state = {
        "ledger": [
            {"pk": "MSG#SM1", "sk": "MSG", "phone": "+14155550100", "sent_at": "2026-12-01T10:00:00Z"},
            {"pk": "MSG#SM2", "sk": "MSG", "status": "sent", "status_rank": 2},
        ]
    }

    # When
    thread = conversation_of(state, "+14155550100")

    # Then: the partial record is skipped, never a KeyError
    assert thread is not None and thread["pk"] == "MSG#SM1"
    assert conversation_of(state, "+14155550199") is None
