"""Dead letters keep the original bytes and always fit; the failure limit stops a bad deploy."""

from __future__ import annotations

import base64
import hashlib

import pytest

from schemas.petitions import DeadLetter, RejectReason, Stage
from schemas.registry import PETITIONS_REJECTED
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
    with pytest.raises(FailureLimitExceededError, match="4 processing errors in a row"):
        limit.failure()


def test_a_dead_letter_too_large_to_keep_whole_is_cut_to_fit_with_its_size_and_hash() -> None:
    original = bytes(range(256)) * 4000  # 1,024,000 bytes: more than the topic takes
    key, value = dead_letter(
        stage=Stage.INTAKE,
        reason=RejectReason.INVALID_JSON,
        detail="not JSON",
        topic="petitions.submitted",
        partition=0,
        offset=7,
        key=b'{"submission_id":"x-1"}',
        value=original,
    )
    assert PETITIONS_REJECTED.fits(key, value)
    letter = DeadLetter.model_validate_json(value)
    kept = base64.b64decode(letter.original_value_b64)
    assert letter.original_truncated
    assert original.startswith(kept)
    assert len(kept) > 700_000  # cut to what fits, not to a token
    assert letter.original_size_bytes == len(original)
    assert letter.original_sha256 == hashlib.sha256(original).hexdigest()


def test_a_dead_letter_that_fits_keeps_its_original_whole() -> None:
    original = b"x" * 600_000
    _, value = dead_letter(
        stage=Stage.DEDUP, reason=RejectReason.SCHEMA_VIOLATION, detail="", topic="t",
        partition=0, offset=0, key=None, value=original,
    )  # fmt: skip
    letter = DeadLetter.model_validate_json(value)
    assert not letter.original_truncated
    assert base64.b64decode(letter.original_value_b64) == original


def test_a_submission_id_that_is_no_key_does_not_stop_the_dead_letter() -> None:
    key, value = dead_letter(
        stage=Stage.INTAKE, reason=RejectReason.SCHEMA_VIOLATION, detail="", topic="t",
        partition=1, offset=2, key=None, value=b"{}", submission_id="s" * 10_000,
    )  # fmt: skip
    assert DeadLetter.model_validate_json(value).submission_id is None
    assert b"t:1:2" in key


def test_a_version_1_dead_letter_is_still_read() -> None:
    letter = DeadLetter.model_validate(
        {"schema_version": 1, "stage": "intake", "reason": "invalid_json", "detail": "x",
         "source_topic": "t", "source_partition": 0, "source_offset": 0,
         "original_value_b64": "e30=", "rejected_at": "2026-11-20T10:00:00+08:00"}
    )  # fmt: skip
    assert letter.original_size_bytes is None
    assert not letter.original_truncated
