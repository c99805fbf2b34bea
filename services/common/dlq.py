"""Dead letters: what a service cannot process goes to petitions.rejected, whole.

A handler raises :class:`Rejected` for input that must not be retried; the consumer loop
sends the original key and value bytes with their topic, partition and offset, the stage
and the reason, and only then moves on. :class:`FailureLimit` stops the service after too
many dead letters in a row, so a bad deploy cannot drain its input into the DLQ.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from schemas.keys import SubmissionKey
from schemas.petitions import DeadLetter, RejectReason, Stage


class Rejected(Exception):  # noqa: N818 - a named outcome, not an error of the service
    """This message cannot be processed and must not be retried: dead-letter it."""

    def __init__(self, reason: RejectReason, detail: str, submission_id: str | None = None):
        super().__init__(f"{reason.value}: {detail}")
        self.reason = reason
        self.detail = detail
        self.submission_id = submission_id


class FailureLimitExceededError(RuntimeError):
    """Too many dead letters in a row: the service must stop, not drain its input."""


class FailureLimit:
    """Counts consecutive dead letters; any processed message resets the count."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.consecutive = 0

    def success(self) -> None:
        self.consecutive = 0

    def failure(self) -> None:
        """Count one dead letter; raise FailureLimitExceededError past the limit."""
        self.consecutive += 1
        if self.consecutive > self.limit:
            raise FailureLimitExceededError(
                f"{self.consecutive} dead letters in a row (limit {self.limit}): "
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
    """The DLQ message (key bytes, value bytes) for one failed input message."""
    letter = DeadLetter(
        stage=stage,
        reason=reason,
        detail=detail[:4000],
        source_topic=topic,
        source_partition=partition,
        source_offset=offset,
        original_key_b64=base64.b64encode(key).decode() if key is not None else None,
        original_value_b64=base64.b64encode(value or b"").decode(),
        submission_id=submission_id,
        rejected_at=now or datetime.now(UTC),
    )
    dlq_key = SubmissionKey(submission_id=submission_id or f"{topic}:{partition}:{offset}")
    return dlq_key.to_json_bytes(), letter.to_json_bytes()
