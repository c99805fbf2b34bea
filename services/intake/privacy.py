"""The petitioner's identity: a keyed reference, masked forms, and the restricted contact record.

Downstream topics never carry a petitioner in clear (ARCHITECTURE.md "Privacy"): they carry
``petitioner_ref``, a keyed HMAC of the best identity available, and masked name and phone.
Clear details go only to the restricted, compacted contact topic, as a
:class:`schemas.cases.PetitionerContact`. An accuser's identity must never reach the unit
accused (DOMAIN.md "Notification"): masking is the floor, not a licence to show it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date, datetime
from enum import StrEnum

import phonenumbers

from schemas.cases import MaskedPerson, PetitionerContact
from schemas.petitions import Language, Person
from services.intake.normalise import (
    check_resident_id,
    id_check_character,
    matching_form,
    try_e164,
)

#: Shorter keys make the reference guessable by brute force over the phone number space.
MIN_KEY_BYTES = 16
#: 'pr_' + 32 hex digits: 128 bits of the HMAC, enough that two people never collide.
_REF_HEX_CHARS = 32
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


class IdentityBasis(StrEnum):
    """What a petitioner_ref was computed from, best first. Also a metric label."""

    ID_NUMBER = "id_number"
    PHONE = "phone"
    NAME_ADDRESS = "name_address"


def identity_of(person: Person) -> tuple[IdentityBasis, str]:
    """The best identity of a person and its normalised form.

    A valid resident ID number first, then a valid phone in E.164 form, else the matching
    form of name and address. The ID is checked without its "born in the future" test:
    the reference must not depend on the clock, or a replay a day later could give the
    same person another reference.
    """
    if person.id_number:
        checked = check_resident_id(person.id_number, today=date.max)
        if checked.number is not None:
            return IdentityBasis.ID_NUMBER, checked.number
    phone = try_e164(person.phone)
    if phone is not None:
        return IdentityBasis.PHONE, phone
    # Spaces are dropped too: "渭滨区 清姜路1号" and "渭滨区清姜路1号" are one address.
    name, address = (
        matching_form(part).replace(" ", "") for part in (person.name, person.address or "")
    )
    name_address = f"{name}|{address}"
    return IdentityBasis.NAME_ADDRESS, name_address


def petitioner_ref(key: bytes, person: Person) -> str:
    """The keyed reference of a petitioner: 'pr_' + 32 hex digits of HMAC-SHA256.

    The same person gives the same reference on every channel that records the same best
    identity. The basis is part of the HMAC input so that, say, a phone number typed into
    the name field cannot collide with the phone basis.
    """
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the petitioner_ref key needs at least {MIN_KEY_BYTES} bytes")
    basis, identity = identity_of(person)
    digest = hmac.new(key, f"{basis.value}:{identity}".encode(), hashlib.sha256).hexdigest()
    return "pr_" + digest[:_REF_HEX_CHARS]


def mask_name(name: str) -> str:
    """A name with all but its edges hidden.

    Chinese names keep the first character, and the last one when there are three or more
    (张三 → 张*, 王小明 → 王*明, 欧阳娜娜 → 欧**娜); a separating dot of minority names is
    kept (买买提·艾力 → 买**·*力). Latin names keep the first letter of each word
    (Li Wei → L* W**).
    """
    text = unicodedata.normalize("NFKC", name).strip()
    if not text:
        return "*"
    if _CJK.search(text):
        chars = [c for c in text if not c.isspace()]
        if len(chars) <= 2:
            return chars[0] + "*" * (len(chars) - 1) if len(chars) == 2 else "*"
        middle = "".join(c if c in "·•" else "*" for c in chars[1:-1])
        return chars[0] + middle + chars[-1]
    return " ".join(word[0] + "*" * (len(word) - 1) for word in text.split())


def _mask_digits(digits: str) -> str:
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    # Too short to show any part without showing most of it.
    return "*" * len(digits)


def mask_phone(phone: str) -> str:
    """A phone with its middle digits hidden, in national form: 13800138000 → 138****8000.

    A number that does not parse is masked on its digits alone, never shown as given.
    """
    e164 = try_e164(phone)
    if e164 is not None:
        national = str(phonenumbers.parse(e164).national_number)
        return _mask_digits(national)
    digits = "".join(c for c in unicodedata.normalize("NFKC", phone) if c.isdigit())
    return _mask_digits(digits)


def mask_id_number(id_number: str) -> str:
    """An ID number as '110105********002X': region kept, birth date and sequence hidden."""
    text = "".join(unicodedata.normalize("NFKC", id_number).split()).upper()
    if len(text) >= 12:
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    return "*" * max(len(text) - 2, 0) + text[-2:]


def mask_email(email: str) -> str:
    """An e-mail address with the local part hidden but its first character: z*******@qq.com."""
    local, at, domain = email.partition("@")
    if not at:
        return mask_name(email)
    return (local[:1] + "*" * max(len(local) - 1, 1)) + "@" + domain


# --- personal data written into free text ---------------------------------------------------
# Petitioners write their numbers into the letter itself ("请拨打13800138000", "身份证号
# 610302...", a bank card for the compensation). The case's text goes to every downstream
# topic, so these are masked in it as in the petitioner's own fields. ``\d`` matches
# full-width digits too (Python's str patterns), and ``int`` reads them.
#: 18 characters: 17 digits and a digit or X, not inside a longer run of digits.
_ID_IN_TEXT = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")
#: 13 to 19 digits, optionally in groups separated by single spaces or hyphens.
_CARD_IN_TEXT = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
#: A mainland mobile (1[3-9] and 9 digits, optionally +86 and separators) or a landline
#: with its area code (0 and 2-3 digits, then 7-8 digits).
_PHONE_IN_TEXT = re.compile(
    r"(?<![\d+])(?:(?:\+|[0０]{2})?[8８][6６][ -]?)?[1１][3-9３-９]\d(?:[ -]?\d){8}(?!\d)"
    r"|(?<!\d)[0０]\d{2,3}[ -]?\d{7,8}(?!\d)"
)
#: Longer than any number above: numbers written together without a separator.
_RUN_IN_TEXT = re.compile(r"\d{20,}[Xx]?")
#: ASCII addresses only: ``\w`` would take the Chinese words written before the address.
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def _digits(text: str) -> str:
    return "".join(str(int(c)) for c in text if c.isdigit())


def _hide_digits(text: str, *, keep_first: int, keep_last: int) -> str:
    """``text`` with its digits (and an ID's X) replaced by '*' but the first and last few.

    Separators are kept, so the masked text has the length of the original.
    """
    count = sum(c.isdigit() or c in "Xx" for c in text)
    seen = 0
    out = []
    for c in text:
        if c.isdigit() or c in "Xx":
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


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _mask_id_match(match: re.Match[str]) -> str:
    found = match.group()
    digits17 = _digits(found[:17])
    if id_check_character(digits17) != unicodedata.normalize("NFKC", found[17]).upper():
        return found  # not an ID number (its check character is wrong): a card may match
    return _hide_digits(found, keep_first=6, keep_last=4)


def _mask_card_match(match: re.Match[str]) -> str:
    found = match.group()
    if not _luhn_valid(_digits(found)):
        return found
    return _hide_digits(found, keep_first=0, keep_last=4)


def _mask_email_match(match: re.Match[str]) -> str:
    local, _, domain = match.group().partition("@")
    # Same length as written: the masked text never outgrows the contract's bounds.
    return local[:1] + "*" * (len(local) - 1) + "@" + domain if len(local) > 1 else "*@" + domain


def mask_free_text(text: str) -> str:
    """``text`` with the personal data written into it masked, its length unchanged.

    Resident ID numbers with a valid ISO 7064 check character keep their region and last
    four (610302********123X); bank card numbers that pass the Luhn check keep their last
    four; mainland mobile and landline numbers keep their first three and last four
    digits; e-mail addresses keep the first character of the local part and the domain.
    Order matters: an ID number is taken before a card number of the same digits, and both
    before a phone number that could match inside them. A run of 20 digits or more is
    numbers written together (a phone and an ID number without a space): it keeps only its
    last four.
    """
    text = _RUN_IN_TEXT.sub(lambda m: _hide_digits(m.group(), keep_first=0, keep_last=4), text)
    text = _ID_IN_TEXT.sub(_mask_id_match, text)
    text = _CARD_IN_TEXT.sub(_mask_card_match, text)
    text = _PHONE_IN_TEXT.sub(_mask_phone_match, text)
    return _EMAIL_IN_TEXT.sub(_mask_email_match, text)


def masked_person(person: Person) -> MaskedPerson:
    """The person as every downstream topic sees them."""
    return MaskedPerson(
        name_masked=mask_name(person.name),
        phone_masked=mask_phone(person.phone) if person.phone else None,
    )


def petitioner_contact(
    person: Person, *, ref: str, language: Language, updated_at: datetime
) -> PetitionerContact:
    """The clear contact record for the restricted contact topic, keyed by ``ref``.

    The phone is stored in E.164 form (None if invalid: a notice must not go to a number
    that cannot be dialled); name, e-mail and address as the petitioner gave them.
    """
    return PetitionerContact(
        petitioner_ref=ref,
        name=person.name,
        phone_e164=try_e164(person.phone),
        email=person.email,
        address=person.address,
        language=language,
        updated_at=updated_at,
    )
