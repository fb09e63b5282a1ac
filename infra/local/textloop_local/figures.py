"""The loop's figures, from facts read off the state table (pure: no I/O; ``report.py`` reads and draws).

Facts: the outbound messages with their attribution at send, the replies (the message each answers,
intent, latency), the owner tasks the replies opened (done or escalated by the SLA watchdog), the link
clicks and the pipeline outcomes (``PIPE#<yyyy-mm>`` items: meeting_booked, opportunity_created,
stage_advanced, closed_won, closed_lost), each attributed to a message by its sid.

Figures, per value of one dimension (rule, template version, variant, stage at send, account tier,
month sent, recipient cohort), and for everything (``all``):

- ``messages``; ``delivered`` and the delivery rate (Twilio ``delivered`` or ``read``);
- ``replied``: messages with at least one reply, and the reply rate; ``opted_out``: messages answered by
  an opt-out, and the opt-out rate;
- ``within_5m`` / ``within_30m``: of the replied messages, the share whose first reply came within 5 and
  30 minutes of the send;
- ``sla_met``: of the owner tasks the replies opened that the watchdog has judged, the share done by
  their due time (not escalated); ``median_first_response_s``: the median time from the reply to the
  task's completion, where the task item carries ``completed_at`` (blank otherwise);
- ``meetings``, ``opportunities``, ``pipeline`` (influenced pipeline: per opportunity record, its latest
  amount among the outcomes attributed to the group), ``won`` (closed-won amounts), ``clicks``;
- ``cost`` (USD: Twilio's price where a status callback gave it, else segments x the price per
  segment; plus ``textloop cost``'s AWS dollars per SMS when measured), ``cost_per_reply``,
  ``cost_per_meeting``.

Every rate comes with its Wilson score 95% interval. Variants of one rule are compared on the reply
rate with the two-sided two-proportion z-test (pooled standard error), significant at p < 0.05.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054
DIMENSIONS = ("rule", "template", "variant", "stage", "tier", "month", "cohort")
OPT_OUT_INTENTS = frozenset({"opt_out"})
FIVE_MINUTES, THIRTY_MINUTES = 300.0, 1800.0
PIPELINE_KINDS = ("opportunity_created", "stage_advanced", "closed_won", "closed_lost")
OUTCOME_KINDS = ("meeting_booked", "opportunity_created", "stage_advanced", "closed_won", "closed_lost")
NONE = "(none)"  # a dimension the message does not have (no variant, no tier)


# --- statistics -------------------------------------------------------------------------------


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (no continuity correction); (0, 0) for no trials."""
    if trials < 0 or not 0 <= successes <= trials:
        raise ValueError(f"need 0 <= successes <= trials, got {successes} of {trials}")
    if trials == 0:
        return (0.0, 0.0)
    p, n, z2 = successes / trials, trials, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two proportions compared with the two-sided two-proportion z-test (pooled standard error)."""

    difference: float  # p_b - p_a
    z: float
    p_value: float
    significant: bool  # p_value < alpha

    test = "two-sided two-proportion z-test, pooled standard error"


def two_proportion_test(
    successes_a: int, trials_a: int, successes_b: int, trials_b: int, alpha: float = 0.05
) -> Comparison:
    """B against A. With no trials on a side, or no variation at all, nothing is significant."""
    for s, n in ((successes_a, trials_a), (successes_b, trials_b)):
        if n < 0 or not 0 <= s <= n:
            raise ValueError(f"need 0 <= successes <= trials, got {s} of {n}")
    if trials_a == 0 or trials_b == 0:
        return Comparison(0.0, 0.0, 1.0, False)
    pa, pb = successes_a / trials_a, successes_b / trials_b
    pooled = (successes_a + successes_b) / (trials_a + trials_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / trials_a + 1 / trials_b))
    if se == 0:
        return Comparison(pb - pa, 0.0, 1.0, False)
    z = (pb - pa) / se
    p_value = 2 * NormalDist().cdf(-abs(z))
    return Comparison(pb - pa, z, p_value, p_value < alpha)


# --- facts ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Message:
    sid: str
    sent_at: datetime
    rule: str = ""
    template: str = ""  # <id>@v<N>
    variant: str = ""
    stage: str = ""
    tier: str = ""
    lifecycle: str = ""
    cohort: str = ""
    trigger: str = ""
    purpose: str = ""
    crm: str = ""
    object_type: str = ""
    record_id: str = ""
    owner: str = ""
    status: str = ""
    segments: int = 1
    price: float | None = None  # USD, positive; None: no status callback said

    @property
    def month(self) -> str:
        return self.sent_at.strftime("%Y-%m")

    @property
    def delivered(self) -> bool:
        return self.status in ("delivered", "read")

    def value(self, dimension: str) -> str:
        return str(getattr(self, dimension)) or NONE


@dataclass(frozen=True, slots=True)
class Reply:
    sid: str
    at: datetime
    intent: str
    message_sid: str = ""  # "" when the reply answers no message we sent
    latency_s: float | None = None
    task_id: str = ""


@dataclass(frozen=True, slots=True)
class Task:
    task_id: str
    outcome: str  # done | escalated (judged by the watchdog at its due time)
    due: datetime | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Click:
    code: str
    message_sid: str
    kind: str  # click | preview (a preview counts nothing)
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PipelineOutcome:
    kind: str
    at: datetime
    crm: str = ""
    record: str = ""
    message_sid: str = ""
    amount: float | None = None
    rule: str = ""
    template: str = ""
    version: str = ""
    variant: str = ""


@dataclass
class Facts:
    messages: list[Message] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    clicks: list[Click] = field(default_factory=list)
    outcomes: list[PipelineOutcome] = field(default_factory=list)


# --- figures ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rate:
    successes: int
    trials: int

    @property
    def value(self) -> float | None:
        return self.successes / self.trials if self.trials else None

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.successes, self.trials)


@dataclass(frozen=True, slots=True)
class Figures:
    dimension: str
    value: str
    messages: int
    delivered: Rate
    replied: Rate
    opted_out: Rate
    within_5m: Rate  # of the replied messages
    within_30m: Rate
    sla_met: Rate  # of the judged owner tasks
    median_first_response_s: float | None
    meetings: int
    opportunities: int
    pipeline: float
    won: float
    clicks: int
    cost: float
    cost_estimated: bool  # some message had no Twilio price: segments x price per segment

    @property
    def cost_per_reply(self) -> float | None:
        return self.cost / self.replied.successes if self.replied.successes else None

    @property
    def cost_per_meeting(self) -> float | None:
        return self.cost / self.meetings if self.meetings else None

    def row(self) -> dict[str, object]:
        """One CSV row: counts, rates and their Wilson 95% bounds, money rounded to cents' hundredths."""
        out: dict[str, object] = {"dimension": self.dimension, "value": self.value, "messages": self.messages}
        for name in ("delivered", "replied", "opted_out", "within_5m", "within_30m", "sla_met"):
            rate: Rate = getattr(self, name)
            low, high = rate.interval
            out.update(
                {
                    name: rate.successes,
                    f"{name}_of": rate.trials,
                    f"{name}_rate": _round(rate.value),
                    f"{name}_low": _round(low if rate.trials else None),
                    f"{name}_high": _round(high if rate.trials else None),
                }
            )
        out.update(
            median_first_response_s=_round(self.median_first_response_s, 1),
            meetings=self.meetings,
            opportunities=self.opportunities,
            pipeline=_round(self.pipeline, 2),
            won=_round(self.won, 2),
            clicks=self.clicks,
            cost_usd=_round(self.cost, 5),
            cost_estimated=self.cost_estimated,
            cost_per_reply_usd=_round(self.cost_per_reply, 5),
            cost_per_meeting_usd=_round(self.cost_per_meeting, 5),
        )
        return out


def _round(value: float | None, digits: int = 4) -> float | str:
    return "" if value is None else round(value, digits)


class Loop:
    """The facts joined once: each message's replies, tasks, clicks and outcomes."""

    def __init__(self, facts: Facts, price_per_segment: float, aws_per_message: float = 0.0) -> None:
        self.facts = facts
        self.price_per_segment = price_per_segment
        self.aws_per_message = aws_per_message  # ``textloop cost``'s AWS figure per SMS, when measured
        self.by_sid = {m.sid: m for m in facts.messages}
        self.replies: dict[str, list[Reply]] = defaultdict(list)
        for r in sorted(facts.replies, key=lambda r: r.at):
            if r.message_sid in self.by_sid:
                self.replies[r.message_sid].append(r)
        tasks = {t.task_id: t for t in facts.tasks}
        self.tasks: dict[str, list[tuple[Reply, Task]]] = defaultdict(list)
        for sid, replies in self.replies.items():
            self.tasks[sid] = [(r, tasks[r.task_id]) for r in replies if r.task_id in tasks]
        self.clicks: dict[str, int] = defaultdict(int)
        for c in facts.clicks:
            if c.kind == "click" and c.message_sid in self.by_sid:
                self.clicks[c.message_sid] += 1
        self.outcomes: dict[str, list[PipelineOutcome]] = defaultdict(list)
        self.unattributed: list[PipelineOutcome] = []
        for o in sorted(facts.outcomes, key=lambda o: o.at):
            (self.outcomes[o.message_sid] if o.message_sid in self.by_sid else self.unattributed).append(o)

    def cost_of(self, message: Message) -> tuple[float, bool]:
        """USD for one message (Twilio's, plus AWS's when measured), and whether Twilio's part is
        estimated from its segments."""
        if message.price is not None:
            return message.price + self.aws_per_message, False
        return message.segments * self.price_per_segment + self.aws_per_message, True

    def first_reply(self, message: Message) -> Reply | None:
        replies = self.replies.get(message.sid)
        return replies[0] if replies else None

    def figures(self, dimension: str, value: str, messages: Sequence[Message]) -> Figures:
        replied = [m for m in messages if self.replies.get(m.sid)]
        latencies = [_latency(m, self.replies[m.sid][0]) for m in replied]
        opted = [m for m in messages if any(r.intent in OPT_OUT_INTENTS for r in self.replies.get(m.sid, []))]
        judged = [(r, t) for m in messages for r, t in self.tasks.get(m.sid, [])]
        responses = [(t.completed_at - r.at).total_seconds() for r, t in judged if t.completed_at]
        outcomes = [o for m in messages for o in self.outcomes.get(m.sid, [])]
        costs = [self.cost_of(m) for m in messages]
        return Figures(
            dimension=dimension,
            value=value,
            messages=len(messages),
            delivered=Rate(sum(m.delivered for m in messages), len(messages)),
            replied=Rate(len(replied), len(messages)),
            opted_out=Rate(len(opted), len(messages)),
            within_5m=Rate(sum(x <= FIVE_MINUTES for x in latencies), len(latencies)),
            within_30m=Rate(sum(x <= THIRTY_MINUTES for x in latencies), len(latencies)),
            sla_met=Rate(sum(t.outcome == "done" for _, t in judged), len(judged)),
            median_first_response_s=statistics.median(responses) if responses else None,
            meetings=sum(o.kind == "meeting_booked" for o in outcomes),
            opportunities=sum(o.kind == "opportunity_created" for o in outcomes),
            pipeline=influenced_pipeline(outcomes),
            won=sum(o.amount or 0.0 for o in outcomes if o.kind == "closed_won"),
            clicks=sum(self.clicks.get(m.sid, 0) for m in messages),
            cost=sum(c for c, _ in costs),
            cost_estimated=any(e for _, e in costs),
        )

    def by(self, dimension: str) -> list[Figures]:
        """Figures per value of *dimension*, in order of the value."""
        groups: dict[str, list[Message]] = defaultdict(list)
        for m in self.facts.messages:
            groups[m.value(dimension)].append(m)
        return [self.figures(dimension, v, ms) for v, ms in sorted(groups.items())]

    def total(self) -> Figures:
        return self.figures("all", "all", self.facts.messages)

    def latencies(self) -> list[float]:
        """Seconds from each replied message's send to its first reply."""
        return [_latency(m, self.replies[m.sid][0]) for m in self.facts.messages if self.replies.get(m.sid)]

    def funnel(self) -> list[tuple[str, int]]:
        """Messages sent → delivered → replied → meeting → opportunity → won (distinct messages)."""

        def reached(kind: str) -> int:
            return sum(any(o.kind == kind for o in self.outcomes.get(m.sid, [])) for m in self.facts.messages)

        total = self.total()
        return [
            ("sent", total.messages),
            ("delivered", total.delivered.successes),
            ("replied", total.replied.successes),
            ("meeting booked", reached("meeting_booked")),
            ("opportunity created", reached("opportunity_created")),
            ("closed won", reached("closed_won")),
        ]


@dataclass(frozen=True, slots=True)
class VariantRow:
    rule: str
    variant: str
    baseline: str  # the variant it is compared with ("" for the baseline itself)
    replied: Rate
    comparison: Comparison | None

    def row(self) -> dict[str, object]:
        low, high = self.replied.interval
        c = self.comparison
        return {
            "rule": self.rule,
            "variant": self.variant,
            "messages": self.replied.trials,
            "replied": self.replied.successes,
            "reply_rate": _round(self.replied.value),
            "reply_rate_low": _round(low if self.replied.trials else None),
            "reply_rate_high": _round(high if self.replied.trials else None),
            "compared_with": self.baseline,
            "difference": _round(c.difference) if c else "",
            "z": _round(c.z) if c else "",
            "p_value": _round(c.p_value) if c else "",
            "significant": c.significant if c else "",
            "test": Comparison.test if c else "",
        }


def variant_comparison(loop: Loop) -> list[VariantRow]:
    """Each rule with two or more variants: every variant's reply rate against the rule's first variant
    (by name), with the two-proportion z-test."""
    by_rule: dict[str, dict[str, list[Message]]] = defaultdict(lambda: defaultdict(list))
    for m in loop.facts.messages:
        by_rule[m.rule][m.value("variant")].append(m)
    rows: list[VariantRow] = []
    for rule, variants in sorted(by_rule.items()):
        if len(variants) < 2:
            continue
        rates = {v: loop.figures("variant", v, ms).replied for v, ms in sorted(variants.items())}
        base, base_rate = next(iter(rates.items()))
        for v, rate in rates.items():
            comparison = (
                None
                if v == base
                else two_proportion_test(base_rate.successes, base_rate.trials, rate.successes, rate.trials)
            )
            rows.append(VariantRow(rule, v, "" if v == base else base, rate, comparison))
    return rows


def influenced_pipeline(outcomes: Iterable[PipelineOutcome]) -> float:
    """Per opportunity (CRM and record), its latest amount among the outcomes given: summed."""
    latest: dict[tuple[str, str], float] = {}
    for o in sorted(outcomes, key=lambda o: o.at):
        if o.kind in PIPELINE_KINDS and o.amount is not None:
            latest[(o.crm, o.record)] = o.amount
    return sum(latest.values())


def _latency(message: Message, reply: Reply) -> float:
    if reply.latency_s is not None:
        return reply.latency_s
    return max(0.0, (reply.at - message.sent_at).total_seconds())


LATENCY_BINS: tuple[tuple[str, float], ...] = (
    ("≤ 1 min", 60.0),
    ("1-5 min", FIVE_MINUTES),
    ("5-15 min", 900.0),
    ("15-30 min", THIRTY_MINUTES),
    ("30-60 min", 3600.0),
    ("1-4 h", 14400.0),
    ("> 4 h", math.inf),
)


def latency_histogram(latencies: Iterable[float]) -> list[tuple[str, int]]:
    """Replies per latency bin; the 5 and 30 minute marks are bin edges."""
    counts = dict.fromkeys((label for label, _ in LATENCY_BINS), 0)
    for seconds in latencies:
        label = next(label for label, upper in LATENCY_BINS if seconds <= upper)
        counts[label] += 1
    return list(counts.items())
