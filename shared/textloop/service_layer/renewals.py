"""The renewal scanner use case: find what enters a renewal window, queue one event per record and window.

For every tenant of each CRM with a renewal rule (the default one and every account installed with its own
credentials) and every renewal rule of that CRM: one paged CRM search for the records whose rule field is
one of its values and whose renewal date falls within the widest window; each is due for the innermost
window it is in. Its event key (``renewal:<crm>:<account>:<record>:<date>:<window>``) is the same on every
scan, so a key whose outcome is already recorded is not queued again ("scanned"), and one queued twice (a
re-run, a scan after an outage) is a duplicate at the dispatcher; the send slot's cooldown keeps one message
per rule, record and recipient. The dispatcher then judges the event as any other: the record still matches
the rule, consent and opt-in (marketing), send-time policy, caps.

A tenant whose CRM fails (refused credentials, CRM down, its secret gone) is reported in the scan's report
and the others are scanned; what it found before failing is queued, and the next scan catches up (a record is
due for the window it is in when it is scanned). A store failure (the queue, the outcomes) fails the scan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from textloop.domain.errors import TextloopError
from textloop.domain.model import Crm, Outcome
from textloop.domain.ports import (
    DueRenewal,
    EventOutcomes,
    MessageQueue,
    RenewalQuery,
    RenewalSearch,
    TenantDirectory,
)
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
    by_rule: dict[str, dict[str, int]] = field(default_factory=dict)  # "<rule>:<crm>:<account>"
    tenants: list[str] = field(default_factory=list)  # "<crm>:<account>" scanned ("" the default tenant)
    failed: list[dict[str, str]] = field(default_factory=list)  # crm, account ("*": listing), reason, error

    def as_dict(self) -> dict[str, Any]:
        return {
            "found": self.found,
            "queued": self.queued,
            "already": self.already,
            "by_rule": self.by_rule,
            "tenants": self.tenants,
            "failed": self.failed,
        }


class _TenantFailed(Exception):
    """A tenant's CRM failed during its scan (the cause is chained)."""


@dataclass
class RenewalScanner:
    rules: RuleSet
    search: Callable[[Crm, str], RenewalSearch]  # per (CRM, account), like the dispatcher's gateways
    queue: MessageQueue
    outcomes: EventOutcomes
    tenants: TenantDirectory | None = None  # accounts with their own credentials; None: the default ones only
    clock: Callable[[], datetime] = _utcnow

    def __call__(self) -> ScanReport:
        now = self.clock()
        report = ScanReport()
        crms = dict.fromkeys(r.crm for r in self.rules.rules if r.renewal is not None)
        for crm in crms:
            rules = [(r, r.renewal) for r in self.rules.rules if r.crm == crm and r.renewal is not None]
            for account in self._accounts(crm, report):
                report.tenants.append(f"{crm}:{account}")
                try:
                    for rule, renewal in rules:
                        self._scan(rule, renewal, crm, account, now, report)
                except _TenantFailed as failure:
                    report.failed.append(_failure(crm, account, failure.__cause__ or failure))
        return report

    def _accounts(self, crm: Crm, report: ScanReport) -> list[str]:
        """The default tenant, then every account installed with its own credentials."""
        if self.tenants is None:
            return [""]
        try:
            return ["", *(a for a in self.tenants.accounts(crm) if a)]
        except Exception as exc:  # the listing failed: the default tenant is still scanned
            report.failed.append(_failure(crm, "*", exc))
            return [""]

    def _scan(
        self, rule: Rule, renewal: Renewal, crm: Crm, account: str, now: datetime, report: ScanReport
    ) -> None:
        today = now.astimezone(UTC).date()
        start, end = horizon(renewal, today)
        query = RenewalQuery(rule.object_type, rule.field, rule.equals, renewal.date_field, start, end)
        counts = report.by_rule.setdefault(f"{rule.name}:{crm}:{account}", {"found": 0, "queued": 0})
        bodies: list[str] = []
        try:
            for due in _guarded(lambda: self.search(crm, account).due_renewals(query)):
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
        finally:  # what was found before a tenant's failure is queued all the same
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


def _guarded(records: Callable[[], Iterator[DueRenewal]]) -> Iterator[DueRenewal]:
    """The CRM's records, its failures (building the tenant's gateway, any page) as ``_TenantFailed``: only
    the CRM side is guarded, so a store failure while handling a record still fails the scan."""
    try:
        found = records()
    except Exception as exc:
        raise _TenantFailed() from exc
    while True:
        try:
            due = next(found)
        except StopIteration:
            return
        except Exception as exc:
            raise _TenantFailed() from exc
        yield due


def _failure(crm: str, account: str, exc: BaseException) -> dict[str, str]:
    reason = exc.reason if isinstance(exc, TextloopError) else "unexpected_error"
    return {"crm": crm, "account": account, "reason": reason, "error": f"{type(exc).__name__}: {exc}"[:300]}
