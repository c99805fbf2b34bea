"""The plain Kafka producer of operators' commands and tools (submit, replay, tombstones)."""

from __future__ import annotations

from kafka import KafkaProducer


def make_producer(bootstrap: str) -> KafkaProducer:
    """A producer that waits for every in-sync replica and never writes a message twice."""
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        client_id="xinfang-submit",
    )
