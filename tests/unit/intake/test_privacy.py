"""Petitioner references, masking and the contact record."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.petitions import Language, Person
from services.intake.normalise import id_check_character
from services.intake.privacy import (
    IdentityBasis,
    identity_of,
    mask_email,
    mask_free_text,
    mask_id_number,
    mask_name,
    mask_phone,
    masked_person,
    petitioner_contact,
    petitioner_ref,
)

KEY = b"k" * 32


def test_the_reference_has_the_contract_format() -> None:
    assert re.fullmatch(r"pr_[0-9a-f]{32}", petitioner_ref(KEY, Person(name="张三")))


def test_the_same_phone_written_differently_gives_the_same_reference() -> None:
    a = Person(name="张三", phone="13800138000")
    b = Person(name="张 三", phone="+86 138 0013 8000", address="渭滨区")
    assert petitioner_ref(KEY, a) == petitioner_ref(KEY, b)


def test_the_id_number_wins_over_the_phone() -> None:
    a = Person(name="王五", phone="13800138000", id_number="11010519491231002X")
    b = Person(name="王五", phone="13900001111", id_number="11010519491231002x")
    assert identity_of(a)[0] is IdentityBasis.ID_NUMBER
    assert petitioner_ref(KEY, a) == petitioner_ref(KEY, b)


def test_an_invalid_id_falls_back_to_the_phone() -> None:
    person = Person(name="王五", phone="13800138000", id_number="110105194912310021")
    assert identity_of(person) == (IdentityBasis.PHONE, "+8613800138000")


def test_without_id_or_phone_name_and_address_identify() -> None:
    a = Person(name="李四", address="渭滨区清姜路1号")
    b = Person(name="李四", address="渭濱區 清姜路1號")
    assert identity_of(a)[0] is IdentityBasis.NAME_ADDRESS
    assert petitioner_ref(KEY, a) == petitioner_ref(KEY, b)
    assert petitioner_ref(KEY, a) != petitioner_ref(KEY, Person(name="李四", address="别处"))


def test_another_key_gives_another_reference_and_a_short_key_is_refused() -> None:
    person = Person(name="张三", phone="13800138000")
    assert petitioner_ref(KEY, person) != petitioner_ref(b"j" * 32, person)
    with pytest.raises(ValueError, match="16 bytes"):
        petitioner_ref(b"short", person)


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王*明"),
        ("欧阳娜娜", "欧**娜"),
        ("Li Wei", "L* W**"),
        ("张", "*"),
    ],
)
def test_names_are_masked(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_phones_id_numbers_and_emails_are_masked() -> None:
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("+86 139 0000 1111") == "139****1111"
    assert mask_phone("12") == "**"
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_email("zhangsan@example.com") == "z*******@example.com"


def test_masked_person_and_contact_record() -> None:
    person = Person(name="张三", phone="13800138000", email="zs@example.com", address="渭滨区")
    assert masked_person(person).model_dump() == {
        "name_masked": "张*",
        "phone_masked": "138****8000",
    }
    now = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    contact = petitioner_contact(person, ref="pr_" + "0" * 32, language=Language.ZH, updated_at=now)
    assert contact.phone_e164 == "+8613800138000"
    assert contact.name == "张三"
    assert contact.email == "zs@example.com"


@given(st.text(min_size=1, max_size=100), st.text(max_size=40), st.text(max_size=40))
def test_privacy_functions_never_crash(name: str, phone: str, id_number: str) -> None:
    person = Person(name=name, phone=phone or None, id_number=id_number or None)
    assert petitioner_ref(KEY, person).startswith("pr_")
    masked = masked_person(person)
    assert masked.name_masked
    mask_id_number(id_number)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("请拨打13800138000", "请拨打138****8000"),
        ("+86 138-0013-8000", "+86 138-****-8000"),
        ("１３８００１３８０００", "１３８****８０００"),
        ("座机029-88881234", "座机029-****1234"),
        ("身份证11010519491231002X。", "身份证110105********002X。"),
        ("卡号6222021234567890120", "卡号6222021234567890120"),  # fails Luhn: not a card
        ("卡号4111111111111111", "卡号************1111"),
        ("邮箱zhang.san@qq.com", "邮箱z********@qq.com"),
        ("日期2026-11-20，金额123456元", "日期2026-11-20，金额123456元"),
        ("1380013800011010519491231002X", "*************************002X"),  # written together
    ],
)
def test_personal_data_written_in_free_text_is_masked(text: str, masked: str) -> None:
    assert mask_free_text(text) == masked
    assert len(mask_free_text(text)) == len(text)


def test_an_eighteen_digit_number_with_a_wrong_check_character_is_not_taken_for_an_id() -> None:
    assert mask_free_text("编号110105194912310021") == "编号110105194912310021"


_AROUND = st.text(alphabet="信访人反映电话号码，。：（）abc ", max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    before=_AROUND,
    after=_AROUND,
    mobile=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    id_body=st.from_regex(r"(11|31|44|61)[0-9]{4}(19[5-9][0-9]|200[0-9])(0[1-9]|1[0-2])"
                          r"(0[1-9]|1[0-9]|2[0-8])[0-9]{3}", fullmatch=True),
)  # fmt: skip
def test_numbers_written_anywhere_in_a_text_never_stay_in_clear(
    before: str, after: str, mobile: str, id_body: str
) -> None:
    id_number = id_body + id_check_character(id_body)
    text = f"{before}{mobile}{after}{id_number}{before}"
    masked = mask_free_text(text)
    assert len(masked) == len(text)
    assert mobile not in masked
    assert id_number not in masked
    assert masked.startswith(before)
