"""moto's DynamoDB ``TransactWriteItems`` without its whole-table copy (local tooling only).

moto 5 backs up every table a transaction names with ``copy.deepcopy(table)`` before it runs, so that it can
roll back: each transaction costs time in proportion to everything the table holds. The dispatcher writes
its send slot and outcome in transactions, so a 10,000-event burst (bench_burst.py) spends its time copying
tens of thousands of items per message, and the copy races with the server's other threads
("dictionary changed size during iteration"). This keeps moto's semantics — all or nothing, the same
errors and cancellation reasons — but backs up only the items the transaction touches, and restores those.

The body follows moto 5.2's ``DynamoDBBackend.transact_write_items`` (Apache License 2.0,
github.com/getmoto/moto, moto/dynamodb/models/__init__.py); only the backup and the rollback differ.

Other costs moto 5.2 pays in proportion to everything it holds, each on every request, which make a burst
quadratic (none of them exists on AWS, where these calls cost the same whatever the table or queue holds):

* DynamoDB ``Query`` on a table's own key lists and sorts *every item of the table*, then keeps those of
  the partition asked for: here it reads only that partition (the same items, in the same order, the same
  paging, filters and projections: moto's own ``Table.query`` runs on them). Index queries are unchanged.
* SQS ``ReceiveMessage`` checks each message it hands out against the retention period by computing *all*
  the queue's attributes three times (each approximate count a pass over every message, calling
  ``utcnow()`` per message); here it reads the retention period itself. ``GetQueueAttributes`` computes
  the attributes once per call instead of three times per name, and the visible / in-flight / delayed
  filters read the clock once per pass instead of once per message.
* SQS ``DeleteMessageBatch`` scans the queue twice per receipt handle; here once per batch, with the same
  results (already-deleted handles succeed, unknown ones fail with ``ReceiptHandleIsInvalid``).

And one race: moto's threaded server takes no lock, so two requests writing the same item at once (a status
callback and the dispatcher on one message record) can fail with a 500 ("dictionary changed size during
iteration" while one deep-copies the item the other updates). DynamoDB applies each request to an item
atomically; here each DynamoDB request runs under one lock (the GIL already serialises them: no cost).
"""

from __future__ import annotations

import copy
import threading
from typing import Any

_applied = False


def apply() -> None:
    """Replace moto's ``transact_write_items`` (idempotent)."""
    global _applied
    if _applied:
        return
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler
    from moto.sqs.models import Queue, SQSBackend

    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
    Table.query = _partition_query(Table.query)  # type: ignore[method-assign]
    Queue.messages = property(_visible_messages)  # type: ignore[method-assign,assignment]
    Queue.approximate_number_of_messages_delayed = property(_delayed_count)  # type: ignore[method-assign,assignment]
    Queue.approximate_number_of_messages_not_visible = property(_in_flight_count)  # type: ignore[method-assign,assignment]
    SQSBackend.get_queue_attributes = _get_queue_attributes  # type: ignore[method-assign]
    SQSBackend.is_message_valid_based_on_retention_period = _within_retention  # type: ignore[method-assign]
    SQSBackend.delete_message_batch = _delete_message_batch  # type: ignore[method-assign]
    DynamoHandler.call_action = _one_at_a_time(DynamoHandler.call_action)  # type: ignore[method-assign]
    _applied = True


def _one_at_a_time(original: Any) -> Any:
    lock = threading.Lock()

    def call_action(self: Any) -> Any:
        with lock:
            return original(self)

    return call_action


# --- DynamoDB Query: one partition, not the whole table ----------------------------------------------------


def _partition_query(original: Any) -> Any:
    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("index_name") or hash_key is None:
            return original(self, hash_key, *args, **kwargs)
        view = copy.copy(self)  # shallow: the same items, seen through a table holding one partition
        view.items = {hash_key: self.items[hash_key]} if hash_key in self.items else {}
        return original(view, hash_key, *args, **kwargs)

    return query


# --- SQS: the clock read once per pass, the attributes computed once per call ------------------------------


def _now_ms() -> float:
    from moto.core.utils import unix_time_millis

    return unix_time_millis()


def _visible_messages(self: Any) -> list[Any]:
    now = _now_ms()  # Message.visible and .delayed, with one reading of the clock
    return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]


def _delayed_count(self: Any) -> int:
    now = _now_ms()
    return sum(1 for m in self._messages if now < m.delayed_until)


def _in_flight_count(self: Any) -> int:
    now = _now_ms()
    return sum(1 for m in self._messages if not now > m.visible_at)


def _get_queue_attributes(self: Any, queue_name: str, attribute_names: list[str]) -> dict[str, Any]:
    from moto.sqs.exceptions import InvalidAttributeName

    queue = self.get_queue(queue_name)
    if not attribute_names:
        return {}
    valid_names = ["All", *queue.BASE_ATTRIBUTES, *queue.FIFO_ATTRIBUTES, *queue.KMS_ATTRIBUTES]
    invalid_name = next((name for name in attribute_names if name not in valid_names), None)
    if invalid_name or invalid_name == "":
        raise InvalidAttributeName(invalid_name)
    computed = queue.attributes  # moto computes this three times per name
    if "All" in attribute_names:
        return dict(computed)
    return {name: computed[name] for name in attribute_names if computed.get(name) is not None}


def _within_retention(self: Any, queue_name: str, message: Any) -> bool:
    from moto.core.utils import unix_time

    retention_period = int(self.get_queue(queue_name).message_retention_period)
    return bool(retention_period + message.sent_timestamp / 1000 > unix_time())


def _delete_message_batch(
    self: Any, queue_name: str, receipts: list[dict[str, Any]]
) -> tuple[list[str], list[dict[str, Any]]]:
    queue = self.get_queue(queue_name)
    wanted = {r["ReceiptHandle"] for r in receipts if r["ReceiptHandle"] not in queue.deleted_messages}
    owners: dict[str, Any] = {}
    if wanted:
        for message in queue._messages:  # one pass for the whole batch
            for handle in message.all_receipt_handles:
                if handle in wanted:
                    owners[handle] = message
    success: list[str] = []
    errors: list[dict[str, Any]] = []
    for receipt in receipts:
        handle = receipt["ReceiptHandle"]
        if handle in owners or handle in queue.deleted_messages:
            success.append(receipt["Id"])
        else:
            errors.append(
                {
                    "Id": receipt["Id"],
                    "SenderFault": True,
                    "Code": "ReceiptHandleIsInvalid",
                    "Message": f'The input receipt handle "{handle}" is not a valid receipt handle.',
                }
            )
    doomed = {id(m): m for m in owners.values()}
    if doomed:
        for message in doomed.values():
            queue.pending_messages.discard(message)
            queue.deleted_messages.update(message.all_receipt_handles)
        queue._messages = [m for m in queue._messages if id(m) not in doomed]
    return success, errors


def _key_of(backend: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any] | None:
    table = backend.tables.get(op.get("TableName"))
    if table is None:
        return None
    if op_type != "Put":
        return op.get("Key")
    attrs = op.get("Item") or {}
    key = {table.hash_key_attr: attrs.get(table.hash_key_attr)}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs.get(table.range_key_attr)
    return key


def _backup(backend: Any, transact_items: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], Any]]:
    """(table, key, a copy of the item or None) for every item the transaction names."""
    saved = []
    for item in transact_items:
        op_type, op = next(iter(item.items()))
        key = _key_of(backend, op_type, op) if isinstance(op, dict) else None
        if key is None or any(v is None for v in key.values()):
            continue
        try:
            current = backend.get_item(op["TableName"], key)
        except Exception:  # noqa: S112 - an invalid key: the transaction itself reports it
            continue
        saved.append((op["TableName"], key, copy.deepcopy(current)))
    return saved


def _restore(backend: Any, saved: list[tuple[str, dict[str, Any], Any]]) -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    for table_name, key, old in reversed(saved):
        table = backend.tables[table_name]
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        if range_value is not None:
            if old is None:
                table.items.get(hash_value, {}).pop(range_value, None)
            else:
                table.items[hash_value][range_value] = old
        elif old is None:
            table.items.pop(hash_value, None)
        else:
            table.items[hash_value] = old


def _transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    saved = _backup(self, transact_items)  # only the items named: not a copy of every table
    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    errors: list[Any] = []
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            check_unicity(table_name, key)
            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition = get_filter_expression(condition_expression, names, values)
                if not condition.expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
            if op_type == "Put":
                self.put_item(
                    table_name,
                    op["Item"],
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    table_name,
                    key,
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Update":
                self.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            _restore(self, saved)
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))
        except Exception as e:  # as moto: any other failure cancels the transaction with its reason
            errors.append((type(e).__name__, str(e), original_item))
    if any(code is not None for code, _, _ in errors):
        _restore(self, saved)
        raise TransactionCanceledException(errors)
