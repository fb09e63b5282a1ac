"""``textloop compliance check --jsonl [--default-window 08:00-21:00]``: the send-time policy on stdin.

Each stdin line is a request ``{"to", "at", "purpose", "recipient_tz", "state",
"sent_24h_same_subject"}`` (the last three optional or null); each answer is one stdout line
``{"decision", "not_before", "reason"}``, computed by ``textloop.domain.send_time.decide_json`` (the
code the dispatcher uses). A bad line is answered ``{"error": "..."}``, the other lines still are,
and the exit code is then 1. Blank lines are skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from textloop.domain.send_time import SendTimePolicy, decide_json


def check(stdin: TextIO, stdout: TextIO, policy: SendTimePolicy) -> int:
    failed = False
    for number, raw in enumerate(stdin, start=1):
        if not raw.strip():
            continue
        try:
            answer = decide_json(json.loads(raw), policy)
        except json.JSONDecodeError as exc:
            answer, failed = {"error": f"line {number}: not JSON: {exc}"}, True
        except ValueError as exc:
            answer, failed = {"error": f"line {number}: {exc}"}, True
        stdout.write(json.dumps(answer) + "\n")
        stdout.flush()
    return 1 if failed else 0


def _policy(text: str) -> SendTimePolicy:
    try:
        return SendTimePolicy.with_default_window(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _check(args: argparse.Namespace) -> int:
    return check(sys.stdin, sys.stdout, args.default_window)


def add_compliance(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("compliance", help="send-time compliance policy (quiet hours, state rules, caps)")
    actions = p.add_subparsers(dest="compliance_command", required=True)
    c = actions.add_parser("check", help="decide each JSONL request on stdin; one JSON answer per line")
    c.add_argument("--jsonl", action="store_true", required=True, help="JSON Lines in and out")
    c.add_argument(
        "--default-window",
        type=_policy,
        default=SendTimePolicy(),
        metavar="HH:MM-HH:MM",
        help="the window every message obeys, local time, half-open (default 08:00-21:00)",
    )
    c.set_defaults(func=_check)
