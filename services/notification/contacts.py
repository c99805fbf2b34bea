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
from collections.abc import Callable

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
    try:
        ref = PetitionerKey.model_validate_json(key or b"").petitioner_ref
    except ValidationError as exc:
        raise Rejected(
            RejectReason.SCHEMA_VIOLATION, f"not a petitioner key: {exc.error_count()} errors"
        ) from None
    if value is None:
        return
    try:
        contact = PetitionerContact.model_validate_json(value)
    except ValidationError as exc:
        # Where and what, never the input: the detail is logged, the letter keeps the bytes.
        where = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'value'}: {error['msg']}"
            for error in exc.errors()[:10]
        )
        raise Rejected(RejectReason.SCHEMA_VIOLATION, f"not a contact: {where}") from None
    if contact.petitioner_ref != ref:
        raise Rejected(
            RejectReason.SCHEMA_VIOLATION,
            "the contact's petitioner_ref differs from its key's: it would be filed under "
            "another petitioner",
        )


class ContactDirectory:
    """petitioner_ref -> PetitionerContact, built from the compacted contact topic."""

    def __init__(self) -> None:
        self._contacts: dict[str, PetitionerContact] = {}

    def __len__(self) -> int:
        return len(self._contacts)

    def get(self, petitioner_ref: str) -> PetitionerContact | None:
        return self._contacts.get(petitioner_ref)

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """Apply one record of petitioners.contacts; a null value erases the petitioner."""
        try:
            ref = PetitionerKey.model_validate_json(key or b"").petitioner_ref
        except ValidationError:
            log.warning("contact with an unreadable key skipped")
            return
        if value is None:
            self._contacts.pop(ref, None)
            return
        try:
            contact = PetitionerContact.model_validate_json(value)
        except ValidationError as exc:
            # No detail in the log: it would be clear personal data.
            log.warning("unreadable contact skipped", extra={"errors": exc.error_count()})
            return
        if contact.petitioner_ref != ref:
            log.warning("contact under another petitioner's key skipped")
            return
        self._contacts[ref] = contact


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
                    directory.apply(record.key, record.value)
    finally:
        await consumer.stop()
