"""Deferrals through EventBridge Scheduler: one one-time schedule per held-back message.

``at(...)`` in UTC, target the trigger queue (the event comes back with its own key and is judged
again), deleted by the service after it runs. The name is derived from the slot and the instant,
so a redelivered event that is deferred again to the same instant creates nothing new.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from textloop.adapters.dynamo_table import CLIENT_CONFIG
from textloop.domain.errors import StoreUnavailable
from textloop.domain.ports import Deferral
from textloop.schemas import deferred_body

NAME_PREFIX = "tl-"


def schedule_name(slot_key: str, not_before: datetime) -> str:
    digest = hashlib.sha256(f"{slot_key}|{at_expression(not_before)}".encode()).hexdigest()
    return NAME_PREFIX + digest[:40]  # [0-9a-zA-Z-_.]{1,64}


def at_expression(moment: datetime) -> str:
    """``at(yyyy-mm-ddThh:mm:ss)`` in UTC, rounded up to the second (never early)."""
    utc = moment.astimezone(UTC)
    if utc.microsecond:
        utc = utc.replace(microsecond=0) + timedelta(seconds=1)
    return f"at({utc.strftime('%Y-%m-%dT%H:%M:%S')})"


class SchedulerDeferrals:
    def __init__(
        self, group: str, target_arn: str, role_arn: str, client: Any = None, dead_letter_arn: str = ""
    ) -> None:
        self.dead_letter_arn = dead_letter_arn
        self.group = group
        self.target_arn = target_arn
        self.role_arn = role_arn
        self.client = client or boto3.client("scheduler", config=CLIENT_CONFIG)

    def _target(self, deferral: Deferral) -> dict[str, Any]:
        target: dict[str, Any] = {
            "Arn": self.target_arn,
            "RoleArn": self.role_arn,
            "Input": deferred_body(deferral.event),
            "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
        }
        if self.dead_letter_arn:  # what Scheduler cannot deliver is kept (and alarmed), never dropped
            target["DeadLetterConfig"] = {"Arn": self.dead_letter_arn}
        return target

    def schedule(self, deferral: Deferral) -> str:
        name = schedule_name(deferral.slot_key, deferral.not_before)
        try:
            self.client.create_schedule(
                Name=name,
                GroupName=self.group,
                ScheduleExpression=at_expression(deferral.not_before),
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                Target=self._target(deferral),
                ActionAfterCompletion="DELETE",
                Description=f"Textloop deferral of {deferral.event_key}"[:512],
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code != "ConflictException":  # already scheduled (a redelivery): nothing to do
                raise StoreUnavailable(f"Scheduler CreateSchedule failed: {code}", code=code) from None
        except BotoCoreError as exc:
            raise StoreUnavailable(f"Scheduler CreateSchedule failed: {type(exc).__name__}") from None
        return name
