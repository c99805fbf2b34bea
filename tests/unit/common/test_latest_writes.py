"""A batch sends each table key's last value to the changelog, once."""

from __future__ import annotations

from typing import Any

from services.common.batch import ChangelogWrite, latest_writes


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

