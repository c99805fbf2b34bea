"""The sent log's rows, written without building a ``SentEntry`` for every mark.

An event writes its marks (sending, sent, recorded) at one ``now``: the engine keeps the
JSON form of that time and writes each row as a dict (``engine._SentRows``). Compared here
with the model's own dump on times of every shape (zones, microseconds, naive, the same
object again or an equal one): the same keys in the same order, values of the same types,
and a row read back is the mark written.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.notification.engine import SentEntry, SentStatus, _SentRows

_ZONES = st.integers(min_value=-23 * 60, max_value=23 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
) | st.just(UTC)

_TIMES = st.builds(
    lambda naive, zone: naive.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    _ZONES,
)


def _entry_row(status: SentStatus, at: datetime) -> dict[str, Any]:
    return SentEntry(status=status, at=at).model_dump(mode="json")


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(list(SentStatus)), _TIMES | st.datetimes()),
        min_size=1,
        max_size=8,
    ),
    st.data(),
)
def test_a_sent_row_is_a_sent_entrys_dump(
    marks: list[tuple[SentStatus, datetime]], data: st.DataObject
) -> None:
    rows = _SentRows()
    for status, at in marks:
        # The same moment again (the same object, as an event's ``now``), or a new one.
        for moment in (at, at, data.draw(st.sampled_from([at, at.replace()]))):
            row, entry = rows(status, moment), _entry_row(status, moment)
            assert row == entry
            assert list(row) == list(entry)
            assert [type(value) for value in row.values()] == [type(v) for v in entry.values()]
            # A row read back is the mark written.
            assert SentEntry.model_validate(row) == SentEntry(status=status, at=moment)
        # Every other mark at that moment, as the event's next ones.
        for other in SentStatus:
            assert rows(other, at) == _entry_row(other, at)


def test_a_sent_row_at_an_equal_moment_in_another_zone_says_that_zone() -> None:
    # Equal datetimes (one instant) in two zones dump differently: the kept form is
    # kept by the object, never by equality.
    rows = _SentRows()
    utc = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    china = utc.astimezone(timezone(timedelta(hours=8)))
    assert utc == china
    assert rows(SentStatus.SENT, utc) == _entry_row(SentStatus.SENT, utc)
    assert rows(SentStatus.SENT, china) == _entry_row(SentStatus.SENT, china)
    assert rows(SentStatus.SENT, china)["at"] != rows(SentStatus.SENT, utc)["at"]
