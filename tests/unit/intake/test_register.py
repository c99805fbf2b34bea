"""Registering petitions: deterministic ids, masking, and a reason for every rejection."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import examples
from schemas.cases import CaseFlag
from schemas.petitions import RejectReason
from services.common.dlq import Rejected
from services.intake.register import case_id_for, parse, register

KEY = b"k" * 32
NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


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
        (_raw({**examples.MINIMAL_PETITION, "received_at": 20261120}), RejectReason.WRONG_TYPE),
        (_raw({**examples.MINIMAL_PETITION, "schema_version": 9}),
         RejectReason.UNSUPPORTED_SCHEMA_VERSION),
        (_raw([1, 2, 3]), RejectReason.WRONG_TYPE),
        (_raw({**examples.MINIMAL_PETITION, "region_code": "999999"}), RejectReason.UNKNOWN_REGION),
        (_raw({**examples.MINIMAL_PETITION, "channel": "email"}),
         RejectReason.MISSING_CHANNEL_FIELD),
        (_raw({**examples.MINIMAL_PETITION, "petitioner": {"name": "李四"}, "channel": "phone"}),
         RejectReason.MISSING_CHANNEL_FIELD),
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


def test_a_petition_from_the_future_is_refused() -> None:
    later = {**examples.MINIMAL_PETITION, "received_at": "2026-12-20T10:00:00+08:00"}
    petition = parse(_raw(later))
    with pytest.raises(Rejected) as caught:
        register(petition, hmac_key=KEY, now=NOW)
    assert caught.value.reason is RejectReason.RECEIVED_IN_FUTURE


def test_a_registered_case_is_classified_and_routed_with_its_evidence() -> None:
    case = register(parse(_raw(examples.MINIMAL_PETITION)), hmac_key=KEY, now=NOW).case
    assert case.field == "housing.title_certificate"
    assert case.kind.value == "complaint"
    assert any(e.term == "产权证" for e in case.evidence)
    assert case.agency is not None
    assert case.agency.region_code == "610302"
    assert case.agency.rule


def test_an_accusation_never_goes_to_the_accused_unit() -> None:
    accusation = {
        **examples.MINIMAL_PETITION,
        "title": "举报渭滨区住建局干部受贿",
        "content": "渭滨区住房和城乡建设局某科长收受开发商贿赂，违规为不合格项目办理验收。",
        "accused": "渭滨区住房和城乡建设局",
    }
    case = register(parse(_raw(accusation)), hmac_key=KEY, now=NOW).case
    assert case.kind.value == "accusation"
    assert case.agency is not None
    assert case.agency.level.value == "city"
    assert "住房和城乡建设局" not in case.agency.name


def test_a_large_group_without_representatives_is_registered_with_a_flag() -> None:
    visit = {**examples.VISIT_PETITION, "representatives": [], "group_size": 30}
    case = register(parse(_raw(visit)), hmac_key=KEY, now=NOW).case
    assert CaseFlag.GROUP_WITHOUT_REPRESENTATIVES in case.flags
    six = {**examples.VISIT_PETITION, "representatives": [{"name": f"代表{i}"} for i in range(6)]}
    assert (
        CaseFlag.TOO_MANY_REPRESENTATIVES
        in register(parse(_raw(six)), hmac_key=KEY, now=NOW).case.flags
    )


def test_a_bad_id_number_is_flagged_and_not_used_as_identity() -> None:
    person = {"name": "王五", "id_number": "110105194912310021", "phone": "13900001111"}
    with_bad_id = {**examples.MINIMAL_PETITION, "petitioner": person}
    case = register(parse(_raw(with_bad_id)), hmac_key=KEY, now=NOW).case
    assert CaseFlag.ID_NUMBER_INVALID in case.flags


def test_an_anonymous_letter_is_registered_with_a_flag() -> None:
    letter = {**examples.MINIMAL_PETITION, "channel": "letter", "petitioner": {"name": "匿名"}}
    case = register(parse(_raw(letter)), hmac_key=KEY, now=NOW).case
    assert CaseFlag.NO_CONTACT in case.flags
