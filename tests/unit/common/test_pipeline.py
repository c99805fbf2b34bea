"""A pipelined batch loop: a batch is handled while the one before it commits, and every
commit keeps the protocol's order (outputs acknowledged, then changelog records handed
over and acknowledged, then inputs acknowledged), batch after batch."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from schemas.petitions import Stage
from schemas.registry import CASES_DEDUPLICATED, PETITIONS_REJECTED
from services.common import batch_loop
from services.common.batch import OPEN_BATCH, Batch
from services.common.batch_loop import BatchLoop
from services.common.handler import Effects, Incoming, Output
from services.common.held import HeldTable
from services.common.metrics import Metrics
from services.common.partition_lock import PartitionLock
from services.common.worker import EXIT_OUTPUT_FAILED


class _Exited(Exception):  # noqa: N818 - stands for the process leaving
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Broker:
    """Records what is handed over, in order; each send's future ends when told."""

    def __init__(self) -> None:
        self.log: list[tuple[str, Any]] = []
        self.futures: dict[Any, asyncio.Future[Any]] = {}

    def future(self, kind: str, what: Any) -> asyncio.Future[Any]:
        self.log.append((kind, what))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.futures[(kind, what)] = future
        return future

    def ack(self, kind: str, what: Any, error: Exception | None = None) -> None:
        future = self.futures[(kind, what)]
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)


class _Sender:
    def __init__(self, broker: _Broker) -> None:
        self.broker = broker

    async def send(self, output: Output) -> asyncio.Future[Any]:
        return self.broker.future("output", output.key)

    async def acknowledged(self, waiting: dict[asyncio.Future[Any], Output]) -> None:
        for future in waiting:
            await future

    def count_sent(self, *_: Any) -> None:
        return None

    def count_by_topic(self, *_: Any) -> None:
        return None


class _Stream:
    def __init__(self, broker: _Broker) -> None:
        self.broker = broker

    async def ack(self, event: Any) -> None:
        self.broker.log.append(("ack", event.message.offset))


def _service(broker: _Broker, depth: int) -> Any:
    return SimpleNamespace(
        settings=SimpleNamespace(max_consecutive_failures=10, pipeline_depth=depth),
        metrics=Metrics(CollectorRegistry()),
        stage=Stage.ESCALATION,
        sender=_Sender(broker),
        partition_locks={},
        busy={},
        unsettled=set(),
        changelog_first=frozenset(),
        app=SimpleNamespace(in_transaction=False, conf=SimpleNamespace(producer_threaded=False)),
    )


class _Event:  # Faust's events are weakly referenced (the current event)
    def __init__(self, message: Any) -> None:
        self.message = message


def _events(*offsets: int, partition: int = 0) -> list[Any]:
    return [
        _Event(
            SimpleNamespace(
                topic="cases.deduplicated", partition=partition, offset=offset,
                key=str(offset).encode(), value=b"{}",
            )
        )
        for offset in offsets
    ]  # fmt: skip


def _loop(broker: _Broker, depth: int) -> BatchLoop:
    """Each message: one output (its offset) and one changelog record (its offset)."""

    def changelog(partition: int, key: bytes, value: bytes) -> asyncio.Future[Any]:
        return broker.future("changelog", key)

    async def handler(incoming: Incoming) -> Effects:
        key = str(incoming.offset).encode()

        def remember() -> None:
            batch = OPEN_BATCH.get()
            assert batch is not None
            batch.hold(("rows", changelog, (incoming.partition, key, b"v"), {}))

        broker.log.append(("handled", incoming.offset))
        return Effects(outputs=[Output(PETITIONS_REJECTED, key, b"{}")], remember=remember)

    return BatchLoop(_service(broker, depth), CASES_DEDUPLICATED, handler)


async def _turns(n: int = 20) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def test_the_next_batch_is_handled_while_one_commits_and_commits_stay_in_order() -> None:
    broker = _Broker()
    loop = _loop(broker, depth=2)
    stream = _Stream(broker)
    await loop.run(stream, _events(1, 2))
    await loop.run(stream, _events(3, 4))  # handled before batch 1's outputs are acked
    await _turns()
    assert broker.log == [
        ("handled", 1), ("output", b"1"), ("handled", 2), ("output", b"2"),
        ("handled", 3), ("output", b"3"), ("handled", 4), ("output", b"4"),
    ]  # fmt: skip
    # The second batch's outputs acknowledged first: its changelog still waits for the
    # first batch's commit.
    for key in (b"3", b"4", b"1"):
        broker.ack("output", key)
    await _turns()
    assert ("changelog", b"3") not in broker.log
    broker.ack("output", b"2")
    await _turns()
    assert broker.log[8:] == [("changelog", b"1"), ("changelog", b"2")]
    broker.ack("changelog", b"1")
    broker.ack("changelog", b"2")
    await _turns()
    assert broker.log[10:] == [
        ("ack", 1), ("ack", 2), ("changelog", b"3"), ("changelog", b"4")
    ]  # fmt: skip
    broker.ack("changelog", b"3")
    broker.ack("changelog", b"4")
    await loop.drain()
    assert broker.log[14:] == [("ack", 3), ("ack", 4)]
    assert not loop.service.busy
    assert not any(lock.locked() for lock in loop.service.partition_locks.values())


async def test_depth_one_commits_each_batch_before_the_next_is_handled() -> None:
    broker = _Broker()
    loop = _loop(broker, depth=1)
    stream = _Stream(broker)
    run = asyncio.create_task(loop.run(stream, _events(1)))
    await _turns()
    broker.ack("output", b"1")
    await _turns()
    broker.ack("changelog", b"1")
    await run
    assert broker.log == [
        ("handled", 1), ("output", b"1"), ("changelog", b"1"), ("ack", 1)
    ]  # fmt: skip


async def test_no_more_batches_in_flight_than_the_depth() -> None:
    broker = _Broker()
    loop = _loop(broker, depth=2)
    stream = _Stream(broker)
    await loop.run(stream, _events(1))
    await loop.run(stream, _events(2))
    third = asyncio.create_task(loop.run(stream, _events(3)))
    await _turns()
    assert ("handled", 3) not in broker.log  # waits for the first batch's commit
    broker.ack("output", b"1")
    await _turns()
    broker.ack("changelog", b"1")
    await _turns()
    await third
    assert ("handled", 3) in broker.log
    await loop.abandon()


async def test_a_failed_commit_stops_before_anything_later_is_acknowledged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exits: list[int] = []

    def exit_now(code: int) -> None:
        exits.append(code)
        raise _Exited(code)

    monkeypatch.setattr(batch_loop, "exit_now", exit_now)
    broker = _Broker()
    loop = _loop(broker, depth=2)
    stream = _Stream(broker)
    await loop.run(stream, _events(1))
    await loop.run(stream, _events(2))
    broker.ack("output", b"2")
    broker.ack("output", b"1", error=RuntimeError("the broker refused it"))
    await _turns()
    # (exit_now leaves the process; here it only raised, and the next commit still
    # never goes past the failed one.)
    assert exits == [EXIT_OUTPUT_FAILED, EXIT_OUTPUT_FAILED]
    assert not [entry for entry in broker.log if entry[0] in ("changelog", "ack")]
    for commit in loop._committing:
        assert isinstance(commit.exception(), _Exited)


async def test_leaving_cancels_the_commits_in_flight_with_nothing_acknowledged() -> None:
    broker = _Broker()
    loop = _loop(broker, depth=2)
    stream = _Stream(broker)
    await loop.run(stream, _events(1))
    broker.ack("output", b"1")
    await _turns()
    await loop.abandon()  # the changelog record not yet acknowledged
    assert ("ack", 1) not in broker.log
    assert not loop.service.busy
    assert not any(lock.locked() for lock in loop.service.partition_locks.values())


async def test_leaving_before_a_commit_task_ran_finishes_its_batch_and_releases_its_locks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A commit task cancelled before its first step never enters its body: its batch is
    finished and its locks released all the same."""
    finished: list[int] = []
    finish = Batch.finish

    def finishing(self: Batch) -> None:
        finished.append(self.number)
        finish(self)

    monkeypatch.setattr(Batch, "finish", finishing)
    broker = _Broker()
    loop = _loop(broker, depth=2)
    stream = _Stream(broker)
    await loop.run(stream, _events(1))  # handed to a commit task that has not run yet
    await loop.abandon()  # the agent leaves at once
    assert ("ack", 1) not in broker.log
    assert len(finished) == 1
    assert not any(lock.locked() for lock in loop.service.partition_locks.values())


@pytest.mark.parametrize("depth", [1, 2])
async def test_a_batch_finish_that_raises_still_releases_the_locks(
    monkeypatch: pytest.MonkeyPatch, depth: int
) -> None:
    """Batch.finish sends what was written outside the batch: if that raises, the commit
    fails (the agent's next wait for it raises), and the locks are released."""

    def finish(self: Batch) -> None:
        raise RuntimeError("the producer refused a write made outside the batch")

    monkeypatch.setattr(Batch, "finish", finish)
    broker = _Broker()
    loop = _loop(broker, depth=depth)
    stream = _Stream(broker)
    running = asyncio.create_task(loop.run(stream, _events(1)))
    await _turns()
    broker.ack("output", b"1")
    await _turns()
    broker.ack("changelog", b"1")
    await _turns()
    assert ("ack", 1) in broker.log
    if depth == 1:
        with pytest.raises(RuntimeError, match="producer refused"):
            await running
    else:
        await running
        (commit,) = loop._committing
        await asyncio.wait({commit})
        assert isinstance(commit.exception(), RuntimeError)
        with pytest.raises(RuntimeError, match="commit before this one failed"):
            await loop.drain()
    assert not any(lock.locked() for lock in loop.service.partition_locks.values())


async def test_a_partition_lock_is_taken_again_by_its_owner_unless_another_waits() -> None:
    lock = PartitionLock()
    mine, other = object(), object()
    await lock.acquire(mine)
    await lock.acquire(mine)  # its next batch, while the first commits
    assert lock.holds == 2
    waiting = asyncio.create_task(lock.acquire(other))
    await _turns()
    mine_again = asyncio.create_task(lock.acquire(mine))  # queues behind the other
    await _turns()
    assert not waiting.done()
    assert not mine_again.done()
    lock.release()
    lock.release()
    await _turns()
    assert waiting.done()
    assert not mine_again.done()
    lock.release()
    await _turns()
    assert mine_again.done()
    lock.release()
    assert not lock.locked()


def test_a_later_batch_reads_an_earlier_one_s_held_writes_and_both_reach_the_table() -> None:
    """Batch 2 is handled while batch 1's held writes wait for its outputs: it reads them
    as a sequential run would; batch 1's commit then writes its own value (not skipped
    because batch 2 wrote the key again), and batch 2's commit its own."""
    table: dict[str, Any] = {}
    held = HeldTable(table)
    first, second = Batch(), Batch()
    token = OPEN_BATCH.set(first)
    try:
        held["notice"] = "sending"
        held["other"] = 1
    finally:
        OPEN_BATCH.reset(token)
    token = OPEN_BATCH.set(second)
    try:
        assert held["notice"] == "sending"  # batch 1's write, from memory
        held["notice"] = "sent"
        since = len(second.held)
        held["other"] = 2  # a refused message: taken back after batch 1 applied "other"
    finally:
        OPEN_BATCH.reset(token)
    for write in first.held:  # batch 1's outputs acknowledged
        write()
    assert table == {"notice": "sending", "other": 1}
    assert held["notice"] == "sent"  # batch 2's write still held, still read
    token = OPEN_BATCH.set(second)
    try:
        second.take_back_held(since)
        assert held["other"] == 1
    finally:
        OPEN_BATCH.reset(token)
    for write in second.held:
        write()
    assert table == {"notice": "sent", "other": 1}
    assert dict(held.items()) == table
    assert not held._held
