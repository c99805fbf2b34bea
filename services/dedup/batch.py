"""Dedup over a file of petitions, without Kafka: what ``xinfang dedup-batch`` runs.

Reads petitions in the ``petitions.submitted`` form, one JSON object a line, orders them by
``received_at`` (event time, as the stream would see them) and yields one verdict each.
Case ids and petitioner refs stand in for intake's: ``stand_in_petitioner_ref`` is the one
function to replace with intake's derivation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Iterator
from typing import Any, Final

from schemas.petitions import Person, PetitionSubmitted
from services.dedup.config import DedupConfig
from services.dedup.matcher import CaseFacts, Matcher
from services.dedup.state import InMemoryMatchState

#: A fixed, public key: batch output is reproducible and never meant to protect anyone.
DEMO_KEY: Final = b"xinfang-dedup-batch-demo-key"
_NOT_DIGIT: Final = re.compile(r"\D")


def stand_in_petitioner_ref(person: Person, key: bytes = DEMO_KEY) -> str:
    """A petitioner_ref: keyed HMAC of the person's best identity, normalised.

    The ID number if given (upper case, no spaces), else the phone's last 11 digits (so
    "+86 138 0013 8000" and "13800138000" agree), else the name without spaces.
    """
    if person.id_number:
        identity = "id:" + person.id_number.replace(" ", "").upper()
    elif person.phone and len(digits := _NOT_DIGIT.sub("", person.phone)) >= 7:
        identity = "phone:" + digits[-11:]
    else:
        identity = "name:" + "".join(person.name.split())
    digest = hmac.new(key, identity.encode(), hashlib.sha256).hexdigest()
    return f"pr_{digest[:32]}"


def stand_in_case_id(submission_id: str, key: bytes = DEMO_KEY) -> str:
    """A deterministic case id for a submission (``XF-`` and 12 base32 characters)."""
    digest = hmac.new(key, submission_id.encode(), hashlib.sha256).digest()
    return "XF-" + base64.b32encode(digest).decode()[:12]


def facts_of(petition: PetitionSubmitted) -> CaseFacts:
    """The matcher's view of a submitted petition, with stand-in ids."""
    people = (petition.petitioner, *petition.co_petitioners, *petition.representatives)
    refs = dict.fromkeys(stand_in_petitioner_ref(person) for person in people)
    return CaseFacts(
        case_id=stand_in_case_id(petition.submission_id),
        received_at=petition.received_at,
        region_code=petition.region_code,
        petitioner_refs=tuple(refs),
        title=petition.title,
        content=petition.content,
        accused=petition.accused,
        address_of_matter=petition.address_of_matter,
        language=petition.language,
    )


def run_batch(lines: Iterable[str], config: DedupConfig | None = None) -> Iterator[dict[str, Any]]:
    """Verdicts for petitions given as JSON lines, in order of receipt.

    Blank lines are skipped; an invalid line raises ``pydantic.ValidationError``. Each
    result is ``DedupDecision.to_json()`` plus ``submission_id`` and ``received_at``.
    """
    petitions = [PetitionSubmitted.model_validate_json(line) for line in lines if line.strip()]
    petitions.sort(key=lambda p: (p.received_at, p.submission_id))
    matcher = Matcher(InMemoryMatchState(), config)
    for petition in petitions:
        decision = matcher.match(facts_of(petition))
        yield {
            "submission_id": petition.submission_id,
            "received_at": petition.received_at.isoformat(),
            **decision.to_json(),
        }
