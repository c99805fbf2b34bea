"""Decoding a petitions.submitted value: bytes in, a valid petition or the reason it is not.

Intake registers what this accepts; the gateway and ``xinfang submit`` run the same checks
before publishing, so a channel hears at once what intake would reject and why.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Final

from schemas.keys import SubmissionKey
from schemas.petitions import (
    MAX_PETITION_BYTES,
    SUBMISSION_ID_PATTERN,
    Channel,
    PetitionSubmitted,
    RejectReason,
)
from services.common import documents, regions
from services.common.dlq import Rejected
from services.common.documents import check_document, read_json, validate

_SUBMISSION_ID: Final = re.compile(SUBMISSION_ID_PATTERN)
#: No channel of this system received a petition before 2000 (the online ones did not
#: exist): an earlier time is a channel's bug (an unset date read as 1900 or 1970), and
#: every legal clock computed from it would be long past.
EARLIEST_RECEIVED_AT: Final = datetime(2000, 1, 1, tzinfo=timezone(timedelta(hours=8)))
#: Clocks of channels and servers differ a little; a petition from further in the future
#: than this is a channel's bug, and its deadlines would be wrong.
CLOCK_SKEW: Final = timedelta(minutes=10)


def parse(raw: bytes | None) -> PetitionSubmitted:
    """Decode and validate a petitions.submitted value, or raise Rejected with the reason.

    The size is checked before anything is read, the nesting depth before pydantic walks
    the document (a deeply nested document would exhaust the interpreter's stack).
    """
    document = read_json(raw, max_bytes=MAX_PETITION_BYTES, what="a petition")
    submission_id = None
    if isinstance(document, dict):
        candidate = document.get("submission_id")
        valid = isinstance(candidate, str) and _SUBMISSION_ID.match(candidate)
        submission_id = candidate if valid else None
    check_document(document, submission_id)
    if isinstance(document, dict):
        version = document.get("schema_version", PetitionSubmitted.SCHEMA_VERSION)
        # A boolean is no version (True == 1 in Python, and Literal[1] takes it).
        if isinstance(version, bool) or version != PetitionSubmitted.SCHEMA_VERSION:
            raise Rejected(
                RejectReason.UNSUPPORTED_SCHEMA_VERSION,
                f"schema_version {version!r} is not readable; this intake reads "
                f"{PetitionSubmitted.SCHEMA_VERSION}",
                submission_id,
            )
    petition = validate(PetitionSubmitted, document, submission_id)
    check_channel_fields(petition)
    if not regions.is_petition_region(petition.region_code):
        raise Rejected(
            RejectReason.UNKNOWN_REGION,
            f"region_code {petition.region_code} is not a code of the national table "
            "(GB/T 2260: county, city or province)",
            petition.submission_id,
        )
    return petition


def check_key(key: bytes | None, petition: PetitionSubmitted) -> None:
    """Refuse a petition whose record is not keyed by its own submission_id.

    The key chooses the partition, and a submission's registration, its retries and any
    other version of it are judged in that partition's state: a version under another key
    (or none) would land elsewhere, pass for new and register the same case id twice.
    """
    documents.check_key(
        key,
        SubmissionKey(submission_id=petition.submission_id),
        "the petition's",
        "a petition is keyed by its submission_id, which keeps its versions in one partition",
        petition.submission_id,
    )


def check_received_at(petition: PetitionSubmitted, now: datetime) -> None:
    """Refuse a petition received before EARLIEST_RECEIVED_AT (received_too_early) or
    after ``now`` beyond CLOCK_SKEW (received_in_future)."""
    # The isoformat strings only for a refusal's words (3 µs a petition otherwise).
    if petition.received_at < EARLIEST_RECEIVED_AT:
        received = petition.received_at.isoformat()
        raise Rejected(
            RejectReason.RECEIVED_TOO_EARLY,
            f"received_at {received} is before {EARLIEST_RECEIVED_AT.isoformat()}, when no "
            "channel of this system could have received it",
            petition.submission_id,
        )
    if petition.received_at > now + CLOCK_SKEW:
        received = petition.received_at.isoformat()
        raise Rejected(
            RejectReason.RECEIVED_IN_FUTURE,
            f"received_at {received} is after now ({now.isoformat()}) by more than the "
            f"{CLOCK_SKEW.total_seconds() / 60:.0f} minutes clocks may differ",
            petition.submission_id,
        )


#: What each channel must carry beyond the common fields, and why.
_CHANNEL_FIELDS: Final = {
    Channel.EMAIL: ("petitioner.email", "an e-mail petition carries the sender's address"),
    Channel.PHONE: ("petitioner.phone", "a phone petition carries the caller's number"),
    Channel.HOTLINE: ("petitioner.phone", "a hotline petition carries the caller's number"),
}
# Not required, on purpose: a letter without a return address (anonymous accusations are
# common) and a visit without a head count are still petitions; they are flagged instead.


def check_channel_fields(petition: PetitionSubmitted) -> None:
    """Refuse a petition that lacks what its channel always records."""
    required = _CHANNEL_FIELDS.get(petition.channel)
    if required is None:
        return
    path, why = required
    holder: object = petition
    for part in path.split("."):
        holder = getattr(holder, part)
    if holder is None:
        raise Rejected(
            RejectReason.MISSING_CHANNEL_FIELD, f"{path}: missing; {why}", petition.submission_id
        )
