"""What the bench observes: the broker's offsets and records, and the processes' /proc."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from services.bench.figures import cpu_ticks, peak_rss_bytes

TICKS_PER_SECOND: int = os.sysconf("SC_CLK_TCK")


class Offsets:
    """End offsets of topics and committed offsets of groups, over long-lived clients."""

    def __init__(self, bootstrap: str) -> None:
        self._admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="xinfang-bench")
        self._consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="xinfang-bench")
        self._partitions: dict[str, list[TopicPartition]] = {}
        self._committed: dict[tuple[str, str], int] = {}

    def close(self) -> None:
        self._consumer.close()
        self._admin.close()

    def partitions(self, topic: str) -> list[TopicPartition]:
        if topic not in self._partitions:
            numbers = self._consumer.partitions_for_topic(topic) or set()
            if not numbers:
                return []  # not known yet: ask again next time
            self._partitions[topic] = [TopicPartition(topic, n) for n in sorted(numbers)]
        return self._partitions[topic]

    def end(self, topic: str) -> int:
        """Records written to ``topic`` (its topics are new: every one starts at offset 0)."""
        tps = self.partitions(topic)
        return sum(self._consumer.end_offsets(tps).values()) if tps else 0

    def committed(self, group: str, topic: str) -> int:
        """The sum of ``group``'s committed offsets on ``topic`` (0 before its first commit)."""
        try:
            offsets = self._admin.list_group_offsets({group: None}).get(group, {})
        except KafkaError:
            # The group's coordinator is loading or moving: the last answer still holds.
            return self._committed.get((group, topic), 0)
        total: int = sum(max(meta.offset, 0) for tp, meta in offsets.items() if tp.topic == topic)
        self._committed[group, topic] = total
        return total


@dataclass(frozen=True)
class TimedRecord:
    """A record's timestamp (milliseconds since the epoch) and value."""

    timestamp_ms: int
    value: bytes | None


def read_timed(bootstrap: str, topic: str, timeout_s: float = 30.0) -> list[TimedRecord]:
    """Every record of ``topic`` up to its current end, with its timestamp."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id="xinfang-bench",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 << 20,
    )
    try:
        tps = [TopicPartition(topic, n) for n in sorted(consumer.partitions_for_topic(topic) or ())]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        remaining = {tp for tp in tps if ends[tp] > 0}
        records: list[TimedRecord] = []
        while remaining:
            batch = consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=10_000)
            if not batch:
                raise TimeoutError(f"{topic}: no records for {timeout_s:.0f}s before its end")
            for tp, messages in batch.items():
                records.extend(TimedRecord(m.timestamp, m.value) for m in messages)
                if consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        return records
    finally:
        consumer.close()


@dataclass(frozen=True)
class ProcessProbe:
    """CPU time and peak memory of one OS process, from /proc."""

    pid: int

    def _read(self, name: str) -> str:
        return Path(f"/proc/{self.pid}/{name}").read_text(encoding="ascii", errors="replace")

    def cpu_ticks(self) -> int:
        return cpu_ticks(self._read("stat"))

    def peak_rss_bytes(self) -> int:
        return peak_rss_bytes(self._read("status"))
