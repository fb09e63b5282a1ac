"""``textloop``: the local tooling's command line.

textloop serve [--port 8787] [--host 127.0.0.1] [--workdir DIR]   the whole stack on loopback
textloop demo  [--out .textloop/demo]                               scripted scenario + transcript
textloop classify | evaluate-intents | train-intents               the reply classifier, offline
textloop compliance check --jsonl                                   the send-time policy, line by line
textloop privacy export|erase +E164                                 what is held about a number
textloop salesforce render ...                                      the Salesforce project for your org
textloop templates lint [--triggers FILE] [--price-per-segment P]    links, segments, GSM-7, STOP line, cost
textloop report [--stack-url URL | --stack-name NAME] [--out DIR]     the loop measured: HTML charts + CSV
textloop cost [--json] [--reply-rate R] [--meeting-rate M]           AWS $ per million SMS, $ per message/reply/meeting
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path


def _serve(args: argparse.Namespace) -> int:
    from textloop_local.serve import serve

    return serve(port=args.port, host=args.host, workdir=Path(args.workdir) if args.workdir else None)


def _demo(args: argparse.Namespace) -> int:
    from textloop_local.demo import main

    return main(args.out)


def _add_serve(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="run the local stack (moto, emulators, API, queue consumers)")
    p.add_argument("--port", type=int, default=8787, help="API port (0 = any free port; default 8787)")
    p.add_argument("--host", default="127.0.0.1", help="API bind address (default loopback)")
    p.add_argument("--workdir", default=None, help="emulator files (Salesforce CA); default a temp dir")
    p.set_defaults(func=_serve)


def _add_demo(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="play the demo scenario on a fresh local stack and write a transcript")
    p.add_argument("--out", default=".textloop/demo", help="output directory (default .textloop/demo)")
    p.set_defaults(func=_demo)


def _lazy(module: str, adder: str) -> Callable[[argparse._SubParsersAction], None]:  # type: ignore[type-arg]
    """A command whose module is imported only when the parser is built (not at ``import cli``)."""

    def add(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
        getattr(importlib.import_module(f"textloop_local.{module}"), adder)(sub)

    return add


# name -> adds its subparser
COMMANDS: dict[str, Callable[[argparse._SubParsersAction], None]] = {  # type: ignore[type-arg]
    "serve": _add_serve,
    "demo": _add_demo,
    "classify": _lazy("classify", "add_classify"),
    "evaluate-intents": _lazy("classify", "add_evaluate"),
    "train-intents": _lazy("intent_training", "add_train"),
    "compliance": _lazy("compliance", "add_compliance"),
    "privacy": _lazy("privacy", "add_privacy"),
    "salesforce": _lazy("salesforce_render", "add_salesforce"),
    "redrive": _lazy("redrive", "add_redrive"),
    "catch-up": _lazy("catch_up", "add_catch_up"),
    "doctor": _lazy("doctor", "add_doctor"),
    "templates": _lazy("templates_lint", "add_templates"),
    "report": _lazy("report", "add_report"),
    "cost": _lazy("cost", "add_cost"),
    "faults": _lazy("fault_suite", "add_faults"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="textloop", description="Textloop local tooling (never deployed).")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS.values():
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO if args.command == "serve" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not args.verbose:
        for noisy in ("botocore", "boto3", "urllib3", "werkzeug"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
