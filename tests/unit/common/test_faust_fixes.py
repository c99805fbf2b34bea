"""The fixes to Faust's recovery and fetching: inputs are sought to their committed offsets
before they resume, from their start if never committed, and a fetch asks only for the
partitions active when it starts."""

from __future__ import annotations

import asyncio
from importlib.metadata import version
from types import SimpleNamespace
from typing import Any

import pytest
from faust.tables.recovery import Recovery
from faust.transport.consumer import Consumer
from faust.types import TP
from mode import Service

from services.common import faust_fixes


class _Consumer:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def assignment(self) -> set[str]:
        return {"cases.updates/0", "state-changelog/0"}

    async def perform_seek(self) -> None:
        self.calls.append("seek")

    def resume_partitions(self, tps: set[str]) -> None:
        self.calls.append(f"resume {sorted(tps)}")

    def resume_flow(self) -> None:
        self.calls.append("resume_flow")


def _recovery(calls: list[str]) -> Any:
    async def send() -> None:
        calls.append("rebalance_complete")

    async def maybe_start() -> None:
        calls.append("fetcher")

    async def wait(coro: Any, **options: Any) -> None:
        await coro

    app = SimpleNamespace(
        consumer=_Consumer(calls),
        on_rebalance_complete=SimpleNamespace(send=send),
        consumer_generation_id=7,
        conf=SimpleNamespace(broker_request_timeout=30.0),
        flow_control=SimpleNamespace(resume=lambda: calls.append("flow_control")),
        _fetcher=SimpleNamespace(maybe_start=maybe_start),
        assignor=SimpleNamespace(assigned_standbys=lambda: set()),
        on_rebalance_end=lambda: calls.append("rebalance_end"),
    )
    return SimpleNamespace(
        app=app,
        log=SimpleNamespace(info=lambda *a: None, warning=lambda *a: None),
        tables=SimpleNamespace(
            values=lambda: [],
            on_actives_ready=lambda: None,
            on_standbys_ready=lambda: None,
        ),
        actives_for_table={},
        standbys_for_table={},
        completed=asyncio.Event(),
        _set_recovery_ended=lambda: None,
        _is_changelog_tp=lambda tp: "changelog" in tp,
        _wait=wait,
    )


def test_after_a_restore_the_inputs_are_sought_before_they_resume() -> None:
    calls: list[str] = []
    recovery = _recovery(calls)
    asyncio.run(faust_fixes._on_recovery_completed(recovery, generation_id=7))
    assert calls.index("seek") < calls.index("resume ['cases.updates/0']") < calls.index("fetcher")
    assert recovery.completed.is_set()


def test_without_tables_the_inputs_are_sought_before_they_resume() -> None:
    calls: list[str] = []
    recovery = _recovery(calls)
    asyncio.run(faust_fixes._resume_streams(recovery, generation_id=7))
    assert calls.index("seek") < calls.index("resume ['cases.updates/0']") < calls.index("fetcher")


def test_a_newer_rebalance_leaves_the_partitions_alone() -> None:
    calls: list[str] = []
    recovery = _recovery(calls)
    asyncio.run(faust_fixes._on_recovery_completed(recovery, generation_id=6))
    assert "seek" not in calls
    assert not any(c.startswith("resume") for c in calls)


def test_the_fix_is_installed_on_the_release_it_was_written_for() -> None:
    # The fixed methods copy faust-streaming 0.15.3's; a new release needs a new look.
    assert version("faust-streaming") == "0.15.3"
    faust_fixes.apply()
    assert Recovery.on_recovery_completed is faust_fixes._on_recovery_completed
    assert Recovery._resume_streams is faust_fixes._resume_streams
    assert Consumer.perform_seek is faust_fixes._perform_seek
    assert Consumer._wait_next_records is faust_fixes._wait_next_records


class _Thread:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    async def seek_to_beginning(self, *tps: TP) -> None:
        self.calls.append(f"beginning {sorted(f'{tp.topic}/{tp.partition}' for tp in tps)}")


class _SeekingConsumer:
    """What perform_seek touches on faust's aiokafka consumer."""

    def __init__(self, committed: dict[TP, int | None]) -> None:
        self.calls: list[str] = []
        self.committed = committed
        self._thread = _Thread(self.calls)
        self._read_offset: dict[TP, int | None] = dict.fromkeys(committed, 40)
        self._committed_offset: dict[TP, int | None] = {}

    async def seek_to_committed(self) -> dict[TP, int | None]:
        self.calls.append("committed")
        return self.committed

    def _is_changelog_tp(self, tp: TP) -> bool:
        return tp.topic.endswith("changelog")


def test_partitions_never_committed_go_back_to_their_start() -> None:
    done, never, zero = TP("cases", 0), TP("cases", 1), TP("cases", 2)
    changelog = TP("x-changelog", 0)
    consumer = _SeekingConsumer({done: 12, never: None, zero: 0, changelog: None})
    asyncio.run(faust_fixes._perform_seek(consumer))  # type: ignore[arg-type]
    # aiokafka leaves these where they are (it seeks only offsets above 0): from the start.
    assert consumer.calls == ["committed", "beginning ['cases/1', 'cases/2']"]
    assert consumer._read_offset == {done: 12, never: None, zero: 0, changelog: None}
    assert consumer._committed_offset == {done: 12, zero: None}


class _FetchingConsumer:
    """What _wait_next_records touches on faust's consumer."""

    def __init__(self, active: set[TP]) -> None:
        self.active = active  # the live set: pause and resume change it in place
        self.asked: list[set[TP] | None] = []
        self.slept = 0
        self.flow_active = True
        self.app = SimpleNamespace(client_only=False)
        self.not_waiting_next_records = asyncio.Event()

    def _get_active_partitions(self) -> set[TP]:
        return self.active

    async def _getmany(
        self,
        active_partitions: set[TP] | None,
        timeout: float,  # noqa: ASYNC109 (Faust's)
    ) -> dict[TP, Any]:
        # The end of a recovery, while the fetch waits: every partition paused.
        self.active.clear()
        self.asked.append(active_partitions)
        return {}

    async def sleep(self, seconds: float) -> None:
        self.slept += 1


def test_a_fetch_asks_for_the_partitions_active_when_it_starts() -> None:
    # Given the live set, the fetch would ask for none once they are paused, which
    # aiokafka reads as "every partition": records Faust then drops as not active.
    inputs = {TP("cases", 0), TP("cases", 1)}
    consumer = _FetchingConsumer(set(inputs))
    records, active = asyncio.run(faust_fixes._wait_next_records(consumer, 1.0))  # type: ignore[arg-type]
    assert consumer.asked == [inputs]
    assert active == inputs
    assert records == {}


def test_no_fetch_starts_while_every_partition_is_paused() -> None:
    consumer = _FetchingConsumer(set())
    records, active = asyncio.run(faust_fixes._wait_next_records(consumer, 1.0))  # type: ignore[arg-type]
    assert consumer.asked == []
    assert consumer.slept == 1
    assert (records, active) == ({}, set())


class _Fetching(Service):
    """What the consumer's hand-over reads: a service with a flow that can be suspended."""

    def __init__(self) -> None:
        super().__init__()
        self.suspend_flow = asyncio.Event()
        self.original_calls = 0

    async def original(self, *coros: Any, timeout: Any = None) -> Any:  # noqa: ASYNC109
        self.original_calls += 1
        return await Service.wait_first(self, *coros, timeout=timeout)


def _quick(fetching: _Fetching, *coros: Any) -> Any:
    wait_first = faust_fixes._quick_wait_first(
        lambda self, *c, timeout=None: self.original(*c, timeout=timeout)
    )
    return wait_first(fetching, *coros)


def _count_tasks() -> list[int]:
    """Counts the tasks made on the running loop from now on (one element per task)."""
    made: list[int] = []
    loop = asyncio.get_running_loop()

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        made.append(1)
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(factory)
    return made


def test_a_hand_over_that_does_not_wait_ends_at_once_without_tasks() -> None:
    async def main() -> None:
        fetching = _Fetching()
        delivered: list[int] = []

        async def hand_over(n: int) -> int:
            delivered.append(n)
            return n

        tasks = _count_tasks()
        results = await _quick(fetching, hand_over(1), fetching.suspend_flow.wait())
        assert delivered == [1]
        assert list(results.results) == [1]
        assert not results.stopped
        assert fetching.original_calls == 0
        assert tasks == []

    asyncio.run(main())


def test_with_the_flow_suspended_a_hand_over_goes_to_wait_first_as_before() -> None:
    async def main() -> None:
        fetching = _Fetching()
        fetching.suspend_flow.set()  # a rebalance under way
        delivered: list[int] = []

        async def hand_over(n: int) -> int:
            delivered.append(n)
            return n

        tasks = _count_tasks()
        results = await _quick(fetching, hand_over(2), fetching.suspend_flow.wait())
        assert fetching.original_calls == 1
        assert tasks != []  # mode's own tasks, one per awaitable
        assert not results.stopped
        assert delivered == [2]

    asyncio.run(main())


def test_a_hand_over_that_waits_ends_later_or_is_cut_short_by_a_suspended_flow() -> None:
    async def main() -> None:
        fetching = _Fetching()
        room = asyncio.Event()
        delivered: list[str] = []

        async def hand_over(name: str) -> str:
            try:
                await room.wait()  # a full queue
            except asyncio.CancelledError:
                delivered.append(f"{name} cancelled")
                raise
            delivered.append(name)
            return name

        waiting = asyncio.ensure_future(
            _quick(fetching, hand_over("a"), fetching.suspend_flow.wait())
        )
        await asyncio.sleep(0.01)
        assert not waiting.done()
        assert fetching.original_calls == 1
        room.set()
        results = await waiting
        assert delivered == ["a"]
        assert "a" in results.results
        room.clear()
        waiting = asyncio.ensure_future(
            _quick(fetching, hand_over("b"), fetching.suspend_flow.wait())
        )
        await asyncio.sleep(0.01)
        fetching.suspend_flow.set()  # a rebalance: the hand-over is given up
        results = await waiting
        assert delivered == ["a", "b cancelled"]
        assert "b" not in results.results
        # With the flow suspended, every call is wait_first's own.
        await _quick(fetching, hand_over("c"), fetching.suspend_flow.wait())
        assert fetching.original_calls == 3

    asyncio.run(main())


def test_an_error_of_the_hand_over_propagates() -> None:
    async def main() -> None:
        fetching = _Fetching()

        async def hand_over() -> None:
            raise ValueError("undecodable")

        with pytest.raises(ValueError, match="undecodable"):
            await _quick(fetching, hand_over(), fetching.suspend_flow.wait())

    asyncio.run(main())


def test_the_quick_hand_over_is_installed_on_faust_s_consumer() -> None:
    faust_fixes.apply()
    assert Consumer.wait_first.__qualname__.startswith("_quick_wait_first")
