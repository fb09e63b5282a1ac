"""What every DynamoDB adapter shares: the client configuration, attribute helpers, batch reads and
writes, and ``_Table`` (one port's view of a table, its transport errors translated). Light on purpose:
the webhooks' adapters (``consent_table``, ``message_status``) import this, not every adapter."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from textloop.domain.errors import StoreUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# DynamoDB validates every request itself; client-side validation only costs CPU per call.
CLIENT_CONFIG = Config(parameter_validation=False, retries={"mode": "standard", "max_attempts": 3})
CONDITION_FAILED = "ConditionalCheckFailedException"
MOVE_ATTEMPTS = 5
BATCH_GET, BATCH_WRITE, BATCH_ATTEMPTS = 100, 25, 5


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _epoch(moment: datetime) -> dict[str, str]:
    return {"N": str(int(moment.timestamp()))}


def _s(value: str) -> Any:
    return {"S": value}


@contextmanager
def _translated(what: str) -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise StoreUnavailable(f"DynamoDB {what} failed: {code}", code=code) from None
    except BotoCoreError as exc:
        raise StoreUnavailable(f"DynamoDB {what} failed: {type(exc).__name__}") from None


def _condition_failed(exc: ClientError) -> bool:
    error = exc.response.get("Error", {})
    reasons = exc.response.get("CancellationReasons", [])
    return error.get("Code") == CONDITION_FAILED or any(
        r.get("Code") == "ConditionalCheckFailed" for r in reasons
    )


class _Table:
    """One port's view of a table. Every public method of a subclass is wrapped so that a transport
    failure (a timeout, a dropped connection: botocore's own errors, not DynamoDB's answers) leaves it
    as ``StoreUnavailable``, like a throttle: retried, or taken over by a fallback, never a crash."""

    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        """Built on first use: a cold start pays only for the clients its request needs."""
        if self._client is None:
            self._client = boto3.client("dynamodb", config=CLIENT_CONFIG)
        return self._client

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, member in list(vars(cls).items()):
            if callable(member) and not name.startswith("_"):
                setattr(cls, name, _transport_errors_translated(member))


def _transport_errors_translated(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except BotoCoreError as exc:
            raise StoreUnavailable(f"DynamoDB unreachable: {type(exc).__name__}") from None

    return wrapper


def _key(pk: str, sk: str) -> dict[str, dict[str, str]]:
    return {"pk": _s(pk), "sk": _s(sk)}


def batch_get(client: Any, table: str, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every item of *keys* that exists (consistent reads, 100 keys a call, unprocessed keys retried)."""
    items: list[dict[str, Any]] = []
    for start in range(0, len(keys), BATCH_GET):
        request: dict[str, Any] = {table: {"Keys": keys[start : start + BATCH_GET], "ConsistentRead": True}}
        for attempt in range(BATCH_ATTEMPTS):
            with _translated("BatchGetItem"):
                page = client.batch_get_item(RequestItems=request)
            items += page.get("Responses", {}).get(table, [])
            request = page.get("UnprocessedKeys") or {}
            if not request:
                break
            time.sleep(0.05 * 2**attempt)
        else:
            raise StoreUnavailable("DynamoDB BatchGetItem left keys unprocessed")
    return items


def batch_put(client: Any, table: str, items: list[dict[str, Any]]) -> None:
    """Put every item (25 a call, unprocessed ones retried)."""
    _batch_write(client, table, [{"PutRequest": {"Item": item}} for item in items])


def batch_delete(client: Any, table: str, keys: list[dict[str, Any]]) -> None:
    """Delete every item of *keys* (deleting what is not there is fine)."""
    unique = list({json.dumps(k, sort_keys=True): k for k in keys}.values())
    _batch_write(client, table, [{"DeleteRequest": {"Key": k}} for k in unique])


def _batch_write(client: Any, table: str, requests: list[dict[str, Any]]) -> None:
    for start in range(0, len(requests), BATCH_WRITE):
        pending: dict[str, Any] = {table: requests[start : start + BATCH_WRITE]}
        for attempt in range(BATCH_ATTEMPTS):
            with _translated("BatchWriteItem"):
                page = client.batch_write_item(RequestItems=pending)
            pending = page.get("UnprocessedItems") or {}
            if not pending:
                break
            time.sleep(0.05 * 2**attempt)
        else:
            raise StoreUnavailable("DynamoDB BatchWriteItem left items unprocessed")
