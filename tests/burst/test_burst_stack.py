"""Tier: the local stack as the burst runs it (bench_burst.py): moto in a child process of its own
(moto_process.py) and the app talking to it without the AWS fault proxy. AWS answers over HTTP as before,
the child ends with the stack, and a DynamoDB or SQS fault is refused (it could never fire) rather than
accepted and silently ignored."""

from __future__ import annotations

import json

import pytest
import requests

from textloop_local.serve import LocalStack, StackOptions

pytestmark = pytest.mark.burst


def _post_fault(url: str, fault: dict[str, object]) -> tuple[int, dict[str, object]]:
    answer = requests.post(f"{url}/_local/faults", json=fault, timeout=10)
    return answer.status_code, answer.json()


def test_given_the_burst_stack_when_used_then_moto_answers_from_its_own_process_and_ends_with_it() -> None:
    stack = LocalStack(StackOptions(fire_schedules=False, moto_process=True, aws_fault_proxy=False)).start()
    try:
        child, endpoint, proxy = stack.moto._proc, stack.aws_endpoint, stack.aws_proxy
        tables = stack.client("dynamodb").list_tables()["TableNames"]
        status, body = _post_fault(stack.url, {"target": "dynamodb", "action": "status", "status": 400})
        twilio_status, _ = _post_fault(stack.url, {"target": "twilio", "action": "status", "status": 503})
    finally:
        stack.stop()

    assert child is not None and child.poll() is not None  # the child process ended with the stack
    assert endpoint == stack.moto_endpoint and proxy is None  # the app talks to moto, no proxy between
    assert stack.state_table in tables  # the template's tables were made in the child's moto
    assert status == 400 and "fault proxy" in json.dumps(body)
    assert twilio_status == 201  # the emulators' faults still work
