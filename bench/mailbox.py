"""The real mailbox messages as the channel would submit them: ``petitions.submitted`` JSON.

    python -m bench.mailbox > petitions.jsonl

``../shared/data/mailbox_replies.jsonl`` (beside the repository, never copied into it) holds
2,781 real letters to one city's online mailbox, anonymised: the city is "A市", its units
"A1区".."A6区", "A7县", "A8县", "A9市"; letters about the province's other cities name
them "B市".."M市" (and their units "B9市", "K1区", ...). A channel sends a letter with the
region it is about: the county-level unit of A市 the letter names; else the city it names
(a letter to the city's mailbox about the whole city, or about another city, whose counties
this table does not know); else, naming no place, A市's code. The anonymised places stand
for real ones with the same make-up by a fixed, arbitrary table (``UNITS``: the nine
county-level units of a city of six districts, two counties and one county-level city;
``CITIES``: the other cities of its province in order). The user id is the petitioner's
name (the same id is the same person); the message id is the submission id.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from schemas.petitions import Channel, Person, PetitionSubmitted

#: The data beside the repository (``shared/`` next to the clone).
MAILBOX: Final = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mailbox_replies.jsonl"
)
#: The city the anonymised "A市" stands for: 长沙市, chosen for its make-up only.
CITY_CODE: Final = "430100"
#: Anonymised unit -> the county-level code it stands for (arbitrary, fixed).
UNITS: Final = {
    "A1区": "430102",
    "A2区": "430103",
    "A3区": "430104",
    "A4区": "430105",
    "A5区": "430111",
    "A6区": "430112",
    "A7县": "430121",
    "A8县": "430182",
    "A9市": "430181",
}
_UNIT: Final = re.compile("|".join(UNITS))
#: The province's other cities: "B" stands for 430200, ... "M" for 431300.
CITIES: Final = {
    letter: f"43{number:02d}00" for number, letter in enumerate("ABCDEFGHIJKLM", start=1)
}
#: A city, or a unit of one, by its letter ("K市", "K1区", "B9市"), not part of a word.
_CITY: Final = re.compile(r"(?<![A-Za-z])([A-M])\d*[市区县]")
#: Submission ids of the contract allow no other characters.
_PREFIX: Final = "mb-"


def region_of(title: str, content: str) -> str:
    """The region a channel sends: A市's unit the title names, else the one the content
    names most often (the first of equals); else the city named first; else A市."""
    named = _UNIT.findall(title)
    if named:
        return UNITS[named[0]]
    counts = Counter(_UNIT.findall(content))
    if counts:
        return UNITS[counts.most_common(1)[0][0]]
    city = _CITY.search(title) or _CITY.search(content)
    return CITIES[city.group(1)] if city else CITY_CODE


def submission_id(message_id: str) -> str:
    """The submission id of a message (``mb-`` and the message id)."""
    return _PREFIX + message_id


def read_messages(path: Path = MAILBOX) -> list[dict[str, Any]]:
    """The messages as JSON objects; a clear error when the data is not beside the clone."""
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: the real mailbox data is read from shared/data beside the repository"
        )
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def petition_of(message: dict[str, Any]) -> PetitionSubmitted:
    """The petition a mailbox channel submits for one message."""
    title, content = message["title"].strip(), message["content"].strip()
    return PetitionSubmitted(
        submission_id=submission_id(message["message_id"]),
        channel=Channel.MAILBOX,
        received_at=datetime.fromisoformat(message["received_at"]),
        petitioner=Person(name=message["user"]),
        region_code=region_of(title, content),
        title=title[:200],
        content=content[:20_000],
    )


def petitions(path: Path = MAILBOX) -> Iterator[PetitionSubmitted]:
    """Every message as a petition, in the file's order."""
    for message in read_messages(path):
        yield petition_of(message)


def main() -> None:
    for petition in petitions():
        sys.stdout.write(petition.model_dump_json(exclude_none=True) + "\n")


if __name__ == "__main__":
    main()
