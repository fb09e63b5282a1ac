"""The local stack's fault registry (textloop_local.faults): validation, matching, counting, seeded draws."""

from __future__ import annotations

import threading

import pytest

from textloop_local.faults import Call, FaultError, FaultRegistry, abort_for, parse

TWILIO_CREATE = Call("twilio", "POST", "/2010-04-01/Accounts/AC1/Messages.json")


def test_given_a_body_with_several_mistakes_when_parsed_then_every_problem_is_named() -> None:
    with pytest.raises(FaultError) as bad:
        parse(
            b'{"target": "twillio", "match": {"method": "FETCH", "path_prefix": "2010", "host": "x"},'
            b' "action": "status", "status": 200, "times": 0, "probability": 1.5, "colour": "red"}'
        )

    named = {problem.split(":")[0] for problem in bad.value.problems}
    assert named == {
        "target",
        "match.method",
        "match.path_prefix",
        "match.host",
        "status",
        "times",
        "probability",
        "colour",
    }


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"target": "twilio", "action": "status"}, "status: required when action is 'status'"),
        ({"target": "twilio", "action": "reset", "status": 503}, "status: only 'status' and 'drop_response'"),
        ({"target": "hubspot", "action": "delay"}, "delay_ms: must be > 0 when action is 'delay'"),
        (
            {"target": "salesforce", "action": "reset", "match": {"operation": "PutItem"}},
            "match.operation/match.resource: only for the dynamodb and sqs targets",
        ),
    ],
)
def test_given_inconsistent_fields_when_parsed_then_the_problem_is_named(
    body: dict[str, object], problem: str
) -> None:
    with pytest.raises(FaultError) as bad:
        parse(body)

    assert any(problem in p for p in bad.value.problems), bad.value.problems


def test_given_no_body_when_parsed_then_it_is_refused() -> None:
    with pytest.raises(FaultError):
        parse(b"")


def test_given_a_fault_for_three_times_when_requests_match_then_it_fires_three_times_and_is_counted() -> None:
    registry = FaultRegistry()
    spec = parse(
        {"target": "twilio", "match": {"method": "POST"}, "action": "status", "status": 429, "times": 3}
    )
    fault_id = registry.add(spec)

    fired = [registry.take(TWILIO_CREATE) for _ in range(5)]

    assert [f is not None for f in fired] == [True, True, True, False, False]
    assert registry.snapshot() == [{"id": fault_id, **spec.model_dump(), "fired": 3, "matched": 5}]


@pytest.mark.parametrize(
    "call",
    [
        Call("hubspot", "POST", "/2010-04-01/Accounts/AC1/Messages.json"),  # another target
        Call("twilio", "GET", "/2010-04-01/Accounts/AC1/Messages.json"),  # another method
        Call("twilio", "POST", "/v1/Services/MG1"),  # another path
    ],
)
def test_given_a_narrow_match_when_another_request_comes_then_no_fault(call: Call) -> None:
    registry = FaultRegistry()
    registry.add(
        parse(
            {
                "target": "twilio",
                "match": {"method": "post", "path_prefix": "/2010-04-01/"},
                "action": "reset",
            }
        )
    )

    assert registry.take(call) is None
    assert registry.take(TWILIO_CREATE) is not None


def test_given_an_aws_fault_when_operation_and_table_match_then_only_those_calls_fail() -> None:
    registry = FaultRegistry()
    registry.add(
        parse(
            {
                "target": "dynamodb",
                "match": {"operation": "PutItem", "resource": "StateTable"},
                "action": "status",
                "status": 400,
            }
        )
    )
    state = frozenset({"textloop-local-StateTable"})
    consent = frozenset({"textloop-local-ConsentTable"})

    assert registry.take(Call("dynamodb", "POST", "/", "GetItem", state)) is None
    assert registry.take(Call("dynamodb", "POST", "/", "PutItem", consent)) is None
    assert registry.take(Call("dynamodb", "POST", "/", "PutItem", state)) is not None


def test_given_a_probability_when_drawn_with_one_seed_then_the_draws_repeat_after_clear() -> None:
    spec = parse({"target": "sqs", "action": "reset", "probability": 0.5})
    registry = FaultRegistry(seed=7)
    registry.add(spec)
    first = [registry.take(Call("sqs", "POST", "/")) is not None for _ in range(40)]
    registry.clear()
    registry.add(spec)
    again = [registry.take(Call("sqs", "POST", "/")) is not None for _ in range(40)]

    assert first == again
    assert 5 < sum(first) < 35  # drawn, not all or nothing


def test_given_faults_when_cleared_then_none_is_left() -> None:
    registry = FaultRegistry()
    registry.add(parse({"target": "hubspot", "action": "reset"}))

    registry.clear()

    assert registry.snapshot() == []
    assert registry.take(Call("hubspot", "GET", "/crm/v3/objects/deals/1")) is None


def test_given_many_threads_when_a_fault_has_ten_uses_then_exactly_ten_fire() -> None:
    registry = FaultRegistry()
    registry.add(parse({"target": "twilio", "action": "reset", "times": 10}))
    fired: list[bool] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(50):
            hit = registry.take(TWILIO_CREATE) is not None
            with lock:
                fired.append(hit)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sum(fired) == 10
    assert registry.snapshot()[0]["matched"] == 400


@pytest.mark.parametrize(
    ("body", "hold", "reset"),
    [
        ({"target": "twilio", "action": "timeout"}, 15.0, False),
        ({"target": "twilio", "action": "timeout", "delay_ms": 2500}, 2.5, False),
        ({"target": "twilio", "action": "reset"}, 0.0, True),
        ({"target": "twilio", "action": "drop_response"}, 0.0, True),
    ],
)
def test_given_a_connection_fault_when_carried_out_then_it_holds_and_resets_as_documented(
    body: dict[str, object], hold: float, reset: bool
) -> None:
    abort = abort_for(parse(body))

    assert (abort.hold_s, abort.reset) == (hold, reset)
