"""The ledger service's three steps as pure functions: case, row and hotspot group.

1. A case event (verdict, update, escalation) changes the case's entry; every row whose
   figures change gets a :class:`RowChange` (old and new tally, the entry's revision), and
   a case's first verdict gives a :class:`GroupSighting` for each of its hotspot groups; a
   case moved to another matter (a merge or split on matters.changes) withdraws it from its
   old matter's group and joins it to the new one's.
2. A row applies a change once (by revision) and is republished as a snapshot (the row is
   stored in bounded parts: ``rows``).
3. A group keeps its recent petitions and, on each new one, asks ``hotspots.evaluate``;
   a surge is a hotspot, the same one (same id) while its surges follow within a window.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

from pydantic import Field, TypeAdapter

from schemas.base import Contract
from schemas.ledger import (
    MAX_MEMBERS,
    HotspotDetected,
    HotspotKind,
)
from services.common.refs import stored_ref
from services.ledger.hotspots import (
    Earlier,
    GroupKey,
    GroupKind,
    Hotspot,
    HotspotRules,
    Sighting,
    TermIndex,
    by_time,
    day_of,
    day_start,
    described,
    evaluate,
    groups_of,
)
from services.ledger.ledger import (
    CaseEntry,
    Casework,
    Rollup,
    RowKey,
    Tally,
    changes,
    matter_of,
)
from services.ledger.messages import GroupSighting, RowChange
from services.ledger.places import title_places


def case_step(
    before: CaseEntry | None, after: CaseEntry, rollup: Rollup, casework: Casework | None = None
) -> tuple[CaseEntry, list[RowChange]]:
    """The entry to store (revision raised when rows change) and the rows' changes."""
    moves = changes(before, after, rollup, casework)
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


def _entry_sighting(entry: CaseEntry, city_code: str, matter_id: str) -> Sighting | None:
    """The case's petition as its groups keep it, in matter ``matter_id``. As in
    ``hotspots-batch``, a collective petition counts as escalated: escalation's rules
    escalate every one, and the verdict is all this step waits for."""
    if entry.region_code is None or entry.field is None or entry.received_at is None:
        return None
    title = entry.title or ""
    return Sighting(
        case_id=entry.case_id,
        received_at=entry.received_at,
        region_code=entry.region_code,
        city_code=city_code,
        field=entry.field,
        matter_id=matter_id,
        petitioner_refs=tuple(entry.petitioner_refs),
        title=title,
        places=title_places(title),
        escalated=entry.collective,
    )


def case_event(
    before: CaseEntry | None,
    folded: CaseEntry,
    rollup: Rollup,
    city: Callable[[str], str],
    casework: Casework | None = None,
) -> tuple[CaseEntry, list[RowChange], list[GroupSighting]]:
    """:func:`case_step`, and the case's group sightings: in each of its groups at its first
    verdict (in the matter dedup moved it to, if that came first), and from its old matter's
    group to the new one's when a decided case moves (:func:`matter_moves`)."""
    after, moves = case_step(before, folded, rollup, casework)
    sightings: list[GroupSighting] = []
    if after.verdict is not None and after.region_code is not None:
        if before is None or before.verdict is None:
            matter_id = matter_of(after)
            first = _entry_sighting(after, city(after.region_code), matter_id or "")
            if first is not None and matter_id is not None:
                sightings = [
                    GroupSighting(
                        kind=key.kind, region_code=key.region_code, name=key.name, sighting=first
                    )
                    for key in groups_of(first)
                ]
        else:
            sightings = matter_moves(before, after, city(after.region_code))
    return after, moves, sightings


def matter_moves(before: CaseEntry, after: CaseEntry, city_code: str) -> list[GroupSighting]:
    """A decided case moved to another matter (``matter_of``): it leaves its old matter's
    hotspot group (a withdrawal) and joins the new one's; nothing when its matter is the same.
    Its place groups keep it (the place is the same)."""
    old, new = matter_of(before), matter_of(after)
    if before.verdict is None or after.verdict is None or old is None or new is None:
        return []
    if old == new:
        return []
    leaving = _entry_sighting(before, city_code, old)
    joining = _entry_sighting(after, city_code, new)
    if leaving is None or joining is None:
        return []
    return [
        GroupSighting(
            kind=GroupKind.MATTER,
            region_code=seen.region_code,
            name=seen.matter_id,
            sighting=seen,
            withdrawn=withdrawn or None,  # absent when joining
        )
        for seen, withdrawn in ((leaving, True), (joining, False))
    ]


def group_text(sighting: GroupSighting) -> str:
    return GroupKey(sighting.kind, sighting.region_code, sighting.name).text()


#: The group's newest petitions kept whole may take this much of its record: all of a
#: group's 30 + 180 days but in a mass campaign (~570 petitions of one person and a short
#: title at ~340 bytes, 8 of the largest valid kind, 600 co-petitioners and a 200-character
#: title at ~24 KB; one petition is at most ~80 KB: 601 refs of 128 characters).
WHOLE_BYTES: Final = 192 * 1024
#: The petitioners of older petitions named with their last time (``Earlier.people``):
#: ~50 bytes each for intake's 35-character refs, so ~1,300.
NAMED_BYTES: Final = 64 * 1024
#: The longest history a group keeps, in days (``HotspotRules``' largest window and
#: baseline), and what one day of ``Earlier.days`` takes at most: `"20454":[a,b,c],` with
#: counts below 10**12 (a day of 10**12 petitions is not a thing Kafka carries).
MAX_HISTORY_DAYS: Final = 365 + 3650
DAY_BYTES: Final = 8 + 3 * 12 + 4
#: The first episode case ids a group keeps, in bytes (~20 each for intake's case ids).
EPISODE_BYTES: Final = 16 * 1024
#: Everything else: ids of at most 64 characters however escaped, times, numbers, keys.
GROUP_FIXED_BYTES: Final = 2 * 1024
#: The most a group's record can take: ~480 KB for any valid rules (~300 KB with the
#: default 30 + 180 days), under half the 1,000,000 bytes a changelog record may have.
GROUP_MAX_BYTES: Final = (
    GROUP_FIXED_BYTES + WHOLE_BYTES + NAMED_BYTES + DAY_BYTES * (MAX_HISTORY_DAYS + 2)
    + EPISODE_BYTES
)  # fmt: skip


class GroupState(Contract):
    """A hotspot group's recent petitions and its current hotspot, if any.

    Bounded (``GROUP_MAX_BYTES``) however many petitions a place draws: the newest are
    kept whole within ``WHOLE_BYTES``, the older ones of its history as day counts and
    named petitioners (``Earlier``). A record of schema version 1 held every petition
    whole; it is read as it is and bounded by the group's next petition.
    """

    schema_version: int = 2
    #: The newest petitions, whole (oldest first since version 2).
    sightings: list[Sighting] = Field(default_factory=list)
    earlier: Earlier = Field(default_factory=Earlier)
    hotspot_id: str | None = None
    first_case_id: str | None = None
    #: When the current hotspot's first petition was received (None before version 2).
    first_at: datetime | None = None
    last_surge_at: datetime | None = None
    episode_case_ids: list[str] = Field(default_factory=list)


_WHOLE: Final = TypeAdapter(list[Sighting])


def bounded_history(
    history: list[Sighting], earlier: Earlier, horizon: datetime
) -> tuple[list[Sighting], Earlier]:
    """The petitions after ``horizon``: the newest whole within ``WHOLE_BYTES``, the rest
    added to ``earlier`` (its petitioners within ``NAMED_BYTES``), older days dropped."""
    ordered = sorted((s for s in history if s.received_at > horizon), key=by_time)
    # Measured as written (one call for the list; a campaign's steady state then lets go
    # of one or two of its oldest per petition).
    size = len(_WHOLE.dump_json(ordered))
    keep = 0
    while size > WHOLE_BYTES:
        size -= len(ordered[keep].model_dump_json()) + 1
        keep += 1
    days = {d: c for d, c in earlier.days.items() if day_start(d + 1) > horizon}
    since = horizon.timestamp()
    people = {ref: seen for ref, seen in earlier.people.items() if seen > since}
    for held in ordered[:keep]:
        petitions, escalated, let_go = days.get(day_of(held.received_at), (0, 0, 0))
        days[day_of(held.received_at)] = (petitions + 1, escalated + held.escalated, let_go)
        seen = int(held.received_at.timestamp())
        for ref in map(stored_ref, held.petitioner_refs):
            people[ref] = max(seen, people.get(ref, seen))
    named = 2 + sum(len(ref) + len(str(seen)) + 4 for ref, seen in people.items())
    if named > NAMED_BYTES:
        # The least recently seen go first: their day keeps counting them.
        for ref in sorted(people, key=lambda r: (people[r], r)):
            seen = people.pop(ref)
            named -= len(ref) + len(str(seen)) + 4
            day = day_of(datetime.fromtimestamp(seen, UTC))
            petitions, escalated, let_go = days.get(day, (0, 0, 0))
            days[day] = (petitions, escalated, let_go + 1)
            if named <= NAMED_BYTES:
                break
    return ordered[keep:], Earlier(days=days, people=people)


def first_episode_ids(case_ids: list[str]) -> list[str]:
    """The first of ``case_ids`` that fit ``EPISODE_BYTES`` (at most ``MAX_MEMBERS``)."""
    size = 0
    for count, case_id in enumerate(case_ids[:MAX_MEMBERS]):
        size += len(json.dumps(case_id)) + 1
        if size > EPISODE_BYTES:
            return case_ids[:count]
    return case_ids[:MAX_MEMBERS]


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
    A withdrawal (``seen.withdrawn``: the case moved to another matter) takes the petition
    out of those held whole and detects nothing; one the group does not hold (gone to its
    day counts, or withdrawn already) changes nothing.
    """
    current = state or GroupState()
    sighting = seen.sighting
    if seen.withdrawn:
        held = [s for s in current.sightings if s.case_id != sighting.case_id]
        if len(held) == len(current.sightings):
            return current, None
        episode = [c for c in current.episode_case_ids if c != sighting.case_id]
        return current.model_copy(update={"sightings": held, "episode_case_ids": episode}), None
    if any(s.case_id == sighting.case_id for s in current.sightings):
        return current, None
    # Petitions of one group come from every case partition, so not in order of receipt:
    # the group is judged at its latest petition, which a late-arriving earlier one joins.
    latest = max([sighting.received_at, *(s.received_at for s in current.sightings)])
    horizon = latest - rules.window - rules.baseline
    history, earlier = bounded_history(
        [*current.sightings, sighting], current.earlier, horizon
    )
    group = GroupKey(seen.kind, seen.region_code, seen.name)
    surge = evaluate(group, history, latest, rules, observed_from, earlier)
    if surge is None:
        return current.model_copy(update={"sightings": history, "earlier": earlier}), None
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
    # In a mass campaign the oldest petitions are only counted: the episode's figures are
    # then at least its latest window's, which are exact (Earlier's notes).
    first_at = min(s.received_at for s in episode_members)
    if surge.petitions > len(surge.members):
        window_days = [day_start(d) for d in earlier.days if day_start(d) > surge.at - rules.window]
        first_at = min([first_at, *window_days])
    if continuing and current.first_at is not None:
        first_at = min(first_at, current.first_at)
    hotspot = Hotspot(
        group=group, heat=surge.heat,
        first_at=first_at,
        last_at=max(s.received_at for s in episode_members),
        members=episode_members,
        petitions=max(len(episode), surge.petitions),
        petitioners=max(
            len({r for s in episode_members for r in s.petitioner_refs}), surge.petitioners
        ),
        escalated=max(sum(1 for s in episode_members if s.escalated), surge.escalated),
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
        petitions=hotspot.petitions,
        petitioners=hotspot.petitioners,
        escalated=hotspot.escalated,
        baseline_petitions=hotspot.baseline_petitions,
        expected_petitions=round(hotspot.expected, 3),
        growth=round(hotspot.growth, 3),
        case_ids=first_episode_ids(episode),
        detected_at=now,
    )
    updated = current.model_copy(
        update={
            "sightings": history,
            "earlier": earlier,
            "hotspot_id": identifier,
            "first_case_id": first,
            "first_at": first_at,
            "last_surge_at": surge.at,
            "episode_case_ids": first_episode_ids(episode),
        }
    )
    return updated, detected
