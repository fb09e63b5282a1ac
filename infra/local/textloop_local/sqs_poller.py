"""The Lambda SQS event source mapping, locally: poll, invoke with real SQS records, delete.

Semantics reproduced:

* records as Lambda builds them (``messageId``, ``receiptHandle``, ``body``, ``attributes`` with
  ``ApproximateReceiveCount``/``SentTimestamp``/``SenderId``/``ApproximateFirstReceiveTimestamp``,
  ``messageAttributes`` in the Lambda shape, ``md5OfBody``, ``eventSource``, ``eventSourceARN``,
  ``awsRegion``), up to ``BatchSize`` per invocation: more than SQS' 10 per receive are gathered by
  further receives within ``MaximumBatchingWindowInSeconds``, as Lambda's poller does (locally the
  window also closes as soon as a receive finds the queue empty: waiting gains nothing here);
* with ``ReportBatchItemFailures``: the messages named in ``batchItemFailures`` stay on the queue,
  the others are deleted; an invalid response (an unknown or empty ``itemIdentifier``) fails the
  whole batch, as Lambda does; without it any successful return deletes the batch;
* a handler exception fails the whole batch (nothing deleted);
* redelivery after the visibility timeout (short locally: ``visibility_timeout`` seconds on every
  receive, so retries happen fast) and the queue's redrive policy (moto moves a message to the
  DLQ on the receive after ``maxReceiveCount``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from textloop_local.lambda_context import REGION, LocalFunction

log = logging.getLogger("textloop_local.sqs")


@dataclass
class QueueBinding:
    queue_url: str
    queue_arn: str
    function: LocalFunction
    batch_size: int = 10
    report_batch_item_failures: bool = True
    batching_window: float = 0.0  # seconds (MaximumBatchingWindowInSeconds) to gather up to batch_size

    @property
    def name(self) -> str:
        return self.queue_arn.rsplit(":", 1)[-1]


def _lambda_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """SQS API MessageAttributeValue → the camelCase shape Lambda puts in the event."""
    out: dict[str, Any] = {"dataType": value.get("DataType", "String")}
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        import base64

        raw = value["BinaryValue"]
        out["binaryValue"] = base64.b64encode(raw).decode() if isinstance(raw, bytes | bytearray) else raw
    out["stringListValues"] = value.get("StringListValues", [])
    out["binaryListValues"] = value.get("BinaryListValues", [])
    return out


def to_record(message: dict[str, Any], binding: QueueBinding) -> dict[str, Any]:
    attrs = dict(message.get("Attributes") or {})
    attributes = {
        k: attrs[k]
        for k in (
            "ApproximateReceiveCount",
            "SentTimestamp",
            "SenderId",
            "ApproximateFirstReceiveTimestamp",
            "SequenceNumber",
            "MessageGroupId",
            "MessageDeduplicationId",
            "AWSTraceHeader",
        )
        if k in attrs
    }
    attributes.setdefault("ApproximateReceiveCount", "1")
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": attributes,
        "messageAttributes": {
            k: _lambda_attribute(v) for k, v in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": binding.queue_arn,
        "awsRegion": REGION,
    }


def failed_ids(result: Any, records: list[dict[str, Any]], report_failures: bool) -> set[str]:
    """The message ids to leave on the queue after the handler returned *result*."""
    all_ids = {r["messageId"] for r in records}
    if not report_failures or result is None:
        return set()
    if not isinstance(result, dict):
        return set()  # Lambda treats a non-conforming response as success
    failures = result.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return all_ids
    ids: set[str] = set()
    for item in failures:
        ident = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not ident or ident not in all_ids:
            log.warning("invalid batchItemFailures entry %r: the whole batch fails", item)
            return all_ids
        ids.add(ident)
    return ids


class SqsPoller:
    def __init__(
        self,
        sqs_client: Any,
        bindings: list[QueueBinding],
        *,
        visibility_timeout: int = 2,
        wait_time_seconds: int = 1,
    ) -> None:
        self._sqs = sqs_client
        self.bindings = bindings
        self.visibility_timeout = visibility_timeout
        self.wait_time_seconds = wait_time_seconds
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._busy = 0
        self._busy_lock = threading.Condition()
        # Every record handed to a function, with what became of it (observed, for the demo).
        self.deliveries: list[dict[str, Any]] = []
        self.stats: dict[str, dict[str, int]] = {
            b.name: {"batches": 0, "records": 0, "deleted": 0, "failed": 0, "errors": 0} for b in bindings
        }

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> SqsPoller:
        for binding in self.bindings:
            thread = threading.Thread(
                target=self._run, args=(binding,), name=f"sqs-{binding.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=timeout)
        self._threads.clear()

    # --- polling --------------------------------------------------------------------------

    def _run(self, binding: QueueBinding) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once(binding)
            except Exception:  # the mapping keeps polling whatever happens
                if self._stop.is_set():
                    return
                log.exception("polling %s failed", binding.name)
                self._stop.wait(1.0)

    def poll_once(self, binding: QueueBinding) -> int:
        """Receive one batch and invoke the function with it; returns the number of records."""
        with self._busy_lock:
            self._busy += 1
        try:
            messages = self._receive(binding, 10, self.wait_time_seconds)
            deadline = time.monotonic() + binding.batching_window
            while messages and len(messages) < binding.batch_size and time.monotonic() < deadline:
                more = self._receive(binding, min(10, binding.batch_size - len(messages)), 0)
                if not more:
                    break  # the queue has nothing more now: locally, waiting out the window gains nothing
                messages += more
            if messages:
                self._invoke(binding, messages)
            return len(messages)
        finally:
            with self._busy_lock:
                self._busy -= 1
                self._busy_lock.notify_all()

    def _receive(self, binding: QueueBinding, most: int, wait: int) -> list[dict[str, Any]]:
        response = self._sqs.receive_message(
            QueueUrl=binding.queue_url,
            MaxNumberOfMessages=max(1, min(binding.batch_size, most)),
            WaitTimeSeconds=wait,
            VisibilityTimeout=self.visibility_timeout,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages") or [])

    def _invoke(self, binding: QueueBinding, messages: list[dict[str, Any]]) -> None:
        stats = self.stats[binding.name]
        records = [to_record(m, binding) for m in messages]
        stats["batches"] += 1
        stats["records"] += len(records)
        try:
            result = binding.function.invoke({"Records": records})
        except Exception as exc:
            self._log_deliveries(
                binding, records, {r["messageId"] for r in records}, error=type(exc).__name__
            )
            stats["errors"] += 1
            stats["failed"] += len(records)
            log.warning(
                "%s raised %s on a batch of %d from %s: whole batch left for redelivery",
                binding.function.logical_id,
                type(exc).__name__,
                len(records),
                binding.name,
                exc_info=True,
            )
            return
        failed = failed_ids(result, records, binding.report_batch_item_failures)
        done = [r for r in records if r["messageId"] not in failed]
        self._log_deliveries(binding, records, failed)
        stats["failed"] += len(failed)
        if failed:
            log.info("%s: %d of %d records left for redelivery", binding.name, len(failed), len(records))
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            self._sqs.delete_message_batch(
                QueueUrl=binding.queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)],
            )
            stats["deleted"] += len(chunk)

    def _log_deliveries(
        self, binding: QueueBinding, records: list[dict[str, Any]], failed: set[str], error: str = ""
    ) -> None:
        at = time.time()
        for record in records:
            self.deliveries.append(
                {
                    "queue": binding.name,
                    "function": binding.function.logical_id,
                    "messageId": record["messageId"],
                    "receiveCount": int(record["attributes"].get("ApproximateReceiveCount", "1")),
                    "body": record["body"],
                    "result": "error" if error else ("failed" if record["messageId"] in failed else "ok"),
                    "error": error,
                    "at": at,
                }
            )

    # --- quiescence -----------------------------------------------------------------------

    def queue_depths(self) -> dict[str, tuple[int, int]]:
        depths: dict[str, tuple[int, int]] = {}
        for binding in self.bindings:
            attrs = self._sqs.get_queue_attributes(
                QueueUrl=binding.queue_url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            depths[binding.name] = (
                int(attrs.get("ApproximateNumberOfMessages", 0)),
                int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)),
            )
        return depths

    def idle(self) -> bool:
        """No handler running and every polled queue empty (visible and in flight)."""
        if any(b.function.in_flight for b in self.bindings):
            return False
        return all(v == 0 and nv == 0 for v, nv in self.queue_depths().values())

    def drain(self, timeout: float = 60.0, settle: float = 0.3) -> bool:
        """Block until every polled queue is empty and no handler runs (twice in a row)."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while time.monotonic() < deadline:
            if self.idle():
                quiet += 1
                if quiet >= 2:
                    return True
            else:
                quiet = 0
            time.sleep(settle)
        log.warning("drain timed out after %.0f s: %s", timeout, json.dumps(self.queue_depths()))
        return False
