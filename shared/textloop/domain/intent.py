"""Reply intent: what an SMS reply means, and above all whether it revokes consent.

Two stages, both pure Python, deterministic and offline:

1. **Compliance rules** (precision first). Twilio's keywords (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END,
   QUIT, REVOKE, OPTOUT / START, UNSTOP, SUBSCRIBE / HELP, INFO) in any case, punctuation or spacing;
   then revocations "by any reasonable means" (FCC): natural-language phrases in English, Spanish,
   French and German. A phrase only counts when its object is the messaging itself ("stop *texting*",
   "remove *my number*", "no more *texts*"), so "stop by the office", "cancel my 2pm call" or "the end
   of the quarter" never match, and a negation right before the verb ("don't stop sending me the
   updates", "I don't want to unsubscribe") cancels the match.
2. **A multinomial naive Bayes model** for the business intents, over word uni/bigrams and character
   3-5-grams. It is trained offline (``textloop train-intents``) on ``textloop/intents/dataset/train.jsonl``
   and ships as integer feature counts in ``textloop/intents/model.json``; only the rules may say
   ``opt_out`` (the model's opt-out score is dropped), so a revocation is always a rule you can read.

``opt_out_type`` (Twilio's ``OptOutType`` with Advanced Opt-Out: STOP, START or HELP) wins when given.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
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
MAX_CHARS = 4000  # longer bodies are classified on their first MAX_CHARS characters

# Twilio's default keywords (whole message, case-insensitive). YES is deliberately not an opt-in here:
# in a business thread "yes" answers the question asked; Twilio's own handling (OptOutType=START)
# still wins when it treats YES as an opt-in.
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "SUBSCRIBE"})
HELP_KEYWORDS = frozenset({"HELP", "INFO"})
_KEYWORD_INTENT = (
    {k: "opt_out" for k in OPT_OUT_KEYWORDS}
    | {k: "opt_in" for k in OPT_IN_KEYWORDS}
    | {k: "help" for k in HELP_KEYWORDS}
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
# Words that may surround a bare STOP without changing its meaning ("stop please", "STOP!! thanks").
_FILLER = frozenset(
    "please pls plz plse now it thanks thank you thx ty tks just already asap immediately ok okay "
    "seriously right away all i said again for good svp merci sil vous plait bitte danke por favor "
    "gracias ya".split()
)
# May be a whole reply on its own or one clause of it ("Stop. I'm not interested").
_STOP_WORDS = frozenset(
    "stop stopall unsubscribe unsub optout revoke stopp arret arrete arretez desabonner abmelden".split()
)
# Opt-outs only as the whole reply ("Cancel", "end please"), never as one clause among others.
_WHOLE_ONLY = frozenset("cancel end quit alto basta baja parar cancelar".split())

_MSGS = (
    r"(?:texts?|txts?|texting|txting|sms(?:es)?|messages?|msgs?|messaging|msging|text\s+messages?"
    r"|spam|notifications?|alerts?|updates?|reminders?|marketing)"
)
_ME = r"(?:me|us|this\s+(?:number|phone|cell|line|#)|my\s+(?:number|phone|cell|mobile))"
_NOT = r"(?:dont|do\s+not|never|pls\s+dont|please\s+dont)"
_NUMBER = r"(?:number|#|cell|phone|mobile|contact(?:\s+info)?|info|details|digits)"

_REVOCATIONS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        # ---- English
        rf"\b(?:stop|quit|cease|discontinue|halt)\s+(?:all\s+|the\s+)?(?:texting|txting|messaging|msging)\b",
        rf"\b(?:stop|quit|cease|halt)\s+(?:calling|contacting|spamming|bugging|bothering|harassing|emailing"
        rf"|pinging|hitting\s+up|writing\s+to|writing)\s+{_ME}",
        rf"\b(?:stop|quit|cease|end|halt|enough)\s+(?:with\s+)?(?:all\s+)?(?:the\s+|these\s+|those\s+|your\s+|ur\s+"
        rf"|this\s+)?(?:texts|txts|messages|msgs|sms|spam|texting|text\s+messages|text\s+communications?)\b",
        rf"\b(?:stop|quit|cease)\s+(?:sending|send)\s+(?:{_ME}\s+|to\s+{_ME}\s+)?(?:any\s+)?(?:more\s+)?"
        rf"(?:the\s+|these\s+|those\s+|your\s+|ur\s+|all\s+)?(?:{_MSGS}|stuff|anything|things|this|them)\b",
        rf"\b(?:stop|quit)\s+(?:receiving|getting)\s+(?:\w+\s+)?{_MSGS}",
        rf"\b{_NOT}\s+(?:send|sent)\s+(?:{_ME}\s+)?(?:any\s+)?(?:more\s+|further\s+)?(?:{_MSGS}|anything)\b",
        rf"\b{_NOT}\s+(?:ever\s+)?(?:text|txt|message|msg|sms|contact|spam|bother)\s+(?:{_ME}|again|anymore)\b",
        rf"\b(?:dont|do\s+not|no\s+longer)\s+(?:want|wish|need|like)\s+(?:to\s+(?:receive|get)\s+|to\s+be\s+"
        rf"(?:texted|contacted|messaged)\b|any\s+|more\s+|your\s+|ur\s+|these\s+|those\s+|the\s+)*{_MSGS}",
        rf"\bno\s+(?:more|further)\s+(?:\w+\s+)?(?:texts|txts|messages|msgs|sms|texting|messaging|spam)\b",
        r"\bno\s+(?:texts|txts|sms)\b",
        rf"\b(?:remove|delete|erase|lose|scrub|purge|drop)\s+(?:me\b|{_ME}|my\s+{_NUMBER})",
        rf"\b(?:take|get|put)\s+(?:me|us|{_ME}|my\s+{_NUMBER})\s+off\b",
        r"\b(?:want|wants|get|let\s+me)\s+off\s+(?:of\s+)?(?:your|ur|the|this|these)\b",
        r"\boff\s+(?:of\s+)?(?:your|ur|the|this)\s+(?:\w+\s+)?(?:list|texts|messages|sms)\b",
        r"\b(?:unsubscribe|unsub|opt\s*(?:me|us|this\s+number)?\s*out|optout)\b(?!\s+(?:of|from)\s+(?:the\s+|my\s+"
        r"|our\s+|your\s+)?(?:emails?|newsletters?|digests?|auto|renewal|beta|data|plan|upgrade|cookies))",
        r"\bcancel\w*\s+(?:my\s+|the\s+|these\s+|all\s+|your\s+)*(?:text|sms|txt)\w*",
        r"\b(?:revoke|revoking|withdraw|withdrawing|rescind|retract)\s+(?:my\s+|all\s+|any\s+)?"
        r"(?:consent|permission|authorization|opt\s*in)",
        r"\b(?:no\s+longer|do\s+not|dont)\s+(?:consent|agree\s+to\s+(?:receive|be))\b",
        r"\b(?:do\s+not|dont|no\s+longer)\s+have\s+(?:my\s+)?(?:permission|consent)\b",
        r"\bleave\s+me\s+alone\b",
        # ---- Spanish
        r"\bdej(?:a|e|en|ar|ad|es)\s+de\s+(?:enviar|mandar|escribir|contactar|llamar|recibir|molestar)\w*",
        r"\bno\s+(?:me\s+|nos\s+)?(?:envi|mand|escrib|contact|llam|molest)\w*\s+(?:\w+\s+)?(?:mas|nada)\b",
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
        r"\b(?:me\s+|m)(?:retir|supprim|enlev|effac|desinscri)\w*\s+de\s+(?:la|votre|vos|ta|cette|vote)\s+liste",
        # ---- German
        r"\bkeine\s+(?:weiteren\s+|\w+\s+)?(?:sms|nachrichten|textnachrichten|texte|werbung|mitteilungen)\b"
        r"(?:\s+\w+){0,4}?\s+mehr\b|\bkeine\s+(?:sms|nachrichten|textnachrichten|texte|werbung)\s+mehr\b",
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
)
# A negation just before the verb cancels a revocation: "don't stop sending me the updates",
# "I don't want to unsubscribe", "why did you stop texting me?".
_NEGATED = re.compile(
    r"(?:\b(?:dont|do\s+not|does\s+not|doesnt|didnt|did\s+not|never|wont|will\s+not|wouldnt|would\s+not"
    r"|shouldnt|should\s+not|no\s+need\s+to|not)\s+(?:(?:want|need|wanna|have|going|gonna|to|ever|you|u"
    r"|please|pls|i|we)\s+){0,3}|\bwhy\s+(?:did|would|do|does)\s+(?:you|u|they)\s+)$"
)


def _keyword(tokens: Sequence[str]) -> str | None:
    """The carrier keyword when the whole reply is one, modulo case, punctuation and spacing."""
    compact = "".join(tokens).upper()
    return compact if compact in _KEYWORD_INTENT else None


def _bare_stop(tokens: Sequence[str], allowed: frozenset[str]) -> bool:
    """A bare stop word with only politeness around it ("stop please", "STOP STOP", "opt out!!")."""
    core = [t for t in tokens if t not in _FILLER]
    if not core:
        return False
    if all(t in allowed for t in core) or "".join(core) in allowed:
        return True
    return len(core) <= 8 and all(len(t) == 1 for t in core) and "".join(core) in allowed  # s t o p


def _revocation(clean: str) -> str | None:
    """The revocation phrase in *clean* (normalized, punctuation as spaces), if any."""
    for pattern in _REVOCATIONS:
        for match in pattern.finditer(clean):
            if not _NEGATED.search(clean[: match.start()]):
                return match.group(0)
    return None


def revokes_consent(text: str) -> bool:
    """True when *text* revokes consent by a keyword or a natural-language phrase (rules only)."""
    normalized = normalize(text)
    return _rule_opt_out(normalized, words(normalized)) is not None


def _rule_opt_out(normalized: str, tokens: Sequence[str]) -> str | None:
    if _bare_stop(tokens, _STOP_WORDS | _WHOLE_ONLY):
        return "bare"
    for clause in _CLAUSE.split(normalized):
        if _bare_stop(words(clause), _STOP_WORDS):
            return "clause"
    return _revocation(" ".join(tokens))


# ---------------------------------------------------------------------------------------------- model
def features(normalized: str) -> Iterator[str]:
    """Word uni/bigrams (digits folded to 0), character 3-5-grams inside words, symbols and ? / !."""
    tokens = [_DIGITS.sub("0", t) for t in words(normalized)]
    padded = ["<s>", *tokens, "</s>"]
    for token in tokens:
        yield "w:" + token
        marked = f"<{token}>"
        for n in (3, 4, 5):
            for i in range(len(marked) - n + 1):
                yield "c:" + marked[i : i + n]
    for first, second in zip(padded, padded[1:], strict=False):
        yield f"b:{first} {second}"
    for char in normalized:
        if char in "?!":
            yield "p:" + char
        elif not char.isspace() and unicodedata.category(char).startswith("S"):
            yield "s:" + char


@dataclass(frozen=True)
class NaiveBayes:
    """Multinomial naive Bayes over binary features, from integer counts.

    score(c) = log P(c) + sum over known features f of log P(f|c), with Laplace smoothing alpha;
    computed sparsely as base(c) * k + sum of log(1 + n_fc / alpha) over the classes that saw f.
    """

    classes: tuple[str, ...]
    log_prior: tuple[float, ...]
    log_unseen: tuple[float, ...]  # log(alpha / (N_c + alpha * V)) per class
    boosts: Mapping[str, tuple[tuple[int, float], ...]]  # feature -> ((class index, log(1 + n/alpha)), ...)
    temperature: float

    @classmethod
    def from_counts(cls, model: Mapping[str, Any]) -> NaiveBayes:
        if model.get("format") != MODEL_FORMAT:
            raise ValueError(f"intent model format {model.get('format')!r} is not {MODEL_FORMAT}")
        classes = tuple(model["classes"])
        alpha = float(model["alpha"])
        docs = [int(n) for n in model["documents"]]
        totals = [int(n) for n in model["feature_totals"]]
        vocabulary = len(model["counts"])
        boosts = {
            feature: tuple((int(c), math.log1p(int(n) / alpha)) for c, n in sparse)
            for feature, sparse in model["counts"].items()
        }
        return cls(
            classes=classes,
            log_prior=tuple(math.log(n / sum(docs)) for n in docs),
            log_unseen=tuple(math.log(alpha / (t + alpha * vocabulary)) for t in totals),
            boosts=boosts,
            temperature=float(model["temperature"]),
        )

    def scores(self, normalized: str) -> list[float]:
        scores = list(self.log_prior)
        seen: set[str] = set()
        for feature in features(normalized):
            if feature in seen or feature not in self.boosts:
                continue
            seen.add(feature)
            for c, boost in self.boosts[feature]:
                scores[c] += boost
        known = len(seen)
        return [s + known * u for s, u in zip(scores, self.log_unseen, strict=True)]

    def probabilities(self, scores: Sequence[float], n_features: int) -> list[float]:
        """Softmax tempered by the number of features, so confidence does not explode on long replies."""
        scale = self.temperature * math.sqrt(max(n_features, 1))
        top = max(scores)
        exps = [math.exp((s - top) / scale) for s in scores]
        total = sum(exps)
        return [e / total for e in exps]

    def predict(self, normalized: str, *, exclude: frozenset[str] = frozenset()) -> tuple[str, float]:
        scores = self.scores(normalized)
        n_features = sum(1 for f in set(features(normalized)) if f in self.boosts)
        allowed = [i for i, c in enumerate(self.classes) if c not in exclude]
        probs = self.probabilities([scores[i] for i in allowed], n_features)
        best = max(range(len(allowed)), key=lambda i: (probs[i], -i))
        return self.classes[allowed[best]], probs[best]


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> NaiveBayes:
    source = Path(path) if path else MODEL_FILE
    return NaiveBayes.from_counts(json.loads(source.read_text(encoding="utf-8")))


# ------------------------------------------------------------------------------------------ classify
def _result(intent: str, confidence: float, keyword: str | None = None) -> IntentResult:
    return IntentResult(intent, intent == "opt_out", round(min(max(confidence, 0.0), 1.0), 4), keyword)


def classify(text: str, *, opt_out_type: str | None = None, model: NaiveBayes | None = None) -> IntentResult:
    """The intent of one SMS reply. Never raises on odd input; opt_out only from the rules."""
    text = text if isinstance(text, str) else ""
    normalized = normalize(text)
    tokens = words(normalized)
    keyword = _keyword(tokens)
    forced = _OPT_OUT_TYPES.get((opt_out_type or "").strip().upper())
    if forced:
        return _result(forced, CONFIDENCE_KEYWORD, (opt_out_type or "").strip().upper())
    if not normalized.strip():
        return _result("acknowledgement", CONFIDENCE_EMPTY)
    if keyword:
        return _result(_KEYWORD_INTENT[keyword], CONFIDENCE_KEYWORD, keyword)
    if _rule_opt_out(normalized, tokens):
        return _result("opt_out", CONFIDENCE_PHRASE)
    intent, confidence = (model or load_model()).predict(normalized, exclude=frozenset({"opt_out"}))
    return _result(intent, confidence)
