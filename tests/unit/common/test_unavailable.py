"""A handler whose broker does not answer stops the service (exit 74) with nothing of the
batch committed, instead of dead-lettering a good message (which lost a notice once)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from schemas.petitions import RejectReason, Stage
from schemas.registry import CASES_DEDUPLICATED
from services.common import batch_loop
from services.common.batch import Batch
from services.common.batch_loop import BatchLoop
from services.common.dlq import Rejected, UnavailableError
from services.common.handler import Effects, Incoming
from services.common.metrics import Metrics
from services.common.worker import EXIT_OUTPUT_FAILED


class _Exited(Exception):  # noqa: N818 - stands for the process leaving
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class _Sender:
    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def send(self, output: Any) -> int:
        self.sent.append(output)
        return len(self.sent)


def _loop(handler: Any, sender: _Sender) -> BatchLoop:
    service = SimpleNamespace(
        settings=SimpleNamespace(max_consecutive_failures=10, pipeline_depth=1),
        metrics=Metrics(CollectorRegistry()),
        stage=Stage.NOTIFICATION,
        sender=sender,
    )
    return BatchLoop(service, CASES_DEDUPLICATED, handler)  # type: ignore[arg-type]


def _incoming() -> Incoming:
    return Incoming("cases.deduplicated", 3, 84, b'{"case_id":"XF-1"}', b"{}")


@pytest.fixture
def exits(monkeypatch: pytest.MonkeyPatch) -> None:
    def exit_now(code: int) -> None:
        raise _Exited(code)

    monkeypatch.setattr(batch_loop, "exit_now", exit_now)


@pytest.mark.usefixtures("exits")
async def test_a_broker_that_does_not_answer_stops_the_service_without_a_dead_letter() -> None:
    async def handler(message: Incoming) -> Effects:
        raise UnavailableError("cannot make or check the inbox: Connection reset by peer")

    sender = _Sender()
    with pytest.raises(_Exited) as exited:
        await _loop(handler, sender)._handle(Batch(), _incoming())
    assert exited.value.code == EXIT_OUTPUT_FAILED
    assert not sender.sent  # no dead letter


@pytest.mark.usefixtures("exits")
async def test_a_bug_and_a_rejection_are_still_dead_letters() -> None:
    for error in (RuntimeError("a bug"), Rejected(RejectReason.SCHEMA_VIOLATION, "bad")):

        async def handler(message: Incoming, error: Exception = error) -> Effects:
            raise error

        sender = _Sender()
        handled = await _loop(handler, sender)._handle(Batch(), _incoming())
        assert handled is not None
        assert handled[0] in (RejectReason.PROCESSING_ERROR, RejectReason.SCHEMA_VIOLATION)
        assert len(sender.sent) == 1  # the dead letter
