"""Send-time optimisation as the dispatcher uses it: the hour a marketing message goes in, fixed once
per message, and its send counted for that hour; the reply router counts the replies.

The plan is drawn the first time the message is judged (Thompson sampling over the segment's
posteriors, among the hours the send-time policy allows from the earliest instant the policy and the
caps leave to ``horizon_days`` after it) and kept (``SendPlans``): a redelivered event or the deferral's
schedule firing finds the same instant, so a message is never held more than the horizon by the
optimiser, and never re-drawn into a later week. The policy and the caps are judged again whenever the
message comes back, as for every deferred message.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from textloop.domain.model import MessageContext, Person
from textloop.domain.ports import HourStats, SendPlan, SendPlans
from textloop.domain.rules import OptimiseConfig, Rule, condition_value
from textloop.domain.send_optimiser import Candidate, Prior, candidates, choose, hour_of_week, posteriors
from textloop.domain.send_time import SendRequest, SendTimePolicy, decide, state_code

OPTIMISED = "send_time_optimised"  # the reason of a message held back to its chosen hour
SEGMENT_CHARS = 200  # a segment key is cut there (it is part of a DynamoDB partition key)
PLAN_MARGIN = timedelta(days=31)  # a plan outlives its horizon by the policy's own (deferrals after it)
FALLBACK_ZONE = "UTC"  # a number no zone is known for (the policy then binds no zone either)


@dataclass
class SendTimeOptimiser:
    config: OptimiseConfig
    stats: HourStats
    plans: SendPlans
    policy: SendTimePolicy = field(default_factory=SendTimePolicy)
    rng: random.Random = field(default_factory=random.Random)

    @property
    def horizon(self) -> timedelta:
        return timedelta(days=self.config.horizon_days)

    @property
    def prior(self) -> Prior:
        return Prior(self.config.prior.replies, self.config.prior.sends)

    @property
    def reply_window(self) -> timedelta:
        return timedelta(hours=self.config.reply_window_hours)

    def segment(self, rule: Rule, variant: str, context: MessageContext) -> str:
        """The message's segment: ``path=value`` for each of ``segment_by``, joined by ``|``."""
        parts = []
        for path in self.config.segment_by:
            if path == "rule":
                value: object = rule.name
            elif path == "variant":
                value = variant
            else:
                value = condition_value(path, context)
            parts.append(f"{path}={'' if value is None else str(value).strip()}")
        return "|".join(parts)[:SEGMENT_CHARS]

    def plan(
        self, message: str, segment: str, phone: str, recipient: Person, now: datetime, earliest: datetime
    ) -> SendPlan:
        """The message's plan: the one kept, else one drawn now among the allowed hours from
        *earliest* (the first instant the policy and the caps allow) to the horizon, and kept."""
        kept = self.plans.planned(message)
        if kept is not None:
            return kept
        tz, state = recipient.time_zone or None, state_code(recipient.state) or None
        zones = decide(SendRequest(phone, earliest, "marketing", tz, state), self.policy).zones
        zone_name = zones[0] if zones else FALLBACK_ZONE  # recipient_tz, else the number's first zone
        zone = ZoneInfo(zone_name)

        def allowed(at: datetime) -> bool:
            return decide(SendRequest(phone, at, "marketing", tz, state), self.policy).decision == "send"

        offered = candidates(earliest, self.horizon, zone, allowed)
        if offered:
            chosen = choose(offered, posteriors(self.stats.counts(segment), self.prior), self.rng)
        else:  # earliest is allowed by construction; a policy that says otherwise: send when it lets
            chosen = Candidate(earliest, hour_of_week(earliest, zone))
        until = max(now, earliest) + self.horizon + PLAN_MARGIN
        return self.plans.fix(SendPlan(message, chosen.at, chosen.hour, segment, zone_name, until))

    def sent(self, message: str, sid: str, at: datetime) -> bool:
        """Count the message as sent in the local hour it went in (the plan's zone and segment).
        Returns whether it counted now (False: counted before, or never planned)."""
        plan = self.plans.planned(message)
        if plan is None:
            return False
        hour = hour_of_week(at, ZoneInfo(plan.zone))
        return self.stats.record_send(sid, plan.segment, hour, at, at + self.reply_window + timedelta(days=1))
