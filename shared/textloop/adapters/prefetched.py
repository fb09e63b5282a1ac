"""The contexts a CRM gateway's ``prefetch`` loaded in bulk, kept for one dispatcher batch only.

``load_context`` asks here first. Three rules keep a decision from ever using stale context:

* a prefetch starts afresh: it drops whatever an earlier batch left (read or not) before it reads;
* a context answers one ``load_context`` only (taken, not read): a second event for the same record in
  the same batch reads the CRM again, as a retry does;
* everything expires ``ttl`` seconds after the prefetch (a batch is one Lambda invocation: 90 s at most
  by the template), so leftovers of a batch never reach a later one, even one this gateway's
  ``prefetch`` is not called for.

The key is the record with the exact fields and recipient role asked for: a context read for other
fields or another role never answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence

from textloop.domain.model import MessageContext, RecordRef

PREFETCH_TTL = 90.0  # seconds: the dispatcher's timeout (template.yaml); a batch never lasts longer
BATCH_LIMIT = {"salesforce": 200, "hubspot": 100}  # ids per bulk read: SOQL IN (our cap), HubSpot batch

Key = tuple[RecordRef, tuple[str, ...], str]


def key(record: RecordRef, fields: Sequence[str], recipient_role: str | None) -> Key:
    return record, tuple(fields), recipient_role or ""


class PrefetchedContexts:
    def __init__(self, ttl: float = PREFETCH_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._contexts: dict[Key, MessageContext] = {}
        self._until = 0.0

    def begin(self) -> None:
        """A new batch: nothing of an earlier one is kept."""
        self._contexts = {}
        self._until = self._clock() + self._ttl

    def put(self, context: MessageContext, fields: Sequence[str], recipient_role: str | None) -> None:
        self._contexts[key(context.record, fields, recipient_role)] = context

    def take(
        self, record: RecordRef, fields: Sequence[str], recipient_role: str | None
    ) -> MessageContext | None:
        """The prefetched context (once), or None: not prefetched, already taken, or expired."""
        if not self._contexts:
            return None
        if self._clock() >= self._until:
            self._contexts = {}
            return None
        return self._contexts.pop(key(record, fields, recipient_role), None)

    def __len__(self) -> int:
        return len(self._contexts)


def chunks(ids: Sequence[str], size: int) -> list[list[str]]:
    """*ids* without duplicates, in order, in lists of at most *size*."""
    unique = list(dict.fromkeys(ids))
    return [unique[i : i + size] for i in range(0, len(unique), size)]


def bulk_reads(
    records: Iterable[RecordRef], type_of: Callable[[RecordRef], str], size: int
) -> Iterator[tuple[str, dict[str, RecordRef]]]:
    """*records* grouped by their CRM object type, in chunks of at most *size* ids: what one bulk read
    takes (id → record, duplicates once)."""
    wanted: dict[str, dict[str, RecordRef]] = {}
    for record in records:
        wanted.setdefault(type_of(record), {})[record.record_id] = record
    for kind, refs in wanted.items():
        for ids in chunks(list(refs), size):
            yield kind, {i: refs[i] for i in ids}
