"""EventBridge Scheduler's part on the local stack: moto keeps the schedules (the product creates
them through the real API), this fires them. A one-time ``at(...)`` schedule that is due puts its
target input on its SQS target, then is deleted (``ActionAfterCompletion: DELETE``), as AWS does.

The clock is injectable: tests move it forward by hand; ``textloop serve`` uses the real one.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger("textloop_local.scheduler")

_AT = re.compile(r"^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$")


def due_at(expression: str) -> datetime | None:
    """The instant of a one-time ``at(...)`` expression (UTC), None for rate/cron expressions."""
    match = _AT.match(expression or "")
    return datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC) if match else None


class ScheduleFirer:
    def __init__(
        self,
        scheduler: Any,
        sqs: Any,
        queue_urls: dict[str, str],  # target ARN -> queue URL
        group: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.scheduler, self.sqs, self.queue_urls, self.group, self.clock = (
            scheduler,
            sqs,
            queue_urls,
            group,
            clock,
        )
        self.fired: list[dict[str, str]] = []  # name, due, fired_at: what happened, for the demo and tests
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def pending(self) -> list[dict[str, Any]]:
        """Every schedule of the group, with its due instant."""
        names = [s["Name"] for s in self.scheduler.list_schedules(GroupName=self.group)["Schedules"]]
        schedules = [self.scheduler.get_schedule(GroupName=self.group, Name=n) for n in names]
        return sorted(schedules, key=lambda s: str(s.get("ScheduleExpression")))

    def fire_due(self) -> list[str]:
        now = self.clock()
        fired = []
        for schedule in self.pending():
            due = due_at(schedule.get("ScheduleExpression", ""))
            if due is None or due > now:
                continue
            target = schedule["Target"]
            self.sqs.send_message(QueueUrl=self.queue_urls[target["Arn"]], MessageBody=target["Input"])
            if schedule.get("ActionAfterCompletion") == "DELETE":
                self.scheduler.delete_schedule(GroupName=self.group, Name=schedule["Name"])
            self.fired.append({"name": schedule["Name"], "due": due.isoformat(), "fired_at": now.isoformat()})
            fired.append(schedule["Name"])
        return fired

    def start(self, interval: float = 1.0) -> ScheduleFirer:
        def run() -> None:
            while not self._stop.wait(interval):
                try:
                    self.fire_due()
                except Exception:  # a local runner keeps going; the next tick tries again
                    log.exception("firing due schedules failed")

        self._thread = threading.Thread(target=run, name="local-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
