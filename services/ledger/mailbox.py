"""Messages of the leaders' mailbox (``../shared/data/mailbox_replies.jsonl``) as petitions.

The board's messages are anonymised in the source: "A市".."M市" are the prefecture-level
cities of one province, "A1区".."A9区", "A7县", "A9市" the county-level units of a city.
This module maps them onto a *stand-in* province so that intake's region table, rollups
and names work: the n-th letter is the n-th prefecture-level unit of Hunan (430000) in code
order (A -> 430100 Changsha, B -> 430200 Zhuzhou, ...), and "X<n>区/县/市" the n-th
county-level unit of that city in code order (A7县 -> 430121 Changsha county). The mapping
is arbitrary; what matters for hotspots is that one anonymised place is always one code.

A message's region is the first such place its title names, else its content's; a message
naming only a city, or nothing (then city A, whose board it is), is city-level. Intake
accepts only county-level codes, so a city-level message goes through intake with the
city's first county as a stand-in code, and keeps its city code for hotspots; this stand-in
exists only here, in the offline tool.
"""

from __future__ import annotations

import json
import re
import string
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

from schemas.petitions import Channel, Person, PetitionSubmitted
from services.common import regions

#: The province the anonymised cities are mapped onto (see the module docstring).
STAND_IN_PROVINCE: Final = "430000"
_PLACE: Final = re.compile(r"([A-N])(\d{0,2})([市区县])")
_HOME_CITY: Final = "A"


class MailboxLineError(ValueError):
    """A line that is not a mailbox message."""


@dataclass(frozen=True, slots=True)
class MailboxPetition:
    """A message as a petition, with the region it names (county or city level)."""

    petition: PetitionSubmitted
    region_code: str


@cache
def _cities() -> dict[str, str]:
    table = regions.default_table()
    cities = sorted(r.code for r in table if r.parent == STAND_IN_PROVINCE)
    return dict(zip(string.ascii_uppercase, cities, strict=False))


@cache
def _counties(city: str) -> tuple[str, ...]:
    return tuple(sorted(r.code for r in regions.default_table() if r.parent == city))


def region_named(title: str, content: str) -> str:
    """The stand-in code of the first place a message names (title first)."""
    for text in (title, content):
        for letter, number, _kind in _PLACE.findall(text):
            city = _cities().get(letter)
            if city is None:
                continue
            counties = _counties(city)
            if number and 1 <= int(number) <= len(counties):
                return counties[int(number) - 1]
            return city
    return _cities()[_HOME_CITY]


def petition_of(message: dict[str, Any]) -> MailboxPetition:
    """The message in the ``petitions.submitted`` form; raises MailboxLineError."""
    try:
        title = str(message["title"]).strip()[:200]
        content = str(message["content"]).strip()[:20_000]
        region = region_named(title, content)
        intake_region = region if regions.is_matter_region(region) else _counties(region)[0]
        petition = PetitionSubmitted(
            submission_id=f"mailbox-{message['message_id']}",
            channel=Channel.ONLINE,
            received_at=message["received_at"],
            petitioner=Person(name=str(message["user"])),
            region_code=intake_region,
            title=title or content[:30],
            content=content or title,
        )
    except KeyError as exc:
        raise MailboxLineError(f"a mailbox message has {exc.args[0]!r}") from None
    except ValueError as exc:
        raise MailboxLineError(" ".join(str(exc).split())[:300]) from None
    return MailboxPetition(petition, region)


def parse_line(line: bytes) -> MailboxPetition:
    """One line of the mailbox file; raises MailboxLineError."""
    try:
        message = json.loads(line)
    except json.JSONDecodeError as exc:
        raise MailboxLineError(f"not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise MailboxLineError("not a JSON object")
    return petition_of(message)
