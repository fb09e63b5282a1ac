"""Which CRM properties the trigger rules watch, read without pydantic: the webhook's cheap
pre-filter must not pay for the validation that the dispatcher does at its own cold start."""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_TRIGGERS_FILE = Path(__file__).resolve().parent.parent / "triggers.default.json"


def watched_properties(crm: str, path: str | Path | None = None) -> frozenset[tuple[str, str]]:
    """``{(object_type, field), ...}`` of the rules for *crm* in the triggers file."""
    config = json.loads(Path(path or DEFAULT_TRIGGERS_FILE).read_text(encoding="utf-8"))
    return frozenset((rule["object_type"], rule["field"]) for rule in config["rules"] if rule["crm"] == crm)
