"""Dead letters keep the original bytes; the failure limit stops a bad deploy."""

from __future__ import annotations

import base64

import pytest

from schemas.petitions import DeadLetter, RejectReason, Stage
from services.common.dlq import FailureLimit, FailureLimitExceededError, dead_letter


def test_a_dead_letter_keeps_the_original_bytes_and_where_they_came_from() -> None:
    key, value = dead_letter(
        stage=Stage.INTAKE,
        reason=RejectReason.INVALID_JSON,
        detail="not JSON",
        topic="petitions.submitted",
        partition=3,
        offset=1187,
        key=b'{"submission_id":"x-1"}',
        value=b"\xff{broken",
    )
    letter = DeadLetter.model_validate_json(value)
    assert base64.b64decode(letter.original_value_b64) == b"\xff{broken"
    assert letter.source_partition == 3
    assert letter.source_offset == 1187
    assert letter.reason is RejectReason.INVALID_JSON
    assert b"petitions.submitted:3:1187" in key


def test_the_failure_limit_counts_only_failures_in_a_row() -> None:
    limit = FailureLimit(3)
    for _ in range(3):
        limit.failure()
    limit.success()
    for _ in range(3):
        limit.failure()
    with pytest.raises(FailureLimitExceededError, match="4 dead letters in a row"):
        limit.failure()
