"""Backpressure: vendor rate limits become a wait, not retries burnt into the dead-letter queue.

* ``Throttle``: after a vendor said "too many" (Twilio 429 / 21611, HubSpot's ten-second window), the
  adapter fails its next calls at once, for the time the vendor asked, without calling it again: the
  rest of the batch waits too instead of hammering it.
* ``ApiUsage``: Salesforce's daily API limit read from every response's ``Sforce-Limit-Info:
  api-usage=N/M``; above a share of it (``SALESFORCE_API_USAGE_SHARE``, default 90 %) calls pause for
  ``pause`` seconds, one call then probes whether the usage fell again.
* ``Redeliveries``: a ``Retryable`` with ``retry_after`` (kept in its details, so a batch result carries
  it too) makes that one SQS message invisible for that long (``ChangeMessageVisibility``), so the queue
  redelivers it when the vendor is ready; a message throttled again and again goes back as a fresh,
  delayed copy instead of climbing to the dead-letter queue (see the class).

A delay only ever postpones: the send slot keeps its cooldown and a deferred slot its ``not_before``
(the dispatcher never moves either earlier on a retry), so a retry can never text earlier than allowed.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

log = logging.getLogger(__name__)
SQS_MAX_VISIBILITY = 43_200  # seconds: SQS's limit on a message's visibility timeout (12 h)
SQS_MAX_DELAY = 900  # seconds: SQS's limit on a message's DelaySeconds (15 min)
REQUEUE_FROM_RECEIVE = 3  # a throttled message received this often goes back as a fresh, delayed copy
THROTTLED_AT_MOST = 86_400.0  # seconds since first sent: after a day of rate limits it fails like any other
THROTTLED_SINCE = "textloop_throttled_since"  # message attribute: when the throttled event was first sent
MIN_DELAY = 1  # a retry-after of 0 still waits a second: the vendor just said "too many"
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


def retry_after_header(headers: Mapping[str, str] | None, default: float) -> float:
    """``Retry-After`` in seconds (a number or an HTTP date), else *default*."""
    value = ""
    for name, raw in (headers or {}).items():
        if name.lower() == "retry-after":
            value = str(raw).strip()
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


class Throttle:
    """Blocked until an instant (monotonic): ``wait()`` is the time still to wait, or None."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until = 0.0
        self._lock = threading.Lock()

    def block(self, seconds: float) -> None:
        """Wait at least *seconds* from now (never shortens a wait already running)."""
        with self._lock:
            self._until = max(self._until, self._clock() + max(0.0, seconds))

    def wait(self) -> float | None:
        with self._lock:
            left = self._until - self._clock()
        return left if left > 0 else None


class ApiUsage:
    """One Salesforce org's daily API usage as its responses report it."""

    def __init__(
        self, share: float = 0.9, pause: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if not 0 < share <= 1:
            raise ValueError(f"the API usage share must be in (0, 1], not {share}")
        self.share = share
        self.pause = pause
        self.used: int | None = None
        self.limit: int | None = None
        self._throttle = Throttle(clock)

    def observe(self, header: str | None) -> None:
        """Read ``Sforce-Limit-Info`` (e.g. ``api-usage=18/15000``); above the share, pause calls."""
        match = _USAGE.search(header or "")
        if match is None:
            return
        self.used, self.limit = int(match.group(1)), int(match.group(2))
        if self.limit and self.used / self.limit >= self.share:
            self._throttle.block(self.pause)

    def wait(self) -> float | None:
        """Seconds before the next call may go (None: now). After a pause, one call goes and its
        response says whether the usage is still above the share."""
        return self._throttle.wait()


def redelivery_delay(problem: BaseException | Mapping[str, Any]) -> int | None:
    """Whole seconds a failed queue message should wait: the ``retry_after`` of a Retryable (or of a
    batch result's details), within SQS's bounds; None when the vendor asked for no particular wait."""
    details = problem if isinstance(problem, Mapping) else getattr(problem, "details", None)
    raw = details.get("retry_after") if isinstance(details, Mapping) else None
    if raw in (None, ""):
        return None
    try:
        seconds = float(raw)
    except (TypeError, ValueError):
        return None
    return int(min(SQS_MAX_VISIBILITY, max(MIN_DELAY, -(-seconds // 1))))


def delay_redelivery(client: Any, queue_url: str, receipt_handle: str, seconds: int) -> bool:
    """Make one received message invisible for *seconds* from now. A failure only loses the delay
    (the message comes back after the queue's own visibility timeout): it is logged, never raised."""
    try:
        client.change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )
    except (ClientError, BotoCoreError) as exc:
        log.warning("could not delay a throttled message: %s", type(exc).__name__)
        return False
    return True


class Redeliveries:
    """The queue messages of one batch that a vendor asked to wait (``retry_after``), each for the longest
    wait any of its events asked for.

    Their first redeliveries wait by visibility (``ChangeMessageVisibility``): the message stays failed
    and comes back when the vendor is ready. But every redelivery counts towards the queue's
    ``maxReceiveCount``, and a long rate limit (Salesforce's daily share, a Twilio queue that stays full)
    would push a healthy event into the dead-letter queue. So from its ``REQUEUE_FROM_RECEIVE``-th receive
    on, a throttled message goes back as a fresh copy delayed ``DelaySeconds`` (≤ 15 min; its receive count
    starts again) and the original is acknowledged — for at most ``THROTTLED_AT_MOST`` after it was first
    sent, then it fails like any other and reaches the (alarmed) dead-letter queue. A copy whose original
    also comes back (the Lambda died in between) is one more delivery of the same event: its send slot
    and outcome make it a duplicate, never a second SMS."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self._records = {r["messageId"]: r for r in records if "receiptHandle" in r}
        self.delays: dict[str, int] = {}
        self.requeued: list[str] = []

    def note(self, message_id: str, details: Mapping[str, Any]) -> None:
        delay = redelivery_delay(details)
        if delay is not None and message_id in self._records:
            self.delays[message_id] = max(delay, self.delays.get(message_id, 0))

    def apply(self, client: Any, queue_url: str, failed: Iterable[str] = ()) -> list[str]:
        """Delay each noted message; returns *failed* without the messages requeued as fresh copies
        (those are done: acknowledging them is what resets their receive count)."""
        still: list[str] = []
        failed = list(failed)
        for message_id in dict.fromkeys([*failed, *self.delays]):
            delay = self.delays.get(message_id)
            if delay is not None:
                record = self._records[message_id]
                if self._requeue(client, queue_url, record, delay):
                    self.requeued.append(message_id)
                    continue
                delay_redelivery(client, queue_url, record["receiptHandle"], delay)
            if message_id in failed:
                still.append(message_id)
        return still

    def _requeue(self, client: Any, queue_url: str, record: dict[str, Any], delay: int) -> bool:
        attributes = record.get("attributes") or {}
        receives = int(attributes.get("ApproximateReceiveCount") or 1)
        if receives < REQUEUE_FROM_RECEIVE:
            return False
        kept = (record.get("messageAttributes") or {}).get(THROTTLED_SINCE) or {}
        since = float(
            kept.get("stringValue") or int(attributes.get("SentTimestamp") or 0) / 1000 or time.time()
        )
        if time.time() - since > THROTTLED_AT_MOST:
            return False
        try:
            client.send_message(
                QueueUrl=queue_url,
                MessageBody=record["body"],
                DelaySeconds=min(delay, SQS_MAX_DELAY),
                MessageAttributes={THROTTLED_SINCE: {"DataType": "Number", "StringValue": str(int(since))}},
            )
        except (ClientError, BotoCoreError) as exc:
            log.warning("could not requeue a throttled message: %s", type(exc).__name__)
            return False
        return True
