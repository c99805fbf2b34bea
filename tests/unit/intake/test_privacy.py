"""Petitioner references, masking and the contact record."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.petitions import Language, Person
from services.intake.privacy import (
    PETITIONER_REF,
    IdentityBasis,
    identity_of,
    mask_email,
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
    assert PETITIONER_REF.fullmatch(petitioner_ref(KEY, Person(name="张三")))


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
        # What a screen obeys is not a name's edge: it goes before masking.
        ("张\u202e三\x1b", "张*"),
        ("王小\u200b明\x00", "王*明"),
        ("\u202eLi Wei\x1b[31m", "L* W******"),
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
