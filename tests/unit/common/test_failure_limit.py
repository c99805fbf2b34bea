"""The failure limit counts processing errors in a row, never input refused as invalid.

A run of records refused with a reason (not JSON, a schema violation, a duplicate with
other content...) is the service working: a hostile or buggy channel sending only such
records must not stop the service for every other one (250 non-JSON petitions stopped
intake at the 101st letter, exit 70, and again after each restart). A run of exceptions in
the handler is what a bad deploy makes of every message: that still stops the service,
after committing what came before, instead of draining its input into the DLQ.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from schemas.petitions import DeadLetter, RejectReason, Stage
from schemas.registry import CASES_DEDUPLICATED, CASES_ESCALATED, PETITIONS_REJECTED
from services.common import batch_loop
from services.common.batch_loop import BatchLoop
from services.common.dlq import (
    COUNTED_FAILURES,
    FailureLimit,
    FailureLimitExceededError,
    Rejected,
)
from services.common.handler import Effects, Incoming, Output
from services.common.metrics import Metrics
from services.common.worker import EXIT_FAILURE_LIMIT

LIMIT = 10


class _Exited(Exception):  # noqa: N818 - stands for the process leaving
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Sender:
    """Takes every output at once; the broker acknowledges it at once."""

    def __init__(self) -> None:
        self.sent: list[Output] = []

    async def send(self, output: Output) -> asyncio.Future[Any]:
        self.sent.append(output)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future

    async def acknowledged(self, waiting: Iterable[asyncio.Future[Any]]) -> None:
        for future in waiting:
            await future

    def count_sent(self, *_: Any) -> None:
        return None

    def letters(self) -> list[DeadLetter]:
        return [
            DeadLetter.model_validate_json(o.value or b"")
            for o in self.sent
            if o.spec is PETITIONS_REJECTED
        ]


class _Stream:
    def __init__(self) -> None:
        self.acked: list[int] = []

    async def ack(self, event: Any) -> None:
        self.acked.append(event.message.offset)


class _Event:  # Faust's events are weakly referenced (the current event)
    def __init__(self, message: Any) -> None:
        self.message = message


async def _nothing() -> None:
    return None


def _loop(sender: _Sender, depth: int = 1) -> BatchLoop:
    service = SimpleNamespace(
        settings=SimpleNamespace(max_consecutive_failures=LIMIT, pipeline_depth=depth),
        metrics=Metrics(CollectorRegistry()),
        stage=Stage.INTAKE,
        sender=sender,
        partition_locks={},
        busy={},
        unsettled=set(),
        changelog_first=frozenset(),
        app=SimpleNamespace(
            in_transaction=False,
            conf=SimpleNamespace(producer_threaded=False),
            consumer=SimpleNamespace(commit=_nothing),
        ),
    )

    async def handler(incoming: Incoming) -> Effects:
        if incoming.value == b"bug":
            raise RuntimeError("a bad deploy")
        if incoming.value == b"not json":
            raise Rejected(RejectReason.INVALID_JSON, "not JSON")
        if incoming.value == b"violation":
            raise Rejected(RejectReason.SCHEMA_VIOLATION, "occurred_at: out of range")
        return Effects([Output(CASES_ESCALATED, b"k", incoming.value)])

    return BatchLoop(service, CASES_DEDUPLICATED, handler)  # type: ignore[arg-type]


def _batches(values: list[bytes], size: int = 50) -> list[list[Any]]:
    events = [
        _Event(SimpleNamespace(topic="petitions.submitted", partition=0, offset=offset,
                               key=b"k", value=value))
        for offset, value in enumerate(values)
    ]  # fmt: skip
    return [events[i : i + size] for i in range(0, len(events), size)]


@pytest.fixture
def exits(monkeypatch: pytest.MonkeyPatch) -> None:
    def exit_now(code: int) -> None:
        raise _Exited(code)

    monkeypatch.setattr(batch_loop, "exit_now", exit_now)


async def _run(loop: BatchLoop, stream: _Stream, values: list[bytes]) -> None:
    for events in _batches(values):
        await loop.run(stream, events)
    await loop.drain()


@pytest.mark.usefixtures("exits")
@pytest.mark.parametrize("depth", [1, 2])
async def test_a_run_of_refused_records_does_not_stop_the_service(depth: int) -> None:
    # failure_limit.py of the audit: 250 records that are not JSON, then a valid one.
    sender, stream = _Sender(), _Stream()
    loop = _loop(sender, depth)
    values = [b"not json"] * 200 + [b"violation"] * 50 + [b"valid"]
    await _run(loop, stream, values)
    assert stream.acked == list(range(251))
    letters = sender.letters()
    assert [letter.source_offset for letter in letters] == list(range(250))
    assert {letter.reason for letter in letters} == {
        RejectReason.INVALID_JSON, RejectReason.SCHEMA_VIOLATION
    }  # fmt: skip
    assert [o.value for o in sender.sent if o.spec is CASES_ESCALATED] == [b"valid"]
    assert loop.limit.consecutive == 0


@pytest.mark.usefixtures("exits")
async def test_a_run_of_processing_errors_still_stops_the_service_after_committing() -> None:
    sender, stream = _Sender(), _Stream()
    loop = _loop(sender)
    with pytest.raises(_Exited) as exited:
        await _run(loop, stream, [b"valid"] + [b"bug"] * (LIMIT + 5))
    assert exited.value.code == EXIT_FAILURE_LIMIT
    # What came before the message at the limit is committed: the valid one and the
    # letters of the first LIMIT errors; the rest comes again after the restart.
    assert stream.acked == list(range(LIMIT + 1))
    assert [letter.reason for letter in sender.letters()] == [RejectReason.PROCESSING_ERROR] * LIMIT


@pytest.mark.usefixtures("exits")
async def test_refused_records_between_processing_errors_do_not_hide_them() -> None:
    sender, stream = _Sender(), _Stream()
    loop = _loop(sender)
    with pytest.raises(_Exited) as exited:
        await _run(loop, stream, [b"bug", b"not json"] * (LIMIT + 1))
    assert exited.value.code == EXIT_FAILURE_LIMIT
    assert len(stream.acked) == 2 * LIMIT


@pytest.mark.usefixtures("exits")
async def test_a_processed_message_resets_the_count() -> None:
    sender, stream = _Sender(), _Stream()
    loop = _loop(sender)
    values = [b"bug"] * LIMIT + [b"valid"] + [b"bug"] * LIMIT + [b"violation"] * 300
    await _run(loop, stream, values)
    assert stream.acked == list(range(len(values)))
    assert loop.limit.consecutive == LIMIT


def test_only_processing_errors_are_counted() -> None:
    assert {RejectReason.PROCESSING_ERROR} == COUNTED_FAILURES
    limit = FailureLimit(2)
    for reason in RejectReason:
        if reason not in COUNTED_FAILURES:
            limit.dead_lettered(reason)
    assert limit.consecutive == 0
    limit.dead_lettered(RejectReason.PROCESSING_ERROR)
    limit.dead_lettered(RejectReason.INVALID_JSON)  # neither counts nor resets
    limit.dead_lettered(RejectReason.PROCESSING_ERROR)
    assert limit.consecutive == 2
    with pytest.raises(FailureLimitExceededError, match="3 processing errors in a row"):
        limit.dead_lettered(RejectReason.PROCESSING_ERROR)
