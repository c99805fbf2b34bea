"""Hotspots over a file of petitions, without Kafka: what ``xinfang hotspots-batch`` runs.

The petitions go through intake's validation and registration (field, case ids) and dedup's
matcher (matters), exactly as ``xinfang dedup-batch`` runs them, then through
:func:`services.ledger.hotspots.scan`. Offline there is no escalation service: a petition
counts as escalated when dedup finds it collective (5 or more people), which escalation's
rules always escalate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.cases import CaseRegistered
from services.cli.offline import BadLine, batch_verdicts, final_matters, registered_cases
from services.common import regions
from services.ledger.hotspots import (
    GroupKind,
    Hotspot,
    HotspotRules,
    Sighting,
    TermIndex,
    described,
    scan,
)
from services.ledger.mailbox import MailboxLineError, parse_line
from services.ledger.periods import BEIJING
from services.ledger.places import title_places


@dataclass(frozen=True)
class Petitions:
    """Lines read as submitted petitions, with the place each names (when not intake's)."""

    lines: list[bytes]
    bad: list[BadLine]
    #: submission id -> region, where it differs from the code intake was given.
    regions: dict[str, str]


def from_submitted(raw: Sequence[bytes]) -> Petitions:
    """Lines already in the ``petitions.submitted`` form."""
    return Petitions(list(raw), [], {})


def from_mailbox(raw: Sequence[bytes]) -> Petitions:
    """Lines of the leaders' mailbox, converted in memory (see ``mailbox``)."""
    lines: list[bytes] = []
    bad: list[BadLine] = []
    named: dict[str, str] = {}
    for number, line in enumerate(raw, start=1):
        if not line.strip():
            lines.append(b"")
            continue
        try:
            converted = parse_line(line)
        except MailboxLineError as exc:
            bad.append(BadLine(number, "invalid_mailbox_message", str(exc)))
            lines.append(b"")  # keep the numbering of the lines after it
            continue
        petition = converted.petition
        if converted.region_code != petition.region_code:
            named[petition.submission_id] = converted.region_code
        lines.append(petition.to_json_bytes())
    return Petitions(lines, bad, named)


def _city(code: str) -> str:
    return regions.city_of(code) or regions.province_of(code)


def sightings(
    cases: Sequence[CaseRegistered], named: Mapping[str, str]
) -> tuple[list[Sighting], dict[str, str]]:
    """The cases as hotspot sightings (matched by dedup), and case id -> submission id.

    Each case is in its matter at the end: a matter dedup merged into another later (one
    problem's first letters worded apart) counts as that one, as told on matters.changes.
    """
    in_order = list(batch_verdicts(cases))
    verdicts = {v["case_id"]: v for v in in_order}
    matters = final_matters(in_order)
    result: list[Sighting] = []
    for case in cases:
        verdict = verdicts[case.case_id]
        region = named.get(case.submission_id, case.region_code)
        result.append(
            Sighting(
                case_id=case.case_id,
                received_at=case.received_at,
                region_code=region,
                city_code=_city(region),
                field=case.field,
                matter_id=matters[case.submission_id],
                petitioner_refs=tuple(
                    dict.fromkeys((case.petitioner_ref, *case.co_petitioner_refs))
                ),
                title=case.title,
                places=title_places(case.title),
                escalated=bool(verdict["collective"]),
            )
        )
    return result, {case.case_id: case.submission_id for case in cases}


def ranked_hotspots(
    petitions: Petitions, hmac_key: bytes, rules: HotspotRules
) -> tuple[list[dict[str, Any]], list[BadLine], int]:
    """The hotspots as JSON objects, hottest first; the bad lines; how many petitions."""
    cases, bad = registered_cases(petitions.lines, hmac_key)
    found, submissions = sightings(cases, petitions.regions)
    terms = TermIndex()
    for sighting in found:
        terms.add(sighting.title)
    hotspots = [described(h, terms, _place_name) for h in scan(found, rules)]
    ordered_bad = sorted([*petitions.bad, *bad], key=lambda b: b.line)
    return (
        [to_json(rank, h, submissions) for rank, h in enumerate(hotspots, start=1)],
        ordered_bad,
        len(cases),
    )


def _place_name(code: str) -> str:
    """The names from the city down ("长沙市长沙县"): the province goes without saying."""
    chain = regions.parent_chain(code)
    return "".join(region.name for region in reversed(chain[:-1])) or chain[-1].name


def to_json(rank: int, hotspot: Hotspot, submissions: Mapping[str, str]) -> dict[str, Any]:
    """One line of ``hotspots-batch``'s output."""
    group = hotspot.group
    return {
        "rank": rank,
        "heat": hotspot.heat,
        "kind": group.kind.value,
        "region_code": group.region_code,
        "place_or_group": (
            f"{_place_name(group.region_code)}{group.name}"
            if group.kind is GroupKind.PLACE
            else f"{_place_name(group.region_code)} matter {group.name}"
        ),
        "field": hotspot.field,
        # Both ends in China time, whatever offset each letter gave its time in.
        "time_range": {
            "from": hotspot.first_at.astimezone(BEIJING).isoformat(),
            "to": hotspot.last_at.astimezone(BEIJING).isoformat(),
        },
        "description": hotspot.description,
        "key_terms": list(hotspot.key_terms),
        "petitions": hotspot.petitions,
        "petitioners": hotspot.petitioners,
        "escalated": hotspot.escalated,
        "baseline_petitions": hotspot.baseline_petitions,
        "expected_petitions": round(hotspot.expected, 2),
        "growth": round(hotspot.growth, 2),
        "submission_ids": [submissions[s.case_id] for s in hotspot.members],
    }
