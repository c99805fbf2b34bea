"""Masking's patterns as rewritten for speed find what the patterns they replace found.

The phone and card-in-groups patterns say what comes before a number after its first
character, and the test of what a text may hold is said from its first character (each
then tried only where such a character is); a text with no character beyond the BMP is
tested with classes without those. The patterns as they were are kept here: on texts of
the characters they read, both find the same numbers at the same places.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from services.common import freetext
from services.common.freetext import mask_free_text

_CARD_IN_GROUPS_BEFORE = re.compile(
    r"(?:(?<!\d)|(?!\d{4} \d{4} \d{4} \d{4} \d{4}(?!\d))(?!\d{4}-\d{4}-\d{4}-\d{4}-\d{4}(?!\d)))"
    r"[1-9](?:(?<!\d \d)(?=\d{3} )|(?<!\d-\d)(?=\d{3}-)|(?<=\d{5}[ -]\d)"
    r"|(?<=(?<![\d+])1[3-9]\d[ -]\d{4}[ -]\d{4}[ -]\d)|(?<=(?<!\d)0\d{2}[ -]\d{4}[ -]\d{4}[ -]\d)"
    r"|(?<=(?<!\d)0\d{3}[ -]\d{3}[ -]\d{4}[ -]\d)|(?<=(?<!\d)0\d{3}[ -]\d{4}[ -]\d{4}[ -]\d))"
    r"\d{3}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3}(?!\d)[Xx]?)?"
)
_PHONE_IN_TEXT_BEFORE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)?86[ -]?)?1"
    r"(?:[ -]?[3-9](?:[ -]?\d){9}|[3-9]\d[.、]\d{4}[.、]\d{4}(?![.、]\d)"
    r"|、[3-9](?:、\d){9}(?!、\d))(?!\d)"
    r"|(?<!\d)(?:0\d{2,3}|[(（]0\d{2,3}[)）])"
    r"(?:[ -]?(?:\d{7,8}|\d{3,4}[ -]\d{4})|[.、](?:\d{7,8}|\d{3,4}[.、]\d{4})(?![.、]\d))"
    r"(?!\d)"
)


def _as_written_before() -> re.Pattern[str]:
    """The test of what a text may hold as it was: each alternative from its own class."""
    new = freetext._patterns_as_written()[0].pattern
    # The pattern now: [first](?:(?<=[digit])(?:rest)|(?<=[at])|(?<=[several])|(?<=[CD])run)
    parts = re.fullmatch(
        r"\[.*?\]\(\?:\(\?<=(?P<digit>\[.*?\])\)(?P<rest>.*)\|\(\?<=(?P<at>\[[^]]*\])\)"
        r"\|\(\?<=(?P<several>\[[^]]*\])\)\|\(\?<=(?P<numeral>\[[^]]*\])\)(?P<run>.*)\)",
        new,
        re.DOTALL,
    )
    assert parts is not None, new
    return re.compile(
        f"{parts['digit']}{parts['rest']}|{parts['at']}|{parts['several']}"
        f"|{parts['numeral']}{parts['run']}"
    )


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)]


#: What the patterns read: digits, their separators, the brackets of an area code, the
#: plus of a country code, an ID's X, and a character that is none of them.
_READ = st.text(st.sampled_from("0123456789 -+()（）.、Xx\n文"), max_size=60)
#: Shapes that make matches likely: numbers in groups after one another.
_GROUPED = st.lists(
    st.sampled_from(
        ["6222", "0212", "1380", "13800138000", "0086", "+86", "86", "029", "(010)", "（0731）",
         "1", "0", "8", "+", " ", "-", ".", "、", "X", "文", "\n", "110105194912310021"]
    ),
    max_size=20,
).map("".join)  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.one_of(_READ, _GROUPED))
@example("6222 0212 3456 7890")
@example("16222 0212 3456 7890")
@example("13000001000 6200 0000 1300 0000")
@example("+86 138 0013 8000")
@example("0086-13800138000")
@example("+13800138000")
@example("+008613800138000")
@example("5+8613800138000")
@example("8613800138000")
@example("(029)88881234")
@example("（029）8888-1234")
@example("1、3、8、0、0、1、3、8、0、0、0")
def test_the_phone_and_card_patterns_find_what_they_found(text: str) -> None:
    assert _spans(freetext._CARD_IN_GROUPS, text) == _spans(_CARD_IN_GROUPS_BEFORE, text)
    assert _spans(freetext._PHONE_IN_TEXT, text) == _spans(_PHONE_IN_TEXT_BEFORE, text)


#: What the test of a text reads: digits of every kind (circled, several in one, beyond the
#: BMP), spaces and dashes of every kind, dots, at-signs, Chinese numerals.
_WRITTEN = st.text(
    st.sampled_from("0123456789１２①⑬⒇𝟏𝟐\U00010a40 -　－—.．、@＠〇一二三四五六七八九零幺文\n"),
    max_size=40,
)


@settings(max_examples=3000, deadline=None)
@given(_WRITTEN)
@example("1234567")
@example("①②③④⑤⑥⑦")
@example("⑬")
@example("a@b")
@example("＠")
@example("一三八一二三四五六七")
@example("〇七三一八四一二三四")
@example("138.1234.5678")
@example("\U00010a40\U00010a41\U00010a42\U00010a43\U00010a40\U00010a41\U00010a42")
def test_the_test_of_what_a_text_may_hold_says_what_it_said(text: str) -> None:
    before = _as_written_before().search(text) is not None
    assert (freetext._patterns_as_written()[0].search(text) is not None) == before
    if freetext._BEYOND_BMP.search(text) is None:
        assert (freetext._patterns_as_written(False)[0].search(text) is not None) == before
        changed_before = freetext._patterns_as_written()[1].search(text) is not None
        assert (freetext._patterns_as_written(False)[1].search(text) is not None) == changed_before


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # At the start and the end of a text, after a line break, after a digit.
        ("13800138000", "138****8000"),
        ("电话\n13800138000", "电话\n138****8000"),
        ("+8613800138000", "+86138****8000"),
        ("008613800138000", "0086138****8000"),
        ("86 138 0013 8000", "86 138 **** 8000"),
        ("(029)88881234", "(029)****1234"),
        ("（0731）8412-3456", "（073*）****-3456"),
        ("029-88881234", "029-****1234"),
        ("6222 0212 3456 7890", "**** **** **** 7890"),
        ("卡\n6222-0212-3456-7890", "卡\n****-****-****-7890"),
        ("010-10000006200 0000 0000 0000", "010-***0000**** **** **** 0000"),
        ("６２２２　０２１２　３４５６　７８９０", "****　****　****　７８９０"),
        # Each kind of what a text may hold, alone.
        ("①③⑧⓪⓪①③⑧⓪⓪⓪", "①③⑧****⑧⓪⓪⓪"),
        ("𝟏𝟑𝟖𝟎𝟎𝟏𝟑𝟖𝟎𝟎𝟎", "𝟏𝟑𝟖****𝟖𝟎𝟎𝟎"),
        # Digits beyond the BMP that are no decimal digits (Rumi 1 3 8, 🄁 a zero): the text
        # is tested with the classes that hold them.
        (
            "电话\U00010e60\U00010e62\U00010e67\U0001f101\U0001f101\U00010e60\U00010e62"
            "\U00010e67\U0001f101\U0001f101\U0001f101",
            "电话\U00010e60\U00010e62\U00010e67****\U00010e67\U0001f101\U0001f101\U0001f101",
        ),
        ("邮箱zhang.san@qq.com", "邮箱z********@qq.com"),
        ("一三八一二三四五六七八", "一三八****五六七八"),
    ],
)
def test_numbers_at_the_edges_of_a_text_are_masked(text: str, masked: str) -> None:
    assert mask_free_text(text) == masked
