"""Reply intent through the public API (textloop.domain.intent.classify) and the CLI's main(argv):
carrier keywords, natural-language revocations in four languages, the phrases that must never be
an opt-out, OptOutType precedence, odd input, and the JSONL mode."""

from __future__ import annotations

import io
import json
import sys

import pytest

from textloop.domain.intent import INTENTS, IntentResult, classify
from textloop_local.cli import main

# -------------------------------------------------------------------------------------- keywords


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("STOP", "STOP"),
        ("stop", "STOP"),
        ("Stop.", "STOP"),
        (" STOP!!", "STOP"),
        ("s t o p", "STOP"),
        ("sToP\n", "STOP"),
        ("StopAll", "STOPALL"),
        ("stop all", "STOPALL"),
        ("Unsubscribe.", "UNSUBSCRIBE"),
        ("cancel", "CANCEL"),
        ("END", "END"),
        ("Quit!", "QUIT"),
        ("revoke", "REVOKE"),
        ("OPT-OUT", "OPTOUT"),
        ("opt out", "OPTOUT"),
        ("optout 🛑", "OPTOUT"),
    ],
)
def test_given_a_twilio_opt_out_keyword_in_any_case_or_punctuation_then_it_is_an_opt_out(
    text: str, keyword: str
) -> None:
    result = classify(text)

    assert result == IntentResult("opt_out", True, 1.0, keyword)


@pytest.mark.parametrize(
    ("text", "intent", "keyword"),
    [
        ("START", "opt_in", "START"),
        ("start.", "opt_in", "START"),
        ("Unstop!", "opt_in", "UNSTOP"),
        ("SUBSCRIBE", "opt_in", "SUBSCRIBE"),
        ("HELP", "help", "HELP"),
        ("help?", "help", "HELP"),
        ("Info", "help", "INFO"),
    ],
)
def test_given_an_opt_in_or_help_keyword_then_that_intent_with_the_keyword(
    text: str, intent: str, keyword: str
) -> None:
    result = classify(text)

    assert (result.intent, result.opt_out, result.keyword) == (intent, False, keyword)


def test_given_yes_alone_then_it_is_an_acknowledgement_not_a_re_consent() -> None:
    result = classify("Yes")

    assert (result.intent, result.keyword) == ("acknowledgement", None)


# ---------------------------------------------------------------------------------- revocations


@pytest.mark.parametrize(
    "text",
    [
        "please stop texting me",
        "remove my number",
        "take me off your list",
        "no more texts",
        "Stop please",
        "STOP. Wrong number.",
        "not interested, remove me from your list",
        "do not text this number again",
        "I don't want these messages",
        "I revoke my consent to receive texts",
        "lose my number",
        "how do I unsubscribe?",
        "Stop sending me updates",
        "deja de enviarme mensajes",
        "no me manden más mensajes, por favor",
        "dame de baja",
        "ne m'envoyez plus de messages",
        "Arrêtez de m\u2019envoyer des SMS"  # typographic apostrophe,
        "je ne veux plus recevoir vos messages",
        "bitte keine SMS mehr",
        "Hören Sie auf, mir zu schreiben",
        "Löschen Sie meine Nummer",
    ],
)
def test_given_a_natural_language_revocation_then_it_is_an_opt_out_like_stop(text: str) -> None:
    result = classify(text)

    assert result.intent == "opt_out" and result.opt_out is True
    assert result.keyword is None  # not a carrier keyword: Twilio did not act on it, we must
    assert result.confidence >= 0.9


@pytest.mark.parametrize(
    "text",
    [
        "stop by our office tomorrow",
        "can we stop the trial early?",
        "cancel my 2pm call",
        "the end of the quarter works",
        "don't stop sending me the updates",
        "I don't want to unsubscribe",
        "drop me a line next week",
        "take me off the invite, Sam will join",
        "is there an opt out clause in the contract?",
        "can you stop sending the invoice to my old email?",
        "Ich bekomme keine SMS mehr",
        "no more texts coming through since monday",
        "Cancel it",
        "why did you stop texting me?",
        "quit worrying, we're signing",
        "bus stop near your office?",
    ],
)
def test_given_a_phrase_with_stop_cancel_or_end_that_is_no_revocation_then_never_an_opt_out(
    text: str,
) -> None:
    result = classify(text)

    assert result.opt_out is False and result.intent != "opt_out"


# ------------------------------------------------------------------------------------- OptOutType


@pytest.mark.parametrize(
    ("text", "opt_out_type", "intent"),
    [
        ("ALTO", "STOP", "opt_out"),  # an Advanced Opt-Out custom keyword
        ("can we meet thursday?", "STOP", "opt_out"),
        ("stop", "START", "opt_in"),
        ("please stop texting me", "HELP", "help"),
        ("", "stop", "opt_out"),
    ],
)
def test_given_twilio_opt_out_type_then_it_wins_over_the_text(
    text: str, opt_out_type: str, intent: str
) -> None:
    result = classify(text, opt_out_type=opt_out_type)

    assert (result.intent, result.opt_out, result.keyword) == (
        intent,
        intent == "opt_out",
        opt_out_type.upper(),
    )


def test_given_an_unknown_or_empty_opt_out_type_then_the_text_decides() -> None:
    assert classify("STOP", opt_out_type="").intent == "opt_out"
    assert classify("thanks!", opt_out_type="SOMETHING").intent == "acknowledgement"


# ------------------------------------------------------------------------------------- odd input


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_given_an_empty_or_media_only_reply_then_a_low_confidence_acknowledgement(text: str) -> None:
    result = classify(text)

    assert result == IntentResult("acknowledgement", False, result.confidence, None)
    assert result.confidence < 0.5


@pytest.mark.parametrize(
    "text",
    [
        "👍",
        "🙏🙏🙏",
        "谢谢\uff0c我们下周再谈",
        "спасибо, получил",
        "شكرا لك",
        "a" * 100_000,
        "can we meet thursday? " * 500,
        "\x00\x01\u200b\ufeff",
        "\uff53\uff54\uff4f\uff50 by later",  # fullwidth,
    ],
)
def test_given_emoji_other_scripts_or_huge_bodies_then_a_valid_result_without_crashing(text: str) -> None:
    result = classify(text)

    assert result.intent in INTENTS and 0.0 <= result.confidence <= 1.0
    assert result.opt_out is (result.intent == "opt_out")


def test_given_fullwidth_stop_then_it_is_the_stop_keyword() -> None:
    assert classify("\uff33\uff34\uff2f\uff30").keyword == "STOP"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("can we move our call to friday at 2?", "meeting"),
        ("we're ready to sign, send the contract", "buying_signal"),
        ("I'm out of the office until Monday", "out_of_office"),
        ("wrong number, I'm not Maya", "wrong_person"),
        ("thanks, got it 👍", "acknowledgement"),
    ],
)
def test_given_plain_business_replies_then_the_model_names_their_intent(text: str, intent: str) -> None:
    result = classify(text)

    assert result.intent == intent and not result.opt_out and result.keyword is None


def test_given_the_same_reply_twice_then_the_same_result() -> None:
    assert classify("hmm, the price is a bit steep for us") == classify(
        "hmm, the price is a bit steep for us"
    )


# -------------------------------------------------------------------------------------------- CLI


def test_given_a_text_argument_when_classify_runs_then_one_json_object_with_the_keyword(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["classify", "STOP!"])

    out = capsys.readouterr().out
    assert code == 0
    assert json.loads(out) == {"intent": "opt_out", "opt_out": True, "confidence": 1.0, "keyword": "STOP"}
    assert out.count("\n") == 1


def test_given_jsonl_with_a_malformed_line_when_classify_runs_then_one_line_per_input_in_order(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        json.dumps({"text": "please stop texting me"}),
        "{not json",
        json.dumps({"text": "can we meet thursday at 3?"}),
        json.dumps(["text"]),
        json.dumps({"text": 42}),
        json.dumps({"text": "Hola", "opt_out_type": "STOP"}),
        "",
        json.dumps({"text": "ok thanks", "opt_out_type": None}),
    ]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(lines) + "\n"))

    code = main(["classify", "--jsonl"])

    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0 and len(rows) == len(lines)
    assert rows[0] == {"intent": "opt_out", "opt_out": True, "confidence": rows[0]["confidence"]}
    assert set(rows[1]) == {"error"}
    assert rows[2]["intent"] == "meeting" and rows[2]["opt_out"] is False
    assert set(rows[3]) == {"error"} and set(rows[4]) == {"error"}
    assert rows[5]["intent"] == "opt_out"
    assert set(rows[6]) == {"error"}
    assert rows[7]["intent"] == "acknowledgement"
