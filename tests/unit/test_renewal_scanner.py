"""The renewal scanner: window selection, stable event keys, paging, batch enqueue, the dispatcher path."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from textloop.domain.model import ChangeKind, DispatchResult, Outcome
from textloop.domain.ports import DueRenewal, RenewalQuery
from textloop.domain.renewals import due_window, renewal_key
from textloop.domain.rules import Renewal, RuleSet
from textloop.schemas import parse_queue_body
from textloop.service_layer.renewals import QUEUE_BATCH, RenewalScanner

NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
TODAY = NOW.date()
WINDOWS = Renewal(date_field="CloseDate", windows=(60, 30))


@dataclass
class FakeSearch:
    due: list[DueRenewal]
    page: int = 2
    object_type: str = "opportunity"  # the records it holds (a query for another type finds none)
    queries: list[RenewalQuery] = field(default_factory=list)
    pages_read: int = 0

    def due_renewals(self, query: RenewalQuery) -> Iterator[DueRenewal]:
        self.queries.append(query)
        if query.object_type != self.object_type:
            return
        for start in range(0, len(self.due), self.page):  # pages, as the CRM gives them
            self.pages_read += 1
            yield from (
                d for d in self.due[start : start + self.page] if query.start <= d.renewal_date <= query.end
            )


@dataclass
class FakeQueue:
    batches: list[list[str]] = field(default_factory=list)

    def send_all(self, bodies: Sequence[str]) -> None:
        self.batches.append(list(bodies))

    @property
    def bodies(self) -> list[str]:
        return [b for batch in self.batches for b in batch]


@dataclass
class FakeOutcomes:
    recorded: dict[str, DispatchResult] = field(default_factory=dict)

    def outcome(self, event_key: str) -> DispatchResult | None:
        return self.recorded.get(event_key)

    def record_outcome(self, result: DispatchResult, at: datetime) -> None:
        self.recorded[result.event_key] = result


def _day(days: int) -> date:
    return TODAY + timedelta(days=days)


def _scanner(
    sf: FakeSearch, hs: FakeSearch | None = None, outcomes: FakeOutcomes | None = None
) -> tuple[RenewalScanner, FakeQueue]:
    queue = FakeQueue()
    searches = {"salesforce": sf, "hubspot": hs or FakeSearch([], object_type="deal")}
    scanner = RenewalScanner(
        RuleSet.load(),
        lambda crm, account: searches[crm],
        queue,
        outcomes or FakeOutcomes(),
        clock=lambda: NOW,
    )
    return scanner, queue


def test_given_dates_when_choosing_the_window_then_the_innermost_one_they_are_in() -> None:
    assert due_window(WINDOWS, _day(61), TODAY) is None  # not yet
    assert due_window(WINDOWS, _day(60), TODAY) == 60
    assert due_window(WINDOWS, _day(31), TODAY) == 60
    assert due_window(WINDOWS, _day(30), TODAY) == 30
    assert due_window(WINDOWS, _day(0), TODAY) == 30
    assert due_window(WINDOWS, _day(-1), TODAY) is None  # passed


def test_given_records_inside_and_outside_when_scanning_then_one_event_per_record_in_its_window() -> None:
    sf = FakeSearch(
        [DueRenewal("006A", _day(25)), DueRenewal("006B", _day(50)), DueRenewal("006C", _day(200))]
    )
    scanner, queue = _scanner(sf)

    report = scanner()

    events = [e for body in queue.bodies for e in parse_queue_body(body)]
    assert [e.event_key for e in events] == [
        f"renewal:salesforce::006A:{_day(25).isoformat()}:30",
        f"renewal:salesforce::006B:{_day(50).isoformat()}:60",
    ]
    assert sf.queries[0].start == TODAY and sf.queries[0].end == _day(60)  # the widest window
    assert (sf.queries[0].field, sf.queries[0].equals, sf.queries[0].date_field) == (
        "Type",
        ("Renewal",),
        "CloseDate",
    )
    assert report.found == 2 and report.queued == 2


def test_given_the_same_records_when_scanning_twice_then_the_same_keys() -> None:
    sf = FakeSearch([DueRenewal("006A", _day(25))])
    first, q1 = _scanner(sf)
    second, q2 = _scanner(sf)

    first()
    second()

    keys = [[e.event_key for b in q.bodies for e in parse_queue_body(b)] for q in (q1, q2)]
    assert keys[0] == keys[1] == [renewal_key("salesforce", "", "006A", _day(25), 30)]


def test_given_a_window_already_handled_when_scanning_then_not_queued_again() -> None:
    key = renewal_key("salesforce", "", "006A", _day(25), 30)
    outcomes = FakeOutcomes({key: DispatchResult(Outcome.SENT, key, rule="renewal_window")})
    scanner, queue = _scanner(
        FakeSearch([DueRenewal("006A", _day(25)), DueRenewal("006B", _day(26))]), outcomes=outcomes
    )

    report = scanner()

    assert report.already == 1 and report.queued == 1
    assert [e.record.record_id for b in queue.bodies for e in parse_queue_body(b)] == ["006B"]


def test_given_many_pages_when_scanning_then_every_page_read_and_enqueued_in_batches() -> None:
    many = [DueRenewal(f"006{i:05d}", _day(1 + i % 59)) for i in range(QUEUE_BATCH * 2 + 5)]
    sf = FakeSearch(many, page=7)
    scanner, queue = _scanner(sf)

    report = scanner()

    assert sf.pages_read == -(-len(many) // 7)
    assert report.queued == len(many)
    assert [len(b) for b in queue.batches] == [QUEUE_BATCH, QUEUE_BATCH, 5]


def test_given_a_renewal_body_when_parsed_then_only_the_renewal_rule_is_a_candidate() -> None:
    scanner, queue = _scanner(FakeSearch([]), FakeSearch([DueRenewal("2084", _day(28))], object_type="deal"))
    scanner()
    (event,) = parse_queue_body(queue.bodies[0])
    rules = RuleSet.load()

    assert event.kind is ChangeKind.RENEWAL and event.changed == {"renewal_date": "window:30"}
    assert [r.name for r in rules.candidates(event)] == ["renewal_window"]
    assert json.loads(queue.bodies[0])["source"] == "textloop.renewal"


def test_given_a_field_change_when_matching_then_renewal_rules_never_answer_it() -> None:
    from textloop.domain.model import RecordRef, TriggerEvent

    rules = RuleSet.load()
    closed = TriggerEvent(
        "hs:1", RecordRef("hubspot", "deal", "2084"), ChangeKind.UPDATE, {"dealstage": "closedwon"}, NOW
    )
    gap = TriggerEvent("sf:1", RecordRef("salesforce", "opportunity", "006A"), ChangeKind.GAP, {}, NOW)

    assert rules.candidates(closed) == []
    assert "renewal_window" not in [r.name for r in rules.candidates(gap)]
