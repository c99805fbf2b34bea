"""Every time of the contract is within EARLIEST_TIME and END_OF_TIME, refused at parse time
otherwise: valid ISO 8601 such as year 9999 west of UTC or year 1 east of it is beyond
Python's datetime once converted, and stopped the first service that converted it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from schemas.base import EARLIEST_TIME, END_OF_TIME, STORED
from schemas.cases import CaseUpdate
from schemas.petitions import RejectReason
from schemas.registry import CASES_UPDATES, TOPICS, TopicSpec
from services.common.dlq import Rejected
from services.common.handler import Incoming, parse_value

#: Both valid ISO 8601; both beyond Python's datetime in UTC.
BEYOND_UTC = ("9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+14:00")
#: Within Python's datetime, outside the contract's range.
OUT_OF_RANGE = (*BEYOND_UTC, "9999-12-31T23:59:59+00:00", "1899-12-31T23:59:59+08:00",
                "2200-01-01T00:00:00+08:00", "2500-06-01T00:00:00+00:00")  # fmt: skip


def _is_time(value: object) -> bool:
    if not isinstance(value, str) or len(value) < 19 or value[4] != "-":
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _time_paths(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """The paths of every ISO 8601 time in a JSON document."""
    if isinstance(node, dict):
        for name, value in node.items():
            yield from _time_paths(value, (*path, name))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _time_paths(value, (*path, index))
    elif _is_time(node):
        yield path


def _with(document: Any, path: tuple[str | int, ...], value: str) -> Any:
    copy = json.loads(json.dumps(document))
    holder = copy
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = value
    return copy


def _every_time_of_every_example() -> Iterator[tuple[TopicSpec, dict[str, Any], tuple[Any, ...]]]:
    for spec in TOPICS:
        for example in spec.examples:
            if example.value is not None:
                for path in _time_paths(example.value):
                    yield spec, example.value, path


CASES = list(_every_time_of_every_example())


def test_the_examples_have_times_of_every_kind_of_record() -> None:
    # Event times, times the services write from their clocks, a case inside a verdict.
    paths = {".".join(map(str, path)) for _, _, path in CASES}
    assert {"received_at", "occurred_at", "rejected_at", "case.registered_at"} <= paths


@pytest.mark.parametrize(
    ("spec", "document", "path"),
    CASES,
    ids=[f"{spec.name}:{'.'.join(map(str, path))}" for spec, _, path in CASES],
)
@pytest.mark.parametrize("moment", OUT_OF_RANGE)
def test_every_time_of_every_topic_refuses_a_moment_out_of_the_range(
    spec: TopicSpec, document: dict[str, Any], path: tuple[Any, ...], moment: str
) -> None:
    raw = json.dumps(_with(document, path, moment)).encode()
    with pytest.raises(ValidationError) as caught:
        spec.value_model.model_validate_json(raw)
    [error] = caught.value.errors()
    assert error["type"] == "datetime_out_of_range"
    assert error["loc"] == path
    assert f"{moment} is outside the times the contract takes" in error["msg"]


def test_the_range_is_half_open_and_an_instant_whatever_its_zone() -> None:
    base = {"update_id": "u-1", "case_id": "XF-A", "kind": "accepted",
            "agency_code": "610302-housing"}  # fmt: skip
    second = timedelta(seconds=1)

    def takes(moment: datetime) -> bool:
        try:
            CaseUpdate.model_validate({**base, "occurred_at": moment.isoformat()})
        except ValidationError:
            return False
        return True

    assert takes(EARLIEST_TIME)
    assert not takes(EARLIEST_TIME - second)
    assert takes(END_OF_TIME - second)
    assert not takes(END_OF_TIME)
    # The same instants written in other zones.
    for hours in (-12, 0, 14):
        zone = timezone(timedelta(hours=hours))
        assert takes(EARLIEST_TIME.astimezone(zone))
        assert not takes(END_OF_TIME.astimezone(zone))


def test_a_naive_time_a_service_writes_is_compared_as_utc() -> None:
    from schemas.petitions import DeadLetter

    letter = {"stage": "intake", "reason": "invalid_json", "detail": "x",
              "source_topic": "t", "source_partition": 0, "source_offset": 0,
              "original_value_b64": ""}  # fmt: skip
    DeadLetter.model_validate({**letter, "rejected_at": "2026-01-01T00:00:00"})
    with pytest.raises(ValidationError, match="outside the times"):
        DeadLetter.model_validate({**letter, "rejected_at": "9999-12-31T23:59:59"})


@pytest.mark.parametrize("moment", BEYOND_UTC)
def test_what_a_service_stored_itself_is_read_as_stored(moment: str) -> None:
    update = {"update_id": "u-1", "case_id": "XF-A", "kind": "accepted",
              "agency_code": "610302-housing", "occurred_at": moment}  # fmt: skip
    with pytest.raises(ValidationError):
        CaseUpdate.model_validate(update)
    stored = CaseUpdate.model_validate(update, context=STORED)
    assert stored.occurred_at == datetime.fromisoformat(moment)


@pytest.mark.parametrize("moment", BEYOND_UTC)
def test_a_downstream_reader_dead_letters_it_as_a_schema_violation(moment: str) -> None:
    # What escalation stopped on: the record never reaches a handler now.
    value = {"update_id": "u-1", "case_id": "XF-A", "kind": "accepted",
             "agency_code": "610302-housing", "occurred_at": moment}  # fmt: skip
    message = Incoming(CASES_UPDATES.name, 0, 5, b'{"case_id":"XF-A"}',
                       json.dumps(value).encode(), CASES_UPDATES)  # fmt: skip
    with pytest.raises(Rejected) as caught:
        parse_value(CaseUpdate, message)
    assert caught.value.reason is RejectReason.SCHEMA_VIOLATION
    assert "occurred_at" in caught.value.detail
    assert "outside the times the contract takes" in caught.value.detail


_OFFSETS = [timedelta(hours=h, minutes=m) for h, m in ((-23, -59), (-12, 0), (0, 0), (8, 0),
                                                        (14, 0), (23, 59))]  # fmt: skip
_NEAR_THE_BOUNDS = [
    bound + delta
    for bound in (EARLIEST_TIME, END_OF_TIME, datetime(1901, 1, 1, tzinfo=EARLIEST_TIME.tzinfo),
                  datetime(2199, 1, 1, tzinfo=EARLIEST_TIME.tzinfo))
    for delta in (timedelta(seconds=-1), timedelta(0), timedelta(seconds=1), timedelta(days=1),
                  timedelta(days=-1))
]  # fmt: skip


@pytest.mark.parametrize("offset", _OFFSETS, ids=str)
def test_the_years_taken_at_a_glance_are_the_exact_comparisons(offset: timedelta) -> None:
    # A year well inside the range is taken without comparing instants; near the bounds,
    # in every zone, the answer is the comparison's.
    base = {"update_id": "u-1", "case_id": "XF-A", "kind": "accepted",
            "agency_code": "610302-housing"}  # fmt: skip
    for instant in _NEAR_THE_BOUNDS:
        written = instant.astimezone(timezone(offset))
        try:
            CaseUpdate.model_validate({**base, "occurred_at": written.isoformat()})
            taken = True
        except ValidationError:
            taken = False
        assert taken == (EARLIEST_TIME <= instant < END_OF_TIME), written.isoformat()
