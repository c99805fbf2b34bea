"""What every service does to free text a person wrote before it goes on a topic.

A petition's title and content (intake), a petitioner's comment or an agency's note (the
gateway) are written by people: invisible characters a screen obeys are removed, and the
personal data written into the text is masked, its length unchanged (ARCHITECTURE.md
"Privacy"). Pure functions, no state.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Final

from services.common import regions

#: Characters nobody reads but a screen obeys: C0 and C1 controls other than line breaks
#: and tabs (NUL, ESC, which a terminal or log viewer acts on), and every format character
#: (Unicode category Cf, as of Unicode 14, Python 3.11's database; a test compares): bidi
#: overrides and isolates such as U+202E, which make a title read differently from what it
#: says, zero-width joiners and spaces, the BOM, the soft hyphen.
_INVISIBLE_IN_BMP: Final = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
)
_INVISIBLE = re.compile(
    f"[{_INVISIBLE_IN_BMP}\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)
#: Those of the BMP and any character beyond it: a text without one has none of them, and
#: is told so in a third of the time (a class tries its ranges beyond the BMP one by one
#: against every character it does not hold).
_MAYBE_INVISIBLE = re.compile(f"[{_INVISIBLE_IN_BMP}\U00010000-\U0010ffff]")


#: The Unicode line and paragraph separators, written as the line break they mean: a viewer
#: that does not know them shows nothing, and a script embedding the text as a JavaScript
#: string literal breaks on them.
_SEPARATORS: Final = str.maketrans({"\u2028": "\n", "\u2029": "\n"})


def strip_invisible(text: str) -> str:
    """The text without control characters and format characters (bidi overrides, ...).

    Line breaks and tabs are kept: they are part of how a letter reads (U+2028 and U+2029
    become plain line breaks).
    """
    visible = text if _MAYBE_INVISIBLE.search(text) is None else _INVISIBLE.sub("", text)
    # str.translate looks every character of a non-ASCII text up in its table (2 us for
    # 33 characters): only a text with a separator is translated.
    if "\u2028" in visible or "\u2029" in visible:
        return visible.translate(_SEPARATORS)
    return visible


# --- resident ID numbers: what intake checks of a petitioner's, and masking of any written --
#: Residence permits' first two digits (Hong Kong, Macao and Taiwan residents): not a
#: province of the region table, and as personal as an ID number.
_PERMIT_PREFIXES: Final = frozenset({"81", "82", "83"})
#: The earliest birth year a living petitioner's ID number can give.
OLDEST_BIRTH_YEAR: Final = 1890
#: The latest masking takes for a birth year (pure functions know no today: intake checks
#: the date against today; masking more rather than less is the side to err on).
_LATEST_BIRTH_YEAR: Final = 2099


@functools.cache
def id_prefixes() -> frozenset[str]:
    """The two digits a resident ID number can start with: a province's or a permit's."""
    provinces = (r.code[:2] for r in regions.default_table() if r.parent is None)
    return frozenset(p for p in provinces if p.isdigit()) | _PERMIT_PREFIXES


def id_birth_date(number: str) -> date | None:
    """The birth date the 7th to 14th digits of an 18-digit ID number give, if they give a
    real date from ``OLDEST_BIRTH_YEAR`` on (full-width digits read as digits)."""
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    return born if born.year >= OLDEST_BIRTH_YEAR else None


# A resident ID number's check character: intake checks the numbers petitioners give by it.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


def id_check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


# --- personal data written into free text ---------------------------------------------------
# Petitioners write their numbers into the letter itself ("请拨打13800138000", "身份证号
# 610302...", a bank card for the compensation). The case's text goes to every downstream
# topic, so these are masked in it as in the petitioner's own fields. The patterns below
# read the text as a person (and NFKC, which makes the normalised text) reads it: see
# ``_reading``.
#: 18 characters: 17 digits and a digit or X, not inside a longer run of digits; or
#: written in the ID's three parts (region, birth date, the rest) with one separator.
#: An X ends the number: what follows it may be another (an ID and a phone written together).
#: (Whether a number starts there is said after its first digit, here and below: a pattern
#: that starts with a look-behind is tried at every position of the text, one that
#: starts with a class only where the class matches: 2 us a text less for each.)
_ID_IN_TEXT = re.compile(r"\d(?<!\d\d)\d{5}([ -]?)\d{8}\1\d{3}(?:\d(?![\dXx])|[Xx](?![Xx]))")
#: The same with a space or a dash between any two digits (6 1 0 3 0 2 ..., 610 302 194
#: ...), not inside a longer run of such digits.
_ID_SPACED = re.compile(
    r"\d(?<![\d-]\d)(?<!\d \d)(?:[ -]?\d){16}[ -]?(?:\d(?![ -]?[\dXx])|[Xx](?![Xx]))"
)
#: 13 to 19 digits, optionally in groups separated by single spaces or hyphens.
_CARD_IN_TEXT = re.compile(r"\d(?<![\d-]\d)(?:[ -]?\d){12,18}(?![\d-])")
#: 16 to 19 digits in groups of four, one space or one hyphen between each (6222 0212 3456
#: 7890, 6217-0012-3456-7890-123): how a bank card's number is printed and copied; an ID
#: number's X may end it (6103 0219 9001 0112 3X). Not after another group and the same
#: separator (its first groups would be another number's), unless that is a mobile or a
#: landline in groups of its own (138 0013 8000 6222 0212 3456 7890: a phone, then a
#: card), or a whole number of five digits or more (110105194912310021 6217 0012 3456
#: 7890: an ID number, then a card); no part of a group after it. No card's number starts
#: with 0 (0731 8412 3456 6222 ...: a landline, then a card). Glued to the digits before
#: it (010-10000006200 0000 0000 0000: a landline, then a card), a card starts inside their
#: run, but not where the four groups after its first one are a card of their own
#: (13000001000 6200 0000 1300 0000: "1000 6200 0000 1300" took the real card's last group,
#: which a mobile then read with the landline after it, left in clear).
#: (Said after the first digit, as above: said before it, the look-behind and the look-aheads
#: were tried at every position of every text, 8 us a text of the real letters.)
_CARD_IN_GROUPS = re.compile(
    r"[1-9](?:(?<!\d.)|(?!\d{3} \d{4} \d{4} \d{4} \d{4}(?!\d))"
    r"(?!\d{3}-\d{4}-\d{4}-\d{4}-\d{4}(?!\d)))"
    r"(?:(?<!\d \d)(?=\d{3} )|(?<!\d-\d)(?=\d{3}-)|(?<=\d{5}[ -]\d)"
    r"|(?<=(?<![\d+])1[3-9]\d[ -]\d{4}[ -]\d{4}[ -]\d)|(?<=(?<!\d)0\d{2}[ -]\d{4}[ -]\d{4}[ -]\d)"
    r"|(?<=(?<!\d)0\d{3}[ -]\d{3}[ -]\d{4}[ -]\d)|(?<=(?<!\d)0\d{3}[ -]\d{4}[ -]\d{4}[ -]\d))"
    r"\d{3}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3}(?!\d)[Xx]?)?"
)
#: A mainland mobile (1[3-9] and 9 digits, optionally +86, with single spaces or dashes
#: between digits, or dots between its groups: 138.1234.5678) or a landline with its area
#: code (0 and 2-3 digits, in brackets or not, then 7-8 digits, or 3-4 and 4; dots between
#: groups too). Dots only between groups: 1.3812345678 is a sum, v1.38.12345678 a version.
#: The enumeration comma 、 as a dot (138、1234、5678), or between each of a mobile's
#: eleven digits (1、3、8、...): a list of numbers is written with it too (8、9、10、11、12,
#: 103、104、115 in the real letters), so not between any two digits, and not a list that
#: goes on after the groups.
#: Each alternative starts with the character it needs there, what comes before it said
#: after that character: a pattern whose alternatives all start with a character of their
#: own is tried only where one of them is, one that starts with a look-behind at every
#: position of the text (9 us a text of the real letters).
_MOBILE_AFTER_ITS_1: Final = (
    r"(?:[ -]?[3-9](?:[ -]?\d){9}|[3-9]\d[.、]\d{4}[.、]\d{4}(?![.、]\d)"
    r"|、[3-9](?:、\d){9}(?!、\d))(?!\d)"
)
_LANDLINE_AFTER_ITS_AREA: Final = (
    r"(?:[ -]?(?:\d{7,8}|\d{3,4}[ -]\d{4})|[.、](?:\d{7,8}|\d{3,4}[.、]\d{4})(?![.、]\d))"
    r"(?!\d)"
)
_PHONE_IN_TEXT = re.compile(
    # +86 1..., 0086 1..., 86 1..., 1...: a mobile, not after a digit or a +.
    rf"\+(?<![\d+].)86[ -]?1{_MOBILE_AFTER_ITS_1}"
    # 0086 1... (a mobile, as above), else 0 and the area code's digits (a landline).
    rf"|0(?:(?<![\d+].)086[ -]?1{_MOBILE_AFTER_ITS_1}"
    rf"|(?<!\d.)\d{{2,3}}{_LANDLINE_AFTER_ITS_AREA})"
    rf"|8(?<![\d+].)6[ -]?1{_MOBILE_AFTER_ITS_1}"
    rf"|1(?<![\d+].){_MOBILE_AFTER_ITS_1}"
    # The area code in brackets, not after a digit.
    rf"|\((?<!\d.)0\d{{2,3}}[)）]{_LANDLINE_AFTER_ITS_AREA}"
    rf"|（(?<!\d.)0\d{{2,3}}[)）]{_LANDLINE_AFTER_ITS_AREA}"
)
#: A landline as written from abroad: +86 or 0086, the area code with its 0 or without,
#: the number (+86-29-88881234, +86 (0)29 8888 1234, +86 029 8888 1234, +8602988881234);
#: or 86 without + or 00 (86 and digits are any number, so only in the forms a phone
#: takes): a dash after it and after the area code (86-29-8888-1234), the area code with
#: its 0 after it (8602988881234, 86 0731 8412 3456: 010, 02x or 0 and three, then the
#: number), or spaces after it and after the area code (86 29 8888 1234).
#: From the 86 (a literal start is found fast): what comes before it is said after it.
_LANDLINE_FROM_ABROAD = re.compile(
    r"86(?:(?:(?<=\+86)|(?<=(?<![\d+])0086))[ -]?(?:(?:\(0\)|0)[ -]?)?(?:10|[2-9]\d{1,2})[ -]?"
    r"|(?<![\d+]86)(?:-(?:10|[2-9]\d{1,2})-| ?-?0(?:10|2\d|[3-9]\d\d)[ -]?"
    r"| (?:10|[2-9]\d{1,2}) ))"
    r"(?:\d{7,8}|\d{3,4}[ -]\d{4})(?!\d)"
)
#: The Chinese numerals a number is read out in, as the digit each stands for: 幺 is how
#: a 1 is said in a phone number, 两 a 2 (mostly in the north).
#: The financial forms (壹, 贰, 叁 ..., 大写, and their traditional 貳, 參, 陸) and ○, the
#: circle written for a zero (二○一八年), are read alike: 壹叁捌... is a number as much.
_ZEROS: Final = "〇零○"
_ONES: Final = "一幺壹"
_TWO_TO_NINE: Final = "二两兩贰貳三叁參四肆五伍六陆陸七柒八捌九玖"
_CHINESE_DIGITS: Final = _ZEROS + _ONES + _TWO_TO_NINE
#: The units of a count or a sum (三十, 一百): a run of numerals next to one is no number
#: read out digit by digit.
_NUMERAL_UNITS: Final = "十百千万亿拾佰仟萬億"
#: After a run's first numeral: the character before it is no numeral nor unit.
_NOT_AFTER_A_NUMERAL: Final = f"(?<![{_CHINESE_DIGITS}{_NUMERAL_UNITS}].)"
#: A mainland mobile read out in Chinese numerals (一三八一二三四五六七八, 幺三八 ...), with
#: single spaces, dashes or dots between them: 一 or 幺, 三 to 九, then 9 numerals or more (a
#: digit too many is a slip, and still someone's number), not inside a longer run. A count
#: or a sum is written with 十, 百, 千, 万 (三十八户), a year with four numerals (二〇一八):
#: nothing else writes eleven numerals in a row.
#: (Whether the run starts there is said after its first numeral: a pattern that starts
#: with a look-behind is tried at every position of every text, one that starts with a
#: class only where the class matches. And said in the pattern, not after the match: a
#: match from inside the number before, dropped, would hide the number that starts
#: within it.)
_PHONE_IN_CHINESE = re.compile(
    f"[{_ONES}]{_NOT_AFTER_A_NUMERAL}[{_TWO_TO_NINE[5:]}](?:[ .-]?[{_CHINESE_DIGITS}]){{9,}}"
)
#: A landline read out in Chinese numerals with its area code (零二九八八八八一二三四,
#: 〇七三一-八四一二三四五六, （〇一〇）一二三四五六七八): 〇 or 零, a numeral other than
#: 〇 and 零, then 8 to 10 numerals, single spaces, dashes or dots between, the area
#: code's closing bracket after its third or fourth numeral, not followed by another
#: numeral or a unit (at most 12: a number read out after it, past a space, is a number
#: of its own).
#: No count, sum or year starts with 〇 or 零.
_LANDLINE_IN_CHINESE = re.compile(
    f"[{_ZEROS}]{_NOT_AFTER_A_NUMERAL}[{_ONES}{_TWO_TO_NINE}]"
    f"(?:[)）]?[ .-]?[{_CHINESE_DIGITS}]){{8,10}}"
    f"(?![{_CHINESE_DIGITS}{_NUMERAL_UNITS}])"
)
#: A resident ID number read out in Chinese numerals: 17 numerals and a numeral or an X,
#: in one run or in the ID's three parts with one separator, as ``_ID_IN_TEXT``.
_ID_IN_CHINESE = re.compile(
    f"[{_CHINESE_DIGITS}]{_NOT_AFTER_A_NUMERAL}[{_CHINESE_DIGITS}]{{5}}([ -]?)"
    f"[{_CHINESE_DIGITS}]{{8}}\\1[{_CHINESE_DIGITS}]{{3}}"
    f"[{_CHINESE_DIGITS}Xx]"
)
#: Ten numerals in a run (what every number above read out in numerals has, and no count,
#: sum, date or year): a text without one has no numerals to mask, and is not read for
#: them three times.
#: (What follows the run's first numeral, apart: ``_patterns_as_written`` says it after that.)
_NUMERAL_RUN_AFTER_ITS_FIRST: Final = f"(?:[)）]?[ .-]?[{_CHINESE_DIGITS}]){{9}}"
_NUMERAL_RUN = re.compile(f"[{_CHINESE_DIGITS}]{_NUMERAL_RUN_AFTER_ITS_FIRST}")
#: The ASCII digit each Chinese numeral stands for.
_NUMERAL_VALUES: Final = dict(
    zip(_CHINESE_DIGITS, "000" "111" "22222" "333" "44" "55" "666" "77" "88" "99", strict=True)
)
#: What a run of numerals read out one by one is not preceded by: another numeral, or a
#: unit.
_NUMERAL_BEFORE: Final = frozenset(_CHINESE_DIGITS + _NUMERAL_UNITS)


def _written_together(figure: str) -> re.Pattern[str]:
    """A run of figures (``figure``, a class) in groups with single spaces or dashes
    between: where numbers may be written together (a phone and an ID number without a
    separator, 13800138000029-88881234). ``_hide_together`` says whether they are."""
    # Whether the run starts there is said after its first figure (see _ID_IN_TEXT).
    return re.compile(
        f"{figure}(?<!{figure}{figure})(?<!{figure}[ -]{figure})(?:[ -]?{figure})*[Xx]?"
    )


#: Twenty figures or more: what the shortest two numbers above make, more than any one of
#: them has, and no count, sum, date or year is written so (dates have no group of twelve).
_TOGETHER_FIGURES: Final = 20
#: A group of twelve: longer than a phone, in numbers written together.
_TOGETHER_GROUP: Final = 12
_DIGITS_TOGETHER = _written_together(r"\d")
_TWELVE_DIGITS = re.compile(r"\d{12}")
_NUMERALS_TOGETHER = _written_together(f"[{_CHINESE_DIGITS}]")
_SEPARATORS_IN_RUN = re.compile("[ -]")


def _beside(text: str, start: int, end: int) -> tuple[str, str]:
    """The characters before ``start`` and after ``end``, past one space or dash."""
    before = text[start - 1 : start]
    if before and before in " -":
        before = text[start - 2 : start - 1]
    after = text[end : end + 1]
    if after and after in " -":
        after = text[end + 1 : end + 2]
    return before, after


def _hide_together(match: re.Match[str], is_figure: Callable[[str], bool]) -> str:
    """The numbers written together ``match`` found with only their last four figures
    kept, if they are: a group of twelve figures or more, and twenty figures in all, or
    written against a number masked already (the patterns above mask those they can tell
    apart: what is left of the run is the rest of it, a phone before an ID number)."""
    found = match.group()
    if max(map(len, _SEPARATORS_IN_RUN.split(found.rstrip("Xx")))) < _TOGETHER_GROUP:
        return found
    against_masked = "*" in _beside(match.string, match.start(), match.end())
    if not against_masked and sum(map(is_figure, found)) < _TOGETHER_FIGURES:
        return found
    return _hide(found, is_figure, keep_first=0, keep_last=4)


#: ASCII addresses only: ``\w`` would take the Chinese words written before the address.
#: The ideographic full stop 。 between the domain's labels reads as a dot (zhang＠qq。com);
#: a space before the dot is a slip (zhang.san@qq .com), one after it starts a sentence.
#: From where a run of what an address is made of starts: tried from within it too, each
#: start would scan to its end again (20,000 digits or dashes took 0.4 s).
_EMAIL_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?: ?[.。][A-Za-z0-9-]+)+"
)


#: Letters and symbols a screen shows as nothing, that NFKC keeps: the Hangul fillers and
#: the blank braille pattern, written between digits as a space would be.
_BLANK_LETTERS: Final = "\u115f\u1160\u3164\uffa0\u2800"
#: The last code point of the Basic Multilingual Plane.
_LAST_OF_BMP: Final = 0xFFFF


@functools.cache
def _reading_table() -> dict[int, str]:
    """What each character that is not ASCII reads as, when a reader takes it for an ASCII
    digit, letter, at-sign, dot, dash or space: every digit of Unicode (full-width １, the
    mathematical 𝟏, the circled ①, the superscript ¹, the Arabic-Indic ١), the full-width
    and other compatibility forms NFKC folds to one ASCII character (ｚ, ＠, ．), every dash
    (－, —, ‐) and every space (the ideographic U+3000, no-break); and as its digits each
    character NFKC folds to digits with brackets or a dot (the circled ⑬ reads 13, ⒇ 20,
    ⒈ 1): a reader reads them as numbers, and the normalised text holds those digits; and
    as its letters and digits each that NFKC folds to several of them (the ligature ﬀ
    reads ff, in an e-mail address too).
    Planes 0 and 1 hold them all; built once, in about 0.1 s."""
    table: dict[int, str] = {}
    for code in range(0x80, 0x20000):
        char = chr(code)
        digit = unicodedata.digit(char, None)
        category = unicodedata.category(char)
        folded = unicodedata.normalize("NFKC", char)
        if digit is not None:
            table[code] = str(digit)
        elif category == "Pd":
            table[code] = "-"
        elif category == "Zs" or char in _BLANK_LETTERS:
            table[code] = " "
        elif len(folded) == 1 and folded.isascii() and (folded.isalnum() or folded in "@.+_%"):
            table[code] = folded
        elif folded.isascii() and folded.strip("()., ").isdigit():
            table[code] = "".join(c for c in folded if c.isdigit())
        elif folded.isascii() and folded.isalnum():
            table[code] = folded  # a ligature (ﬀ, ﬁ) in an e-mail address, ㎡ as m2
    return table


#: Any character beyond the Basic Multilingual Plane (mathematical digits, emoji): few
#: texts have one.
_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")


@functools.cache
def _patterns_as_written(beyond_bmp: bool = True) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """What any pattern above needs, as written: seven digits with at most one space or
    dash between each, a phone's groups with dots between, an at-sign, or ten Chinese
    numerals in a run, of any script or width (a text with neither, most
    titles and many letters, has nothing to mask, and is read once instead of six times);
    and any character ``_reading`` changes (most texts have none, and are not copied).
    Without ``beyond_bmp``, the same for a text with no character beyond the BMP
    (``_BEYOND_BMP``): their classes without those characters. A class is matched against
    a character beyond the BMP by trying each of its ranges there in turn, and against
    every character the class does not hold: the changed characters' 400-odd ranges there
    cost 35 us a text of the real letters, the BMP's alone 2 us."""
    table = _reading_table()

    def chars(wanted: Callable[[int, str], bool]) -> str:
        # As ranges (digits come in runs of ten): a class of hundreds of single characters,
        # some beyond the BMP, is matched by a linear scan, ten times slower than ``\d``.
        codes = sorted(
            code
            for code, reads in table.items()
            if wanted(code, reads) and (beyond_bmp or code <= _LAST_OF_BMP)
        )
        runs: list[list[int]] = []
        for code in codes:
            if runs and runs[-1][1] == code - 1:
                runs[-1][1] = code
            else:
                runs.append([code, code])
        return "".join(
            re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in runs
        )

    # ``\d`` is every decimal digit already: the class adds the others (circled, ...).
    digits = f"\\d{chars(lambda code, reads: reads.isdigit() and not chr(code).isdecimal())}"
    digit = f"[{digits}]"
    gap = f"[ \\-{chars(lambda code, reads: reads in ' -')}]"
    dot = f"[.、{chars(lambda code, reads: reads == '.')}]"
    # A phone with dots between its groups (138.1234.5678, 029.8888.1234): not any digits
    # with dots, which dates and sums are (2018.09.28, 25613.32); a mobile with 、 between
    # its digits.
    dotted = f"{digit}{{2,3}}{dot}{digit}{{4}}{dot}{digit}{{4}}|(?:、{digit}){{10}}"
    ats = f"@{chars(lambda code, reads: reads == '@')}"
    # A character of several digits (⑬, ⒇): six of them are a phone number.
    several = chars(lambda code, reads: len(reads) > 1 and reads.isdigit())
    # Said from the first character, of one class for all four, what it is said after it:
    # alternatives starting with classes of their own are tried at every position of the
    # text (10 us a text of the real letters), one class only where it matches.
    return re.compile(
        f"[{digits}{ats}{several}{_CHINESE_DIGITS}]"
        f"(?:(?<={digit})(?:(?:{gap}?{digit}){{6}}|{dotted})|(?<=[{ats}])|(?<=[{several}])"
        f"|(?<=[{_CHINESE_DIGITS}]){_NUMERAL_RUN_AFTER_ITS_FIRST})"
    ), re.compile(
        f"[{chars(lambda code, reads: True)}]"
    )


def _reading(text: str) -> tuple[str, list[int] | None]:
    """``text`` as the patterns read it: each character a person takes for an ASCII digit,
    letter, at-sign, dot, dash or space written as that character, one of several digits
    (⑬) as its digits. A phone number in mathematical or circled digits, or with
    full-width dashes, reads as one, and so does the normalised text NFKC makes of it.
    With it, where each character read comes from in ``text``, when that is not where it
    is (None: the reading is as long as ``text``)."""
    changed = _patterns_as_written(_BEYOND_BMP.search(text) is not None)[1]
    if changed.search(text) is None:
        return text, None
    table = _reading_table()
    read = text.translate(table)
    if len(read) == len(text):
        return read, None
    return read, [i for i, c in enumerate(text) for _ in table.get(ord(c), c)]


def _digits(text: str) -> str:
    return "".join(str(int(c)) for c in text if c.isdigit())


def _hide_digits(text: str, *, keep_first: int, keep_last: int) -> str:
    """``text`` with its digits (and an ID's X) replaced by '*' but the first and last few.

    Separators are kept, so the masked text has the length of the original.
    """
    return _hide(text, str.isdigit, keep_first=keep_first, keep_last=keep_last)


def _hide(
    text: str, is_figure: Callable[[str], bool], *, keep_first: int, keep_last: int
) -> str:
    """``text`` with each character ``is_figure`` says is one (or an ID's X) replaced by
    '*' but the first ``keep_first`` and the last ``keep_last`` of them; the rest kept."""
    count = sum(is_figure(c) or c in "Xx" for c in text)
    seen = 0
    out = []
    for c in text:
        if is_figure(c) or c in "Xx":
            seen += 1
            out.append("*" if keep_first < seen <= count - keep_last else c)
        else:
            out.append(c)
    return "".join(out)


def _mask_phone_match(match: re.Match[str]) -> str:
    found = match.group()
    digits = _digits(found)
    # A mobile keeps its country code (86 or 0086) and the first three digits of the
    # number; a landline its first three digits (the area code, or most of it).
    mobile = len(digits) >= 11 and digits[-11] == "1" and digits[:-11] in ("", "86", "0086")
    prefix = len(digits) - 11 if mobile else 0
    return _hide_digits(found, keep_first=prefix + 3, keep_last=4)


def _mask_landline_from_abroad(match: re.Match[str]) -> str:
    # The country code, a trunk 0, and the area code's first two digits kept, as a
    # landline at home keeps its first three; a number after 86 alone that the text calls
    # an order's stays.
    found, text, start = match.group(), match.string, match.start()
    after_plus = text[start - 1 : start] == "+" or text[start - 2 : start] == "00"
    if not after_plus and _nearest_number_word(text, start) == "other":
        return found
    trunk = found[2:].lstrip(" -(")[:1] == "0"
    return _hide_digits(found, keep_first=2 + trunk + 2, keep_last=4)


def _read_out_alone(match: re.Match[str], *, not_before: str = _NUMERAL_UNITS) -> bool:
    """Whether the numerals matched are a number read out on its own: not inside a longer
    run of numerals, nor a count (三十一三...); nor followed by any of ``not_before``."""
    start, end, text = match.start(), match.end(), match.string
    before, after = text[start - 1 : start], text[end : end + 1]
    return not ((before and before in _NUMERAL_BEFORE) or (after and after in not_before))


def _hide_numerals(found: str, *, keep_first: int, keep_last: int) -> str:
    """``found`` with its numerals replaced by '*' but the first and last few (an ID's X
    counts as one), separators kept."""
    return _hide(found, _NUMERAL_VALUES.__contains__, keep_first=keep_first, keep_last=keep_last)


def _mask_chinese_phone_match(match: re.Match[str]) -> str:
    # As a mobile in digits: the first three and the last four numerals kept.
    if not _read_out_alone(match):
        return match.group()
    return _hide_numerals(match.group(), keep_first=3, keep_last=4)


def _mask_chinese_landline_match(match: re.Match[str]) -> str:
    # As a landline in digits: the first three and the last four numerals kept.
    found = match.group()
    closing = [i for i, c in enumerate(found) if c in ")）"]
    area = sum(c in _NUMERAL_VALUES for c in found[: closing[0]]) if closing else 3
    if not _read_out_alone(match) or len(closing) > 1 or not 3 <= area <= 4:
        return found
    return _hide_numerals(found, keep_first=3, keep_last=4)


def _mask_chinese_id_match(match: re.Match[str]) -> str:
    # As an ID number in digits: region and last four kept, if it is one. An X ends it:
    # numerals after it are another number.
    found = match.group()
    digits = "".join(_NUMERAL_VALUES.get(c, c) for c in found if c not in " -")
    not_after = "Xx" if found[-1] in "Xx" else _NUMERAL_UNITS + _CHINESE_DIGITS + "Xx"
    alone = _read_out_alone(match, not_before=not_after)
    if not alone or not _is_id_number(digits, match.string, match.start()):
        return found
    return _hide_numerals(found, keep_first=6, keep_last=4)


def _mask_numerals(text: str) -> str:
    """``text`` with the numbers read out together, the ID numbers, then the mobiles and
    landlines read out in Chinese numerals masked (an ID number first: a phone could match
    inside it)."""
    text = _ID_IN_CHINESE.sub(_mask_chinese_id_match, text)
    text = _PHONE_IN_CHINESE.sub(_mask_chinese_phone_match, text)
    text = _LANDLINE_IN_CHINESE.sub(_mask_chinese_landline_match, text)
    # What is left of numbers read out together, even next to a unit (三十 and nineteen
    # numerals read out after it are a count and numbers).
    return _NUMERALS_TOGETHER.sub(
        lambda m: _hide_together(m, _NUMERAL_VALUES.__contains__), text
    )


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


#: Words that say the number after them is a card, an account or an ID number, and words
#: that say it is something else: an order's, a parcel's or an invoice's number (consumer
#: complaints are full of those, and a caseworker needs to read them), or a telephone's
#: (masked as one, its area code kept). The nearest of them before the number, within
#: ``_WORD_WINDOW`` characters, says which it is ("银行卡号码是：6222 ...", "订单号：...").
_NUMBER_WORDS: Final = re.compile(
    r"(?P<personal>卡|账号|帐号|账户|帐户|银行|身份证|证件|card|account|acct)"
    r"|(?P<other>订单|单号|运单|快递|物流|发票|流水|交易号|工单|order|tracking|invoice|waybill)"
    r"|(?P<phone>电话|致电|手机|热线|phone|tel)",
    re.IGNORECASE,
)
_WORD_WINDOW: Final = 16


def _nearest_number_word(text: str, start: int) -> str | None:
    """"personal", "other", "phone" or None: what the nearest number word before ``start``
    says. A phone word makes no card of the number after it, and no order number either:
    18 digits after "电话" are no telephone's, and may well be an ID number."""
    words = list(_NUMBER_WORDS.finditer(text, max(0, start - _WORD_WINDOW), start))
    return words[-1].lastgroup if words else None


def _looks_like_id(match: re.Match[str]) -> bool:
    found = match.group()
    return _is_id_number(_digits(found[:-1]) + found[-1], match.string, match.start())


def _is_id_number(digits18: str, text: str, start: int) -> bool:
    # A correct check character; or a wrong one (a typo in it, or in a digit it covers:
    # still someone's number) after a province's prefix and a real birth date, unless the
    # text calls it an order's, a parcel's or an invoice's number.
    digits17 = digits18[:-1]
    if id_check_character(digits17) == digits18[-1].upper():
        return True
    born = id_birth_date(digits17)
    return (
        digits17[:2] in id_prefixes()
        and born is not None
        and born.year <= _LATEST_BIRTH_YEAR
        and _nearest_number_word(text, start) != "other"
    )


def _mask_id_match(match: re.Match[str]) -> str:
    if not _looks_like_id(match):
        return match.group()  # not an ID number: a card may match
    return _hide_digits(match.group(), keep_first=6, keep_last=4)


def _is_run(found: str) -> bool:
    """Whether ``found`` is four groups of four digits, one space or dash between, that are
    a run, no card: each one more than the one before (1301 1302 1303 1304, rooms), or
    years from 1900 to 2099 in increasing order (2019 2020 2021 2022, 2018 2020 2022 2024).
    (A card's number is one of these once in a billion billion; a list of years or rooms
    passes the Luhn check once in ten, 1301 1302 1303 1304 does.)"""
    if len(found) != 19 or not found[4] == found[9] == found[14] in " -":
        return False
    groups = found.split(found[4])
    if not all(len(group) == 4 and group.isdigit() for group in groups):
        return False
    numbers = [int(group) for group in groups]
    steps = list(itertools.pairwise(numbers))
    return all(b == a + 1 for a, b in steps) or (
        all(1900 <= n <= 2099 for n in numbers) and all(a < b for a, b in steps)
    )


def _mask_card_in_groups_match(match: re.Match[str]) -> str:
    # Printed as a card is: a card, whatever its check digit, unless called an order's or
    # a run of years or numbers (``_is_run``) no card word is before. Ending in an X,
    # an ID number if it is one (its region kept), else hidden as a card.
    found, text, start = match.group(), match.string, match.start()
    word = _nearest_number_word(text, start)
    if word == "other":
        return found
    digits = _digits(found)
    if found[-1] in "Xx":
        if len(digits) == 17 and _is_id_number(digits + found[-1], text, start):
            return _hide_digits(found, keep_first=6, keep_last=4)
    elif word != "personal" and _is_run(found):
        return found
    return _hide_digits(found, keep_first=0, keep_last=4)


def _mask_card_match(match: re.Match[str]) -> str:
    found = match.group()
    digits = _digits(found)
    personal = _nearest_number_word(match.string, match.start()) == "personal"
    if not personal and _is_run(found):
        return found
    if _luhn_valid(digits) or (len(digits) >= 16 and personal):
        return _hide_digits(found, keep_first=0, keep_last=4)
    return found


def _mask_email_match(match: re.Match[str]) -> str:
    local, _, domain = match.group().partition("@")
    # Same length as written: the masked text never outgrows the contract's bounds.
    return local[:1] + "*" * (len(local) - 1) + "@" + domain if len(local) > 1 else "*@" + domain


#: What a person writes between a number's groups besides one space or one dash, read as
#: that one: any run of blanks (spaces of any width, tabs, the blank fillers: 138    1234
#: 5678, 138\t1234\t5678, in numerals too) and a dash with blanks beside it (138 - 0013 -
#: 8000); "/", "_", "·", "*" or "|" between a phone's or a card's groups, three or four
#: figures then fours (138/0013/8000, 6222*0212*3456*7890), and between an ID number's
#: parts (110105/19491231/002X, 110105/19491231002X, 11010519491231/002X); and any of
#: them, or a dot, between each of seven single digits or more (1/3/8/0/0/1/3/8/0/0/0,
#: read as 1 3 8 0 ...: as the digits with spaces between, a phone only if they are one).
#: Not between a date's or a fraction's parts (2024/03/15, 1/2, 3*4), nor in a longer run
#: of groups (a list 1/2/3/4/5/6/10 stays as written).
#: (Said from the gap's first character, with look-behinds after it, a pattern of one
#: class at its start: tried at every figure of every text, 一 and digits, it cost a
#: quarter more time on the real texts, and with the separators' alternative as a third,
#: a third more. Each alternative is bounded or starts once in a run, the patterns linear.)
_FIGURE: Final = f"[\\d{_CHINESE_DIGITS}]"
_GROUP_SEPARATORS: Final = "/_·・／＿*＊|｜"


@functools.cache
def _wide_gap() -> tuple[re.Pattern[str], frozenset[str]]:
    """The pattern of a wide gap, and the dashes: every character ``_reading`` reads as a
    space (Unicode's Zs, the blank fillers) and the tab are blanks, every one it reads as
    a dash (Unicode's Pd: ‐, –, －, ...) a dash; the gaps are read before it is. (A row
    pasted from a table, 2019\t3500\t2020\t3800, is read as a number in groups too and
    partly masked: its clear text stays on the restricted topics.)"""
    table = _reading_table()
    blanks = re.escape(" \t" + "".join(chr(c) for c, reads in table.items() if reads == " "))
    dash_chars = "-" + "".join(chr(c) for c, reads in table.items() if reads == "-")
    dashes = re.escape(dash_chars)
    return re.compile(
        # A space or a dash alone is no wider gap: what follows it is no figure.
        f"[{blanks}{dashes}](?<={_FIGURE}.)(?:(?<=[ -])(?!{_FIGURE})|(?<![ -]))"
        f"[{blanks}]*(?:[{dashes}][{blanks}]*)?(?={_FIGURE})"
    ), frozenset(dash_chars)


_GROUPS_SEPARATED = re.compile(
    f"(?P<sep>[{_GROUP_SEPARATORS}])(?:(?<=\\d{{3}}.)(?<!\\d{{5}}.)"
    f"(?<![{_GROUP_SEPARATORS}]\\d{{3}}.)(?<![{_GROUP_SEPARATORS}]\\d{{4}}.)"
    f"\\d{{4}}(?P=sep)\\d{{4}}(?:(?P=sep)\\d{{4}}(?:(?P=sep)\\d{{1,3}})?)?"
    # +86/138/0013/8000: a mobile after its country code.
    f"|(?:(?<=\\+86.)|(?<=(?<![\\d+])0086.))1\\d{{2}}(?P=sep)\\d{{4}}(?P=sep)\\d{{4}})"
    # 138/0013/8000/139/0013/9000: a list of phones.
    # (each a mobile, after a mobile: 3500/3600/3800/4000/4200/4500 are sums).
    f"(?:(?<=1[3-9]\\d[{_GROUP_SEPARATORS}]\\d{{4}}[{_GROUP_SEPARATORS}]\\d{{4}})"
    f"(?P=sep)1[3-9]\\d(?P=sep)\\d{{4}}(?P=sep)\\d{{4}})*"
    f"(?![\\d{_GROUP_SEPARATORS}])"
)
#: An ID number's parts: six figures, eight and four (the last may be an X), or six and
#: twelve, or fourteen and four, one separator between.
_ID_PARTS_SEPARATED = re.compile(
    f"(?P<sep>[{_GROUP_SEPARATORS}])"
    f"(?:(?<=\\d{{6}}.)(?<!\\d{{7}}.)(?<![{_GROUP_SEPARATORS}]\\d{{6}}.)\\d{{8}}(?P=sep)?"
    f"|(?<=\\d{{14}}.)(?<!\\d{{15}}.)(?<![{_GROUP_SEPARATORS}]\\d{{14}}.))"
    f"\\d{{3}}[\\dXx](?![\\dXx{_GROUP_SEPARATORS}])"
)
#: Seven single digits or more, the same separator or dot between each.
_DIGITS_SEPARATED = re.compile(
    f"(?P<sep>[.{_GROUP_SEPARATORS}])(?<=\\d.)(?<!\\d\\d.)(?<![.{_GROUP_SEPARATORS}]\\d.)"
    f"\\d(?:(?P=sep)\\d){{5,}}(?!\\d|(?P=sep)\\d)"
)

#: Whether a text may have any of them ("/" is in many: dates, addresses of web pages).
_ANY_GROUP_SEPARATOR = re.compile(
    f"[.{_GROUP_SEPARATORS}](?:(?<=\\d\\.)\\d\\.\\d\\.\\d"
    f"|(?<!\\.)\\d(?:\\d{{2}}[\\dXx]|[{_GROUP_SEPARATORS}]\\d))"
)


def _squeezed(text: str) -> tuple[str, list[int] | None]:
    """``text`` with each gap ``_WIDE_GAP`` finds written as one space or dash, each
    separator ``_GROUPS_SEPARATED`` or ``_ID_PARTS_SEPARATED`` finds as a dash, and each
    ``_DIGITS_SEPARATED`` finds as a space; with it where each character comes from in
    ``text`` (None: nothing changed). The gaps never overlap the separators: one finds only
    blanks and dashes, the others no blank nor dash; of separators found twice the first
    is taken."""
    wide_gap, dashes = _wide_gap()
    edits = [
        (m.start(), m.end(), "-" if any(c in dashes for c in m.group()) else " ")
        for m in wide_gap.finditer(text)
    ]
    if _ANY_GROUP_SEPARATOR.search(text):
        for pattern, written in (
            (_GROUPS_SEPARATED, "-"), (_ID_PARTS_SEPARATED, "-"), (_DIGITS_SEPARATED, " ")
        ):  # fmt: skip
            for m in pattern.finditer(text):
                sep = m["sep"]
                # The first separator is the match's first character; the others in it.
                edits += (
                    (i, i + 1, written)
                    for i in range(m.start(), m.end())
                    if text[i] == sep
                )
    if not edits:
        return text, None
    pieces: list[str] = []
    origins: list[int] = []
    done = 0
    for start, end, replacement in sorted(edits):
        if start < done:
            continue  # found by two patterns
        pieces += (text[done:start], replacement)
        origins += range(done, start)
        origins.append(start)  # one character for a gap or a separator, from its first
        done = end
    pieces.append(text[done:])
    origins += range(done, len(text))
    return "".join(pieces), origins


def mask_free_text(text: str) -> str:
    """``text`` with the personal data written into it masked, its length unchanged.

    Resident ID numbers keep their region and last four (610302********123X): those with
    a valid ISO 7064 check character, and those with a wrong one that start with a
    province's (or a residence permit's) two digits and give a real birth date, a typo
    being still someone's number, unless the nearest number word before them (within 16
    characters) calls them an order's, a parcel's or an invoice's (订单号, 运单, 发票, ...).
    Bank card numbers keep their last four: 13 to 19 digits that pass the Luhn check, and
    16 to 19 digits that do not when the nearest number word before them says a card, an
    account or an ID (卡号, 银行卡, 账号, 身份证, card, ...), and 16 to 19 digits printed in
    groups of four (6222 0212 3456 7890) unless that word calls them an order's. Four
    groups of four that are a run, each one more than the one before or years from 1900 to
    2099 in increasing order (2019 2020 2021 2022, 房号1301 1302 1303 1304), are no card,
    whatever their check digit, unless a card, account or ID word comes before them. A
    card or an ID number in groups right after a mobile or a landline in groups (电话 138
    0013 8000 6222 0212 3456 7890) is read as its own number; an ID number's X may end
    the groups (6103 0219 9001 0112 3X: its region kept, as an ID number's).
    Mainland mobile and landline numbers keep their first three and last four
    digits (spaces, dashes or dots between digits, 、 between groups or digits; in Chinese
    numerals too,
    一三八****五六七八, 零二九****一二三四), and ID numbers in Chinese numerals as in digits
    (六一〇三〇二********一二三X); e-mail addresses keep the first character of the local
    part and the domain.
    Any run of blanks (tabs, every Unicode space, the Hangul fillers), a dash (any Unicode
    dash: ‐, –, －) with blanks beside it, and "/", "_", "·", "*" or "|" between a phone's or
    a card's groups or an ID number's parts read as one space or dash (138    1234    5678,
    138\t1234\t5678, 138 ‐ 0013 ‐ 8000, 138/0013/8000, 110105/19491231002X; a list of
    phones 138/0013/8000/139/0013/9000, +86/138/0013/8000 too); one
    of them or a dot between each of seven single digits or more as a space
    (1/3/8/0/0/1/3/8/0/0/0).
    Order matters: an ID number is taken before a card number of the same digits, and both
    before a phone number that could match inside them. What is left of 20 digits or
    more (or numerals) written together, one group of them at least twelve long, is
    numbers without a separator between (a phone and an ID number): it keeps only its last
    four.
    """
    squeezed, origins = _squeezed(text)
    masked = _mask_squeezed(squeezed)
    if origins is None or masked == squeezed:
        return masked if origins is None else text
    return _hidden_on(text, origins, squeezed, masked)


def _hidden_on(text: str, origins: list[int], read: str, masked: str) -> str:
    """``text`` with each character hidden whose reading ``read`` (``origins``: where each
    of its characters comes from in ``text``) ``masked`` writes '*' over; a character read
    as several is hidden when any of them is (the text keeps its length)."""
    hidden_at = {
        origin
        for origin, seen, hidden in zip(origins, read, masked, strict=True)
        if hidden == "*" and seen != "*"
    }
    return "".join("*" if i in hidden_at else c for i, c in enumerate(text))


def _mask_squeezed(text: str) -> str:
    """``mask_free_text`` of a text whose gaps are one space or dash at most."""
    if not _patterns_as_written(_BEYOND_BMP.search(text) is not None)[0].search(text):
        return text
    # Numerals first: they stay as written, and the digit patterns never see them.
    if _NUMERAL_RUN.search(text):
        text = _mask_numerals(text)
    read, origins = _reading(text)
    # A card in groups first: an ID number written right before it ends where it starts.
    masked = _CARD_IN_GROUPS.sub(_mask_card_in_groups_match, read)
    masked = _ID_IN_TEXT.sub(_mask_id_match, masked)
    masked = _ID_SPACED.sub(_mask_id_match, masked)
    # Before cards and phones at home: 0086 731 8412 3456 is no card, and its 0086 no
    # area code.
    if "86" in masked:
        masked = _LANDLINE_FROM_ABROAD.sub(_mask_landline_from_abroad, masked)
    masked = _CARD_IN_TEXT.sub(_mask_card_match, masked)
    masked = _PHONE_IN_TEXT.sub(_mask_phone_match, masked)
    if "@" in masked:  # the look-behind above, tried at every position, costs
        masked = _EMAIL_IN_TEXT.sub(_mask_email_match, masked)
    # Looked for only where twelve digits are left in a run (most texts have none).
    if _TWELVE_DIGITS.search(masked):
        masked = _DIGITS_TOGETHER.sub(lambda m: _hide_together(m, str.isdigit), masked)
    if masked == read:
        return text
    # Masking only ever writes '*' over a character: those go on the text as written,
    # the rest of it stays as the person wrote it.
    if origins is None:
        return "".join(
            "*" if hidden == "*" and seen != "*" else original
            for original, seen, hidden in zip(text, read, masked, strict=True)
        )
    return _hidden_on(text, origins, read, masked)


def unrestricted_text(text: str) -> str:
    """A person's text as a topic the registry does not mark RESTRICTED may carry it:
    without control and format characters, with the personal data written in it masked."""
    return mask_free_text(strip_invisible(text))


def unrestricted_note(text: str | None) -> str | None:
    """A petitioner's comment or an agency's note (``CaseUpdate.reason``) as such a topic
    carries it: ``unrestricted_text``, without its surrounding blanks; None when nothing
    is left (an update carries no empty reason)."""
    if text is None:
        return None
    return unrestricted_text(text).strip() or None
