"""``send_record`` hands aiokafka what Faust's ``Producer.send`` would have handed it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiokafka.errors import KafkaTimeoutError  # type: ignore[import-untyped]
from faust.exceptions import ProducerSendError
from faust.transport.drivers.aiokafka import Producer as FaustProducer
from mode.signals import SyncSignal

from services.common.sending import send_record


class _AIOKafka:
    """What aiokafka's producer was asked to send."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.error = error

    async def send(self, topic: str, value: Any, **kwargs: Any) -> str:
        self.calls.append((topic, value, sorted(kwargs.items())))
        if self.error is not None:
            raise self.error
        return "future"


def _producer(aiokafka: _AIOKafka, *, allow_headers: bool = True) -> Any:
    producer: Any = object.__new__(FaustProducer)  # only what its send reads
    producer._producer = aiokafka
    producer.allow_headers = allow_headers
    producer._send_on_produce_message = _signal().send
    return producer


def _signal() -> Any:
    """As the app's ``on_produce_message``: a signal with the app as its default sender."""
    signal: SyncSignal[Any] = SyncSignal()
    return signal.with_default_sender(object())


HEADERS = [None, {}, {"h": b"1"}, [("h", b"2")]]


@pytest.mark.parametrize("headers", HEADERS)
@pytest.mark.parametrize("allow_headers", [True, False])
@pytest.mark.parametrize("partition", [None, 3])
def test_aiokafka_gets_what_faust_s_send_gives_it(
    headers: Any, allow_headers: bool, partition: int | None
) -> None:
    faust_path, ours = _AIOKafka(), _AIOKafka()

    async def main() -> None:
        sent: Any = await FaustProducer.send(
            _producer(faust_path, allow_headers=allow_headers),
            "t", b"k", b"v", partition=partition, timestamp=None, headers=headers,
        )  # fmt: skip
        assert sent == "future"
        sent = await send_record(
            _producer(ours, allow_headers=allow_headers), "t", b"k", b"v", partition, headers
        )
        assert sent == "future"

    asyncio.run(main())
    assert ours.calls == faust_path.calls
    assert len(ours.calls) == 1


def test_an_error_is_faust_s() -> None:
    async def main() -> None:
        with pytest.raises(ProducerSendError, match="KafkaTimeoutError"):
            await send_record(_producer(_AIOKafka(KafkaTimeoutError())), "t", b"k", None, 0, None)

    asyncio.run(main())


def test_with_a_listener_of_the_signal_faust_s_send_is_taken() -> None:
    heard: list[Any] = []
    aiokafka = _AIOKafka()
    producer = _producer(aiokafka)
    signal = _signal()

    def listener(sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        heard.append(kwargs["key"])

    signal.connect(listener)
    producer._send_on_produce_message = signal.send
    asyncio.run(send_record(producer, "t", b"k", b"v", None, None))
    assert heard == [b"k"]
    assert len(aiokafka.calls) == 1


def test_another_producer_s_own_send_is_awaited() -> None:
    class Other:
        def __init__(self) -> None:
            self.calls: list[Any] = []

        async def send(self, *args: Any, **kwargs: Any) -> str:
            self.calls.append((args, kwargs))
            return "other"

    other = Other()
    assert asyncio.run(send_record(other, "t", b"k", b"v", 1, None)) == "other"
    assert other.calls == [
        (("t", b"k", b"v"), {"partition": 1, "timestamp": None, "headers": None})
    ]
