"""Notification's tables hold a batch's writes until its outputs are acknowledged."""

from __future__ import annotations

from typing import Any

from services.common.batch import OPEN_BATCH, Batch
from services.common.held import HeldTable, write_now


def test_writes_wait_for_the_outputs_and_the_batch_reads_them_meanwhile() -> None:
    table: dict[str, Any] = {"kept": 1, "dropped": 2}
    held = HeldTable(table)
    batch = Batch()
    token = OPEN_BATCH.set(batch)
    try:
        held["new"] = 3
        del held["dropped"]
        held["kept"] = 10
        # The rest of the batch sees its own writes ...
        assert held["new"] == 3
        assert "dropped" not in held
        assert dict(held.items()) == {"kept": 10, "new": 3}
        # ... and the table has none of them until the outputs are acknowledged.
        assert table == {"kept": 1, "dropped": 2}
    finally:
        OPEN_BATCH.reset(token)
    for write in batch.held:
        write()
    assert table == {"kept": 10, "new": 3}
    assert dict(held.items()) == table


def test_a_write_now_reaches_the_table_at_once_and_replaces_a_held_write() -> None:
    table: dict[str, Any] = {}
    held = HeldTable(table)
    batch = Batch()
    token = OPEN_BATCH.set(batch)
    try:
        held["notice"] = "recorded-later"
        write_now(held, "notice", "sent")
        assert table == {"notice": "sent"}
    finally:
        OPEN_BATCH.reset(token)
    for write in batch.held:
        write()
    assert table == {"notice": "sent"}, "the replaced held write must not come back"


def test_the_held_writes_of_a_refused_message_are_taken_back_and_never_applied() -> None:
    table: dict[str, Any] = {"kept": 1}
    held = HeldTable(table)
    batch = Batch()
    token = OPEN_BATCH.set(batch)
    try:
        held["kept"] = 2  # an earlier message of the batch
        since = len(batch.held)
        held["kept"] = 3  # the refused message: it rewrote a key and wrote a new one
        held["new"] = 4
        batch.take_back_held(since)
        assert dict(held.items()) == {"kept": 2}
    finally:
        OPEN_BATCH.reset(token)
    for write in batch.held:
        write()
    assert table == {"kept": 2}


def test_outside_a_batch_a_write_goes_straight_to_the_table() -> None:
    table: dict[str, Any] = {}
    held = HeldTable(table)
    held["tick"] = 1
    assert table == {"tick": 1}
    write_now({}, "plain", 1)  # a plain mapping (unit tests of the engine) just takes it


def _in(batch: Batch, write: Any) -> None:
    """Run ``write`` as the handling of ``batch`` does (its writes are held in it)."""
    token = OPEN_BATCH.set(batch)
    try:
        write()
    finally:
        OPEN_BATCH.reset(token)


def test_pipelined_a_held_write_a_write_now_replaced_does_not_come_back_at_its_commit() -> None:
    """Batch 1 holds a write, a write_now (a send ending in the background) replaces it,
    then batch 2 (handled while batch 1 commits) writes the key again: batch 1's commit
    must not put its replaced value in the table (nor its changelog), as sequentially,
    where it never leaves the write_now's."""
    table: dict[str, Any] = {}
    held = HeldTable(table)
    first, second = Batch(), Batch()
    _in(first, lambda: held.__setitem__("notice", "failed"))
    write_now(held, "notice", "sent")
    _in(second, lambda: held.__setitem__("notice", "other"))
    for write in first.held:  # batch 1 commits
        write()
    assert table == {"notice": "sent"}
    assert held["notice"] == "other"
    for write in second.held:
        write()
    assert table == {"notice": "other"}


def test_a_refused_message_s_write_a_write_now_replaced_is_not_taken_back_over_it() -> None:
    """Batch 2's message writes a key batch 1 holds, then writes it now, then is refused:
    the write_now stays what the key reads, not batch 1's held write."""
    table: dict[str, Any] = {}
    held = HeldTable(table)
    first, second = Batch(), Batch()
    _in(first, lambda: held.__setitem__("notice", "failed"))

    def refused() -> None:
        since = len(second.held)
        held["notice"] = "other"
        write_now(held, "notice", "sent")
        second.take_back_held(since)

    _in(second, refused)
    assert held["notice"] == "sent"
    for write in (*first.held, *second.held):
        write()
    assert table == {"notice": "sent"}
