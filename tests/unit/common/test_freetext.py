"""Free text a person wrote: invisible characters removed, personal data masked."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.common.freetext import (
    id_check_character,
    mask_free_text,
    strip_invisible,
    unrestricted_note,
)


def test_every_format_character_of_the_unicode_database_is_removed() -> None:
    # Fails when a newer Python brings format characters the list does not have yet.
    formats = "".join(chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf")
    assert strip_invisible(formats + "文") == "文"


def test_controls_and_bidi_overrides_go_and_unicode_line_separators_become_line_breaks() -> None:
    sent = "标题\x00\x1b[31m红\u202e反\u2028第二行\u2029第三段\n\t第四行"
    assert strip_invisible(sent) == "标题[31m红反\n第二行\n第三段\n\t第四行"


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


def test_a_note_is_masked_and_cleaned_before_it_travels() -> None:
    # An agency's or a petitioner's note on cases.updates (the gateway and intake's relay).
    assert unrestricted_note("请回电13800138000\u202e谢谢") == "请回电138****8000谢谢"
    assert unrestricted_note(" \u200b ") is None
    assert unrestricted_note(None) is None
