"""``CaseStore`` over the service's one Faust table, for the partition of the event in hand.

Everything the service keeps is in ONE table, so in one changelog topic, whose partition p
holds every write made for partition p in the order it was made. After a crash a worker
rebuilt from the changelog sees a prefix of those writes, never a later write without an
earlier one; several tables (several changelogs) could each keep a different prefix,
and a watermark could then run ahead of the case states it stands for. Keys:

=================================  ==============================================
``case/<case_id>``                 the ``CaseState``
``orphans/<case_id>``              updates whose verdict has not arrived (``Orphans``)
``due/<p>``                        the buckets of partition p holding entries, sorted
``due/<p>/<YYYYMMDDHH>``           ``{case_id: due time}`` of the cases due that hour (UTC)
``due/<p>/<YYYYMMDDHHMM[SS]>``     the same of a minute (a second) of an hour (a minute) full
``open/<case_id>``                 ``"<status> <level>"`` while the case is open (the gauge)
``watermark/<input>/<p>``          an input's highest event time on p (``clock``)
=================================  ==============================================

The scan of a partition reads the bucket list and the buckets due by then, not every case.

A bucket holds at most ``BUCKET_ENTRIES`` entries, so that its value stays a fraction of the
1,000,000 bytes a changelog record may have: a burst of cases received in one hour (a mass
campaign, a backfill) is due in one hour too, and would otherwise make a bucket of ~46
bytes a case that passes the limit at ~21,700 cases, after which the service could not
store its state. Entries go to the hour's bucket while it has room, then to their minute's,
then to their second's: a case's entry is always in one of the three buckets of its due
time, so finding it reads three keys at most. Only a second's bucket takes entries past
``BUCKET_ENTRIES``: more than ~25,000 cases of one partition due at the very same second
would pass the record limit still.

The writes of one case keep an order that makes every prefix safe: the new due entry
first, then the case (or orphans) row, then the removal of the old due entry; the service
writes the watermark after every case of the event. A crash thus leaves at worst a due
entry too many, which the scan notices (the case row says otherwise) and removes; never a
case without its due entry, never a watermark ahead of the cases it has seen. A
redelivered event stores its case again, which restores a due entry if one is missing.

Any ``MutableMapping`` serves as the table (Faust's tables are), so this is tested with
dicts. Faust sends each write to the changelog partition of the event in hand: the
service writes only inside an event of the same partition (a verdict, an update, a tick).
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any, Final

from services.escalation.state import CaseState, Orphans

Table = MutableMapping[str, Any]

CASE = "case/"
ORPHANS = "orphans/"
DUE = "due/"
OPEN = "open/"


#: Most entries in one bucket: ~46 bytes each with intake's case ids, ~100 with the
#: longest (64 characters), so a bucket's value stays under 200 KB.
BUCKET_ENTRIES: Final = 2_000
_HOUR: Final = 10  # characters of a bucket name that say its hour


def bucket_of(moment: datetime) -> str:
    """The hour bucket (UTC) of a due time; buckets sort as the hours do."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H")


def buckets_of(moment: datetime) -> tuple[str, str, str]:
    """The buckets an entry due at ``moment`` may be in: its hour's, minute's, second's.

    Their names sort as time does, a coarser bucket before the finer ones it holds
    ("2026120509" < "202612050900" < "20261205090000" < "202612050901" < "2026120510").
    """
    utc = moment.astimezone(UTC)
    second = utc.strftime("%Y%m%d%H%M%S")
    return second[:_HOUR], second[: _HOUR + 2], second


def due_time(state: CaseState | None, orphans: Orphans | None) -> datetime | None:
    """When the scan next needs a case: its next timer or held update, or its orphans."""
    times = [
        *([state.next_fire_at] if state is not None and state.next_fire_at else []),
        *([orphans.earliest_event_at] if orphans is not None else []),
    ]
    return min(times) if times else None


class TableCaseStore:
    """The cases of one partition, read and written through the service's table."""

    def __init__(self, table: Table, partition: int) -> None:
        self._table = table
        self._partition = partition
        self._buckets_key = f"{DUE}{partition}"

    def get(self, case_id: str) -> CaseState | None:
        value = self._table.get(CASE + case_id)
        return None if value is None else CaseState.from_json(value)

    def orphans(self, case_id: str) -> Orphans | None:
        value = self._table.get(ORPHANS + case_id)
        return None if value is None else Orphans.model_validate(value)

    def put(self, state: CaseState) -> None:
        case_id = state.facts.case_id
        orphans = self.orphans(case_id)
        before = due_time(self.get(case_id), orphans)
        after = due_time(state, orphans)
        self._add_due(case_id, after)
        value = state.to_json()
        if self._table.get(CASE + case_id) != value:
            self._table[CASE + case_id] = value
        self._drop_due(case_id, before, after)
        self._set_open(case_id, state)

    def put_orphans(self, case_id: str, orphans: Orphans | None) -> None:
        state = self.get(case_id)
        before = due_time(state, self.orphans(case_id))
        after = due_time(state, orphans)
        self._add_due(case_id, after)
        if orphans is not None:
            self._table[ORPHANS + case_id] = orphans.model_dump(mode="json")
        elif self._table.get(ORPHANS + case_id) is not None:
            del self._table[ORPHANS + case_id]
        self._drop_due(case_id, before, after)

    def due(self, until: datetime) -> list[str]:
        """Cases due by ``until``, from the buckets up to its hour only.

        An entry the case's rows contradict (left by a crash between the writes of one
        case) is removed here, and the case is indexed where its rows say.
        """
        last = bucket_of(until)
        found: dict[str, None] = {}
        for bucket in list(self._table.get(self._buckets_key) or []):
            if bucket[:_HOUR] > last:
                break
            entries = dict(self._table.get(self._bucket_key(bucket)) or {})
            if not entries:
                self._forget_bucket(bucket)
            for case_id, at in entries.items():
                if datetime.fromisoformat(at) > until:
                    continue
                indexed = datetime.fromisoformat(at)
                actual = due_time(self.get(case_id), self.orphans(case_id))
                if actual != indexed:
                    self._add_due(case_id, actual)
                    self._drop_due(case_id, indexed, actual)
                if actual is not None and actual <= until:
                    found[case_id] = None
        return list(found)

    def _bucket_key(self, bucket: str) -> str:
        return f"{DUE}{self._partition}/{bucket}"

    def _add_due(self, case_id: str, at: datetime | None) -> None:
        if at is None:
            return
        due = at.isoformat()
        buckets = list(self._table.get(self._buckets_key) or [])
        levels = buckets_of(at)
        listed = [bucket for bucket in levels if _holds(buckets, bucket)]
        for bucket in listed:
            # Already in one (a redelivery, or another time in the same bucket): kept there.
            entries = dict(self._table.get(self._bucket_key(bucket)) or {})
            if case_id in entries:
                if entries[case_id] != due:
                    entries[case_id] = due
                    self._table[self._bucket_key(bucket)] = entries
                return
        for bucket in levels:
            key = self._bucket_key(bucket)
            entries = dict(self._table.get(key) or {}) if bucket in listed else {}
            if len(entries) < BUCKET_ENTRIES or bucket == levels[-1]:
                break
        if bucket not in listed:
            # The bucket list first: a listed bucket without entries is skipped, an
            # unlisted one would never be read.
            self._table[self._buckets_key] = sorted([*buckets, bucket])
        entries[case_id] = due
        self._table[key] = entries

    def _drop_due(self, case_id: str, before: datetime | None, after: datetime | None) -> None:
        """Remove the entry of ``before`` unless ``after`` wrote over it (same bucket)."""
        if before is None or before == after:
            return
        due = before.isoformat()
        buckets = list(self._table.get(self._buckets_key) or [])
        for bucket in buckets_of(before):
            if not _holds(buckets, bucket):
                continue
            key = self._bucket_key(bucket)
            entries = dict(self._table.get(key) or {})
            if entries.get(case_id) != due:
                continue  # not here, or written over by `after`
            del entries[case_id]
            if entries:
                self._table[key] = entries
                return
            del self._table[key]
            self._forget_bucket(bucket)
            return

    def _forget_bucket(self, bucket: str) -> None:
        buckets = list(self._table.get(self._buckets_key) or [])
        if bucket in buckets:
            buckets.remove(bucket)
            self._table[self._buckets_key] = buckets

    def _set_open(self, case_id: str, state: CaseState) -> None:
        key = OPEN + case_id
        row = (
            f"{state.open_status.value} {state.facts.level.value}"
            if state.open_status is not None
            else None
        )
        if self._table.get(key) == row:
            return
        if row is None:
            del self._table[key]
        else:
            self._table[key] = row


class InMemoryCaseStore(TableCaseStore):
    """The same store over a dict: for the replay and tests.

    The dict holds JSON values only, so ``snapshot`` and ``from_snapshot`` simulate a
    restart from the changelog (a prefix of the writes, see ``snapshot``).
    """

    def __init__(self, table: Table | None = None, partition: int = 0) -> None:
        super().__init__({} if table is None else table, partition)
        self.table = self._table

    def snapshot(self) -> dict[str, Any]:
        """Everything stored, as plain JSON values."""
        copy: dict[str, Any] = json.loads(json.dumps(dict(self.table)))
        return copy

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any]) -> InMemoryCaseStore:
        """A store rebuilt from ``snapshot``, as a restarted worker rebuilds its table."""
        return cls(json.loads(json.dumps(snapshot)))


def open_cases(table: Table) -> dict[tuple[str, str], int]:
    """Open cases by (status, level), counted from the ``open/`` rows."""
    counts: dict[tuple[str, str], int] = {}
    for key in list(table.keys()):
        if not str(key).startswith(OPEN):
            continue
        row = table.get(key)
        if row is not None:
            status, level = str(row).split(" ")
            counts[status, level] = counts.get((status, level), 0) + 1
    return counts


def _holds(buckets: list[str], bucket: str) -> bool:
    """Whether the sorted bucket list has ``bucket``."""
    at = bisect_left(buckets, bucket)
    return at < len(buckets) and buckets[at] == bucket
