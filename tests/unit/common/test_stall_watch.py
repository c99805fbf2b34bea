"""The consumer watchdog: which input partitions have stopped being read."""

from __future__ import annotations

from services.common.watchdogs import StallWatch


def test_records_waiting_none_in_hand_and_no_progress_is_a_stall() -> None:
    # What a dropped record looks like: the end past the committed offset, nothing in
    # the service's hands, the committed offset still.
    watch = StallWatch(checks=3)
    rounds = [watch.observe("cases/3", end=2, committed=1, in_hand=False) for _ in range(3)]
    assert rounds == [False, False, True]


def test_a_partition_being_read_is_not_stalled() -> None:
    watch = StallWatch(checks=2)
    # Its committed offset moves every round, however many records wait.
    assert not any(
        watch.observe("cases/0", end=1_000, committed=done, in_hand=False) for done in range(10, 20)
    )


def test_a_busy_handler_or_a_drained_partition_is_not_stalled() -> None:
    watch = StallWatch(checks=2)
    for _ in range(5):
        assert not watch.observe("mail/0", end=9, committed=4, in_hand=True)  # a slow send
        assert not watch.observe("cases/1", end=7, committed=7, in_hand=False)  # all done
    # A partition that never committed counts from 0.
    assert not watch.observe("cases/2", end=3, committed=None, in_hand=False)
    assert watch.observe("cases/2", end=3, committed=None, in_hand=False)


def test_the_count_starts_afresh_after_progress_a_seek_or_a_rebalance() -> None:
    watch = StallWatch(checks=2)
    assert not watch.observe("cases/3", end=5, committed=1, in_hand=False)
    assert not watch.observe("cases/3", end=5, committed=2, in_hand=False)  # progress
    assert watch.observe("cases/3", end=5, committed=2, in_hand=False)
    watch.forget("cases/3")
    assert not watch.observe("cases/3", end=5, committed=2, in_hand=False)
    watch.reset()
    assert not watch.observe("cases/3", end=5, committed=2, in_hand=False)
    # In hand for a round: the count starts again.
    assert not watch.observe("cases/3", end=5, committed=2, in_hand=True)
    assert not watch.observe("cases/3", end=5, committed=2, in_hand=False)
