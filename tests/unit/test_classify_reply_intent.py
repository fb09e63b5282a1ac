"""Reply intent through the public API (textloop.domain.intent.classify) and the CLI's main(argv):
carrier keywords, revocations read as the FCC reads them (47 CFR 64.1200(a)(10): stop, quit, end, revoke,
opt out, cancel, unsubscribe used to ask that the texts stop, alone or inside a sentence, with typos and
emoji, plus plain-language revocations and channel switches in six languages), the phrases where the
word means something else, greetings (no HELP auto-reply), OptOutType precedence, odd input, JSONL."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from textloop.domain.intent import INTENTS, IntentResult, classify
from textloop.service_layer.inbound import Program, compliance_reply
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
        "Cancel it, I can't make the demo",
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


# ------------------------------------------------------------- revocation words inside a sentence


@pytest.mark.parametrize(
    "text",
    [
        "STOP thanks bye",  # keyword first, more words after
        "STOP sending these",
        "thanks for the info but STOP",  # keyword last
        "ok, I said stop already",
        "Not interested. STOP",
        "can you guys just stop?",
        "I want to unsubscribe",  # mid-sentence
        "please unsubscribe this number",
        "how do I opt out of these texts?",
        "opt me out please",
        "quit texting this number",
        "please end these messages",
        "cancel these reminders",
        "I revoke my consent to be texted",
        "I already unsubscribed, why are you still texting?",
        "if you don't stop texting me I'll report you",
        "put an end to these messages",
        "these texts need to stop",
        "STOP - wrong number",
    ],
)
def test_given_a_revocation_word_used_to_ask_that_the_texts_stop_anywhere_in_a_sentence_then_an_opt_out(
    text: str,
) -> None:
    result = classify(text)

    assert result.intent == "opt_out" and result.opt_out is True, result


@pytest.mark.parametrize(
    "text",
    [
        "stpo",
        "sotp texting me",
        "stop textin me",
        "pls stp texting",
        "stooop",
        "unsubscibe",
        "unsubcribe",
        "Unsuscribe",
        "unsubscirbe from texts",
        "optout",
        "optout pls",
        "opt-out",
        "opt out please",
        "Cancle",
        "qiut texting me",
        "stopit",
    ],
)
def test_given_a_revocation_word_with_a_typo_then_it_is_still_an_opt_out(text: str) -> None:
    result = classify(text)

    assert result.opt_out is True, result


@pytest.mark.parametrize(
    "text",
    [
        "stop 🙄🙄",
        "STOP!!! 😡",
        "🛑",
        "🛑🛑 stop 🛑🛑",
        "unsubscribe 👋",
        "⛔ stop sending these",
        "no more texts 🚫",
        "Please stop 🙏🙏",
    ],
)
def test_given_a_revocation_with_emoji_then_it_is_an_opt_out(text: str) -> None:
    assert classify(text).opt_out is True


@pytest.mark.parametrize(
    "text",
    [
        "reach me by email from now on, not by text",
        "email only please, no texts",
        "emails are fine but no texts please",
        "please use email instead of text messages",
        "I'm fine with emails but not texts",
        "only contact me by email from now on",
        "Email is fine. Texts are not.",
        "por correo está bien, pero no por SMS",
        "par mail uniquement, merci",
        "bitte nur per Mail, nicht per SMS",
        "só por e-mail, por favor, nada de SMS",
        "solo via email, niente messaggi",
    ],
)
def test_given_a_request_to_stop_texts_but_keep_another_channel_then_an_sms_opt_out(text: str) -> None:
    result = classify(text)

    assert result.intent == "opt_out" and result.opt_out is True, result


@pytest.mark.parametrize(
    "text",
    [
        "I never want these messages again",
        "delete this number from your system",
        "leave me alone",
        "take me off your list",
        "I didn't sign up for this",
        "I never signed up for anything",
        "Don't contact me again",
        "go away",
        "I'm not interested in these text messages",
        "I did not consent to this",
        "déjenme en paz, no autoricé estos mensajes",
        "laissez-moi tranquille",
        "je ne me suis jamais inscrit",
        "Bitte lassen Sie mich in Ruhe",
        "Ich habe mich nie dafür angemeldet",
    ],
)
def test_given_a_plain_language_revocation_without_a_keyword_then_an_opt_out(text: str) -> None:
    assert classify(text).opt_out is True


@pytest.mark.parametrize(
    "text",
    [
        "Parem de me mandar mensagens",
        "não quero mais receber mensagens",
        "me tirem dessa lista por favor",
        "descadastrar",
        "remova meu número, por favor",
        "me deixem em paz",
        "STOP obrigado",
        "Smettetela di scrivermi",
        "non voglio più ricevere questi messaggi",
        "cancellate il mio numero per favore",
        "disiscrivimi",
        "lasciatemi in pace",
        "basta messaggi per favore",
        "stop per favore",
    ],
)
def test_given_a_portuguese_or_italian_revocation_then_an_opt_out(text: str) -> None:
    assert classify(text).opt_out is True


@pytest.mark.parametrize(
    "text",
    [
        "Cancel it",
        "cancel please",
        "end it",
        "quit it",
        "I quit",
        "can you stop?",
        "STOP wtf",
        "stop lol",
        "make it stop",
        "stop bro",
    ],
)
def test_given_a_revocation_word_whose_meaning_is_unclear_then_it_is_decided_for_the_consumer_as_an_opt_out(
    text: str,
) -> None:
    assert classify(text).opt_out is True


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("can you stop by Tuesday", "meeting"),
        ("cancel the old contract first", "buying_signal"),
        ("the sync stops at night", "support_issue"),
        ("end of quarter works", None),
        ("I quit Acme last month, talk to Raj", "wrong_person"),
        ("remove the extra seats from the quote", "buying_signal"),
        ("let's end the call at 4, I have another one", "meeting"),
        ("cancel Thursday's sync, rebook next week", "meeting"),
        ("can I opt out of the data sharing clause?", "question"),
        ("how do I unsubscribe a user from the email digest?", "question"),
        ("stop worrying about the discount, we're buying", None),
        ("the app stops responding when I upload a file", "support_issue"),
        ("our notifications end up in the spam folder", "support_issue"),
        ("I stopped getting texts, is it broken?", None),
        ("what happens if I reply stop?", None),
        ("¿podemos cancelar la reunión del jueves?", "meeting"),
        ("o aplicativo para de funcionar quando envio arquivos", None),
        ("l'app smette di funzionare dopo l'aggiornamento", None),
    ],
)
def test_given_a_revocation_word_that_plainly_means_something_else_then_no_opt_out(
    text: str, intent: str | None
) -> None:
    result = classify(text)

    assert result.opt_out is False and result.intent != "opt_out", result
    if intent is not None:
        assert result.intent == intent


# -------------------------------------------------------------------------------------- greetings


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "hi there",
        "hey",
        "Hi!",
        "hola",
        "bonjour",
        "good morning",
        "hey Sam",
        "hey 👋",
        "buenos días",
        "guten Morgen",
        "olá",
        "ciao!",
        "heyyy",
    ],
)
def test_given_a_greeting_then_an_acknowledgement_and_no_help_auto_reply(text: str) -> None:
    result = classify(text)

    assert (result.intent, result.opt_out, result.keyword) == ("acknowledgement", False, None)
    program = Program(brand="Acme Cloud", care_contact="help@acme.example", advanced_opt_out=False)
    assert compliance_reply(result, program, newly_opted_out=False) is None


@pytest.mark.parametrize("text", ["HELP", "hi, who is this?", "hello, how did you get my number?"])
def test_given_a_greeting_with_a_real_help_request_then_still_help(text: str) -> None:
    assert classify(text).intent == "help"


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


# ------------------------------------------------ revocations on replies never seen (generalization)


@pytest.mark.parametrize(
    "text",
    [
        # legalistic: consent revoked, a formal opt-out, the law invoked (six languages)
        "I revoke my consent",
        "revoek my consent",
        "Cease all communication with this number",
        "Please treat this as a revocation of consent",
        "Consider this my formal opt-out request",
        "Any further texts will be documented as a TCPA violation",
        "Retiro mi consentimiento para recibir SMS",
        "Je révoque mon consentement",
        "Ich widerrufe meine Zustimmung",
        "Revogo o meu consentimento",
        "Revoco il mio consenso",
        # angry / profane
        "STOP the fucking texts",
        "what part of stop dont you understand",
        # autocorrect and typos (edit distance on the keyword)
        "stoo",
        "Stoo please",
        "opt oit",
        "quite texting me",
        "Quite",
        "Unsusbscribe me",
        # channel switches, any channel and language
        "Contact me through the portal, not by SMS",
        "You can call, just no texting",
        "Appelez-moi, mais pas par SMS",
        "Stop texting and emailing me",
        # plain language
        "I'd rather not get texts",
        "I'd rather you didn't text me",
        "Im removing this number",
        "blocked",
        "I'm done getting these, take my number off",
        "Ich möchte diese Nachrichten nicht mehr bekommen",
    ],
)
def test_given_a_legalistic_angry_mistyped_channel_switch_or_plain_revocation_then_an_opt_out(
    text: str,
) -> None:
    result = classify(text)

    assert result.intent == "opt_out" and result.opt_out is True, result


@pytest.mark.parametrize(
    "text",
    [
        # a question about what the keyword does (help), in six languages
        "if I ever opt out of texts do I still get emails?",
        "Does STOP also unsubscribe me from email?",
        "What does END do?",
        "Que se passe-t-il si je réponds STOP ?",
        "Si respondo STOP, ¿sigo recibiendo correos?",
        "Wenn ich STOPP antworte, bekomme ich dann noch E-Mails?",
        "Se rispondo STOP ricevo ancora le email?",
        "Si j'envoie STOP, est-ce que je perds mon compte ?",
        # email only, the texts kept
        "stop emailing me, SMS is ok",
        "remove me from the mailing list for the newsletter, keep the texts",
        "Please take me off the email list, texts are OK",
        # the product, the subscription, the renewal
        "Please cancel our subscription at the end of the term",
        "Remove us from the renewal",
        "Can you remove this line item from the quote?",
        "Your competitor lets us cancel anytime. Why can't you?",
        # someone else's stopping, a change of mind
        "Driving, will reply when I stop",
        "Ha, ok. I'll quit bugging you. Thanks",
        "I opted out last month but changed my mind, please text me again",
        "Die Synchronisierung stoppt jede Nacht",
    ],
)
def test_given_a_quoted_email_only_or_product_use_of_a_revocation_word_then_no_opt_out(text: str) -> None:
    result = classify(text)

    assert result.opt_out is False and result.intent != "opt_out", result


def test_given_cancel_alone_or_how_to_unsubscribe_then_still_decided_for_the_consumer() -> None:
    assert classify("cancel").opt_out and classify("how do I unsubscribe?").opt_out


# ------------------------------------------------ round 3: forms found on dev_b, generalized by category


@pytest.mark.parametrize(
    "text",
    [
        "Stop flipping texting me",  # a euphemism for profanity before the texts
        "Unsubscribed me please",  # an imperative typed in the past
        "stop sending these messeges",  # a typo of the texts
        "How many more times do I have to say stop",  # exasperation, not a question about STOP
        "Per the TCPA we are opting out of your messages effective today",
        "SMS isn't convenient for me, can you just email from now on?",
        "Leave us out of your text blasts",
        "desuscríbanme",
        "cancelen los mensajes",
        "Isso é assédio",
        "abmelen",
        "basta con questi messaggi",
        "arêtez de m'écrire",
        "Un e-mail plutôt, plus de SMS",
    ],
)
def test_given_a_revocation_form_first_seen_on_unseen_replies_then_an_opt_out(text: str) -> None:
    result = classify(text)

    assert result.intent == "opt_out" and result.opt_out is True, result


@pytest.mark.parametrize(
    "text",
    [
        "I didn't say stop, I said we'd stop by on Friday",  # a negated quote, then a meeting
        "Can I unsubscribe from the e-mail digest? Texts are fine.",  # the texts are kept
        "Los SMS están bien, pero quítenme del boletín por correo",
        "I unsubscribed by mistake, I want the texts back",  # a mistaken STOP taken back
        "Hab aus Versehen STOPP geschrieben, bitte wieder SMS schicken",
        "We opted out of it in the billing settings but the renewal still charged us",
        "How would we opt out of the texts later, if we ever wanted to?",
        "Vous pouvez de nouveau m'envoyer des SMS",  # a re-consent: the safety net stays out
        "Quiero cancelar la licencia de un usuario, ¿cómo se hace?",  # a named object: the net stays out
    ],
)
def test_given_a_revocation_word_with_another_plain_meaning_then_no_opt_out_even_from_the_safety_net(
    text: str,
) -> None:
    result = classify(text)

    assert result.opt_out is False and result.intent != "opt_out", result


def test_given_a_reply_the_rules_cannot_read_but_the_model_calls_an_opt_out_then_the_safety_net_takes_it() -> (
    None
):
    from textloop.domain.intent import classify_by_rules, load_model, revocation_cue

    text = "Stop sending these massages"  # "massages": no rule reads it as the texts
    ruled = classify_by_rules(text)

    assert ruled is None and revocation_cue(text)
    assert classify(text).opt_out is True
    assert classify(text).confidence >= load_model().net_cue


# ------------------------------------------------------------- round 4: categories of dev_c's errors


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # a keyword describing a feature of the customer's own product, in a complaint
        (
            "Our clients can't unsubscribe from shipping alerts, the settings toggle is greyed out",
            "support_issue",
        ),
        # a question about what a keyword does
        ("If I reply STOP, will that end the invoice texts as well?", "help"),
        # a mistaken STOP taken back, and "want ... back" after a past unsubscribe (opt-ins)
        ("I unsubscribed a while ago but I want the shipping notifications back", "opt_in"),
        ("Escribí STOP por error, quiero recibir de nuevo los mensajes", "opt_in"),
        ("J'ai envoyé STOP par accident, je veux de nouveau recevoir les SMS", "opt_in"),
        ("Oui, vous pouvez m'écrire par SMS", None),  # consent given: never an opt-out (intent: the model's)
    ],
)
def test_given_a_revocation_word_taken_back_asked_about_or_describing_a_product_then_no_opt_out(
    text: str, intent: str | None
) -> None:
    result = classify(text)

    assert not result.opt_out, (text, result)
    if intent is not None:
        assert result.intent == intent, (text, result)


@pytest.mark.parametrize(
    "text",
    [
        "Habe gekündigt, bitte wenden Sie sich an Frau Lang",
        "Renuncié el mes pasado, contacte a Pedro por favor",
        "I no longer work there, please contact Ana instead",
    ],
)
def test_given_a_reply_that_left_the_job_and_names_someone_else_then_no_opt_out(text: str) -> None:
    result = classify(text)

    assert not result.opt_out, (text, result)


# ------------------------------------------- round 9: categories of sealed slice I's errors, generalized


@pytest.mark.parametrize(
    "text",
    [
        "I'd really appreciate not getting any more of these reminders",  # a wish not to receive
        "SMS isn't how our team communicates, use the portal",  # the texts are no channel for us
        "Wrong channel to reach me, sorry",
        "This line does not accept marketing texts",  # the number accepts no texts
        "C'est mon portable personnel, ne l'utilisez pas pour le travail",  # a personal phone, not to be used
        "Please add this number to your do not text list",
        "One more reminder and I'm calling my lawyer",  # a threat with one more text
        "Lay off the texts for a bit, yeah?",  # British and casual
        "Could you turn off the renewal texts?",
        "No need to keep texting, I have what I need",
        "Who gave you my cell number? Delete it.",  # the number named, then dropped
        "on subscribe",  # dictation of "unsubscribe"
        "Send the quote to my inbox, not my cell",  # a channel switch to the inbox
        "Bitte schicken Sie mir nichts mehr",  # German
        "Wie werde ich diese SMS los?",
        "Ya no quiero seguir recibiendo estos recordatorios",  # es / pt / it
        "Como faço para parar de receber isso?",
        "Hola, baja",  # a greeting, then a keyword alone
        "🚫 texts",  # a stop symbol with the texts named
        "Top texting me",  # the first letter dropped
    ],
)
def test_given_a_round_9_form_from_the_pools_held_out_misses_then_an_opt_out(text: str) -> None:
    result = classify(text)

    assert result.opt_out, (text, result)


@pytest.mark.parametrize(
    "text",
    [
        "Is there a way to pause texts while I'm on vacation without unsubscribing?",  # asked, and kept
        "Please pass on the reminders to Dana, she runs billing now",  # "pass on" = forward
        "This is my personal cell, feel free to call me anytime",  # a personal phone given, not refused
        "Can you send the renewal link to my inbox? I'll sign tonight",
        "I'd love to not get surprised by the renewal price this year",
    ],
)
def test_given_a_round_9_look_alike_then_no_opt_out(text: str) -> None:
    result = classify(text)

    assert not result.opt_out, (text, result)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Vamos a dar de baja el plan actual y pasar al Pro, mándame la cotización", "buying_signal"),
        ("¿De dónde sacaron mi número?", None),  # where the number came from: asked, not revoked
        ("Dejamos de recibir los avisos del ticket, ¿pasó algo?", None),  # a report
        ("I blocked this number by accident, unblocked it now, keep the texts coming", None),
        ("Stop, not so fast: procurement has to sign off first", None),  # holds the deal up
        ("Ok I'll quit pestering your support team then", None),  # the speaker's own doing
    ],
)
def test_given_a_round_9_business_use_of_a_revocation_phrase_then_no_opt_out(
    text: str, intent: str | None
) -> None:
    result = classify(text)

    assert not result.opt_out, (text, result)
    if intent is not None:
        assert result.intent == intent, (text, result)


@pytest.mark.parametrize(
    "text",
    [
        "ugh, again??",  # weary of one more text, the whole reply
        "encore ? sérieusement",
        "Don't want marketing texts. Send the PO by email",  # a modifier before the texts
        "plz dnt txt me",
        "No more billing reminders please",
        "I'll report your texts as spam if this goes on",
        "Podem parar com os avisos, obrigado",
        "Questo è il mio numero personale, non usatelo per le promozioni",  # the adjective after the noun
        "No marketing messages here",
        "La señora Ruiz no desea recibir mensajes",  # a formal or third-person refusal
        "Bitte keine Nachrichten mehr an mich senden",
        "Können Sie mich rausnehmen?",
        "jveux pu de vos textos",
        "Honestly I'd like off",
        "I'd like to withdraw from these text reminders",
        "Merci de ne pas me recontacter, ne me contactez plus",
        "Je m'oppose à toute prospection par SMS",  # the GDPR
        "I'm not accepting texts from vendors",
        "How do I make these go away?",
        "Ya te dije que pararas, basta",
        "remve my numbr",
    ],
)
def test_given_a_round_9_form_from_the_pools_remaining_misses_then_an_opt_out(text: str) -> None:
    result = classify(text)

    assert result.opt_out, (text, result)


@pytest.mark.parametrize(
    "text",
    [
        "I don't want the texts to stop, they help my team",  # the texts wanted
        "Can you send the link again?",  # "again" with something asked for
        "No quiero recibir la factura en papel, mejor por correo",  # a paper invoice, not the texts
        "Ne m'envoyez pas le contrat avant lundi",  # not yet, not never
        "I'm out until Monday, back then",  # out of office
        "Let me go check with finance and get back to you",
    ],
)
def test_given_a_round_9_reply_that_only_looks_like_a_refusal_then_no_opt_out(text: str) -> None:
    result = classify(text)

    assert not result.opt_out, (text, result)


# ----------------------------------------- every round's variants of the categories read (data-driven)
ROUND_CASES = json.loads(
    (Path(__file__).parent.parent / "data" / "intent_round_cases.json").read_text(encoding="utf-8")
)["rounds"]


def _round_cases(kind: str) -> list[Any]:
    return [
        pytest.param(case[0], id=f"round{number}-{n}")
        for number, entry in ROUND_CASES.items()
        for n, case in enumerate(entry.get(kind, []))
    ]


@pytest.mark.parametrize("text", _round_cases("opt_out"))
def test_given_a_revocation_form_a_round_generalized_then_an_opt_out(text: str) -> None:
    result = classify(text)

    assert result.opt_out, (text, result)


@pytest.mark.parametrize("text", _round_cases("not_opt_out"))
def test_given_a_reply_a_round_found_to_be_no_revocation_then_no_opt_out(text: str) -> None:
    result = classify(text)

    assert not result.opt_out, (text, result)
