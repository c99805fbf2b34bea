"""What the bench observes: the broker's offsets and records, and the processes' /proc."""

from __future__ import annotations

import logging
import os
import struct
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from services.bench.figures import cpu_ticks, peak_rss_bytes
from services.bench.window import WorkerHealth

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

    def membership(self, group: str, topic: str) -> Membership | None:
        return membership(self._admin, group, topic)


@dataclass(frozen=True)
class TimedRecord:
    """A record's timestamp (milliseconds since the epoch) and value."""

    timestamp_ms: int
    value: bytes | None


@dataclass(frozen=True)
class StoredRecord:
    """A record to write again into another topic; a partition or timestamp of None is
    left to the producer (its partitioner, the time of sending)."""

    partition: int | None
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


def read_timed(bootstrap: str, topic: str, timeout_s: float = 30.0) -> list[TimedRecord]:
    """Every record of ``topic`` up to its current end, with its timestamp."""
    return [TimedRecord(m.timestamp, m.value) for _, m in _read(bootstrap, topic, timeout_s)]


def read_records(bootstrap: str, topic: str, timeout_s: float = 30.0) -> list[StoredRecord]:
    """Every record of ``topic`` up to its current end, each partition's in order, with
    its partition, timestamp and headers."""
    return [
        StoredRecord(
            partition,
            m.timestamp,
            m.key,
            m.value,
            tuple((name, bytes(value)) for name, value in m.headers or ()),
        )
        for partition, m in _read(bootstrap, topic, timeout_s)
    ]


def _read(bootstrap: str, topic: str, timeout_s: float) -> list[tuple[int, Any]]:
    """(partition, kafka-python's record) of every record of ``topic`` up to its end."""
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
        records: list[tuple[int, Any]] = []
        while remaining:
            batch = consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=10_000)
            if not batch:
                raise TimeoutError(f"{topic}: no records for {timeout_s:.0f}s before its end")
            for tp, messages in batch.items():
                records.extend((tp.partition, m) for m in messages)
                if consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
        return records
    finally:
        consumer.close()


def worker_health(url: str, timeout_s: float = 2.0) -> WorkerHealth | None:
    """A worker's /health page (its 503 too: "starting" says why); None without an answer."""
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout_s) as response:
            body: bytes = response.read()
    except urllib.error.HTTPError as answer:
        body = answer.read()
    except (urllib.error.URLError, OSError):
        return None  # not listening yet
    return WorkerHealth.from_body(body)


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


@dataclass(frozen=True)
class Membership:
    """A consumer group as its coordinator describes it: its state, and each member's
    partitions of one topic (member id, partitions), sorted."""

    state: str
    members: tuple[tuple[str, tuple[int, ...]], ...]

    def settled(self, workers: int, partitions: int) -> bool:
        """Stable, ``workers`` members, each holding some of the topic's ``partitions``,
        every partition held once."""
        held = [p for _, member in self.members for p in member]
        return (
            self.state == "Stable"
            and len(self.members) == workers
            and all(member for _, member in self.members)
            and sorted(held) == list(range(partitions))
        )


def membership(admin: KafkaAdminClient, group: str, topic: str) -> Membership | None:
    """``group``'s state and its members' partitions of ``topic``; None when the
    coordinator cannot say (not loaded yet, or moving)."""
    # kafka-python cannot read Faust's member metadata and says so for every member.
    quiet = logging.getLogger("kafka.admin")
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        described: Any = admin.describe_groups([group])
    except KafkaError:
        return None
    finally:
        quiet.setLevel(level)
    info = described.get(group, {})
    members = []
    for member in info.get("members", []) or []:
        assigned = assigned_partitions(member.get("member_assignment")).get(topic, set())
        members.append((str(member.get("member_id", "")), tuple(sorted(assigned))))
    return Membership(str(info.get("group_state", "")), tuple(sorted(members)))


def assigned_partitions(assignment: object) -> dict[str, set[int]]:
    """A member's assignment, decoded by kafka-python or as the consumer protocol's bytes."""
    if isinstance(assignment, dict):
        return {
            str(entry["topic"]): set(entry["partitions"])
            for entry in assignment.get("assigned_partitions", [])
        }
    if isinstance(assignment, str):  # not decoded: the raw bytes, one char each
        return _decode_assignment(assignment.encode("latin-1"))
    if isinstance(assignment, bytes):
        return _decode_assignment(assignment)
    return {}


def _decode_assignment(raw: bytes) -> dict[str, set[int]]:
    """A consumer-protocol assignment: int16 version, then [topic string, [int32]]."""
    if len(raw) < 6:  # none yet: the group is still forming
        return {}
    offset = 2
    (count,) = struct.unpack_from(">i", raw, offset)
    offset += 4
    topics: dict[str, set[int]] = {}
    for _ in range(count):
        (length,) = struct.unpack_from(">h", raw, offset)
        offset += 2
        topic = raw[offset : offset + length].decode()
        offset += length
        (partitions,) = struct.unpack_from(">i", raw, offset)
        offset += 4
        topics[topic] = set(struct.unpack_from(f">{partitions}i", raw, offset))
        offset += 4 * partitions
    return topics


class GroupWatch:
    """The consumer groups of a phase's services, each of ``workers`` members, watched.

    ``poll`` says whether every group has settled (see ``Membership.settled``); from the
    first time they all have, a group seen otherwise, or settled with other members or
    another split, is a rebalance, counted once until it has settled again.
    """

    def __init__(self, offsets: Offsets, inputs: dict[str, str], workers: int) -> None:
        self.offsets = offsets
        #: Each group's input topic: the one whose partitions its members split.
        self.inputs = inputs
        self.workers = workers
        self.rebalances = 0
        self.settled_once = False
        #: Whether a stage's window opened on the settled group (set by the bench).
        self.window_settled: bool | None = None
        self._settled: dict[str, tuple[tuple[str, tuple[int, ...]], ...] | None] = {}

    def poll(self) -> bool:
        every = True
        for group, topic in self.inputs.items():
            found = self.offsets.membership(group, topic)
            if found is None:  # the coordinator cannot say now: as it was
                every = every and self._settled.get(group) is not None
                continue
            partitions = len(self.offsets.partitions(topic))
            now = found.members if partitions and found.settled(self.workers, partitions) else None
            before = self._settled.get(group)
            if self.settled_once and before is not None and now != before:
                self.rebalances += 1
            if now is not None or before is not None:
                self._settled[group] = now
            every = every and now is not None
        if every:
            self.settled_once = True
        return every
