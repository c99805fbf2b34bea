"""An output the broker does not acknowledge in time is sent again, and only that one."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from schemas.petitions import Stage
from schemas.registry import CASES_REGISTERED, NOTIFICATIONS_DELIVERED
from services.common import sending
from services.common.handler import Output
from services.common.metrics import Metrics
from services.common.service import Service
from services.common.settings import ServiceSettings


class Topic:
    def __init__(self, name: str) -> None:
        self.name = name

    def get_topic_name(self) -> str:
        return self.name


class LosingProducer:
    """Acknowledges every send at once, except the first send of each key in ``lose``."""

    def __init__(self, lose: set[bytes]) -> None:
        self.lose = lose
        self.sends: list[tuple[str, bytes]] = []

    async def send(
        self, topic: str, key: bytes, value: bytes | None, **_: object
    ) -> asyncio.Future[Any]:
        self.sends.append((topic, key))
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if key in self.lose:
            self.lose.discard(key)  # lost by the client: never acknowledged
        else:
            future.set_result(None)
        return future


class App:
    def __init__(self, lose: set[bytes]) -> None:
        self.producer = LosingProducer(lose)

    def topic(self, name: str, **_: object) -> Topic:
        return Topic(name)


@pytest.fixture
def quick_acks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sending, "ACK_WAIT_SECONDS", 0.05)


async def test_a_lost_send_is_sent_again_and_the_rest_once(quick_acks: None) -> None:
    app = App(lose={b"case-2"})
    service = Service(
        stage=Stage.INTAKE,
        settings=ServiceSettings(),
        app=app,  # type: ignore[arg-type]
        metrics=Metrics(CollectorRegistry()),
    )
    outputs = [
        Output(CASES_REGISTERED, b"case-1", b"{}"),
        Output(CASES_REGISTERED, b"case-2", b"{}"),
        Output(NOTIFICATIONS_DELIVERED, b"notice-1", b"{}"),
    ]
    await asyncio.wait_for(service.sender.publish(outputs), timeout=5)
    keys = [key for _, key in app.producer.sends]
    assert keys == [b"case-1", b"case-2", b"notice-1", b"case-2"]


async def test_a_send_that_fails_raises(quick_acks: None) -> None:
    class FailingProducer(LosingProducer):
        async def send(
            self, topic: str, key: bytes, value: bytes | None, **_: object
        ) -> asyncio.Future[Any]:
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            future.set_exception(RuntimeError("broker said no"))
            return future

    class Failing(App):
        def __init__(self, lose: set[bytes]) -> None:
            self.producer = FailingProducer(lose)

    service = Service(
        stage=Stage.INTAKE,
        settings=ServiceSettings(),
        app=Failing(set()),  # type: ignore[arg-type]
        metrics=Metrics(CollectorRegistry()),
    )
    with pytest.raises(RuntimeError, match="broker said no"):
        await service.sender.publish([Output(CASES_REGISTERED, b"case-1", b"{}")])
