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

Written one at a time (a plain mapping, the replay), the writes of one case keep an
order that makes every prefix safe: the new due entry first, then the case (or orphans)
row, then the removal of the old due entry; the watermark after every case of the event.
A crash thus leaves at worst a due entry too many, which the scan notices (the case row
says otherwise) and removes. In the service a batch's due index reaches the table at the
batch's end, after its case rows (``due_index_key``, ``due_list_key``): a prefix of its
changelog records may then hold case rows without their due entries, and the batch,
unacknowledged, is handled again: a redelivered verdict or update (held ones too) stores
its case again, which restores a due entry if one is missing. A tick's cases are not
stored again, so a batch never removes an entry that was in the table before it while
the case's new entry is only in the batch (``_moving``): in any prefix the case keeps
one entry at least, and a scan puts an entry the row contradicts where the row says.

Any ``MutableMapping`` serves as the table (Faust's tables are), so this is tested with
dicts. Faust sends each write to the changelog partition of the event in hand: the
service writes only inside an event of the same partition (a verdict, an update, a tick).
"""

from __future__ import annotations

import json
import weakref
from bisect import bisect_left
from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from schemas.base import STORED
from services.common.batch import OPEN_BATCH
from services.common.batch_reads import ReadInBatch
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


#: The first and the last moment Python's datetime can hold in UTC.
_FIRST_UTC: Final = datetime.min.replace(tzinfo=UTC)
_LAST_UTC: Final = datetime.max.replace(tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a moment beyond the years Python's datetime holds once in UTC
    (year 1 east of it, year 9999 west of it) as the first or the last one it holds.

    The contract refuses such a time (``schemas.base.EARLIEST_TIME``), but a row stored
    before it did may hold one: its due entry is then kept in the first or the last
    bucket (``due`` compares the entry's own time), and the service does not stop on it.
    """
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        offset = moment.utcoffset()
        return _FIRST_UTC if offset is not None and offset > timedelta(0) else _LAST_UTC


def bucket_of(moment: datetime) -> str:
    """The hour bucket (UTC) of a due time; buckets sort as the hours do."""
    return _utc(moment).strftime("%Y%m%d%H")


def buckets_of(moment: datetime) -> tuple[str, str, str]:
    """The buckets an entry due at ``moment`` may be in: its hour's, minute's, second's.

    Their names sort as time does, a coarser bucket before the finer ones it holds
    ("2026120509" < "202612050900" < "20261205090000" < "202612050901" < "2026120510").
    """
    second = _second_of(moment)
    return second[:_HOUR], second[: _HOUR + 2], second


def _second_of(moment: datetime) -> str:
    """``moment`` in UTC as ``strftime("%Y%m%d%H%M%S")`` writes it, by an f-string (1 us
    instead of 2: every case stored asks for its due time's buckets)."""
    utc = _utc(moment)
    if utc.year < 1000:  # strftime's %Y does not pad these
        return utc.strftime("%Y%m%d%H%M%S")
    return f"{utc.year}{utc.month:02}{utc.day:02}{utc.hour:02}{utc.minute:02}{utc.second:02}"


def due_time(state: CaseState | None, orphans: Orphans | None) -> datetime | None:
    """When the scan next needs a case: its next timer or held update, or its orphans."""
    times = [
        *([state.next_fire_at] if state is not None and state.next_fire_at else []),
        *([orphans.earliest_event_at] if orphans is not None else []),
    ]
    return min(times) if times else None


def due_index_key(key: str) -> bool:
    """Whether ``key`` is of the due index: the keys a batch writes once, when it ends.

    Within a batch of up to 500 messages one bucket is rewritten for each of its cases,
    hundreds of times; each write encoded the whole bucket for the store and for its
    changelog record (a quarter of the stage's CPU). Through ``ReadInBatch(table,
    later=due_index_key)`` each bucket reaches the table once per batch, with its last
    value (see ``services.common.batch_reads`` for why that is as safe), and a bucket
    that would be too large for its changelog still refuses the message that made it:
    ``_write_bucket`` gives a bound on its size, and near the limit it is measured.

    The changelog records of a batch are then the other keys' first and the due index's
    after them. A crash while they are sent can leave a prefix of them: case rows whose
    due entries are missing. That was already so (a batch sends each key's last write
    only, ``latest_writes``, so a bucket written by the batch's first and last cases was
    sent after the first case's row), and it is mended the same way: the batch was not
    acknowledged, it is handled again, and a redelivered verdict or update stores its case
    again (``EscalationEngine``), which writes its due entry where it is missing; an entry
    left too many is removed by the scan (``due``).
    """
    return key.startswith(DUE)


def due_list_key(key: str) -> bool:
    """Whether ``key`` is a partition's bucket list (``due/<p>``), which a batch's end
    writes before the buckets: with the two rules below, every prefix of a batch's
    changelog records then lists every bucket that holds an entry.

    * A bucket is listed before its first entry is written (``_add_due``), so the list's
      value at the batch's end names every bucket the batch filled;
    * a bucket the batch empties stays listed (``_drop_due`` deletes it and leaves it in
      the list); a scan forgets a listed bucket only when it is empty in the table, not
      by a write the batch still keeps (``due``): the list at the end then names every
      bucket that held an entry before the batch and may still hold it in a prefix;
    * a case's entry that was in the table before the batch is not removed while its new
      entry is only in the batch (``_moving``): it stays, stale, and a later scan, which
      meets it when its hour comes, finds the case's row saying otherwise and removes it
      then (the new entry is in the table by that batch). The buckets' records go in the
      order of their last writes, so a prefix could otherwise hold the old entry's removal
      and not the new one: a tick's batch (which no redelivered verdict or update mends)
      would then leave a case with no entry at all, its timers never to fire.

    A prefix that stops before the list has the due index as before the batch (its
    records come first), and one that stops after it finds every bucket with entries
    listed. What a prefix lacks is mended as before: the batch is handled again, a
    redelivered verdict or update stores its case again, a scan puts an entry the case's
    row contradicts where the row says.
    """
    return key.startswith(DUE) and key.count("/") == 1


def _entry_bound(case_id: str, due: str) -> int:
    """Most bytes an entry adds to a bucket's JSON: its two strings (6 bytes a character
    at most, \\uXXXX), their quotes, the colon and the comma."""
    return 6 * (len(case_id) + len(due)) + 6


def _entries_bound(entries: Any) -> int:
    """Most bytes of a bucket's JSON, from its entries (one pass over them)."""
    if not entries:
        return 2
    strings = sum(map(len, entries)) + sum(map(len, entries.values()))
    return 2 + 6 * len(entries) + 6 * strings


def _nothing() -> None:
    return None


class BucketBounds:
    """A bound on the JSON size of each bucket last written, while it is the value read.

    The value a bucket read returns in a batch is the very object last written
    (``ReadInBatch``), which no one changes (the store copies before it changes a
    bucket): its bound plus the added entry's bounds the next value, without a pass
    over its up to ``BUCKET_ENTRIES`` entries for every case. A bucket read anew (the
    first read of a batch, from the store) is measured with one pass. A removed entry
    leaves the bound as it was: still a bound. Shared by the stores of one table.
    """

    _MOST: Final = 4_096  # buckets remembered; forgotten all at once past that

    def __init__(self) -> None:
        self._known: dict[str, tuple[Any, int]] = {}
        # The batch the buckets were written in (weakly: not kept alive by this): a bucket
        # read in the next batch is a new object (read from the store), so the last
        # batch's are forgotten at its first write.
        self._batch: Callable[[], object | None] = _nothing

    def of(self, key: str, entries: Any) -> int:
        known = self._known.get(key)
        if known is not None and known[0] is entries:
            return known[1]
        return _entries_bound(entries)

    def keep(self, key: str, entries: dict[str, str], bound: int) -> None:
        batch = OPEN_BATCH.get()
        if len(self._known) >= self._MOST or batch is not self._batch():
            self._known.clear()
            self._batch = _nothing if batch is None else weakref.ref(batch)
        self._known[key] = (entries, bound)


class TableCaseStore:
    """The cases of one partition, read and written through the service's table."""

    def __init__(self, table: Table, partition: int, bounds: BucketBounds | None = None) -> None:
        self._table = table
        self._partition = partition
        self._buckets_key = f"{DUE}{partition}"
        self._bounds = BucketBounds() if bounds is None else bounds

    # Rows are read as they were stored (``STORED``): a time a row holds from before the
    # contract refused it (``schemas.base.EARLIEST_TIME``) does not make the case, and every
    # message of it, unreadable.

    def get(self, case_id: str) -> CaseState | None:
        value = self._table.get(CASE + case_id)
        return None if value is None else _stored_state(value)

    def orphans(self, case_id: str) -> Orphans | None:
        value = self._table.get(ORPHANS + case_id)
        return None if value is None else Orphans.model_validate(value, context=STORED)

    def put(self, state: CaseState) -> None:
        case_id = state.facts.case_id
        orphans = self.orphans(case_id)
        # The case's row read once: ``_add_due`` writes only the due index, not this row.
        stored = self._table.get(CASE + case_id)
        before = due_time(None if stored is None else _stored_state(stored), orphans)
        after = due_time(state, orphans)
        self._add_due(case_id, after)
        value = state.to_json()
        if stored != value:
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
            if not entries and not self._pending(self._bucket_key(bucket)):
                # Empty in the table, not only by a write the batch keeps: see due_list_key.
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
        # Read only (a new list is written when a bucket is added): not copied.
        buckets: list[str] = self._table.get(self._buckets_key) or []
        levels = buckets_of(at)
        listed = [bucket for bucket in levels if _holds(buckets, bucket)]
        for bucket in listed:
            # Already in one (a redelivery, or another time in the same bucket): kept there.
            key = self._bucket_key(bucket)
            old = self._table.get(key)
            entries = dict(old or {})
            if case_id in entries:
                if entries[case_id] != due:
                    entries[case_id] = due
                    self._write_bucket(key, old, entries, _entry_bound(case_id, due))
                return
        for bucket in levels:
            key = self._bucket_key(bucket)
            old = self._table.get(key) if bucket in listed else None
            entries = dict(old or {})
            if len(entries) < BUCKET_ENTRIES or bucket == levels[-1]:
                break
        if bucket not in listed:
            # The bucket list first: a listed bucket without entries is skipped, an
            # unlisted one would never be read.
            self._table[self._buckets_key] = sorted([*buckets, bucket])
        entries[case_id] = due
        self._write_bucket(key, old, entries, _entry_bound(case_id, due))

    def _drop_due(self, case_id: str, before: datetime | None, after: datetime | None) -> None:
        """Remove the entry of ``before`` unless ``after`` wrote over it (same bucket)."""
        if before is None or before == after:
            return
        due = before.isoformat()
        buckets: list[str] = self._table.get(self._buckets_key) or []  # read only
        for bucket in buckets_of(before):
            if not _holds(buckets, bucket):
                continue
            key = self._bucket_key(bucket)
            old = self._table.get(key)
            entries = dict(old or {})
            if entries.get(case_id) != due:
                continue  # not here, or written over by `after`
            if after is not None and self._moving(case_id, key, due, after):
                return  # left where it is, stale, until the new entry is in the table
            del entries[case_id]
            if entries:
                self._write_bucket(key, old, entries, 0)
                return
            # Left in the list: a scan forgets it once it is empty in the table (see
            # due_list_key); a listed bucket without entries is skipped.
            del self._table[key]
            return

    def _write_bucket(self, key: str, old: Any, entries: dict[str, str], grown: int) -> None:
        """Write a bucket's ``entries``, made from ``old`` (the value read) and an entry of
        at most ``grown`` bytes of JSON, with a bound on their size (see ``BucketBounds``)."""
        bound = self._bounds.of(key, old) + grown
        if isinstance(self._table, ReadInBatch):
            settled = self._table.write(key, entries, bound)
            if settled is not None:
                bound = settled
        else:
            self._table[key] = entries
        self._bounds.keep(key, entries, bound)

    def _moving(self, case_id: str, key: str, due: str, after: datetime) -> bool:
        """Whether ``case_id`` had an entry in bucket ``key`` before the batch in hand (``due``
        or one the batch has since moved to ``due``) and its new entry (``after``) is not in
        the table: see due_list_key."""
        if not isinstance(self._table, ReadInBatch):
            return False
        # Any entry of the case in this bucket before the batch, not only ``due``: the batch
        # may have moved it within the bucket first (a tick, then another), and its removal
        # now would still go to the changelog before the new bucket's record.
        if case_id not in (self._table.committed(key) or {}):
            return False
        new = after.isoformat()
        return not any(
            (self._table.committed(self._bucket_key(bucket)) or {}).get(case_id) == new
            for bucket in buckets_of(after)
        )

    def _pending(self, key: str) -> bool:
        """Whether the batch in hand keeps a write of ``key`` not yet in the table."""
        return isinstance(self._table, ReadInBatch) and self._table.pending(key)

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


def _stored_state(value: dict[str, Any]) -> CaseState:
    """A case's row as ``CaseState.from_json`` reads it, its times as they were stored."""
    return CaseState.model_validate(value, context=STORED)


def _holds(buckets: list[str], bucket: str) -> bool:
    """Whether the sorted bucket list has ``bucket``."""
    at = bisect_left(buckets, bucket)
    return at < len(buckets) and buckets[at] == bucket
