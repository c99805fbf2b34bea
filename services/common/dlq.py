"""Dead letters: what a service cannot process goes to petitions.rejected.

A handler raises :class:`Rejected` for input that must not be retried; the consumer loop
sends the original key and value bytes with their topic, partition and offset, the stage
and the reason, and only then moves on. :class:`FailureLimit` stops the service after too
many processing errors in a row (a handler's exception), so a bad deploy cannot drain its
input into the DLQ; input refused as invalid is the service working, and never stops it.

A dead letter always fits petitions.rejected: an original too large to travel whole in
base64 within the topic's max.message.bytes (no valid message is: see the contract's
bounds) is cut to what fits, and the letter says so, with the whole original's size and
SHA-256. Sending it can therefore not fail for its size, which would otherwise lose the
record (its offset committed, no letter) or stop the service on it for good.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Final

from schemas.keys import SubmissionKey
from schemas.petitions import DeadLetter, RejectReason, Stage
from schemas.registry import PETITIONS_REJECTED, RECORD_OVERHEAD_BYTES

#: The most bytes of an original key a dead letter keeps: the project's keys are small JSON
#: objects (at most some 200 bytes); a larger key is someone else's data, kept in part.
MAX_KEPT_KEY_BYTES: Final = 1024
#: How long a submission id may be (SubmissionKey): a longer one read from a bad message
#: is not used as the letter's key.
_MAX_SUBMISSION_ID: Final = 128


class Rejected(Exception):  # noqa: N818 - a named outcome, not an error of the service
    """This message cannot be processed and must not be retried: dead-letter it."""

    def __init__(self, reason: RejectReason, detail: str, submission_id: str | None = None):
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail
        self.submission_id = submission_id


class UnavailableError(RuntimeError):
    """What a handler needs to make its outputs (the broker, a topic to create) does not
    answer: not the message's fault, so not a dead letter. The service stops without
    committing the batch (exit 74), and the message comes again when it starts."""


class FailureLimitExceededError(RuntimeError):
    """Too many processing errors in a row: the service must stop, not drain its input."""


#: The dead letters that say the service failed on a message, not that the message is
#: wrong: a handler's exception (``processing_error``), which a bad deploy makes of every
#: message. The failure limit counts these only. Every other reason refuses the input
#: itself (unreadable, a schema violation, a duplicate with other content, a step the
#: lifecycle does not allow, outputs or state larger than a topic takes, which the
#: contract's bounds keep valid input from making): a channel or an agency system that
#: sends only such records, by a bug or on purpose, gets each one back as a letter with its
#: reason, and must not stop the service for every other producer.
COUNTED_FAILURES: Final = frozenset({RejectReason.PROCESSING_ERROR})


class FailureLimit:
    """Counts consecutive processing errors (``COUNTED_FAILURES``); a processed message
    resets the count, and a message refused as invalid input leaves it as it is (it is
    neither: interleaved with a bad deploy's errors, it does not hide them)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.consecutive = 0

    def success(self) -> None:
        self.consecutive = 0

    def dead_lettered(self, reason: RejectReason) -> None:
        """Count a dead letter of ``reason`` if it is a processing error (``failure``)."""
        if reason in COUNTED_FAILURES:
            self.failure()

    def failure(self) -> None:
        """Count one processing error; raise FailureLimitExceededError past the limit."""
        self.consecutive += 1
        if self.consecutive > self.limit:
            raise FailureLimitExceededError(
                f"{self.consecutive} processing errors in a row (limit {self.limit}): "
                "stopping instead of draining the input into the DLQ"
            )


def dead_letter(
    *,
    stage: Stage,
    reason: RejectReason,
    detail: str,
    topic: str,
    partition: int,
    offset: int,
    key: bytes | None,
    value: bytes | None,
    submission_id: str | None = None,
    now: datetime | None = None,
) -> tuple[bytes, bytes]:
    """The DLQ message (key bytes, value bytes) for one failed input message.

    The result always fits petitions.rejected's max.message.bytes: the original value (and
    a key over MAX_KEPT_KEY_BYTES) is cut to what fits, with ``original_truncated`` set.
    """
    original = value or b""
    if submission_id is not None and not 0 < len(submission_id) <= _MAX_SUBMISSION_ID:
        submission_id = None  # read from a bad message: not a usable key
    kept_key = key[:MAX_KEPT_KEY_BYTES] if key is not None else None
    letter = DeadLetter(
        stage=stage,
        reason=reason,
        detail=detail[:4000],
        source_topic=topic,
        source_partition=partition,
        source_offset=offset,
        original_key_b64=base64.b64encode(kept_key).decode() if kept_key is not None else None,
        original_value_b64="",
        original_size_bytes=len(original),
        original_sha256=hashlib.sha256(original).hexdigest(),
        original_truncated=kept_key != key,
        submission_id=submission_id,
        rejected_at=now or datetime.now(UTC),
    )
    dlq_key = SubmissionKey(
        submission_id=submission_id or f"{topic}:{partition}:{offset}"[:_MAX_SUBMISSION_ID]
    ).to_json_bytes()
    # What the letter costs without its original value, then the value's base64 in the
    # room that is left (the "true" of a truncated letter is one byte shorter than "false").
    frame = len(dlq_key) + len(letter.to_json_bytes()) + RECORD_OVERHEAD_BYTES
    room = PETITIONS_REJECTED.max_message_bytes - frame
    kept = original[: room // 4 * 3]
    letter = letter.model_copy(
        update={
            "original_value_b64": base64.b64encode(kept).decode(),
            "original_truncated": letter.original_truncated or len(kept) < len(original),
        }
    )
    return dlq_key, letter.to_json_bytes()
