"""The ledger service's three steps as pure functions: case, row and hotspot group.

1. A case event (verdict, update, escalation) changes the case's entry; every row whose
   figures change gets a :class:`RowChange` (old and new tally, the entry's revision), and
   a case's first verdict gives a :class:`GroupSighting` for each of its hotspot groups.
2. A row applies a change once (by revision) and is republished as a snapshot (the row is
   stored in bounded parts: ``rows``).
3. A group keeps its recent petitions and, on each new one, asks ``hotspots.evaluate``;
   a surge is a hotspot, the same one (same id) while its surges follow within a window.
"""

from __future__ import annotations

import base64
import hashlib
from collections import defaultdict
from datetime import datetime
from typing import Final

from pydantic import Field

from schemas.base import Contract
from schemas.cases import CaseDeduplicated
from schemas.ledger import (
    MAX_MEMBERS,
    HotspotDetected,
    HotspotKind,
)
from services.ledger.hotspots import (
    GroupKey,
    Hotspot,
    HotspotRules,
    Sighting,
    TermIndex,
    described,
    evaluate,
    groups_of,
)
from services.ledger.ledger import (
    CaseEntry,
    Rollup,
    RowKey,
    Tally,
    changes,
)
from services.ledger.messages import GroupSighting, RowChange
from services.ledger.places import title_places


def case_step(
    before: CaseEntry | None, after: CaseEntry, rollup: Rollup
) -> tuple[CaseEntry, list[RowChange]]:
    """The entry to store (revision raised when rows change) and the rows' changes."""
    moves = changes(before, after, rollup)
    if not moves:
        return after.model_copy(update={"revision": before.revision if before else 0}), []
    revision = (before.revision if before else 0) + 1
    by_row: dict[RowKey, dict[int, Tally]] = defaultdict(dict)
    for move in moves:
        by_row[move.key][move.sign] = move.tally
    messages = [
        RowChange(
            region_code=key.region_code,
            field=key.field,
            period_kind=key.period.kind,
            period=key.period.label,
            case_id=after.case_id,
            revision=revision,
            old=tallies.get(-1),
            new=tallies.get(+1),
        )
        for key, tallies in by_row.items()
    ]
    return after.model_copy(update={"revision": revision}), messages


def row_text(change: RowChange) -> str:
    return f"{change.region_code}/{change.field}/{change.period}"


def sightings_of(verdict: CaseDeduplicated, city_code: str) -> list[GroupSighting]:
    """A case's petition in each of its hotspot groups.

    As in ``hotspots-batch``, a collective petition counts as escalated: escalation's rules
    escalate every one, and the verdict is all this step waits for.
    """
    case = verdict.case
    sighting = Sighting(
        case_id=verdict.case_id,
        received_at=case.received_at,
        region_code=case.region_code,
        city_code=city_code,
        field=case.field,
        matter_id=verdict.matter_id,
        petitioner_refs=tuple(dict.fromkeys((case.petitioner_ref, *case.co_petitioner_refs))),
        title=case.title,
        places=title_places(case.title),
        escalated=verdict.collective,
    )
    return [
        GroupSighting(kind=key.kind, region_code=key.region_code, name=key.name, sighting=sighting)
        for key in groups_of(sighting)
    ]


def group_text(sighting: GroupSighting) -> str:
    return GroupKey(sighting.kind, sighting.region_code, sighting.name).text()


class GroupState(Contract):
    """A hotspot group's recent petitions and its current hotspot, if any."""

    schema_version: int = 1
    sightings: list[Sighting] = Field(default_factory=list)
    hotspot_id: str | None = None
    first_case_id: str | None = None
    last_surge_at: datetime | None = None
    episode_case_ids: list[str] = Field(default_factory=list)


#: A hotspot id: the group and the first case of its episode (a redelivery finds it again).
HOTSPOT_ID_PREFIX: Final = "HS-"


def hotspot_id(group: str, first_case_id: str) -> str:
    digest = hashlib.sha256(f"{group}|{first_case_id}".encode()).digest()
    return HOTSPOT_ID_PREFIX + base64.b32encode(digest).decode()[:12]


def group_step(
    state: GroupState | None,
    seen: GroupSighting,
    rules: HotspotRules,
    observed_from: datetime,
    place_name: str,
    now: datetime,
) -> tuple[GroupState, HotspotDetected | None]:
    """The group with one more petition, and the hotspot it makes (new or grown), if any.

    A petition the group holds already (a redelivery) changes nothing and detects nothing.
    """
    current = state or GroupState()
    sighting = seen.sighting
    if any(s.case_id == sighting.case_id for s in current.sightings):
        return current, None
    # Petitions of one group come from every case partition, so not in order of receipt:
    # the group is judged at its latest petition, which a late-arriving earlier one joins.
    latest = max([sighting.received_at, *(s.received_at for s in current.sightings)])
    horizon = latest - rules.window - rules.baseline
    history = [s for s in current.sightings if s.received_at > horizon] + [sighting]
    group = GroupKey(seen.kind, seen.region_code, seen.name)
    surge = evaluate(group, history, latest, rules, observed_from)
    if surge is None:
        return current.model_copy(update={"sightings": history}), None
    continuing = (
        current.last_surge_at is not None
        and surge.at - current.last_surge_at <= rules.window
        and current.hotspot_id is not None
    )
    members = [s.case_id for s in surge.members]
    if continuing and current.first_case_id is not None:
        first = current.first_case_id
        episode = list(dict.fromkeys([*current.episode_case_ids, *members]))
    else:
        first, episode = members[0], members
    identifier = hotspot_id(group.text(), first)
    by_id = {s.case_id: s for s in history}
    episode_members = tuple(by_id[c] for c in episode if c in by_id) or surge.members
    hotspot = Hotspot(
        group=group, heat=surge.heat,
        first_at=min(s.received_at for s in episode_members),
        last_at=max(s.received_at for s in episode_members),
        members=episode_members,
        petitioners=len({r for s in episode_members for r in s.petitioner_refs}),
        escalated=sum(1 for s in episode_members if s.escalated),
        baseline_petitions=surge.baseline_petitions, expected=surge.expected,
        growth=surge.growth,
    )  # fmt: skip
    terms = TermIndex()
    for s in history:
        terms.add(s.title)
    hotspot = described(hotspot, terms, lambda _code: place_name)
    detected = HotspotDetected(
        hotspot_id=identifier,
        kind=HotspotKind(group.kind.value),
        region_code=group.region_code,
        group=group.name,
        field=hotspot.field,
        heat=hotspot.heat,
        first_at=hotspot.first_at,
        last_at=hotspot.last_at,
        description=hotspot.description,
        key_terms=list(hotspot.key_terms),
        petitions=len(episode),
        petitioners=hotspot.petitioners,
        escalated=hotspot.escalated,
        baseline_petitions=hotspot.baseline_petitions,
        expected_petitions=round(hotspot.expected, 3),
        growth=round(hotspot.growth, 3),
        case_ids=episode[:MAX_MEMBERS],
        detected_at=now,
    )
    updated = current.model_copy(
        update={
            "sightings": history,
            "hotspot_id": identifier,
            "first_case_id": first,
            "last_surge_at": surge.at,
            "episode_case_ids": episode[:MAX_MEMBERS],
        }
    )
    return updated, detected
