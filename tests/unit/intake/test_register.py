"""Registering petitions: deterministic ids, masking, and a reason for every rejection."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from schemas import examples
from schemas.cases import CaseFlag
from schemas.identifiers import case_id_for, submission_fingerprint
from schemas.keys import SubmissionKey
from schemas.petitions import MAX_NESTING_DEPTH, MAX_PETITION_BYTES, RejectReason
from services.common.dlq import Rejected
from services.common.submitted import check_key, parse
from services.intake.register import register

KEY = b"k" * 32
NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)


def _raw(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def test_the_same_submission_always_gets_the_same_case_id() -> None:
    assert case_id_for("portal-000123", KEY) == case_id_for("portal-000123", KEY)
    assert case_id_for("portal-000123", KEY) != case_id_for("portal-000124", KEY)
    assert case_id_for("portal-000123", KEY).startswith("XF-")


@settings(max_examples=300)
@given(submission_id=st.text(max_size=80), key=st.binary(min_size=1, max_size=80))
@example(submission_id="portal-000123", key=KEY)
def test_a_case_id_is_the_first_12_base32_characters_of_its_hmac(
    submission_id: str, key: bytes
) -> None:
    # case_id_for writes them 10 bits at a time from a copied HMAC state; this is how
    # every case id was written before.
    digest = hmac.new(key, f"xinfang-case:{submission_id}".encode(), hashlib.sha256).digest()
    assert case_id_for(submission_id, key) == "XF-" + base64.b32encode(digest[:10]).decode()[:12]


def test_a_case_id_cannot_be_computed_from_the_submission_id_without_the_key() -> None:
    unkeyed = "XF-" + base64.b32encode(
        hashlib.sha256(b"xinfang-case:portal-000123").digest()
    ).decode()[:12]
    assert case_id_for("portal-000123", KEY) != unkeyed
    assert case_id_for("portal-000123", KEY) != case_id_for("portal-000123", b"another-key-16+")
    registration = register(
        parse(_raw(examples.MINIMAL_PETITION)), hmac_key=KEY, now=NOW, case_id_key=KEY
    )
    assert registration.case.case_id == case_id_for("portal-000123", KEY)


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
        # More digits than Python converts to an int: not a crash, not a processing error.
        (b'{"submission_id": "x", "group_size": ' + b"9" * 5000 + b"}",
         RejectReason.INVALID_JSON),
        (_raw({k: v for k, v in examples.MINIMAL_PETITION.items() if k != "title"}),
         RejectReason.MISSING_FIELD),
        (_raw({**examples.MINIMAL_PETITION, "channel": "pigeon"}), RejectReason.UNKNOWN_CHANNEL),
        (_raw({**examples.MINIMAL_PETITION, "title": 42}), RejectReason.WRONG_TYPE),
        (_raw({**examples.MINIMAL_PETITION, "received_at": 20261120}), RejectReason.WRONG_TYPE),
        (_raw({**examples.MINIMAL_PETITION, "schema_version": 9}),
         RejectReason.UNSUPPORTED_SCHEMA_VERSION),
        # Strict types: pydantic would read these as numbers; a channel sending them has a
        # bug that must be seen, not guessed around.
        (_raw({**examples.MINIMAL_PETITION, "group_size": "5"}), RejectReason.WRONG_TYPE),
        (_raw({**examples.MINIMAL_PETITION, "group_size": True}), RejectReason.WRONG_TYPE),
        (_raw({**examples.MINIMAL_PETITION, "group_size": 5.0}), RejectReason.WRONG_TYPE),
        (_raw({**examples.MINIMAL_PETITION, "attachments": [{"filename": "a.pdf",
                                                             "size_bytes": "3"}]}),
         RejectReason.WRONG_TYPE),
        (_raw({**examples.MINIMAL_PETITION, "channel": "hotline", "hotline_call": {
            "call_id": "c1", "duration_seconds": "60", "operator_id": "op1"}}),
         RejectReason.WRONG_TYPE),
        (_raw({**examples.MINIMAL_PETITION, "schema_version": True}),
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


_MINIMAL = _raw(examples.MINIMAL_PETITION).decode()


@pytest.mark.parametrize(
    ("raw", "twice"),
    [
        ('{"title": "另一个标题", ' + _MINIMAL[1:], "title"),
        (_MINIMAL.replace('"name": "张三"', '"name": "张三", "name": "李四"'), "name"),
        ('{"co_petitioners": [{"name": "甲"}, {"name": "乙", "phone": "1", "phone": "2"}], '
         + _MINIMAL[1:], "phone"),
        ('{"attachments": [{"x": {"y": 1, "y": 2}}], ' + _MINIMAL[1:], "y"),
    ],
    ids=["top level", "in the petitioner", "in a list's object", "three levels down"],
)  # fmt: skip
def test_a_field_given_twice_in_any_object_is_refused(raw: str, twice: str) -> None:
    # Which of the two counts is up to each reader: Python's keeps the last, others the
    # first; a proxy, a log reader and intake could each read another petition.
    with pytest.raises(Rejected) as caught:
        parse(raw.encode())
    assert caught.value.reason is RejectReason.DUPLICATE_FIELD
    assert f"the field {twice!r} is given twice" in caught.value.detail


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        (None, "the key is none"),
        (SubmissionKey(submission_id="portal-999999").to_json_bytes(), "portal-999999"),
        (b"\xff\xfe\x00", "not the petition's"),
        (b"[" * 100_000, "not the petition's"),
    ],
    ids=["no key", "another submission's key", "binary key", "a deeply nested key"],
)  # fmt: skip
def test_a_petition_not_keyed_by_its_submission_id_is_refused(
    key: bytes | None, shown: str
) -> None:
    # Under another key a second version would land in another partition, pass for new
    # there and register the case id a second time.
    petition = parse(_raw(examples.MINIMAL_PETITION))
    with pytest.raises(Rejected) as caught:
        check_key(key, petition)
    assert caught.value.reason is RejectReason.SCHEMA_VIOLATION
    assert shown in caught.value.detail
    assert caught.value.submission_id == "portal-000123"
    check_key(b'{ "submission_id" : "portal-000123" }', petition)  # spacing is no matter


def test_strict_types_still_read_times_and_enums_from_json_strings() -> None:
    petition = parse(_raw({**examples.MINIMAL_PETITION, "group_size": 5, "language": "en"}))
    assert petition.received_at == datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    assert (petition.channel, petition.language, petition.group_size) == ("online", "en", 5)


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
@example({"received_at": "0"})  # read as Unix time: 1970, refused as too early by register
def test_no_json_document_crashes_the_parser(document: dict[str, object]) -> None:
    # Refused with a reason, by the parser or by registration, or registered: nothing else.
    try:
        petition = parse(_raw({**examples.MINIMAL_PETITION, **document}))
        register(petition, hmac_key=KEY, now=NOW)
    except Rejected:
        return


@pytest.mark.parametrize(
    ("received_at", "reason"),
    [
        ("1900-01-01T00:00:00+08:00", RejectReason.RECEIVED_TOO_EARLY),
        ("1970-01-01T00:00:00Z", RejectReason.RECEIVED_TOO_EARLY),
        ("1999-12-31T23:59:59+08:00", RejectReason.RECEIVED_TOO_EARLY),
        ("1999-12-31T16:00:00Z", None),  # 2000-01-01 00:00 in China
        ("2017-05-02T09:30:00+08:00", None),
        ((NOW + timedelta(minutes=9)).isoformat(), None),  # clocks differ a little
        ((NOW + timedelta(minutes=11)).isoformat(), RejectReason.RECEIVED_IN_FUTURE),
        ("2026-12-20T10:00:00+08:00", RejectReason.RECEIVED_IN_FUTURE),
    ],
)  # fmt: skip
def test_a_petition_received_before_2000_or_in_the_future_is_refused(
    received_at: str, reason: RejectReason | None
) -> None:
    petition = parse(_raw({**examples.MINIMAL_PETITION, "received_at": received_at}))
    if reason is None:
        register(petition, hmac_key=KEY, now=NOW)
        return
    with pytest.raises(Rejected) as caught:
        register(petition, hmac_key=KEY, now=NOW)
    assert caught.value.reason is reason
    assert caught.value.detail.startswith(f"received_at {petition.received_at.isoformat()} is")


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


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b'{"x": "' + b"a" * MAX_PETITION_BYTES + b'"}', RejectReason.TOO_LARGE),
        (_nested(100_000).encode(), RejectReason.TOO_DEEP),
        (_raw({**examples.MINIMAL_PETITION, "accused": "X"}).replace(
            b'"X"', ('{"a":' * 5000 + "1" + "}" * 5000).encode()), RejectReason.TOO_DEEP),
        (_raw({**examples.MINIMAL_PETITION, "extra": json.loads(_nested(MAX_NESTING_DEPTH))}),
         RejectReason.TOO_DEEP),
        (_raw({**examples.MINIMAL_PETITION}).replace(b'"title": "', b'"title": "\\ud800'),
         RejectReason.INVALID_ENCODING),
        (_raw({**examples.MINIMAL_PETITION,
               "representatives": [{"name": f"r{i}"} for i in range(101)]}),
         RejectReason.SCHEMA_VIOLATION),
    ],
    ids=["too large", "100,000 nested arrays", "5,000 nested objects in accused",
         "one level too deep", "lone surrogate", "101 representatives"],
)  # fmt: skip
def test_hostile_documents_are_rejected_with_their_reason(raw: bytes, reason: RejectReason) -> None:
    with pytest.raises(Rejected) as caught:
        parse(raw)
    assert caught.value.reason is reason
    assert caught.value.detail


def test_the_deepest_document_the_contract_allows_is_read() -> None:
    # The petition is level 1: an extra field nested to the limit is refused as unknown,
    # not as too deep.
    deepest = json.loads(_nested(MAX_NESTING_DEPTH - 1))
    with pytest.raises(Rejected) as caught:
        parse(_raw({**examples.MINIMAL_PETITION, "extra": deepest}))
    assert caught.value.reason is RejectReason.SCHEMA_VIOLATION


def test_personal_data_in_the_text_is_masked_and_invisible_characters_removed() -> None:
    petition = parse(_raw({
        **examples.MINIMAL_PETITION,
        "title": "\u202e证产权\u202c 请回电13800138000",
        "content": "身份证11010519491231002X，卡号4111 1111 1111 1111，邮箱zhang@qq.com\x00\x1b[2J",
        "accused": "李某，电话029-88881234\u2028第二行",
        # The masked name keeps its edges: an ESC at the end must not be one of them.
        "petitioner": {**examples.MINIMAL_PETITION["petitioner"], "name": "张\u202e三\x1b"},
    }))  # fmt: skip
    case = register(petition, hmac_key=KEY, now=NOW).case
    wire = case.to_json_bytes().decode()
    for clear in ("13800138000", "11010519491231002X", "4111 1111 1111 1111", "zhang@qq.com",
                  "88881234", "\u202e", "\\u0000", "\\u001b", "\u2028", "\\u2028"):  # fmt: skip
        assert clear not in wire
    assert case.petitioner.name_masked == "张*"
    assert case.accused is not None
    assert case.accused.endswith("\n第二行")
    assert "138****8000" in case.title
    assert "110105********002X" in case.content
    assert "**** **** **** 1111" in case.content
    assert "z****@qq.com" in case.content
    assert "\u202e" not in case.normalised_text


def test_typoed_id_and_card_numbers_in_a_petition_are_masked_and_its_order_number_is_not() -> None:
    petition = parse(_raw({
        **examples.MINIMAL_PETITION,
        "title": "网购退款被拒，订单号6222021234567890120",
        "content": "本人身份证610302198506123015，退款请打到银行卡6217 0012 3456 7890 123。",
    }))  # fmt: skip
    case = register(petition, hmac_key=KEY, now=NOW).case
    wire = case.to_json_bytes().decode()
    for clear in ("610302198506123015", "6217 0012 3456 7890 123", "1985061230"):
        assert clear not in wire
    assert case.title == "网购退款被拒，订单号6222021234567890120"
    assert "610302********3015" in case.content
    assert "**** **** **** ***0 123" in case.content


def test_numbers_in_other_digits_dashes_and_spaces_are_masked_in_the_normalised_text_too() -> None:
    # NFKC makes ASCII digits of mathematical and circled ones, and a dash of a full-width
    # one: a number the masking did not read as one would travel in clear in the
    # normalised text (and read as one in the title by anyone looking at it).
    petition = parse(_raw({
        **examples.MINIMAL_PETITION,
        "title": "请回电𝟏𝟑𝟖𝟎𝟎𝟏𝟑𝟖𝟎𝟎𝟎或①③⑨①②③④⑤⑥⑦⑧",
        "content": "电话１３８－００１３－８０００，座机（０２９）８８８８　１２３４，身份证610302 "
                   "19490101 1234，邮箱ｚｈａｎｇ＠ｑｑ．ｃｏｍ",
    }))  # fmt: skip
    case = register(petition, hmac_key=KEY, now=NOW).case
    wire = case.to_json_bytes().decode()
    for clear in ("13800138000", "13912345678", "0013", "8888", "19490101", "zhang@qq.com",
                  "ｚｈａｎｇ", "𝟎𝟎𝟏𝟑", "①②③④"):  # fmt: skip
        assert clear not in wire, clear
        assert clear not in case.normalised_text.replace("-", "").replace(" ", ""), clear
    assert case.title == "请回电𝟏𝟑𝟖****𝟖𝟎𝟎𝟎或①③⑨****⑤⑥⑦⑧"
    assert "138****8000" in case.normalised_text


def test_the_petitions_own_people_are_masked_where_the_text_names_them() -> None:
    petition = parse(_raw({
        **examples.MINIMAL_PETITION,
        "title": "欧阳娜娜反映产权证问题",
        "content": "我是欧阳娜娜，与邻居李四一同反映。此致，欧阳娜娜。Lisa Li 转交。",
        "petitioner": {"name": "欧阳娜娜", "phone": "13800138000"},
        "co_petitioners": [{"name": "李四"}, {"name": "Li"}],
    }))  # fmt: skip
    case = register(petition, hmac_key=KEY, now=NOW).case
    wire = case.to_json_bytes().decode()
    assert "欧阳娜娜" not in wire
    assert "李四" not in wire
    assert case.title == "欧**娜反映产权证问题"
    # Lengths kept; a Latin name only as a word ("Lisa" stays).
    assert case.content == "我是欧**娜，与邻居李*一同反映。此致，欧**娜。Lisa L* 转交。"


def test_the_same_petition_has_the_same_fingerprint_and_another_text_another() -> None:
    first = parse(_raw(examples.MINIMAL_PETITION))
    other = parse(_raw({**examples.MINIMAL_PETITION, "content": "另一件事"}))
    assert submission_fingerprint(first) == submission_fingerprint(
        parse(_raw(examples.MINIMAL_PETITION))
    )
    assert submission_fingerprint(first) != submission_fingerprint(other)
