"""The renewal scanner use case: find what enters a renewal window, queue one event per record and window.

For every renewal rule and every tenant of its CRM: one paged CRM search for the records whose rule
field is one of its values and whose renewal date falls within the widest window; each is due for the
innermost window it is in. Its event key (``renewal:<crm>:<account>:<record>:<date>:<window>``) is the
same on every scan, so a key whose outcome is already recorded is not queued again ("scanned"), and one
queued twice (a re-run, a scan after an outage) is a duplicate at the dispatcher; the send slot's
cooldown keeps one message per rule, record and recipient. The dispatcher then judges the event as any
other: the record still matches the rule, consent and opt-in (marketing), send-time policy, caps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from textloop.domain.model import Crm, Outcome
from textloop.domain.ports import EventOutcomes, MessageQueue, RenewalQuery, RenewalSearch
from textloop.domain.renewals import due_window, horizon, renewal_key
from textloop.domain.rules import Renewal, Rule, RuleSet
from textloop.schemas import renewal_body

QUEUE_BATCH = 100  # bodies handed to the queue at a time (the adapter sends them ten per request)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class ScanReport:
    found: int = 0  # records within a window
    queued: int = 0
    already: int = 0  # their window's outcome already recorded: not queued again
    by_rule: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"found": self.found, "queued": self.queued, "already": self.already, "by_rule": self.by_rule}


@dataclass
class RenewalScanner:
    rules: RuleSet
    search: Callable[[Crm, str], RenewalSearch]  # per (CRM, account), like the dispatcher's gateways
    queue: MessageQueue
    outcomes: EventOutcomes
    tenants: Sequence[tuple[Crm, str]] = (("salesforce", ""), ("hubspot", ""))
    clock: Callable[[], datetime] = _utcnow

    def __call__(self) -> ScanReport:
        now = self.clock()
        report = ScanReport()
        for rule in self.rules.rules:
            for crm, account in self.tenants:
                if rule.renewal is not None and crm == rule.crm:
                    self._scan(rule, rule.renewal, crm, account, now, report)
        return report

    def _scan(
        self, rule: Rule, renewal: Renewal, crm: Crm, account: str, now: datetime, report: ScanReport
    ) -> None:
        today = now.astimezone(UTC).date()
        start, end = horizon(renewal, today)
        query = RenewalQuery(rule.object_type, rule.field, rule.equals, renewal.date_field, start, end)
        counts = report.by_rule.setdefault(f"{rule.name}:{crm}:{account}", {"found": 0, "queued": 0})
        bodies: list[str] = []
        for due in self.search(crm, account).due_renewals(query):
            window = due_window(renewal, due.renewal_date, today)
            if window is None:
                continue
            report.found += 1
            counts["found"] += 1
            if self._scanned(crm, account, due.record_id, due.renewal_date, window):
                report.already += 1
                continue
            bodies.append(
                renewal_body(
                    crm,
                    rule.object_type,
                    due.record_id,
                    account,
                    renewal.date_field,
                    due.renewal_date,
                    window,
                    now,
                )
            )
            if len(bodies) >= QUEUE_BATCH:
                self._send(bodies, report, counts)
        self._send(bodies, report, counts)

    def _scanned(self, crm: str, account: str, record_id: str, renewal_date: date, window: int) -> bool:
        done = self.outcomes.outcome(renewal_key(crm, account, record_id, renewal_date, window))
        return done is not None and done.outcome is not Outcome.DEFERRED  # a deferred one comes back itself

    def _send(self, bodies: list[str], report: ScanReport, counts: dict[str, int]) -> None:
        if bodies:
            self.queue.send_all(bodies)
            report.queued += len(bodies)
            counts["queued"] += len(bodies)
            bodies.clear()
