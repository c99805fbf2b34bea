"""Registering petitions: deterministic ids, masking, and a reason for every rejection."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import examples
from schemas.petitions import RejectReason
from services.common.dlq import Rejected
from services.intake.register import case_id_for, parse, register

KEY = b"k" * 32
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _raw(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def test_the_same_submission_always_gets_the_same_case_id() -> None:
    assert case_id_for("portal-000123") == case_id_for("portal-000123")
    assert case_id_for("portal-000123") != case_id_for("portal-000124")
    assert case_id_for("portal-000123").startswith("XF-")


def test_a_registered_case_is_masked_and_carries_the_petitioner_ref() -> None:
    registration = register(parse(_raw(examples.MINIMAL_PETITION)), hmac_key=KEY, now=NOW)
    case = registration.case
    assert case.petitioner.name_masked == "张*"
    assert "13800138000" not in case.model_dump_json()
    assert case.petitioner_ref.startswith("pr_")
    assert registration.contact.phone_e164 == "+8613800138000"
    assert registration.contact.petitioner_ref == case.petitioner_ref


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe\x00", RejectReason.INVALID_ENCODING),
        (b'{"submission_id": ', RejectReason.INVALID_JSON),
        (_raw({k: v for k, v in examples.MINIMAL_PETITION.items() if k != "title"}),
         RejectReason.MISSING_FIELD),
        (_raw({**examples.MINIMAL_PETITION, "channel": "pigeon"}), RejectReason.UNKNOWN_CHANNEL),
        (_raw({**examples.MINIMAL_PETITION, "title": 42}), RejectReason.WRONG_TYPE),
        (_raw({**examples.MINIMAL_PETITION, "schema_version": 9}),
         RejectReason.UNSUPPORTED_SCHEMA_VERSION),
        (_raw([1, 2, 3]), RejectReason.WRONG_TYPE),
        (None, RejectReason.MISSING_FIELD),
    ],
)  # fmt: skip
def test_every_bad_input_is_rejected_with_its_reason(
    raw: bytes | None, reason: RejectReason
) -> None:
    with pytest.raises(Rejected) as caught:
        parse(raw)
    assert caught.value.reason is reason
    assert caught.value.detail


def test_a_rejection_keeps_the_submission_id_when_there_is_one() -> None:
    broken = {**examples.MINIMAL_PETITION, "channel": "pigeon"}
    with pytest.raises(Rejected) as caught:
        parse(_raw(broken))
    assert caught.value.submission_id == "portal-000123"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_no_bytes_crash_the_parser(raw: bytes) -> None:
    with contextlib.suppress(Rejected):
        parse(raw)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from([*sorted(examples.MINIMAL_PETITION), "extra", "co_petitioners"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=30),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=5), inner, max_size=3)
            ),
            max_leaves=6,
        ),
    )
)  # fmt: skip
def test_no_json_document_crashes_the_parser(document: dict[str, object]) -> None:
    try:
        petition = parse(_raw({**examples.MINIMAL_PETITION, **document}))
    except Rejected:
        return
    register(petition, hmac_key=KEY, now=NOW)
