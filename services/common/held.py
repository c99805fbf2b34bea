"""Tables whose writes wait for the batch's outputs, for a service that keeps its local store.

Most services throw their local store away after a crash and restore it from the
changelogs, which never hold a write whose outputs were not acknowledged (see
``services.common.batch``); so a write may change the local store at once. A service
that must keep its local store across a crash (notification: its sent log is what stops
a second e-mail) cannot: a write kept locally would outlive the outputs it stands for.
:class:`HeldTable` holds such writes in memory, where the rest of the batch reads them,
and applies them to the table only once every output of the batch is acknowledged.
:func:`write_now` is for the one kind of write that must reach the local store at once
(a fact of the outside world, such as "the mail server has taken this notice").
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, ItemsView, Iterator, MutableMapping, ValuesView
from typing import Any, Final

from faust.streams import _current_event, current_event

from services.common.batch import (
    OPEN_BATCH,
    Batch,
    Prepared,
    check_size,
    hold_until_acknowledged,
    prepare,
    write_prepared,
)

_DELETED: Final = object()


class _Held:
    """A held write: the value (or _DELETED), the number of the batch that made it (None:
    outside one), whether it reached the table while a later batch's write of its key is
    held, the held write of its key it replaced, and whether a write_now replaced it."""

    __slots__ = ("applied", "batch", "before", "dropped", "prepared", "value")

    def __init__(
        self, value: Any, batch: Batch | None, before: _Held | None, prepared: Prepared | None
    ) -> None:
        self.value = value
        #: Its changelog record, encoded when the write was made (None: encoded when
        #: applied). Kept here, not in the write's closure, so that a write replaced by a
        #: later one of its batch lets its encoding go at once (only the later one is
        #: applied): the batch holds one encoding per key, not one per write.
        self.prepared = prepared
        self.batch: int | None = None if batch is None else batch.number
        self.applied = False
        #: The held write of the key this one replaced (None: none, or once applied, so
        #: that the chain of a key's held writes stays short).
        self.before = before
        #: Replaced by a write_now (with every held write before it): never applied.
        self.dropped = False


class HeldTable(MutableMapping[str, Any]):
    """A Faust table seen through the writes of the batch in hand that are not yet applied.

    Reads and writes take their partition from the current event, as the table's do.

    A value handed to it (``table[key] = value``, ``write_now``) must not be changed
    afterwards, in place: its changelog record is encoded when the write is made, and a
    later change would reach the held reads and the store but not the changelog.
    """

    def __init__(self, table: Any) -> None:
        self._table = table
        #: (partition, key) -> the latest held write of the key
        self._held: dict[tuple[int, str], _Held] = {}

    @staticmethod
    def _partition() -> int:
        event = current_event()
        return -1 if event is None else int(event.message.partition)

    def get(self, key: str, default: Any = None) -> Any:
        # Not Mapping's get, which goes through __getitem__ and catches its KeyError: most
        # reads here are of keys nobody wrote (a notice not sent yet).
        held = self._held.get((self._partition(), key))
        if held is None:
            return self._table.get(key, default)
        return default if held.value is _DELETED else held.value

    def __getitem__(self, key: str) -> Any:
        value = self.get(key, _DELETED)
        if value is _DELETED:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, _DELETED) is not _DELETED

    def __setitem__(self, key: str, value: Any) -> None:
        self._hold(key, value)

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self._hold(key, _DELETED)

    def _snapshot(self) -> dict[str, Any]:
        """Every row of every partition this worker has, held writes applied."""
        rows = dict(self._table.items())
        for (_, key), held in self._held.items():
            value = held.value
            if value is _DELETED:
                rows.pop(key, None)
            else:
                rows[key] = value
        return rows

    def __iter__(self) -> Iterator[str]:
        return iter(self._snapshot())

    def __len__(self) -> int:
        return len(self._snapshot())

    def items(self) -> ItemsView[str, Any]:
        # Not Mapping's items(), which reads each key through __getitem__: a table reads a
        # key in the current event's partition, and iteration covers every partition.
        return self._snapshot().items()

    def values(self) -> ValuesView[Any]:
        return self._snapshot().values()

    def _hold(self, key: str, value: Any) -> None:
        prepared: Prepared | None = None
        if value is not _DELETED:
            # Now, not when applied after the batch's outputs: a write too large for the
            # changelog then could only stop the service; now it refuses its message. The
            # record so encoded is the one sent when the write is applied (the value the
            # write was made with, as a table's own write encodes it at once).
            prepared = prepare(self._table, key, value)
            if prepared is None:
                check_size(self._table, key, value)
        event = current_event()
        slot = (self._partition(), key)
        before = self._held.get(slot)
        entry = _Held(value, OPEN_BATCH.get(), before, prepared)
        if before is not None and before.batch == entry.batch and entry.batch is not None:
            # Replaced within its batch: only this write of the key is applied (a take-back
            # of this one makes the one before encode its record when applied). An earlier
            # batch's write (pipelined) keeps its record: it is applied when that commits.
            before.prepared = None
        self._held[slot] = entry

        def apply() -> None:
            if entry.dropped:
                # A write_now replaced it, though a later batch (pipelined) wrote the key
                # again before this batch committed: it never comes back, as sequentially.
                return
            latest = self._held.get(slot)
            if latest is entry:
                del self._held[slot]
            elif latest is None or latest.batch == entry.batch:
                return  # a later write of the key in the batch replaces this one
            # else a later batch (pipelined: handled while this one commits) wrote the
            # key: the table takes this batch's value now, and that later write stays
            # held for its own batch, read from memory until then.
            entry.applied = True
            entry.before = None
            prepared, entry.prepared = entry.prepared, None
            _write(self._table, event, key, entry.value, prepared)

        def undo() -> None:
            if entry.dropped:
                return  # a write_now replaced it: the slot has what came after
            if before is None or before.applied:
                self._held.pop(slot, None)
            else:
                self._held[slot] = before

        hold_until_acknowledged(apply, undo)

    def write_now(self, key: str, value: Any) -> None:
        """Write to the local store at once, replacing any held write of the key.

        ``value`` must not be changed in place afterwards (see :class:`HeldTable`).

        Every held write of the key is dropped, not only the latest: pipelined, an earlier
        batch's write may still wait for its commit behind a later batch's, and must not
        reach the table after this one (sequentially, it would already be in the table).
        """
        held = self._held.pop((self._partition(), key), None)
        while held is not None:
            held.dropped = True
            held = held.before
        self._table[key] = value


def _write(table: Any, event: Any, key: str, value: Any, prepared: Prepared | None) -> None:
    """Write as if in ``event``: Faust's stores and changelogs take its partition."""
    previous = current_event()
    _current_event.set(None if event is None else weakref.ref(event))
    try:
        if value is _DELETED:
            if key in table:
                del table[key]
        else:
            write_prepared(table, prepared, key, value)
    finally:
        _current_event.set(None if previous is None else weakref.ref(previous))


def write_now(state: MutableMapping[str, Any], key: str, value: Any) -> None:
    """Write ``key`` to ``state`` at once, past any holding (a plain mapping: just write).
    ``value`` must not be changed in place afterwards: its record is encoded now."""
    if isinstance(state, HeldTable):
        state.write_now(key, value)
    else:
        state[key] = value


def write_later(state: MutableMapping[str, Any]) -> Callable[[str, Any], None]:
    """A function that writes to ``state`` at once, called later, as the event in hand now.

    For a callback that runs after its event's batch (a send ending in the background):
    the write takes the event's partition, reaches the local store at once and sends its
    changelog record at once (no batch holds it back; the next batch waits for it).
    """
    if not isinstance(state, HeldTable):
        return state.__setitem__
    event = current_event()

    def write(key: str, value: Any) -> None:
        if event is None:
            return  # no partition to write in: the event's own handling writes it
        batch = OPEN_BATCH.set(None)
        previous = current_event()
        _current_event.set(weakref.ref(event))
        try:
            state.write_now(key, value)
        finally:
            _current_event.set(None if previous is None else weakref.ref(previous))
            OPEN_BATCH.reset(batch)

    return write
