"""Reading a topic back from the beginning to its current end (demo, tests, operators)."""

from __future__ import annotations

from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


def end_offsets(bootstrap: str, topics: list[str]) -> dict[str, int]:
    """Messages written so far per topic (sum over partitions of end - beginning)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="xinfang-readback")
    try:
        totals: dict[str, int] = {}
        for topic in topics:
            partitions = consumer.partitions_for_topic(topic) or set()
            tps = [TopicPartition(topic, p) for p in partitions]
            ends = consumer.end_offsets(tps) if tps else {}
            begins = consumer.beginning_offsets(tps) if tps else {}
            totals[topic] = sum(ends[tp] - begins[tp] for tp in tps)
        return totals
    finally:
        consumer.close()


def read_all(bootstrap: str, topic: str, timeout_s: float = 30.0) -> list[Record]:
    """Every message now in ``topic``, in partition and offset order."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        client_id="xinfang-readback",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        consumer_timeout_ms=int(timeout_s * 1000),
    )
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        ends = consumer.end_offsets(tps)
        remaining = {tp for tp in tps if ends[tp] > consumer.position(tp)}
        records: list[Record] = []
        while remaining:
            batch = consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=5000)
            if not batch:
                break
            for tp, messages in batch.items():
                for message in messages:
                    records.append(
                        Record(topic, tp.partition, message.offset, message.key, message.value)
                    )
                if consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        consumer.close()
