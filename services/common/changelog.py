"""A batch's held-back changelog records, sent straight to the producer.

Faust sends a table write's changelog record through ``Table.send_changelog``:
``Topic.send_soon`` puts it in the producer buffer, whose task publishes it with two
sensor calls, and its acknowledgement runs ``Table._on_changelog_sent``, which writes the
record's offset into the partition's RocksDB as the persisted offset (where recovery
starts reading the changelog). For the few records of each message of a batch, that path
cost more than the sends themselves (~10-13% of the notification stage).

:func:`send` hands a batch's records to the producer as ``Sender.send`` does its outputs:
the key and value prepared by the changelog topic with the table's serializers, the
partition and (empty) headers Faust's path gives them, no timestamp (the producer's
clock), in the order given. :meth:`Sent.acknowledged` waits for all of them; then
:meth:`Sent.persist_offsets` records, for each table partition, the highest offset
acknowledged, once, as ``_on_changelog_sent`` would have done record by record (the
offsets of one partition are acknowledged in order, so Faust's last write was that one).
The sends are counted in Faust's send metrics once per batch (``Sender.count_sent``).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from services.common.batch import ChangelogWrite, TableChangelog
from services.common.sending import Sender


@dataclass
class Sent:
    """The changelog records of one batch handed over, waiting for the broker."""

    #: Sent past Faust's path: the table's changelog and the producer's future.
    direct: list[tuple[TableChangelog, asyncio.Future[Any]]] = field(default_factory=list)
    #: Sent through Faust's ``send_changelog`` (its FutureMessage does the rest).
    through_faust: list[Any] = field(default_factory=list)

    async def acknowledged(self) -> None:
        """Wait until the broker has acknowledged every record (raises if one failed)."""
        pending = [future for _, future in self.direct] + self.through_faust
        if pending:
            await asyncio.gather(*pending)

    def persist_offsets(self) -> None:
        """Record each table partition's highest acknowledged offset in its store.

        As Faust's ``Table._on_changelog_sent`` with at-least-once processing (the only
        guarantee sent here, see :func:`send`): ``set_persisted_offset`` of the table's
        store, with the record's topic partition and offset. RocksDB keeps it beside the
        partition's data; the memory store ignores it.
        """
        highest: dict[tuple[int, Any], tuple[TableChangelog, Any]] = {}
        for changelog, future in self.direct:
            result = future.result()
            slot = (id(changelog), result.topic_partition)
            kept = highest.get(slot)
            if kept is None or result.offset > kept[1].offset:
                highest[slot] = (changelog, result)
        for changelog, result in highest.values():
            changelog.table.data.set_persisted_offset(result.topic_partition, result.offset)

    def count(self, sender: Sender, waited_seconds: float) -> None:
        """Count the direct sends in Faust's send metrics, as its sensors would have."""
        if self.direct:
            by_topic = Counter(changelog.topic_name for changelog, _ in self.direct)
            sender.count_by_topic(by_topic, waited_seconds)


async def send(app: Any, writes: Sequence[ChangelogWrite], sent: Sent | None = None) -> Sent:
    """Hand ``writes`` to the producer, in their order; what to wait for, in ``sent``."""
    sent = Sent() if sent is None else sent
    # With exactly-once processing, Faust sends through the transaction of the event's
    # partition and records offsets on commit (``persist_offset_on_commit``): its path.
    direct_ok = not app.in_transaction
    producer = app.producer if direct_ok else None
    for _, send_changelog, args, kwargs in writes:
        if producer is None or not isinstance(send_changelog, TableChangelog):
            # Not a service table's writer (a unit test's), or a transaction: Faust's path.
            sent.through_faust.append(send_changelog(*args, **kwargs))
            continue
        sent.direct.append((send_changelog, await _send(producer, send_changelog, args, kwargs)))
    return sent


async def _send(
    producer: Any, changelog: TableChangelog, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> asyncio.Future[Any]:
    """One record as ``Table.send_changelog`` and ``Topic.publish_message`` send it."""
    partition, key, value = args
    table, topic = changelog.table, changelog.topic
    key_serializer = kwargs.get("key_serializer")
    if key_serializer is None:
        key_serializer = table.key_serializer
    value_serializer = kwargs.get("value_serializer")
    if value_serializer is None:
        value_serializer = table.value_serializer
    # Channel.as_future_message: headers, key, value, then the partition (eagerly).
    headers = topic.prepare_headers(None)
    final_key, headers = topic.prepare_key(key, key_serializer, None, headers)
    final_value, headers = topic.prepare_value(value, value_serializer, None, headers)
    if partition is None:
        partition = producer.key_partition(changelog.topic_name, final_key).partition
    future = await producer.send(
        changelog.topic_name, final_key, final_value,
        partition=partition, timestamp=None, headers=headers,
    )  # fmt: skip
    return future  # type: ignore[no-any-return]
