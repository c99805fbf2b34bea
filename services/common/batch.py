"""The batch in hand, and the table writes it holds back until its outputs are acknowledged.

While a batch is handled (``OPEN_BATCH``), a write to a service's table changes the local
store at once, so the next message sees it, and its changelog record waits in the batch
(``Batch.changelog``); ``services.common.batch_loop`` sends those records only once every
output of the batch is acknowledged, so a changelog never holds a write whose outputs the
broker does not have.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Final

from faust.channels import SerializedChannel
from faust.serializers import codecs
from faust.serializers.schemas import Schema
from faust.stores.base import SerializedStore
from faust.utils import json as faust_json
from mode.utils.compat import want_bytes

from schemas.registry import MAX_MESSAGE_BYTES, RECORD_OVERHEAD_BYTES
from services.common.handler import Output

#: A table write held back: the table's name, its own ``send_changelog`` (a
#: :class:`TableChangelog` for a service's table) and the arguments (partition, key, value)
#: and serializers.
ChangelogWrite = tuple[str, Callable[..., Any], tuple[Any, ...], dict[str, Any]]


@dataclass(frozen=True, eq=False)
class TableChangelog:
    """A service table's changelog: Faust's ``send_changelog`` of the table, and what
    ``services.common.changelog`` needs to send its records past it."""

    table: Any
    #: The table's Faust changelog topic, and its name.
    topic: Any
    topic_name: str
    #: Faust's own ``Table.send_changelog`` of the table (the path through its producer
    #: buffer, whose acknowledgement records the persisted offset).
    faust_send: Callable[..., Any]
    #: (partition, key) -> the newest batch not yet committed whose changelog holds a
    #: record of the key back: a write made outside any batch to that key is put at the
    #: end of that batch's changelog (``hold_back_changelog``).
    pending: dict[tuple[Any, Any], Batch] = field(default_factory=dict, repr=False)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.faust_send(*args, **kwargs)


_batch_numbers = itertools.count()


def _slot(write: ChangelogWrite) -> tuple[Any, Any]:
    """The partition and (serialized) key of a held-back write."""
    return write[2][0], write[2][1]


@dataclass
class Batch:
    """The messages of one batch and what handling them has produced so far."""

    #: Batches are numbered in the order they are made (and committed).
    number: int = field(default_factory=lambda: next(_batch_numbers))

    #: Outputs handed to the producer and not yet acknowledged, with the output each is.
    sends: dict[asyncio.Future[Any], Output] = field(default_factory=dict)
    #: Table writes held back until every output is acknowledged, in the order made.
    changelog: list[ChangelogWrite] = field(default_factory=list)
    #: Writes that wait for every output of the batch (``hold_until_acknowledged``).
    held: list[Callable[[], None]] = field(default_factory=list)
    #: For each of ``held``, what takes it back before it is applied (or a no-op).
    unheld: list[Callable[[], None]] = field(default_factory=list)
    #: What writes, once every handler of the batch has run (and before its changelog
    #: records are sent), the table writes kept in memory until then
    #: (``services.common.batch_reads``: a key written many times goes to the table once).
    ends: list[Callable[[], None]] = field(default_factory=list)
    #: For each write kept until the batch ends, in the order made, what takes it back.
    unkept: list[Callable[[], None]] = field(default_factory=list)
    #: What each ``ReadInBatch`` keeps for this batch, by the id of that ``ReadInBatch``.
    kept: dict[int, Any] = field(default_factory=dict)
    #: Writes made outside any batch to a key ``changelog`` held back, put at its end,
    #: that are not handed over yet (sent on their own if the batch ends without it).
    outside: list[ChangelogWrite] = field(default_factory=list)

    def hold(self, write: ChangelogWrite) -> None:
        """Hold back ``write``'s changelog record, and its key for writes outside a batch."""
        self.changelog.append(write)
        pending = getattr(write[1], "pending", None)
        if pending is not None:
            slot = _slot(write)
            holder = pending.get(slot)
            if holder is None or holder.number <= self.number:
                pending[slot] = self

    def handing_over(self, writes: Sequence[ChangelogWrite]) -> None:
        """``writes`` (the last of each of their keys) are handed to the producer now:
        a write outside a batch to one of their keys may go straight to the producer
        buffer again, where it comes after them."""
        released: set[tuple[str, Any, Any]] = set()
        for write in writes:
            pending = getattr(write[1], "pending", None)
            if pending is None:
                continue
            slot = _slot(write)
            if pending.get(slot) is self:
                del pending[slot]
            if self.outside:
                released.add((write[0], *slot))
        if released:
            self.outside = [w for w in self.outside if (w[0], *_slot(w)) not in released]

    def finish(self) -> None:
        """The batch is over (committed, or given up): release the keys it still holds
        back, and send what was written outside a batch to them and not handed over
        with it (a cancelled commit), as it would have been sent without the batch."""
        for write in self.changelog:
            pending = getattr(write[1], "pending", None)
            if pending is not None and pending.get(_slot(write)) is self:
                del pending[_slot(write)]
        outside, self.outside = self.outside, []
        for _, send, args, kwargs in outside:
            send(*args, **kwargs)

    def take_back_held(self, since: int) -> None:
        """Take back the held writes from the ``since``-th on, latest first: the message
        that made them is refused, and none of them was applied yet."""
        for undo in reversed(self.unheld[since:]):
            undo()
        del self.held[since:], self.unheld[since:]

    def take_back_kept(self, since: int) -> None:
        """Take back the writes kept until the batch ends from the ``since``-th on, latest
        first: the message that made them is refused, and none reached the table yet."""
        for undo in reversed(self.unkept[since:]):
            undo()
        del self.unkept[since:]

    def end(self) -> None:
        """Write to the tables what was kept until the batch ends (``ends``), once."""
        ends, self.ends = self.ends, []
        for end in ends:
            end()
        self.unkept.clear()


class StateTooLargeError(ValueError):
    """A table write whose changelog record is larger than the producer sends.

    Raised before the local store takes the write. Unchecked, the record would reach
    Faust's producer buffer, whose send raises MessageSizeTooLargeError in a task of its
    own: that crashes the whole worker (exit 1), and the redelivered message crashes it
    again.
    """

    def __init__(self, table: str, size: int) -> None:
        super().__init__(
            f"a record of table {table} would be {size} bytes, more than the "
            f"{MAX_MESSAGE_BYTES} its changelog takes"
        )


@dataclass(frozen=True)
class _HeldMessage:
    partition: int


@dataclass(frozen=True)
class HeldRecord:
    """What a held-back changelog write returns in place of Faust's FutureMessage."""

    message: _HeldMessage


#: The batch being handled in this task; table writes made in it are held back.
OPEN_BATCH: ContextVar[Batch | None] = ContextVar("xinfang_open_batch", default=None)


def hold_until_acknowledged(write: Callable[[], None], undo: Callable[[], None]) -> None:
    """Run ``write`` once every output of the batch in hand is acknowledged (now if none);
    ``undo`` takes it back if its message is refused before then.

    For state a service keeps across a crash (``services.common.held``): it must never
    hold a write whose outputs the broker does not have.
    """
    batch = OPEN_BATCH.get()
    if batch is None:
        write()
    else:
        batch.held.append(write)
        batch.unheld.append(undo)


def hold_back_changelog(table: Any, name: str, unsettled: set[asyncio.Future[Any]]) -> None:
    """Route every write of ``table`` (named ``name``) through the batch in hand.

    In a batch, the write's changelog record is held back in it; outside one (timers,
    recovery, a send ending in the background), it is sent at once and kept in
    ``unsettled`` until acknowledged, for the next batch to wait for, unless a batch not
    yet handed over holds a record of the same key back: then it is put at the end of
    that batch's held records (the newest such batch), so that the changelog's last
    record of the key is the value the local store ended with (sent at once, it would
    reach the changelog before the batch's older one).
    """
    topic = table.changelog_topic
    send_changelog = TableChangelog(table, topic, topic.get_topic_name(), table.send_changelog)
    encoded = _EncodedOnce(table)
    records = table._xinfang_records = TableRecords(
        topic, name, (json_encoder(topic, key=True), json_encoder(topic, key=False))
    )

    def tracked(*args: Any, **kwargs: Any) -> Any:
        # Faust calls send_changelog before its store takes the write: raising here
        # leaves the store as it was.
        key = args[1] if len(args) > 1 else kwargs.get("key")
        value = args[2] if len(args) > 2 else kwargs.get("value")
        prepared, records.prepared = records.prepared, None
        if (
            prepared is not None
            and prepared.value is value
            and prepared.key == key
            and len(args) == 3
            and not kwargs
        ):
            # Encoded (and measured) when the write was made (``HeldTable``): the same
            # object, so the same bytes.
            args, kwargs = (args[0], prepared.encoded_key, prepared.encoded_value), dict(_RAW)
        else:
            args, kwargs = records.serialized(*args, **kwargs)
        encoded.keep(key, args[1], value, args[2])
        batch = OPEN_BATCH.get()
        if batch is None:
            batch = send_changelog.pending.get((args[0], args[1]))
            if batch is not None:
                batch.changelog.append(write := (name, send_changelog, args, kwargs))
                batch.outside.append(write)
                return HeldRecord(_HeldMessage(partition=args[0]))
        else:
            batch.hold((name, send_changelog, args, kwargs))
            # Table.on_key_set reads the partition of what it gets back (the tables
            # here do not use the partitioner: it is the event's, always given).
            return HeldRecord(_HeldMessage(partition=args[0]))
        future = send_changelog(*args, **kwargs)
        unsettled.add(future)
        future.add_done_callback(unsettled.discard)
        return future

    # Every write of the table goes through send_changelog.
    table.send_changelog = tracked


class _EncodedOnce:
    """The store of ``table`` encoding a written key and value with the bytes of its
    changelog record.

    Faust's ``Table.__setitem__`` sends the changelog record (``send_changelog``, here
    ``tracked``, which serializes the key and the value) and then has its store encode the
    same key and value again with the same codecs (``del`` the key alone). ``keep`` hands
    the record's bytes over; the store's next encoding of a key or a value takes them when
    it is of that very object, and encodes as before otherwise.
    """

    def __init__(self, table: Any) -> None:
        self._table = table
        self._store: Any = None
        self._kept: tuple[Any, bytes] | None = None
        self._kept_key: tuple[Any, bytes] | None = None

    def keep(self, key: Any, encoded_key: Any, value: Any, encoded: Any) -> None:
        self._kept = self._kept_key = None
        store = self._table.data
        if store is not self._store:
            if not isinstance(store, SerializedStore):
                return  # the memory store keeps the objects themselves
            self._wrap(store)
        if isinstance(encoded_key, bytes) and not isinstance(key, bytes):
            self._kept_key = (key, encoded_key)
        if value is None or isinstance(value, bytes) or not isinstance(encoded, bytes):
            return  # a tombstone, or a raw value the store does not encode
        self._kept = (value, encoded)

    def _wrap(self, store: Any) -> None:
        encode = store._encode_value
        encode_key = store._encode_key
        json_key = store_json_encoder(store)
        if json_key is not None:
            # A str key (every read's too, ``Service.table``'s ``get``) in one call.
            faust_encode_key = encode_key

            def encode_key(key: Any) -> Any:
                if type(key) is str:
                    return json_key(key)
                return faust_encode_key(key)

        def encode_value(value: Any) -> Any:
            kept, self._kept = self._kept, None
            if kept is not None and kept[0] is value:
                return kept[1]
            return encode(value)

        def encode_the_key(key: Any) -> Any:
            kept, self._kept_key = self._kept_key, None
            if kept is not None and kept[0] is key:
                return kept[1]
            return encode_key(key)

        store._encode_value = encode_value
        store._encode_key = encode_the_key
        self._store = store


#: The serializers of a record whose key and value are bytes already.
_RAW: Final[dict[str, Any]] = {"key_serializer": "raw", "value_serializer": "raw"}


@dataclass(frozen=True, eq=False, slots=True)
class Prepared:
    """A table write's changelog record, encoded when the write was made (``prepare``).

    Its value must not be changed in place afterwards: the record is these bytes, what the
    value was when the write was made (``write_prepared`` takes them for the same object).
    """

    key: Any
    value: Any
    encoded_key: bytes
    encoded_value: bytes

    @property
    def size(self) -> int:
        return len(self.encoded_key) + len(self.encoded_value) + RECORD_OVERHEAD_BYTES


class TableRecords:
    """How a service table's changelog records are encoded (``hold_back_changelog``), and
    the record of the write about to be made, encoded already (``prepared``)."""

    __slots__ = ("json_encoders", "name", "prepared", "topic")

    def __init__(
        self, topic: Any, name: str, json_encoders: tuple[JsonEncoder | None, JsonEncoder | None]
    ) -> None:
        self.topic = topic
        self.name = name
        self.json_encoders = json_encoders
        #: Taken by the table's next changelog record if it is of this key and value.
        self.prepared: Prepared | None = None

    def serialized(self, *args: Any, **kwargs: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return _serialized(self.topic, self.name, *args, json_encoders=self.json_encoders, **kwargs)


def prepare(table: Any, key: Any, value: Any) -> Prepared | None:
    """The changelog record of writing ``value`` (not None) under ``key`` to ``table`` (a
    table of ``Service.table``), encoded now: StateTooLargeError if it is larger than the
    producer sends. None for a plain mapping (no changelog), or a value whose record is
    not plain bytes. ``write_prepared`` then writes it without encoding it again.
    """
    records = getattr(table, "_xinfang_records", None)
    if not isinstance(records, TableRecords):
        return None
    args, kwargs = records.serialized(None, key, value)
    encoded_key, encoded_value = args[1], args[2]
    if kwargs != _RAW or type(encoded_key) is not bytes or type(encoded_value) is not bytes:
        return None
    return Prepared(key, value, encoded_key, encoded_value)


def write_prepared(table: Any, prepared: Prepared | None, key: Any, value: Any) -> None:
    """``table[key] = value``, its changelog record the one ``prepared`` encoded when it is
    of this very value (and encoded now otherwise)."""
    records = getattr(table, "_xinfang_records", None)
    if prepared is None or not isinstance(records, TableRecords):
        table[key] = value
        return
    records.prepared = prepared
    try:
        table[key] = value
    finally:
        records.prepared = None


def check_size(table: Any, key: Any, value: Any) -> int | None:
    """StateTooLargeError if writing ``value`` under ``key`` to ``table`` (a table of
    ``Service.table``) would make a changelog record larger than the producer sends.

    For a write that reaches the table only later (``services.common.held``,
    ``services.common.batch_reads``): checked when it is made, it refuses the message that
    made it, before anything is sent. Returns the record's size (None: a plain mapping).
    """
    records = getattr(table, "_xinfang_records", None)
    if isinstance(records, TableRecords):
        args, _ = records.serialized(None, key, value)
    else:
        topic = getattr(table, "changelog_topic", None)
        if topic is None:  # a plain mapping (the engines' unit tests): no changelog
            return None
        args, _ = _serialized(topic, table.name, None, key, value)
    encoded_key, encoded_value = args[1], args[2]
    return len(encoded_key) + len(encoded_value or b"") + RECORD_OVERHEAD_BYTES


#: Encodes a key or a value to JSON bytes as Faust's serializers would (``json_encoder``).
JsonEncoder = Callable[[Any], bytes]


def _faust_json(obj: Any) -> bytes:
    """Faust's ``json`` codec's encoding (``codecs.json._dumps``), in one call."""
    return want_bytes(faust_json.dumps(obj))


def json_encoder(topic: Any, *, key: bool) -> JsonEncoder | None:
    """Faust's JSON encoding of ``topic``'s keys (else values) in one call, when that is
    exactly what its ``prepare_key`` (``prepare_value``) does with no serializer given.

    That path (``SerializedChannel.prepare_key``, ``Schema.dumps_key``, the serializer
    registry's ``dumps_key``, ``codecs.dumps``, ``get_codec``, ``Codec.dumps``) ends in
    the ``json`` codec's ``want_bytes(faust.utils.json.dumps(obj))`` for a str key or a
    dict or list value, and cost a table write more than the JSON encoding itself. None
    when the topic's path is any other (another channel or schema class, a key or value
    type, another codec or a chain of codecs): it is then taken as it is.
    """
    if type(topic).prepare_key is not SerializedChannel.prepare_key or (
        type(topic).prepare_value is not SerializedChannel.prepare_value
    ):
        return None
    schema = getattr(topic, "schema", None)
    if type(schema) is not Schema:
        return None
    registry = topic.app.serializers
    if key:
        typ, serializer = schema.key_type, schema.key_serializer or registry.key_serializer
    else:
        typ, serializer = schema.value_type, schema.value_serializer or registry.value_serializer
    return _json_codec(typ, serializer)


def store_json_encoder(store: Any) -> JsonEncoder | None:
    """As ``json_encoder``, for the keys of a table's store (``SerializedStore._encode_key``:
    the registry's ``dumps_key`` with the store's key type and serializer)."""
    if type(store)._encode_key is not SerializedStore._encode_key:
        return None
    registry = store.app.serializers
    return _json_codec(store.key_type, store.key_serializer or registry.key_serializer)


def _json_codec(typ: Any, serializer: Any) -> JsonEncoder | None:
    if typ is not None or not serializer:
        return None
    try:
        codec = codecs.get_codec(serializer) if isinstance(serializer, str) else serializer
    except Exception:  # an unknown codec: Faust's own path raises it
        return None
    if type(codec) is not codecs.json or tuple(codec.nodes) != (codec,):
        return None
    return _faust_json


def _serialized(
    topic: Any,
    name: str,
    partition: Any,
    key: Any,
    value: Any = None,
    key_serializer: Any = None,
    value_serializer: Any = None,
    *,
    json_encoders: tuple[JsonEncoder | None, JsonEncoder | None] = (None, None),
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The write's arguments with its key and value serialized as Faust would send them.

    Serialized once, here, both to check the record's size (StateTooLargeError when it is
    larger than the producer sends) and to be sent as they are (the "raw" codec), so the
    size check costs no second encoding at send time. ``json_encoders`` (``json_encoder``
    of the topic's keys and values) stand in for the topic's path for a str key and a
    dict or list value when no serializer is given.
    """
    json_key, json_value = json_encoders
    if json_key is not None and key_serializer is None and type(key) is str:
        key = json_key(key)
        key_serializer = "raw"
    if (
        json_value is not None
        and value_serializer is None
        and (type(value) is dict or type(value) is list)
    ):
        value = json_value(value)
        value_serializer = "raw"
    if value is None:  # a tombstone: its key alone (serialized as a value's is, so that
        # it names the same key in ``latest_writes`` and ``TableChangelog.pending``)
        if not isinstance(key, bytes):
            key = topic.prepare_key(key, key_serializer)[0]
            key_serializer = "raw"
        return (partition, key, value), {
            "key_serializer": key_serializer,
            "value_serializer": value_serializer,
        }
    if not isinstance(value, bytes):  # a JSON table's value, serialized as Faust will
        value = topic.prepare_value(value, value_serializer)[0]
        value_serializer = "raw"
    if not isinstance(key, bytes):
        key = topic.prepare_key(key, key_serializer)[0]
        key_serializer = "raw"
    size = len(key) + len(value) + RECORD_OVERHEAD_BYTES
    if size > MAX_MESSAGE_BYTES:
        raise StateTooLargeError(name, size)
    return (partition, key, value), {
        "key_serializer": key_serializer,
        "value_serializer": value_serializer,
    }


def latest_writes(changelog: Sequence[ChangelogWrite]) -> list[ChangelogWrite]:
    """The last write of each key of each table partition, in the order they were made.

    A batch often writes one key several times (dedup rewrites a matter for each case
    that joins it): the changelog needs only the value the local store ended with.
    ``send_changelog``'s first two arguments are the partition and the key.
    """
    last: dict[tuple[str, Any, Any], int] = {}
    for index, (table, _, args, _) in enumerate(changelog):
        last[(table, args[0], args[1])] = index
    if len(last) == len(changelog):
        return list(changelog)
    return [changelog[index] for index in sorted(last.values())]
