"""What became of an event (one vocabulary for outcomes, metrics and logs; light on purpose: the
webhooks' observability imports it, not the whole model)."""

from __future__ import annotations

import enum


class Outcome(enum.StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"
    DEFERRED = "deferred"  # held back until a send window opens or a cap frees: comes back by itself
    DUPLICATE = "duplicate"
    IGNORED = "ignored"  # no rule wants this change
    ROUTED = "routed"  # a reply logged on its record (and a task created when its intent wants one)
    RETRIED = "retried"  # a batch's event that failed for now (never recorded): its queue message comes back


LOG_PENDING = "pending"  # details["log"] of a SENT outcome whose CRM log failed for now: it is retried
LOG_FAILED = "failed"  # details["log"] of a SENT outcome whose CRM log was refused for good: alarmed
