"""A producer's records for a topic it knew at start-up are sent after it first writes to a
newer topic (aiokafka 0.14's metadata, fixed in ``services.common.faust_fixes``).

aiokafka's client starts knowing every topic (its first metadata request asks for all), and
``_wait_on_metadata`` adds a topic to the ones it keeps asking about only when it does not
know the topic yet. The first write to a topic created after the start adds that one
topic, and the metadata refresh it forces asks for it alone: every other topic drops out of
the client's metadata. A batch already waiting for one of them then has no leader, and the
sender asks again and again for the same one topic; nothing else brings the topic back
until something else is written to it. In a service whose next batch waits for this one's
commit, nothing is: seen in ``xinfang bench`` as notification stopped by its stuck-handler
watchdog after 28 s (exit 75), a changelog batch "waiting" with nothing in flight.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaProducer  # type: ignore[import-untyped]
from kafka.admin import KafkaAdminClient, NewTopic

from services.common import faust_fixes
from services.devtools.kafka_local import KafkaLocal

pytestmark = pytest.mark.integration


def _create(bootstrap: str, name: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="xinfang-test")
    try:
        admin.create_topics([NewTopic(name, num_partitions=2, replication_factor=1)])
    finally:
        admin.close()


async def _known_topic_after_a_new_one(bootstrap: str) -> None:
    known, newer = f"m{uuid.uuid4().hex[:10]}.known", f"m{uuid.uuid4().hex[:10]}.newer"
    _create(bootstrap, known)
    # The linger keeps the known topic's batch in the accumulator while the newer topic's
    # first write refreshes the metadata (as a service's batch waits for its linger).
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=1500, acks="all")
    await producer.start()
    try:
        # A refresh asking for every topic (the client tracks none yet): it knows `known`.
        await producer.client.force_metadata_update()
        assert known in producer.client.cluster.topics()
        _create(bootstrap, newer)
        waiting = await producer.send(known, b"a", key=b"k")
        await producer.send(newer, b"b", key=b"k")
        await asyncio.wait_for(waiting, timeout=15)
    finally:
        await producer.stop()


def test_a_batch_for_a_known_topic_is_sent_after_a_newer_topic_is_first_written(
    kafka: KafkaLocal,
) -> None:
    faust_fixes.apply()
    asyncio.run(_known_topic_after_a_new_one(kafka.bootstrap))
