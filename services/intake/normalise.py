"""Normalisation for matching, kept beside the original; phone, ID number and time checks.

Nothing here changes what the petitioner wrote: the case keeps ``title`` and ``content`` as
received, and the normalised forms travel beside them (``CaseRegistered.normalised_text``)
so that classification and dedup see one spelling of the same words, whether a hotline
operator typed full-width digits, a letter from Hong Kong used traditional characters, or a
portal form kept the user's line breaks.

All functions are pure; the ones that need "today" take it as an argument (the clock is
injected, ARCHITECTURE.md "Time").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum
from functools import lru_cache
from typing import ClassVar, Final

import phonenumbers

from services.common import regions
from services.common.freetext import (
    id_birth_date,
    id_check_character,
    id_prefixes,
    strip_invisible,
)
from services.common.script import to_simplified

#: China Standard Time. China has kept UTC+8 without daylight saving since 1991, so a
#: fixed offset is exact for every date a petition can carry and needs no tz database.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

_WHITESPACE = re.compile(r"\s+")
def normalise_text(text: str) -> str:
    """The normalised form of a text: NFKC, simplified characters, one space between words.

    Control and format characters (NUL, ESC, bidi overrides, zero-width characters) are
    removed first (:func:`strip_invisible`).

    NFKC folds full-width Latin letters, digits and punctuation to half-width (``１２３`` →
    ``123``, ``（`` → ``(``) and compatibility ideographs to their standard form; OpenCC
    ``t2s`` maps traditional characters to simplified ones; Latin letters are case-folded;
    runs of whitespace (line breaks, ideographic spaces) become one space. Punctuation is
    kept, so the text still reads as sentences.
    """
    folded = unicodedata.normalize("NFKC", strip_invisible(text))
    simplified = to_simplified(folded)
    return _WHITESPACE.sub(" ", simplified.casefold()).strip()


def _is_punctuation_or_symbol(char: str) -> bool:
    return unicodedata.category(char)[0] in "PSC" and not char.isspace()


class _Blanks(dict[int, int]):
    """A str.translate table: punctuation and symbols to a space, learnt one character at a
    time (the table stays as small as the characters petitions use; past ``LIMIT``
    characters, which hostile texts naming every code point would reach, a character is
    judged each time instead of kept)."""

    LIMIT: ClassVar[int] = 1 << 16

    def __missing__(self, codepoint: int) -> int:
        blank = 32 if _is_punctuation_or_symbol(chr(codepoint)) else codepoint
        if len(self) < self.LIMIT:
            self[codepoint] = blank
        return blank


_BLANKS = _Blanks()


def matching_form(text: str) -> str:
    """The form rules and dedup match on: :func:`normalise_text` without punctuation.

    Punctuation and symbols become spaces (so "物业,不作为" cannot hide "物业"), then
    whitespace is collapsed. Latin words stay separated by single spaces.
    """
    return matching_form_of(normalise_text(text))


def matching_form_of(normalised: str) -> str:
    """The matching form of a text from its :func:`normalise_text` form: what
    :func:`matching_form` does after normalising, for a caller that has the normalised form
    already (intake normalises a petition's title and content once for both forms)."""
    return _WHITESPACE.sub(" ", normalised.translate(_BLANKS)).strip()


def normalise_joined(title: str, content: str) -> tuple[str, str, str]:
    """``normalise_text`` of ``title``, of ``content`` and of ``f"{title}\n{content}"``, for
    the price of the first two.

    Each step of :func:`normalise_text` works character by character across a line break:
    control characters are removed and the line break kept, NFKC neither reorders nor
    composes across it (it is a starter that combines with nothing), no traditional phrase
    of OpenCC holds one, case folding has no context, and the whitespace around it becomes
    one space. So the joined text normalises to the two forms with a space between, or to
    the one that is not empty (``tests/unit/intake/test_normalise.py`` compares both ways
    on texts chosen to break it).
    """
    normalised_title = normalise_text(title)
    normalised_content = normalise_text(content)
    if normalised_title and normalised_content:
        joined = f"{normalised_title} {normalised_content}"
    else:
        joined = normalised_title or normalised_content
    return normalised_title, normalised_content, joined


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """A text as received, its normalised reading form and its matching form."""

    original: str
    normalised: str
    matching: str


def normalise(text: str) -> NormalisedText:
    """All three forms of a text at once."""
    normalised = normalise_text(text)
    return NormalisedText(original=text, normalised=normalised, matching=matching_form(text))


def petition_text(title: str, content: str) -> NormalisedText:
    """Title and content as one text (title first, a space between): what the case stores."""
    return normalise(f"{title}\n{content}")


# --- phone numbers -------------------------------------------------------------------------


class PhoneProblem(StrEnum):
    """Why a phone number was refused."""

    UNPARSABLE = "unparsable"
    INVALID_NUMBER = "invalid_number"


class InvalidPhoneError(ValueError):
    """A phone number that cannot be put in E.164 form, with the reason."""

    def __init__(self, raw: str, problem: PhoneProblem) -> None:
        super().__init__(f"{problem.value}: {raw!r}")
        self.raw = raw
        self.problem = problem


@dataclass(frozen=True, slots=True)
class _Phone:
    e164: str
    national_number: str


#: A mainland mobile number as most petitions give it: 11 ASCII digits from 13 to 19.
#: phonenumbers.parse reads one in region CN as country code 86 and the number itself:
#: no international prefix and no national or carrier prefix of CN's metadata begins
#: like it (those are 0, 00, 11xx, 12xx and 179xx, which are left out here).
_PLAIN_MOBILE: Final = re.compile(r"1(?:[3-68-9][0-9]|7[0-8])[0-9]{8}", re.ASCII)


def _matches(text: str, desc: phonenumbers.PhoneNumberDesc | None) -> bool:
    """Whether a national number matches a description of phonenumbers' metadata, as
    phonenumbers matches one (its possible lengths, then its whole pattern)."""
    if desc is None or not desc.national_number_pattern:
        return False
    if desc.possible_length and len(text) not in desc.possible_length:
        return False
    return re.fullmatch(desc.national_number_pattern, text) is not None


def _valid(parsed: phonenumbers.PhoneNumber) -> bool:
    """``phonenumbers.is_valid_number(parsed)``, settled on two or three patterns for a
    number of CN, as most are (1.5 us instead of 5, once per new number).

    A number is valid when it matches its region's general description and one of its
    number types, which phonenumbers tries in turn: a CN number matching the general
    description and the mobile or the fixed-line one is valid whatever the others say.
    Any other number is left to ``is_valid_number``.
    """
    if parsed.country_code == 86:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
        national = phonenumbers.national_significant_number(parsed)
        if (
            metadata is not None
            and _matches(national, metadata.general_desc)
            and (_matches(national, metadata.mobile) or _matches(national, metadata.fixed_line))
        ):
            return True
    return bool(phonenumbers.is_valid_number(parsed))


@lru_cache(maxsize=4096)
def _read_phone(raw: str, default_region: str) -> _Phone | PhoneProblem:
    """A phone number read once: a petition asks for its number's forms several times
    (its flags, the petitioner's identity, the masked number, the contact record)."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if default_region == "CN" and _PLAIN_MOBILE.fullmatch(text):
        # What phonenumbers.parse makes of it, without its steps (most of a number's cost).
        parsed = phonenumbers.PhoneNumber(country_code=86, national_number=int(text))
    else:
        try:
            parsed = phonenumbers.parse(text, default_region)
        except phonenumbers.NumberParseException:
            return PhoneProblem.UNPARSABLE
    if not _valid(parsed):
        return PhoneProblem.INVALID_NUMBER
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return _Phone(e164, str(parsed.national_number))


def to_e164(raw: str, default_region: str = "CN") -> str:
    """A phone number in E.164 form, e.g. '+8613800138000'.

    Numbers without a country code are read in ``default_region`` (mainland China: mobile
    ``13800138000``, landline ``029-88881234``). Full-width digits are accepted.
    Raises :class:`InvalidPhoneError` when the number cannot be parsed or is not a valid
    number of its country.
    """
    phone = _read_phone(raw, default_region)
    if isinstance(phone, PhoneProblem):
        raise InvalidPhoneError(raw, phone)
    return phone.e164


def try_e164(raw: str | None, default_region: str = "CN") -> str | None:
    """:func:`to_e164`, or None for a missing or invalid number."""
    if raw is None:
        return None
    phone = _read_phone(raw, default_region)
    return None if isinstance(phone, PhoneProblem) else phone.e164


def national_number(raw: str, default_region: str = "CN") -> str | None:
    """The national number of a valid phone ('13800138000', '2988881234'), else None."""
    phone = _read_phone(raw, default_region)
    return None if isinstance(phone, PhoneProblem) else phone.national_number


# --- resident identity card numbers ----------------------------------------------------------


class IdProblem(StrEnum):
    """Why a resident ID number (公民身份号码, GB 11643-1999) was refused."""

    WRONG_LENGTH = "wrong_length"
    INVALID_CHARACTERS = "invalid_characters"
    UNKNOWN_REGION = "unknown_region"
    INVALID_BIRTH_DATE = "invalid_birth_date"
    BIRTH_DATE_IN_FUTURE = "birth_date_in_future"
    BAD_CHECKSUM = "bad_checksum"


@dataclass(frozen=True, slots=True)
class IdCheck:
    """The result of checking an ID number: the normalised number or the reason it failed.

    ``region_known`` says whether the six-digit prefix is in today's table: cards keep the
    code of the county where they were first issued, and many of those counties have since
    been merged or renamed, so an old code is not an error.
    """

    raw: str
    number: str | None
    problem: IdProblem | None
    birth_date: date | None = None
    female: bool | None = None
    region_known: bool = False

    @property
    def valid(self) -> bool:
        return self.problem is None


_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
#: Residence permits of Hong Kong, Macao and Taiwan residents use 81, 82 and 83; 83 is not
#: a division of the table (Taiwan is 71 there).
def check_resident_id(raw: str, *, today: date) -> IdCheck:
    """Check an 18-character resident ID number and say why it fails, if it does.

    Checked: the shape (17 digits and a digit or X; full-width characters, spaces and a
    lower-case x are normalised first), a provincial prefix that exists, a real birth date
    that is not after ``today`` and not before 1890, and the ISO 7064 MOD 11-2 checksum.
    """
    number = _WHITESPACE.sub("", unicodedata.normalize("NFKC", raw)).upper()
    if len(number) != 18:
        return IdCheck(raw=raw, number=None, problem=IdProblem.WRONG_LENGTH)
    if not _ID_SHAPE.match(number):
        return IdCheck(raw=raw, number=None, problem=IdProblem.INVALID_CHARACTERS)
    if number[:2] not in id_prefixes():
        return IdCheck(raw=raw, number=None, problem=IdProblem.UNKNOWN_REGION)
    born = id_birth_date(number)
    if born is None:
        return IdCheck(raw=raw, number=None, problem=IdProblem.INVALID_BIRTH_DATE)
    if born > today:
        return IdCheck(raw=raw, number=None, problem=IdProblem.BIRTH_DATE_IN_FUTURE)
    if id_check_character(number[:17]) != number[17]:
        return IdCheck(raw=raw, number=None, problem=IdProblem.BAD_CHECKSUM)
    return IdCheck(
        raw=raw,
        number=number,
        problem=None,
        birth_date=born,
        # The 17th digit is the sequence code: odd for men, even for women.
        female=int(number[16]) % 2 == 0,
        region_known=regions.default_table().get(number[:6]) is not None,
    )


# --- time ------------------------------------------------------------------------------------


class NaiveDatetimeError(ValueError):
    """A date-time without a time zone: refused, since it would be read in the server's zone."""


def require_aware(moment: datetime) -> datetime:
    """The same date-time; raises :class:`NaiveDatetimeError` if it has no UTC offset."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveDatetimeError(f"a time zone is required: {moment.isoformat()}")
    return moment


def parse_aware(text: str) -> datetime:
    """Parse an ISO 8601 date-time that carries an offset ('Z' or '+08:00')."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise NaiveDatetimeError(f"not an ISO 8601 date-time: {text!r}") from error
    return require_aware(moment)


def china_date(moment: datetime) -> date:
    """The calendar date in China of an aware moment: the day that time limits count from."""
    return require_aware(moment).astimezone(CHINA_TZ).date()
