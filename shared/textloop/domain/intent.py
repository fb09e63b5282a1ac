"""Reply intent: what an SMS reply means, and above all whether it revokes consent.

Two stages, both pure Python, deterministic and offline:

1. **Compliance rules** (precision first). Twilio's keywords (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END,
   QUIT, REVOKE, OPTOUT / START, UNSTOP, SUBSCRIBE / HELP, INFO) in any case, punctuation or spacing;
   then revocations "by any reasonable means" (FCC): natural-language phrases in English, Spanish,
   French and German. A phrase only counts when its object is the messaging itself ("stop *texting*",
   "remove *my number*", "no more *texts*"), so "stop by the office", "cancel my 2pm call" or "the end
   of the quarter" never match, and a negation right before the verb ("don't stop sending me the
   updates", "I don't want to unsubscribe") cancels the match.
2. **A multinomial naive Bayes model** for the business intents, over word uni/bigrams and cue groups
   (a small hand-made lexicon: acknowledgement words, problem words, time words, money words...). It is trained offline (``textloop train-intents``) on ``textloop/intents/dataset/train.jsonl``
   and ships as integer feature counts in ``textloop/intents/model.json``; only the rules may say
   ``opt_out`` (the model's opt-out score is dropped), so a revocation is always a rule you can read.

``opt_out_type`` (Twilio's ``OptOutType`` with Advanced Opt-Out: STOP, START or HELP) wins when given.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

INTENTS: tuple[str, ...] = (
    "opt_out",
    "opt_in",
    "help",
    "meeting",
    "buying_signal",
    "question",
    "objection",
    "not_interested",
    "wrong_person",
    "out_of_office",
    "acknowledgement",
    "support_issue",
)

MODEL_FILE = Path(__file__).resolve().parent.parent / "intents" / "model.json"
MODEL_FORMAT = 1
MODEL_CHARS = 640  # the model reads the start of a long reply; the rules read all of it
MAX_CHARS = 1600  # a Twilio SMS body is at most 1,600 characters; longer input is cut there

# Twilio's default keywords (whole message, case-insensitive). YES is deliberately not an opt-in here:
# in a business thread "yes" answers the question asked; Twilio's own handling (OptOutType=START)
# still wins when it treats YES as an opt-in.
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "SUBSCRIBE"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})
_KEYWORD_INTENT = (
    dict.fromkeys(OPT_OUT_KEYWORDS, "opt_out")
    | dict.fromkeys(OPT_IN_KEYWORDS, "opt_in")
    | dict.fromkeys(HELP_KEYWORDS, "help")
)
_OPT_OUT_TYPES = {"STOP": "opt_out", "START": "opt_in", "HELP": "help"}

CONFIDENCE_KEYWORD = 1.0
CONFIDENCE_PHRASE = 0.97
CONFIDENCE_EMPTY = 0.1


@dataclass(frozen=True)
class IntentResult:
    intent: str  # one of INTENTS
    opt_out: bool  # True iff this reply revokes consent (intent == "opt_out")
    confidence: float  # 0..1
    keyword: str | None  # the carrier keyword when it was one (STOP, START, HELP, ...), else None


# --------------------------------------------------------------------------------------- normalization
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})
_WORD = re.compile(r"[^\W_]+")
_DIGITS = re.compile(r"\d+")
_CLAUSE = re.compile(r"[.!?;,:\n\u3002\uff01\uff1f]+")


def normalize(text: str) -> str:
    """Casefolded, NFKC, accents stripped (ö -> o, é -> e), apostrophes removed (don't -> dont)."""
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS]).translate(_APOSTROPHES).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return text.replace("'", "")


def words(normalized: str) -> list[str]:
    return _WORD.findall(normalized)


# ---------------------------------------------------------------------------------------------- rules
def _wordset(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# Words that may surround a bare STOP without changing its meaning ("stop please", "No. STOP!! thanks").
_FILLER = _wordset(
    "please pls plz plse now it thanks thank you thx ty tks just already asap immediately ok okay "
    "no seriously right away all i said again for good svp merci sil vous plait bitte danke por "
    "favor gracias ya"
)
# Around CANCEL / END / QUIT only politeness: "cancel it" may well mean the meeting.
_POLITE = _wordset("please pls plz now thanks thx ty all asap immediately svp merci bitte danke por favor")
# May be a whole reply on its own or one clause of it ("Stop. I'm not interested").
_STOP_WORDS = _wordset(
    "stop stopall unsubscribe unsub optout revoke stopp arret arrete arretez desabonner abmelden"
)
# Opt-outs only as the whole reply ("Cancel", "end please"), never as one clause among others.
_WHOLE_ONLY = _wordset("cancel end quit alto basta baja parar cancelar")

_MSGS = (
    r"(?:texts?|txts?|texting|txting|sms(?:es)?|messages?|msgs?|messaging|msging|text\s+messages?"
    r"|spam|notifications?|alerts?|updates?|reminders?|marketing)"
)
_ME = r"(?:me|us|this\s+(?:number|phone|cell|line|#)|my\s+(?:number|phone|cell|mobile))"
_NOT = r"(?:dont|do\s+not|never|pls\s+dont|please\s+dont)"
_NUMBER = r"(?:number|#|cell|phone|mobile|contact(?:\s+info)?|info|details|digits)"
_DET = r"(?:the\s+|these\s+|those\s+|your\s+|ur\s+|this\s+|that\s+|all\s+|all\s+the\s+)?"
# "remove me from the invite" is about a meeting, not about consent.
_NOT_CONSENT_OBJECT = (
    r"(?!\s+(?:from|as|on|off)\s+(?:\w+\s+){0,3}?(?:invite|invitation|meeting|mtg|call|thread|email|emails|cc"
    r"|loop|chain|account|deal|opportunity|project|team|channel|calendar|agenda|doc|document|contract)\b)"
)
# "no more texts coming through" reports a problem; it does not revoke anything.
_NOT_A_REPORT = (
    r"(?!\s+(?:are\s+|have\s+been\s+|being\s+|were\s+)?(?:coming|arriving|showing|getting|received|delivered"
    r"|going|since|show|arrive|come)\b)"
)

# Sources, compiled on first use by re's own cache: most replies never reach most patterns (the
# cheap trigger words below gate them), and a webhook's cold start should not compile them all.
_REVOCATIONS: tuple[str, ...] = (
    # ---- English
    r"\b(?:stop|quit|cease|discontinue|halt)\s+(?:all\s+|the\s+)?(?:texting|txting|messaging|msging)\b",
    rf"\b(?:stop|quit|cease|halt)\s+(?:calling|contacting|spamming|bugging|bothering|harassing|emailing"
    rf"|pinging|hitting\s+up|writing\s+to|writing)\s+{_ME}",
    rf"\b(?:stop|quit|cease|end|halt|enough)\s+(?:with\s+)?{_DET}(?:texts|txts|messages|msgs|sms|spam"
    rf"|texting|text\s+messages|text\s+communications?)\b",
    rf"\b(?:stop|quit|cease)\s+(?:sending|send)\s+(?:{_ME}\s+|to\s+{_ME}\s+)?(?:any\s+)?(?:more\s+)?"
    rf"{_DET}(?:{_MSGS}|stuff|anything|things|this|them)\b",
    rf"\b(?:stop|quit)\s+(?:receiving|getting)\s+(?:\w+\s+)?{_MSGS}",
    rf"\b{_NOT}\s+(?:send|sent)\s+(?:{_ME}\s+)?(?:any\s+)?(?:more\s+|further\s+)?(?:{_MSGS}|anything)\b",
    rf"\b{_NOT}\s+(?:ever\s+)?(?:text|txt|message|msg|sms|contact|spam|bother)\s+(?:{_ME}|again|anymore)\b",
    rf"\b(?:dont|do\s+not|no\s+longer)\s+(?:want|wish|need|like)\s+(?:to\s+(?:receive|get)\s+|to\s+be\s+"
    rf"(?:texted|contacted|messaged)\b|any\s+|more\s+|your\s+|ur\s+|these\s+|those\s+|the\s+)*{_MSGS}",
    r"\bno\s+(?:more|further)\s+(?:\w+\s+)?(?:texts|txts|messages|msgs|sms|texting|messaging|spam)\b"
    + _NOT_A_REPORT,
    r"^(?:please\s+|pls\s+)?no\s+(?:texts|txts|sms|messages|texting)(?:\s+(?:please|pls|plz|thanks|thx|ty"
    r"|again|anymore|ever|here))*$",
    rf"\b(?:remove|delete|erase|scrub|purge)\s+(?:me\b{_NOT_CONSENT_OBJECT}|us\b{_NOT_CONSENT_OBJECT}"
    rf"|this\s+(?:number|phone|cell|#)|my\s+{_NUMBER})",
    rf"\blose\s+(?:my|this)\s+{_NUMBER}",
    rf"\b(?:take|get|put)\s+(?:me|us|{_ME}|my\s+{_NUMBER})\s+off\s+(?:of\s+)?{_DET}(?:\w+\s+){{0,2}}?"
    rf"(?:list|lists|texts|messages|sms|database|contacts)\b",
    rf"\b(?:i\s+want|i\s+wanna|we\s+want|let\s+me)\s+off\s+(?:of\s+)?{_DET}(?:\w+\s+){{0,2}}?"
    rf"(?:list|lists|texts|messages|sms)\b",
    r"\b(?:unsubscribe|unsub)\b(?!\s+(?:of|from)\s+(?:the\s+|my\s+|our\s+|your\s+)?(?:emails?|newsletters?"
    r"|digests?|auto|renewal|beta|data|plan|upgrade|cookies))",
    r"\b(?:opt\s*(?:me|us|this\s+number)?\s*out|optout)\b(?!\s+(?:of|from)\s+(?:the\s+|my\s+|our\s+"
    r"|your\s+)?(?:emails?|newsletters?|digests?|auto|renewal|beta|data|plan|upgrade|cookies))"
    r"(?!\s+(?:clause|period|window|date|fee|provision|terms?|deadline|option|policy|right))",
    r"\bcancel\w*\s+(?:my\s+|the\s+|these\s+|all\s+|your\s+)*(?:text|sms|txt)\w*",
    r"\b(?:revoke|revoking|withdraw|withdrawing|rescind|retract)\s+(?:my\s+|all\s+|any\s+)?"
    r"(?:consent|permission|authorization|opt\s*in)",
    r"\b(?:no\s+longer|do\s+not|dont)\s+(?:consent|agree\s+to\s+(?:receive|be))\b",
    r"\b(?:do\s+not|dont|no\s+longer)\s+have\s+(?:my\s+)?(?:permission|consent)\b",
    r"\bleave\s+me\s+alone\b",
    r"^(?:just\s+|please\s+|pls\s+)?quit\s+it\b",
    r"^(?:ok\s+|just\s+|please\s+|pls\s+)?(?:stop|quit)\s+(?:sending|texting|messaging|contacting)"
    r"(?:\s+(?:please|pls|now|already|thanks|thx))*$",
    # ---- Spanish (imperative/subjunctive forms only: "no me envian mas" reports a problem)
    r"\bdej(?:a|e|en|ar|ad|es)\s+de\s+(?:enviar|mandar|escribir|contactar|llamar|recibir|molestar)\w*",
    r"\bno\s+(?:me\s+|nos\s+)?(?:envi|mand|contact|llam|molest)(?:en|es|e)\s+(?:\w+\s+){0,3}?(?:mas|nada)\b",
    r"\bno\s+(?:me\s+|nos\s+)?escrib(?:an|as|a)\s+(?:\w+\s+){0,3}?(?:mas|nada)\b",
    r"\bno\s+(?:me\s+|nos\s+)?vuelv\w*\s+a\s+(?:escribir|enviar|mandar|contactar|llamar)",
    r"\b(?:da|dar|darme|dame|denme|deme|doy|darse|darnos)\s+de\s+baja\b",
    r"\bno\s+(?:quiero|deseo|queremos)\s+(?:recibir\s+)?(?:mas\s+)?(?:sus\s+|tus\s+|estos\s+|los\s+)?"
    r"(?:mensajes|sms|textos)",
    r"\b(?:borr|elimin|quit|sac|remuev)\w*\s+(?:mi|nuestro)\s+(?:numero|telefono|celular|contacto)",
    r"\b(?:sa|qui|borr|elimin)\w*me\s+de\s+(?:la|su|tu|sus|esta)\s+lista",
    r"\bno\s+mas\s+(?:mensajes|sms|textos)",
    r"\bbasta\s+de\s+(?:mensajes|sms|textos)",
    r"\bcancelar\s+(?:la\s+)?suscripcion\b",
    # ---- French
    r"\bne\s+(?:me\s+|m|nous\s+)?(?:envoy|contact|ecri|text|appel|harcel)\w*\s+plus\b",
    r"\bne\s+plus\s+(?:me\s+|m|nous\s+)?(?:envoy|contact|ecri|text|appel)\w*",
    r"\bn(?:envoy|ecri)\w*\s+plus\b",
    r"\b(?:arret|cess)\w*\s+(?:de\s+|d)?(?:me\s+|m|nous\s+)?(?:envoy|ecri|text|contact|harcel|spam)\w*",
    r"\b(?:arret|cess)\w*\s+(?:les|vos|ces|tes|tous\s+les)\s+(?:sms|messages|textos?|envois)",
    r"\bstop\s+(?:aux|au|a)\s+(?:sms|messages|textos?)",
    r"\bne\s+(?:veux|voulons|souhaite|souhaitons|desire)\s+plus\s+(?:\w+\s+){0,3}?(?:sms|messages?|textos?"
    r"|recevoir|etre\s+contacte\w*)",
    r"^(?:\w+\s+)?plus\s+de\s+(?:sms|messages|textos)\b",
    r"\b(?:desinscri|desabonn)\w*",
    r"\b(?:retir|supprim|enlev|effac)\w*\s+(?:mon\s+(?:numero|portable|contact)|moi\b)",
    r"\b(?:me\s+|m)(?:retir|supprim|enlev|effac|desinscri)\w*\s+de\s+(?:la|votre|vos|ta|cette)\s+liste",
    # ---- German ("ich bekomme keine SMS mehr" reports a problem: see _NEGATED)
    r"\bkeine\s+(?:weiteren\s+)?(?:sms|nachrichten|textnachrichten|texte|werbung|mitteilungen)\s+"
    r"(?:\w+\s+){0,2}?mehr\b",
    r"\bkeine\s+weiteren\s+(?:sms|nachrichten|texte|textnachrichten)\b",
    r"\b(?:hor\w*\s+(?:\w+\s+){0,2}auf|aufhor\w*)\s+(?:\w+\s+){0,3}?(?:zu\s+)?(?:schreiben|schicken|senden"
    r"|kontaktieren|simsen|texten|nachrichten|sms)",
    r"\b(?:nicht|nichts)\s+mehr\s+(?:\w+\s+)?(?:schreiben|schicken|senden|kontaktieren|anschreiben|simsen)",
    r"\b(?:schreib|schick|send|kontaktier)\w*\s+(?:sie\s+|du\s+|ihr\s+)?(?:mir|mich|uns)\s+(?:bitte\s+)?"
    r"(?:nicht|nichts|keine\s+\w+)\s+mehr",
    r"\b(?:abmeld|abbestell|austrag)\w*",
    r"\btrag\w*\s+(?:sie\s+)?(?:mich|uns|meine\s+nummer)\s+(?:bitte\s+)?aus\b",
    r"\b(?:losch|entfern)\w*\s+(?:sie\s+)?(?:bitte\s+)?meine\s+(?:nummer|handynummer|telefonnummer|daten)",
    r"\bnummer\s+(?:bitte\s+)?(?:losch|entfern)\w*",
)
# Per pattern, substrings one of which every match contains: a cheap test before the regex scan,
# so that a 1,600-character business reply does not pay for 54 scans.
_TRIGGERS: tuple[tuple[str, ...], ...] = (
    ("texting", "txting", "messaging", "msging"),
    ("stop", "quit", "ceas", "halt"),
    ("text", "txt", "messag", "msg", "sms", "spam"),
    ("send",),
    ("receiv", "getting"),
    ("send", "sent"),
    ("dont", "do not", "never"),
    ("dont", "do not", "no longer"),
    ("no more", "no further"),
    ("no ",),
    ("remov", "delet", "eras", "scrub", "purg"),
    ("lose",),
    ("off",),
    ("off",),
    ("unsub",),
    ("opt",),
    ("cancel",),
    ("revok", "withdraw", "rescind", "retract"),
    ("consent", "agree"),
    ("permission", "consent"),
    ("alone",),
    ("quit",),
    ("stop", "quit"),
    ("dej",),
    ("mas", "nada"),
    ("escrib",),
    ("vuelv",),
    ("baja",),
    ("quiero", "deseo", "queremos"),
    ("numero", "telefono", "celular", "contacto"),
    ("lista",),
    ("no mas",),
    ("basta",),
    ("suscripcion",),
    ("plus",),
    ("ne plus",),
    ("plus",),
    ("arret", "cess"),
    ("arret", "cess"),
    ("stop",),
    ("plus",),
    ("plus de",),
    ("desinscri", "desabonn"),
    ("retir", "supprim", "enlev", "effac"),
    ("liste",),
    ("keine",),
    ("keine",),
    ("auf",),
    ("mehr",),
    ("mehr",),
    ("abmeld", "abbestell", "austrag"),
    ("trag",),
    ("losch", "entfern"),
    ("nummer",),
)
# A re-consent names the messaging or the subscription; without one, the model's opt_in is not taken.
_OPT_IN_CUE = (
    r"\b(?:start|restart|unstop|subscribe|resubscribe|subscribed|re\s+subscribe|opt\s*(?:me\s+|us\s+|back\s+)*in"
    r"|optin|opted|opting\s+back\s+in|sign\s+(?:me|us)\s+(?:back\s+)?up|join|rejoin|enroll|resume|reactivate|consent"
    r"|permission|list|text|texts|texting|texted|txt|txts|sms|message|messages|messaging|msg|msgs|alerts?"
    r"|notifications?|reminders?|updates|mensajes|textos|nachrichten)\b"
)
# A negation just before the verb cancels a revocation: "don't stop sending me the updates",
# "I don't want to unsubscribe", "why did you stop texting me?", "ich bekomme keine SMS mehr".
_NEGATED = (
    r"(?:\b(?:dont|do\s+not|does\s+not|doesnt|didnt|did\s+not|never|wont|will\s+not|wouldnt|would\s+not"
    r"|shouldnt|should\s+not|no\s+need\s+to|not)\s+(?:(?:want|need|wanna|have|going|gonna|to|ever|you|u"
    r"|please|pls|i|we)\s+){0,3}|\bwhy\s+(?:did|would|do|does)\s+(?:you|u|they)\s+"
    r"|\b(?:bekomme|bekommen|erhalte|erhalten|kriege|kriegen|empfange|sehe)\s+(?:ich\s+|wir\s+)?(?:\w+\s+)?)$"
)


def _keyword(tokens: Sequence[str]) -> str | None:
    """The carrier keyword when the whole reply is one, modulo case, punctuation and spacing."""
    compact = "".join(tokens).upper()
    return compact if compact in _KEYWORD_INTENT else None


def _bare(tokens: Sequence[str], allowed: frozenset[str], filler: frozenset[str]) -> bool:
    """A bare stop word with only politeness around it ("stop please", "STOP STOP", "s t o p")."""
    core = [t for t in tokens if t not in filler]
    return bool(core) and (all(t in allowed for t in core) or "".join(core) in allowed)


def _revocation(clean: str) -> str | None:
    """The revocation phrase in *clean* (normalized, punctuation as spaces), if any."""
    for triggers, pattern in zip(_TRIGGERS, _REVOCATIONS, strict=True):
        if not any(t in clean for t in triggers):
            continue
        for match in re.finditer(pattern, clean):
            if not re.search(_NEGATED, clean[: match.start()]):
                return match.group(0)
    return None


def revokes_consent(text: str) -> bool:
    """True when *text* revokes consent by a keyword or a natural-language phrase (rules only)."""
    normalized = normalize(text)
    return _rule_opt_out(normalized, words(normalized)) is not None


def _rule_opt_out(normalized: str, tokens: Sequence[str]) -> str | None:
    if _bare(tokens, _STOP_WORDS, _FILLER) or _bare(tokens, _WHOLE_ONLY, _POLITE):
        return "bare"
    for clause in _CLAUSE.split(normalized):
        if _bare(words(clause), _STOP_WORDS, _FILLER):
            return "clause"
    return _revocation(" ".join(tokens))


# ---------------------------------------------------------------------------------------------- model
# Cue groups: a little prior knowledge so that a few dozen examples per intent generalize to words the
# dataset never used ("nice", "the page just spins"). Each word present adds the feature "g:<group>".
_CUES: dict[str, str] = {
    "ack": "ok okay k kk okie thanks thank thx ty tks cheers great perfect cool nice awesome excellent sure yep "
    "yup yes yeah ya noted understood gotcha roger received fine alright appreciate appreciated merci gracias "
    "danke dank klar daccord perfecto super good sounds",
    "neg": "no not nope nah never dont doesnt isnt wont cant pass none decline declined nothing",
    "problem": "error errors bug bugs crash crashes crashed crashing fail fails failed failing failure broken broke "
    "outage down stuck glitch freeze freezes frozen blank spins spinning locked denied timeout lag slow missing "
    "duplicate duplicates overcharged charged incorrect problem problems issue issues fix fixed resolved "
    "unresolved reopen funktioniert funciona marche work working works load loading 0",
    "time": "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri tomorrow "
    "tmrw tmr today tonight morning afternoon evening week weekend am pm 0am 0pm noon oclock next calendar "
    "invite zoom teams call meet meeting mtg sync schedule reschedule slot time cet pt et est pst",
    "money": "price pricing priced cost costs quote quotes budget expensive pricey cheap cheaper discount seats seat "
    "licenses license users invoice pay payment paid purchase buy buying renew renewal order fee fees dollars",
    "commit": "sign signed signing signature approve approved ready proceed forward go contract paperwork docusign "
    "po upgrade expand add",
    "absence": "ooo office vacation vacay holiday holidays pto leave away back returning return travel traveling "
    "trip offline unavailable sick conference vacaciones absent conges urlaub auto autoreply automated reply "
    "until till til",
    "identity": "wrong number person name left company anymore contact colleague instead handles handle owner "
    "retired role",
    "question": "how what when where which who why does do is can could will whats hows",
    "reject": "interested interest need thanks anyway competitor vendor another different elsewhere set",
}
_CUE_OF: dict[str, tuple[str, ...]] = {}
for _group, _words in _CUES.items():
    for _word in _words.split():
        _CUE_OF[_word] = (*_CUE_OF.get(_word, ()), "g:" + _group)


def features(normalized: str) -> Iterator[str]:
    """Word unigrams and bigrams (digits folded to 0), cue groups, symbols (emoji...) and ? / !,
    of the first MODEL_CHARS characters (the rules read the whole body)."""
    normalized = normalized[:MODEL_CHARS]
    tokens = [_DIGITS.sub("0", t) for t in words(normalized)]
    padded = ["<s>", *tokens, "</s>"]
    for token in tokens:
        yield "w:" + token
        yield from _CUE_OF.get(token, ())
    for first, second in itertools.pairwise(padded):
        yield f"b:{first} {second}"
    for char in normalized:
        if char in "?!":
            yield "p:" + char
        elif not char.isspace() and unicodedata.category(char).startswith("S"):
            yield "s:" + char


@dataclass(frozen=True)
class NaiveBayes:
    """Multinomial naive Bayes over binary features, from integer counts.

    score(c) = log P(c) + sum over known features f of log P(f|c), Laplace smoothing alpha, computed
    sparsely: k * log(alpha / (N_c + alpha * V)) + sum of log(1 + n_fc / alpha) over the classes that
    saw f (k known features). Counts stay integers in the file, so a rebuild is byte-for-byte equal.
    """

    classes: tuple[str, ...]
    alpha: float
    log_prior: tuple[float, ...]
    log_unseen: tuple[float, ...]
    counts: Mapping[str, Sequence[Sequence[int]]]  # feature -> [[class index, count], ...]
    temperature: float

    @classmethod
    def from_counts(cls, model: Mapping[str, Any]) -> NaiveBayes:
        if model.get("format") != MODEL_FORMAT:
            raise ValueError(f"intent model format {model.get('format')!r} is not {MODEL_FORMAT}")
        alpha = float(model["alpha"])
        docs = [int(n) for n in model["documents"]]
        vocabulary = len(model["counts"])
        return cls(
            classes=tuple(model["classes"]),
            alpha=alpha,
            log_prior=tuple(math.log(n / sum(docs)) for n in docs),
            log_unseen=tuple(
                math.log(alpha / (int(t) + alpha * vocabulary)) for t in model["feature_totals"]
            ),
            counts=model["counts"],
            temperature=float(model["temperature"]),
        )

    def scores(self, feats: Iterable[str]) -> tuple[list[float], int]:
        """Per-class log joint likelihoods of a set of features, and how many of them the model knows."""
        scores = list(self.log_prior)
        known = 0
        for feature in set(feats):
            sparse = self.counts.get(feature)
            if sparse is None:
                continue
            known += 1
            for c, n in sparse:
                scores[c] += math.log1p(n / self.alpha)
        return [s + known * u for s, u in zip(scores, self.log_unseen, strict=True)], known

    def probabilities(self, scores: Sequence[float], known: int) -> list[float]:
        """Softmax tempered by sqrt(known features): confidence does not explode on long replies."""
        scale = self.temperature * math.sqrt(max(known, 1))
        top = max(scores)
        exps = [math.exp((s - top) / scale) for s in scores]
        total = sum(exps)
        return [e / total for e in exps]

    def predict(self, feats: Iterable[str], *, exclude: frozenset[str] = frozenset()) -> tuple[str, float]:
        """The best intent but opt_out (the rules' call alone) and *exclude*, with its probability."""
        scores, known = self.scores(feats)
        allowed = [i for i, c in enumerate(self.classes) if c != "opt_out" and c not in exclude]
        probs = self.probabilities([scores[i] for i in allowed], known)
        best = max(range(len(allowed)), key=lambda i: (probs[i], -i))
        return self.classes[allowed[best]], probs[best]


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> NaiveBayes:
    source = Path(path) if path else MODEL_FILE
    return NaiveBayes.from_counts(json.loads(source.read_text(encoding="utf-8")))


# ------------------------------------------------------------------------------------------ classify
def _result(intent: str, confidence: float, keyword: str | None = None) -> IntentResult:
    return IntentResult(intent, intent == "opt_out", round(min(max(confidence, 0.0), 1.0), 4), keyword)


def _by_rules(normalized: str, opt_out_type: str | None) -> IntentResult | None:
    forced = _OPT_OUT_TYPES.get((opt_out_type or "").strip().upper())
    if forced:
        return _result(forced, CONFIDENCE_KEYWORD, (opt_out_type or "").strip().upper())
    if not normalized.strip():
        return _result("acknowledgement", CONFIDENCE_EMPTY)
    tokens = words(normalized)
    keyword = _keyword(tokens)
    if keyword:
        return _result(_KEYWORD_INTENT[keyword], CONFIDENCE_KEYWORD, keyword)
    if _rule_opt_out(normalized, tokens):
        return _result("opt_out", CONFIDENCE_PHRASE)
    return None


def classify_by_rules(text: str, *, opt_out_type: str | None = None) -> IntentResult | None:
    """The compliance stage alone: OptOutType, empty body, carrier keyword, revocation phrase; else None."""
    return _by_rules(normalize(text), opt_out_type)


def classify(text: str, *, opt_out_type: str | None = None, model: NaiveBayes | None = None) -> IntentResult:
    """The intent of one SMS reply. Deterministic, offline; opt_out only ever comes from the rules."""
    normalized = normalize(text)
    ruled = _by_rules(normalized, opt_out_type)
    if ruled is not None:
        return ruled
    feats = list(features(normalized))
    nb = model or load_model()
    intent, confidence = nb.predict(feats)
    if intent == "opt_in" and not re.search(_OPT_IN_CUE, " ".join(words(normalized))):
        intent, confidence = nb.predict(feats, exclude=frozenset({"opt_in"}))  # "yes please" is no re-consent
    return _result(intent, confidence)
