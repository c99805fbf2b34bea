"""What the broker says when an agency's inbox is made decides what the event becomes: no
answer or an error that passes is UnavailableError (the service stops, the event comes
again), a refusal of the topic is a dead letter; start-up makes every known inbox in one
call and says which it could not."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from schemas.registry import AGENCY_INBOX
from services.common.dlq import UnavailableError
from services.common.topics import TopicResult
from services.notification.inboxes import InboxTopics


class _Broker:
    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.calls: list[list[str]] = []

    def __call__(self, bootstrap: str, names: list[str], **options: Any) -> list[TopicResult]:
        self.calls.append(list(names))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return [answer(name) for name in names]


def _made(name: str) -> TopicResult:
    return TopicResult(name, 4, created=True)


def _error(code: int, message: str) -> Any:
    return lambda name: TopicResult(name, 4, created=False, error=message, error_code=code)


async def test_a_broker_that_does_not_answer_is_unavailable_and_nothing_is_remembered() -> None:
    broker = _Broker(ConnectionResetError("Connection reset by peer"), _made)
    inboxes = InboxTopics("127.0.0.1:9", "t.", 1, ensure=broker)
    with pytest.raises(UnavailableError):
        await inboxes("610302-housing")
    await inboxes("610302-housing")  # asked again: made now
    await inboxes("610302-housing")  # known: not asked a third time
    assert len(broker.calls) == 2


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (7, "Request timed out"),
        (89, "throttled"),
        (38, "Replication factor: 3 larger than available brokers: 1"),
    ],
)
async def test_an_error_that_passes_is_unavailable(code: int, message: str) -> None:
    inboxes = InboxTopics("127.0.0.1:9", "t.", 3, ensure=_Broker(_error(code, message)))
    with pytest.raises(UnavailableError, match=message):
        await inboxes("610302-housing")


async def test_a_refused_topic_is_a_dead_letter_with_the_reason() -> None:
    inboxes = InboxTopics("127.0.0.1:9", "t.", 1, ensure=_Broker(_error(44, "policy says no")))
    with pytest.raises(RuntimeError, match="policy says no") as refused:
        await inboxes("610302-housing")
    assert not isinstance(refused.value, UnavailableError)


async def test_start_up_makes_every_known_inbox_in_one_call_and_warns_of_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failing = AGENCY_INBOX.full_name("t.", "b")

    def answer(name: str) -> TopicResult:
        return _error(29, "not authorised")(name) if name == failing else _made(name)

    broker = _Broker(answer, _made)
    inboxes = InboxTopics("127.0.0.1:9", "t.", 1, ensure=broker)
    with caplog.at_level(logging.WARNING):
        inboxes.prepare(["a", "b", "c", "a"])
    assert broker.calls == [sorted(AGENCY_INBOX.full_name("t.", c) for c in "abc")]
    assert any(getattr(r, "topic", None) == failing for r in caplog.records)
    await inboxes("a")
    await inboxes("c")
    assert len(broker.calls) == 1  # both known from start-up
    await inboxes("b")  # not known: asked on first use
    assert broker.calls[-1] == [failing]
    inboxes.prepare([])  # nothing to ask: no call
    assert len(broker.calls) == 2
