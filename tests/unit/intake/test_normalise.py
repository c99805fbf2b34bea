"""Normalisation, phone numbers, resident ID numbers and time helpers of intake."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.freetext import id_check_character, strip_invisible
from services.intake.normalise import (
    IdProblem,
    InvalidPhoneError,
    NaiveDatetimeError,
    PhoneProblem,
    check_resident_id,
    china_date,
    matching_form,
    matching_form_of,
    normalise,
    normalise_joined,
    normalise_text,
    parse_aware,
    petition_text,
    require_aware,
    to_e164,
    try_e164,
)
from services.intake.normalise import _read_phone as read_phone
from services.intake.normalise import _valid as valid_number

TODAY = date(2026, 11, 20)


def test_full_width_and_traditional_become_half_width_simplified() -> None:
    assert normalise_text("開發商拖欠ＡＢＣ１２３") == "开发商拖欠abc123"


def test_whitespace_runs_collapse_to_one_space() -> None:
    assert normalise_text("  物业\n\n不作为\u3000\t 小区 ") == "物业 不作为 小区"


def test_matching_form_drops_punctuation_but_keeps_words_apart() -> None:
    assert matching_form("物业，不作为！！Unpaid-wages?") == "物业 不作为 unpaid wages"


def test_normalise_keeps_the_original_beside_both_forms() -> None:
    text = "請問：產權證？"
    forms = normalise(text)
    assert forms.original == text
    assert forms.normalised == "请问:产权证?"
    assert forms.matching == "请问 产权证"


def test_petition_text_puts_title_before_content() -> None:
    assert petition_text("标题", "内容").normalised == "标题 内容"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13800138000", "+8613800138000"),
        ("+86 139 0000 1111", "+8613900001111"),
        ("１３８００１３８０００", "+8613800138000"),
        ("029-88881234", "+862988881234"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_valid_phones_become_e164(raw: str, e164: str) -> None:
    assert to_e164(raw) == e164


@pytest.mark.parametrize(
    ("raw", "problem"),
    [("not a phone", PhoneProblem.UNPARSABLE), ("12345", PhoneProblem.INVALID_NUMBER)],
)
def test_invalid_phones_are_refused_with_a_reason(raw: str, problem: PhoneProblem) -> None:
    with pytest.raises(InvalidPhoneError) as caught:
        to_e164(raw)
    assert caught.value.problem is problem
    assert try_e164(raw) is None


def _as_parsed(raw: str) -> tuple[str, str] | None:
    """E.164 and national number of ``raw`` read by phonenumbers.parse in region CN."""
    try:
        parsed = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, str(parsed.national_number)


def test_plain_mobile_numbers_read_as_phonenumbers_parse_reads_them() -> None:
    # 11 digits from 13 to 19 skip phonenumbers.parse (normalise._PLAIN_MOBILE): every
    # 4-digit prefix, inside the short cut and next to it (carrier prefixes 11xx, 12xx and
    # 179xx), gives what parse gives; a new phonenumbers' metadata for CN is checked too.
    for prefix in range(1000, 2000):
        for tail in ("0000000", "1234567", "5800138", "9999999"):
            raw = f"{prefix}{tail}"
            read = read_phone.__wrapped__(raw, "CN")
            got = None if isinstance(read, PhoneProblem) else (read.e164, read.national_number)
            assert got == _as_parsed(raw), raw


def test_try_e164_accepts_a_missing_phone() -> None:
    assert try_e164(None) is None


def test_a_valid_id_number_gives_birth_date_and_sex() -> None:
    checked = check_resident_id("11010519491231002X", today=TODAY)
    assert checked.valid
    assert checked.number == "11010519491231002X"
    assert checked.birth_date == date(1949, 12, 31)
    assert checked.female is True
    assert checked.region_known


def test_id_number_spacing_full_width_and_lower_case_x_are_normalised() -> None:
    checked = check_resident_id(" 110105 19491231 002x ", today=TODAY)
    assert checked.number == "11010519491231002X"


def _with_check(first17: str) -> str:
    return first17 + id_check_character(first17)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("11010519491231002", IdProblem.WRONG_LENGTH),
        ("1101051949123100AX", IdProblem.INVALID_CHARACTERS),
        (_with_check("99010519491231002"), IdProblem.UNKNOWN_REGION),
        (_with_check("11010519490231002"), IdProblem.INVALID_BIRTH_DATE),
        (_with_check("11010518000101002"), IdProblem.INVALID_BIRTH_DATE),
        (_with_check("11010520301231002"), IdProblem.BIRTH_DATE_IN_FUTURE),
        ("110105194912310021", IdProblem.BAD_CHECKSUM),
    ],
)
def test_invalid_id_numbers_say_why(raw: str, problem: IdProblem) -> None:
    checked = check_resident_id(raw, today=TODAY)
    assert not checked.valid
    assert checked.problem is problem
    assert checked.number is None


def test_an_old_county_code_on_a_card_is_valid_but_flagged_unknown() -> None:
    # 110103 (the former Chongwen district) was merged into Dongcheng in 2010.
    checked = check_resident_id(_with_check("11010319800101001"), today=TODAY)
    assert checked.valid
    assert not checked.region_known


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        require_aware(datetime(2026, 11, 20, 10, 0))
    with pytest.raises(NaiveDatetimeError):
        parse_aware("2026-11-20T10:00:00")
    with pytest.raises(NaiveDatetimeError):
        parse_aware("yesterday")


def test_parse_aware_keeps_the_offset() -> None:
    moment = parse_aware("2026-11-20T10:00:00+08:00")
    assert moment.utcoffset() == timedelta(hours=8)


def test_china_date_is_the_calendar_day_in_beijing() -> None:
    # 17:00 UTC on the 19th is 01:00 on the 20th in China: the time limit counts from the 20th.
    assert china_date(datetime(2026, 11, 19, 17, 0, tzinfo=UTC)) == date(2026, 11, 20)
    assert china_date(datetime(2026, 11, 20, 9, 0, tzinfo=timezone(timedelta(hours=8)))) == date(
        2026, 11, 20
    )


@given(st.text())
def test_text_normalisers_never_crash(text: str) -> None:
    forms = normalise(text)
    assert forms.matching == matching_form(forms.matching)
    assert "  " not in forms.normalised


@given(st.text(max_size=60))
def test_phone_and_id_checks_never_crash(text: str) -> None:
    try_e164(text)
    checked = check_resident_id(text, today=TODAY)
    assert checked.valid == (checked.problem is None)


def test_control_and_bidi_characters_are_removed_from_the_normalised_text() -> None:
    sent = "a\x00b\x1b[31m\u202eevil\u202c\u2028line\ufeff\u200bend"
    assert normalise_text(sent) == "ab[31mevil lineend"
    assert strip_invisible("第一行\n第二行\t完") == "第一行\n第二行\t完"


#: Texts that would break ``normalise_joined`` if a step of normalising worked across the
#: line break that joins a title and its content: blanks at the edges, a combining accent
#: after the break, a traditional phrase split by it, a final sigma, controls, empty parts.
_JOINED_EDGES = st.sampled_from(
    ["", " ", "\n", "\u3000", "\u0301", "e\u0301", "發展", "發", "展", "ΟΔΟΣ", "ς", "Σ",
     "\x00", "\u200b", "\u2028", "物业", "ＡＢＣ", "１２", "开發商", "ﬁ", "…", "\t\n "]
)  # fmt: skip


@given(
    title=st.lists(_JOINED_EDGES, max_size=4).map("".join) | st.text(max_size=12),
    content=st.lists(_JOINED_EDGES, max_size=4).map("".join) | st.text(max_size=12),
)
def test_joined_normalised_forms_are_those_of_the_joined_text(title: str, content: str) -> None:
    normalised_title, normalised_content, joined = normalise_joined(title, content)
    assert normalised_title == normalise_text(title)
    assert normalised_content == normalise_text(content)
    assert joined == normalise_text(f"{title}\n{content}")
    assert matching_form_of(normalised_title) == matching_form(title)


def test_joined_forms_of_a_petition() -> None:
    title, content = "開發商拖欠 ", "\n　物业费ＡＢＣ！"
    assert normalise_joined(title, content) == ("开发商拖欠", "物业费abc!", "开发商拖欠 物业费abc!")
    assert normalise_joined(" ", content)[2] == "物业费abc!"


@given(
    country_code=st.sampled_from([86, 86, 86, 1, 44, 852]),
    national_number=st.integers(min_value=10_000, max_value=999_999_999_999),
)
def test_a_number_is_valid_as_phonenumbers_judges_it(
    country_code: int, national_number: int
) -> None:
    # _valid settles most CN numbers on the general, mobile and fixed-line patterns alone.
    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=national_number)
    assert valid_number(number) == phonenumbers.is_valid_number(number)


@pytest.mark.parametrize(
    "raw", ["13800138000", "029-88881234", "010 6552 9988", "14012345678", "+1 650 253 0000"]
)
def test_plain_and_written_numbers_read_as_phonenumbers_reads_them(raw: str) -> None:
    parsed = phonenumbers.parse(raw, "CN")
    expected = (
        phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if phonenumbers.is_valid_number(parsed)
        else None
    )
    assert try_e164(raw) == expected


def test_the_blanks_table_stays_bounded_on_a_text_of_every_code_point() -> None:
    from services.intake import normalise

    table = normalise._Blanks()
    text = "".join(chr(c) for c in range(0x20, 0x30000) if not 0xD800 <= c < 0xE000)
    once = text.translate(table)
    assert len(table) == normalise._Blanks.LIMIT
    assert text.translate(table) == once  # judged again, the same
    assert "。".translate(table) == " "
    assert "物".translate(table) == "物"
