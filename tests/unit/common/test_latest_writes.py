"""A batch sends each table key's last value to the changelog, once, as Faust would."""

from __future__ import annotations

from typing import Any

from services.common.service import ChangelogWrite, _send_changelog, latest_writes


def _send(*_: Any, **__: Any) -> None:
    return None


def _write(table: str, partition: int, key: str, value: object) -> ChangelogWrite:
    return (table, _send, (partition, key, value), {})


def values(writes: list[ChangelogWrite]) -> list[tuple[str, int, str, object]]:
    return [(table, args[0], args[1], args[2]) for table, _, args, _ in writes]


def test_a_key_written_three_times_sends_its_last_value_only() -> None:
    writes = [
        _write("matters", 0, "m1", "a"),
        _write("cases", 0, "c1", "x"),
        _write("matters", 0, "m1", "a b"),
        _write("matters", 0, "m1", "a b c"),
    ]
    assert values(latest_writes(writes)) == [
        ("cases", 0, "c1", "x"),
        ("matters", 0, "m1", "a b c"),
    ]


def test_a_deletion_after_a_write_is_what_is_sent() -> None:
    writes = [_write("cases", 1, "c1", "x"), _write("cases", 1, "c1", None)]
    assert values(latest_writes(writes)) == [("cases", 1, "c1", None)]


def test_the_same_key_in_two_tables_or_partitions_is_two_records() -> None:
    writes = [
        _write("cases", 0, "k", 1),
        _write("matters", 0, "k", 2),
        _write("cases", 1, "k", 3),
    ]
    assert values(latest_writes(writes)) == values(writes)


class Topic:
    def get_topic_name(self) -> str:
        return "t.state-changelog"

    def prepare_key(self, key: Any, serializer: Any) -> tuple[Any, None]:
        return (f"{serializer}:{key}".encode(), None)

    def prepare_value(self, value: Any, serializer: Any) -> tuple[Any, None]:
        return (None if value is None else f"{serializer}:{value}".encode(), None)


class Table:
    changelog_topic = Topic()
    key_serializer = "json"
    value_serializer = "json"


class Producer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes | None, int]] = []

    async def send(self, topic: str, key: bytes, value: bytes | None, **kw: Any) -> Any:
        self.sent.append((topic, key, value, kw["partition"]))
        return None


async def test_a_write_and_a_deletion_reach_the_changelog_as_faust_gives_them() -> None:
    # Faust's Table.on_key_set passes (partition, key, value); on_key_del names its value
    # and serializer.
    table = Table()
    writes: list[ChangelogWrite] = [
        ("state", table, (2, "a", "x"), {}),
        ("state", table, (3, "b"), {"value": None, "value_serializer": "raw"}),
    ]
    producer = Producer()
    await _send_changelog(producer, writes)
    assert producer.sent == [
        ("t.state-changelog", b"json:a", b"json:x", 2),
        ("t.state-changelog", b"json:b", None, 3),
    ]
