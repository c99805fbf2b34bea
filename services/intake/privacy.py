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
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Final

from schemas.cases import MaskedPerson, PetitionerContact
from schemas.petitions import Language, Person
from services.common.freetext import strip_invisible
from services.intake.normalise import (
    check_resident_id,
    matching_form,
    national_number,
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


#: What :func:`petitioner_ref` makes: 'pr_' and its hex digits.
PETITIONER_REF: Final = re.compile(rf"pr_[0-9a-f]{{{_REF_HEX_CHARS}}}")


def petitioner_ref(key: bytes, person: Person) -> str:
    """The keyed reference of a petitioner: 'pr_' + 32 hex digits of HMAC-SHA256.

    The same person gives the same reference on every channel that records the same best
    identity. The basis is part of the HMAC input so that, say, a phone number typed into
    the name field cannot collide with the phone basis.
    """
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the petitioner_ref key needs at least {MIN_KEY_BYTES} bytes")
    basis, identity = identity_of(person)
    mac = _keyed_ref_mac(key).copy()
    mac.update(f"{basis.value}:{identity}".encode())
    return "pr_" + mac.hexdigest()[:_REF_HEX_CHARS]


@lru_cache(maxsize=8)
def _keyed_ref_mac(key: bytes) -> hmac.HMAC:
    """The HMAC-SHA256 state of a petitioner_ref key, prepared once (``hmac.new`` pads and
    hashes the key each time): copied for each petitioner, never updated itself."""
    return hmac.new(key, digestmod=hashlib.sha256)


def mask_name(name: str) -> str:
    """A name with all but its edges hidden.

    Chinese names keep the first character, and the last one when there are three or more
    (张三 → 张*, 王小明 → 王*明, 欧阳娜娜 → 欧**娜); a separating dot of minority names is
    kept (买买提·艾力 → 买**·*力). Latin names keep the first letter of each word
    (Li Wei → L* W**). Control and format characters are removed first: a name's edge is
    shown, and must not be an ESC or a bidi override.
    """
    text = unicodedata.normalize("NFKC", strip_invisible(name)).strip()
    if not text:
        return "*"
    if _CJK.search(text):
        chars = [c for c in text if not c.isspace()]
        if len(chars) <= 2:
            return chars[0] + "*" * (len(chars) - 1) if len(chars) == 2 else "*"
        middle = "".join(c if c in "·•" else "*" for c in chars[1:-1])
        return chars[0] + middle + chars[-1]
    return " ".join(word[0] + "*" * (len(word) - 1) for word in text.split())


#: The shortest name masked where it is written in a text: a one-character "name" would
#: hide that character everywhere.
_SHORTEST_NAME_IN_TEXT: Final = 2


def mask_names_in(text: str, names: Iterable[str]) -> str:
    """``text`` with each of the petition's own people's names masked where it is written
    ("我是欧阳娜娜" → "我是欧**娜"), its length unchanged (the contract's bounds hold).

    The name fields are masked on every downstream topic (ARCHITECTURE.md "Privacy"); a
    letter that signs with the name would carry it in clear all the same. Latin names only
    as whole words ("Li" is not masked inside "Lisa"). Names of other people, whom the
    petition does not list, are not known here and stay as written.
    """
    written = {strip_invisible(name).strip() for name in names}
    wanted = sorted((n for n in written if len(n) >= _SHORTEST_NAME_IN_TEXT), key=len,
                    reverse=True)  # fmt: skip
    if not wanted or not any(name in text for name in wanted):
        return text
    pattern = re.compile(
        "|".join(
            rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])" if name.isascii() else re.escape(name)
            for name in wanted
        )
    )

    def masked(match: re.Match[str]) -> str:
        found = match.group()
        shown = mask_name(found)
        return shown if len(shown) == len(found) else found[0] + "*" * (len(found) - 1)

    return pattern.sub(masked, text)


def _mask_digits(digits: str) -> str:
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    # Too short to show any part without showing most of it.
    return "*" * len(digits)


def mask_phone(phone: str) -> str:
    """A phone with its middle digits hidden, in national form: 13800138000 → 138****8000.

    A number that does not parse is masked on its digits alone, never shown as given.
    """
    national = national_number(phone)
    if national is not None:
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
