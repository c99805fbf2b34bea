"""Petitioners' clear contact details, held whole by every notification worker.

Why not a partitioned table: petitioners.contacts is keyed by petitioner_ref while the
events that need a contact (verdicts, updates) are keyed by case_id, so a contact and the
case it belongs to are on different partitions. Every worker therefore holds *all* the
contacts, as a Faust GlobalTable would, but fed by its own plain consumer: no consumer
group, every partition assigned, read from the beginning of the compacted topic and then
followed. Unlike a GlobalTable this makes no second copy of clear personal data in a
changelog topic, and a tombstone (null value) erases the entry from memory at once.

A record the directory cannot read (an unreadable key, a value that is not a contact, a
contact filed under another petitioner's key) is skipped by every worker's directory and
dead-lettered once, by the worker that owns its partition in the service's consumer group
(:func:`check_contact`, wired in ``app``): petitions.rejected is RESTRICTED, so the letter
may keep the clear record for an operator to mend and replay.

A contact that has not arrived when its case does is not lost: the notice waits in the
service's ``waiting`` table and is planned again on every tick until the contact is here
(or ``contact_wait`` has passed: then it is recorded on notifications.failed with
``no_contact``). Memory: one small object per petitioner, a few hundred bytes each.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from typing import Final, NamedTuple

from aiokafka import AIOKafkaConsumer  # type: ignore[import-untyped]
from pydantic import ValidationError

from schemas.cases import PetitionerContact
from schemas.keys import PetitionerKey
from schemas.petitions import RejectReason
from services.common.dlq import Rejected

log = logging.getLogger(__name__)


def check_contact(key: bytes | None, value: bytes | None) -> None:
    """Raise Rejected (schema_violation, saying what is wrong) for a record of the contact
    topic that :meth:`ContactDirectory.apply` would skip; a tombstone is a valid record."""
    refused = read_contact(key, value).refused
    if refused is not None:
        raise refused


class ContactRecord(NamedTuple):
    """A record of the contact topic, read once (``read_contact``)."""

    #: The key's petitioner ref (None: an unreadable key).
    ref: str | None
    #: The contact (None: a tombstone, or refused).
    contact: PetitionerContact | None
    #: Why the record is refused (None: a valid record), and what the directory logs then
    #: (never the record itself: it would be clear personal data).
    refused: Rejected | None = None
    skipped: str = ""
    errors: int = 0


def read_contact(key: bytes | None, value: bytes | None) -> ContactRecord:
    """A record of the contact topic: its petitioner, its contact, or why it is refused."""
    try:
        ref = PetitionerKey.model_validate_json(key or b"").petitioner_ref
    except ValidationError as exc:
        refused = Rejected(
            RejectReason.SCHEMA_VIOLATION, f"not a petitioner key: {exc.error_count()} errors"
        )
        return ContactRecord(None, None, refused, "contact with an unreadable key skipped")
    if value is None:
        return ContactRecord(ref, None)
    try:
        contact = PetitionerContact.model_validate_json(value)
    except ValidationError as exc:
        # Where and what, never the input: the detail is logged, the letter keeps the bytes.
        where = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'value'}: {error['msg']}"
            for error in exc.errors()[:10]
        )
        refused = Rejected(RejectReason.SCHEMA_VIOLATION, f"not a contact: {where}")
        return ContactRecord(ref, None, refused, "unreadable contact skipped", exc.error_count())
    if contact.petitioner_ref != ref:
        refused = Rejected(
            RejectReason.SCHEMA_VIOLATION,
            "the contact's petitioner_ref differs from its key's: it would be filed under "
            "another petitioner",
        )
        return ContactRecord(ref, None, refused, "contact under another petitioner's key skipped")
    return ContactRecord(ref, contact)


#: Refused records a partition's run remembers at most (``ContactDirectory.checked``):
#: past it the run starts after the oldest, whose check the group then makes itself.
MAX_REFUSED_KEPT: Final = 10_000


class _Run:
    """The offsets a partition's follower read one after another, without a gap: from
    ``start`` up to ``end`` (excluded), with the refused records among them."""

    __slots__ = ("end", "order", "refused", "start")

    def __init__(self, offset: int) -> None:
        self.start = offset
        self.end = offset
        self.refused: dict[int, Rejected] = {}
        #: The offsets of ``refused``, oldest first (a run's offsets only grow): the one
        #: forgotten past MAX_REFUSED_KEPT is taken in one step, not found among them all.
        self.order: deque[int] = deque()


class ContactDirectory:
    """petitioner_ref -> PetitionerContact, built from the compacted contact topic."""

    def __init__(self) -> None:
        self._contacts: dict[str, PetitionerContact] = {}
        #: partition -> the offsets its follower read last without a gap (``checked``).
        self._runs: dict[int, _Run] = {}

    def __len__(self) -> int:
        return len(self._contacts)

    def get(self, petitioner_ref: str) -> PetitionerContact | None:
        return self._contacts.get(petitioner_ref)

    def apply(self, key: bytes | None, value: bytes | None) -> Rejected | None:
        """Apply one record of petitioners.contacts; a null value erases the petitioner.
        Returns why a record is skipped (None: applied)."""
        record = read_contact(key, value)
        if record.refused is not None:
            if record.errors:
                log.warning(record.skipped, extra={"errors": record.errors})
            else:
                log.warning(record.skipped)
            return record.refused
        assert record.ref is not None
        if record.contact is None:
            self._contacts.pop(record.ref, None)
        else:
            self._contacts[record.ref] = record.contact
        return None

    def apply_record(
        self, partition: int, offset: int, key: bytes | None, value: bytes | None
    ) -> None:
        """``apply`` a record read at ``partition`` and ``offset``, and remember what its
        check found for the consumer group's own read of it (``checked``)."""
        refused = self.apply(key, value)
        run = self._runs.get(partition)
        if run is None or offset != run.end:
            # A gap (compaction, a control record) or a seek: a new run from here.
            run = self._runs[partition] = _Run(offset)
        if refused is not None:
            run.refused[offset] = refused
            run.order.append(offset)
            if len(run.refused) > MAX_REFUSED_KEPT:
                oldest = run.order.popleft()
                del run.refused[oldest]
                run.start = oldest + 1
        run.end = offset + 1

    def checked(self, partition: int, offset: int) -> Rejected | bool:
        """What the check of the record at ``partition`` and ``offset`` found, when this
        worker's follower has read it: why it is refused, or True (a valid record); False
        when the follower has not read it (not yet, or not in its last run without a gap),
        and the caller checks the record itself.

        A record's offset names the same bytes for every reader of the topic (compaction
        removes records, never changes one), so the follower's check of it is the group's.
        """
        run = self._runs.get(partition)
        if run is None or not run.start <= offset < run.end:
            return False
        return run.refused.get(offset, True)


async def follow(
    directory: ContactDirectory,
    bootstrap: str,
    topic: str,
    stopping: Callable[[], bool],
) -> None:
    """Read ``topic`` from the beginning into ``directory`` and keep following it."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    # Without a group, a subscription is assigned every partition; with no committed
    # offsets "earliest" starts each at the beginning of the compacted topic.
    consumer.subscribe([topic])
    await consumer.start()
    try:
        while not stopping():
            batches = await consumer.getmany(timeout_ms=500, max_records=2000)
            for records in batches.values():
                for record in records:
                    directory.apply_record(
                        record.partition, record.offset, record.key, record.value
                    )
    finally:
        await consumer.stop()
