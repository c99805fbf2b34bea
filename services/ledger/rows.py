"""A ledger row as the service stores it: a head and bounded parts, every figure exact.

Why parts: a row keeps something of every case it counts (its revision, its petitioners,
its matter), so distinct petitioners and matters stay exact when a case leaves the row
again; about 225 bytes a case, and a province's month in one record would pass Kafka's
1 MB at about 4,500 cases. So a row is stored as

* a **head** (the row's key): the additive counts, the leadership package cases, and per
  part its number of distinct petitioners and matters and its key-matter candidates;
* ``PARTS`` **parts** (``<row>#<n>``): the revision marks of the cases, the case counts per
  petitioner and the matters' tallies, each in the part its case id, petitioner ref or
  matter id hashes to.

Each petitioner and each matter lives in one part, so the row's distinct petitioners and
matters are the sums of the parts' counts, and its key matters (the first ten of each
order) are the first ten of the parts' own first tens: exact. A case change reads and
writes the head and the few parts its case, petitioners and matter fall in, and a record
holds about 1/``PARTS`` of the row.

Chains: a part's record that reaches ``LINK_BYTES`` (as written) takes no new members; the
part grows a continuation link (``<row>#<n>.1``, ``.2``, ...; the first link keeps the key
``<row>#<n>`` parts always had) and the head counts each part's links. Each member lives in
exactly one link and is looked up in all of its part's links, so the sums and the key
matters (each link keeps its own candidates; the head per part the first tens of them)
stay exact and nothing is rehashed. Bounds: a link is below ``LINK_BYTES`` before its last
new members, so it holds at most ``LINK_BYTES`` plus one change's new members plus what its
members grow by later (a petitioner's count: digits; a matter: about 80 bytes per further
case of it in the row, the one growth not bounded here); the head holds per part two
counts, its link count and at most 3 x ``KEY_MATTERS`` candidates, about 75 KB, however
long the chains (its package cases apart).

Restart safety: the head and the parts are separate table entries, so a crash may keep the
changelog records of some of one message's writes and not of others. Every record carries
the offset (on the row-changes topic, whose partition holds all of the row) of the last
message applied to it, and a message is applied only to the records it has not reached;
the redelivery after a crash completes what the crash cut short and counts nothing twice.
The link a new member goes to is decided on the chain as read (``_link_for_new``), so the
redelivery decides the same. A case's revision mark (the revision and the offset of the
message that brought it) tells an earlier change of the case sent again (the case step
redelivered: skipped) from the same message coming again (completed).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from pydantic import Field

from schemas.base import Contract
from schemas.cases import AgencyLevel
from schemas.ledger import KEY_MATTERS, KeyMatter, LedgerSnapshot, PackageCase, PeriodKind
from services.ledger.ledger import (
    Count,
    MatterTally,
    RowKey,
    Tally,
    matters_with,
    open_matters,
    ranked,
    shift,
)
from services.ledger.messages import RowChange
from services.ledger.periods import parse_period

#: Parts per row. Fixed: a stored row's members are found by hashing into this many.
PARTS: Final = 16
#: Separates a row's key from a part's number in the table's keys.
PART_MARK: Final = "#"
#: Separates a part's number from its link's number in a continuation link's key.
LINK_MARK: Final = "."
#: A link takes new members while its record, as written, is smaller than this; then the
#: part's chain grows by a link. Far enough below Kafka's 1,000,000-byte record for the
#: growth a link's members still have after it is closed (see the module's doc).
LINK_BYTES: Final = 256 * 1024

#: A link of a part's chain: (part, link); link 0 is the part's first record.
LinkId = tuple[int, int]


def part_of(member: str) -> int:
    """The part a case id, petitioner ref or matter id lives in (stable across processes)."""
    return zlib.crc32(member.encode()) % PARTS


def part_key(row_key: str, part: int, link: int = 0) -> str:
    """The table key of a part's link; the first link keeps the key parts always had."""
    first = f"{row_key}{PART_MARK}{part}"
    return first if link == 0 else f"{first}{LINK_MARK}{link}"


class PartSummary(Contract):
    """What the head keeps of a part: its distinct counts and key-matter candidates."""

    petitioners: int = 0
    matters: int = 0
    #: The part's first KEY_MATTERS open matters of each order (their union).
    key_matters: list[KeyMatter] = Field(default_factory=list)
    #: The links of the part's chain (a head written before chains: one).
    links: int = 1


class RowHead(Contract):
    """The row's additive figures and its parts' summaries."""

    schema_version: int = 1
    region_code: str
    field: str
    period_kind: PeriodKind
    period_label: str
    period_start: datetime
    period_end: datetime
    counts: dict[Count, int] = Field(default_factory=dict)
    #: Leadership package cases of the row: case id -> owner (a few per row).
    packages: dict[str, str] = Field(default_factory=dict)
    parts: dict[int, PartSummary] = Field(default_factory=dict)
    #: The offset of the last row change applied to the head (-1: none yet).
    offset: int = -1

    @classmethod
    def empty(cls, key: RowKey) -> RowHead:
        return cls(
            region_code=key.region_code,
            field=key.field,
            period_kind=key.period.kind,
            period_label=key.period.label,
            period_start=key.period.start,
            period_end=key.period.end,
        )


class RevisionMark(Contract):
    """A case's latest revision applied to the row, and the offset of its message."""

    revision: int
    offset: int


class RowPart(Contract):
    """The members of a row that live in one link of a part's chain."""

    schema_version: int = 1
    revisions: dict[str, RevisionMark] = Field(default_factory=dict)
    #: Cases per petitioner ref (distinct petitioners: the keys).
    petitioners: dict[str, int] = Field(default_factory=dict)
    matters: dict[str, MatterTally] = Field(default_factory=dict)
    #: The offset of the last row change applied to the part (-1: none yet).
    offset: int = -1
    #: The link's own key-matter candidates (None: a part written before chains).
    key_matters: list[KeyMatter] | None = None

    def candidates(self) -> list[KeyMatter]:
        """The link's first KEY_MATTERS open matters of each order (their union)."""
        if self.key_matters is not None:
            return self.key_matters
        return _union(ranked(open_matters(self.matters), KEY_MATTERS))


def _union(candidates: dict[str, list[KeyMatter]]) -> list[KeyMatter]:
    union = {m.matter_id: m for listed in candidates.values() for m in listed}
    return sorted(union.values(), key=lambda m: m.matter_id)


@dataclass
class RowWrite:
    """What one row change writes: the head and the links it changed."""

    head: RowHead
    parts: dict[LinkId, RowPart] = field(default_factory=dict)


#: What a member is: a case (its revision mark), a petitioner ref or a matter id.
_CASE, _PETITIONER, _MATTER = "case", "petitioner", "matter"


def _holds(link: RowPart, kind: str, member: str) -> bool:
    if kind == _CASE:
        return member in link.revisions
    if kind == _PETITIONER:
        return member in link.petitioners
    return member in link.matters


def apply_change(
    head: RowHead | None,
    load_part: Callable[[int, int], RowPart | None],
    change: RowChange,
    offset: int,
    link_bytes: int = LINK_BYTES,
) -> RowWrite | None:
    """The records to write for ``change`` (read at ``offset``), or None when it is applied.

    ``load_part(part, link)`` reads a link of a part's chain. Applies the change to every
    record it touches that has not reached ``offset`` yet (see the module's doc), so the
    same message again completes a write a crash cut short.
    """
    current = head or RowHead.empty(
        RowKey(change.region_code, change.field, parse_period(change.period))
    )
    chains: dict[int, list[RowPart]] = {}

    def chain(number: int) -> list[RowPart]:
        if number not in chains:
            known = current.parts.get(number)
            links = [load_part(number, k) or RowPart() for k in range(known.links if known else 1)]
            # A link the head does not count yet: written before a crash cut the head's
            # write short; the chain reads it as the same message wrote it.
            while (extra := load_part(number, len(links))) is not None:
                links.append(extra)
            chains[number] = links
        return chains[number]

    def found(kind: str, member: str) -> LinkId | None:
        number = part_of(member)
        for k, link in enumerate(chain(number)):
            if _holds(link, kind, member):
                return number, k
        return None

    tallies = [(t, sign) for t, sign in ((change.old, -1), (change.new, +1)) if t is not None]
    members = [(_CASE, change.case_id)]
    for tally, _ in tallies:
        members += [(_PETITIONER, ref) for ref in tally.petitioner_refs]
        members.append((_MATTER, tally.matter_id))
    where = {m: found(*m) for m in members}
    case_at = where[(_CASE, change.case_id)]
    if case_at is not None:
        mark = chain(case_at[0])[case_at[1]].revisions[change.case_id]
        if mark.offset < offset and change.revision <= mark.revision:
            return None  # an earlier change of the case, sent again by the case step
    # One link per part takes the message's new members (a joint letter brings hundreds of
    # refs: its part's last link is sized once, not once per ref).
    targets: dict[int, LinkId] = {}
    for (kind, member), at in where.items():
        if at is None:
            number = part_of(member)
            if number not in targets:
                targets[number] = _link_for_new(chain(number), number, offset, link_bytes)
            where[(kind, member)] = targets[number]
    located = {m: at for m, at in where.items() if at is not None}
    touched = sorted(set(located.values()))
    fresh: dict[LinkId, RowPart] = {}
    for number, k in touched:
        links = chain(number)
        link = links[k] if k < len(links) else RowPart()
        if link.offset < offset:
            here = {m for m, at in located.items() if at == (number, k)}
            fresh[(number, k)] = _part_with(link, here, tallies, change, offset)
    head_fresh = current.offset < offset
    summaries = {**current.parts}
    matter_parts = {part_of(tally.matter_id) for tally, _ in tallies}
    for number in sorted({n for n, _ in touched}):
        links = list(chain(number))
        for (n, k), link in fresh.items():
            if n == number:
                links[k : k + 1] = [link]
        before = current.parts.get(number)
        candidates = (
            before.key_matters
            if before and number not in matter_parts
            else _union(ranked([m for link in links for m in link.candidates()], KEY_MATTERS))
        )
        summary = PartSummary(
            petitioners=sum(len(link.petitioners) for link in links),
            matters=sum(len(link.matters) for link in links),
            key_matters=candidates,
            links=len(links),
        )
        if summary == PartSummary():
            summaries.pop(number, None)
        else:
            summaries[number] = summary
    if not fresh and not head_fresh and summaries == current.parts:
        return None
    updated = current.model_copy(update={"parts": summaries})
    if head_fresh:
        updated = _head_with(updated, tallies, offset)
    return RowWrite(updated, fresh)


def _link_for_new(links: list[RowPart], number: int, offset: int, link_bytes: int) -> LinkId:
    """The link a member the part's chain lacks goes into: the last link while it is below
    ``link_bytes`` as written, else a new one.

    Decided on the chain as read, so the same message again decides the same, with one
    case apart: a last link that has reached ``offset`` without the member. Then this
    message (or a later one of its batch) wrote it and the member was not put there, or
    was put there and taken out again by a later message: a new link is right both ways
    (at worst an empty link, which counts nothing).
    """
    last = links[-1]
    if last.offset < offset and len(last.to_json_bytes()) < link_bytes:
        return number, len(links) - 1
    return number, len(links)


def _part_with(
    part: RowPart,
    here: set[tuple[str, str]],
    tallies: Iterable[tuple[Tally, int]],
    change: RowChange,
    offset: int,
) -> RowPart:
    petitioners, matters, revisions = part.petitioners, part.matters, part.revisions
    key_matters = part.key_matters
    for tally, sign in tallies:
        refs = [ref for ref in tally.petitioner_refs if (_PETITIONER, ref) in here]
        petitioners = shift(petitioners, refs, sign)
        if (_MATTER, tally.matter_id) in here:
            matters = matters_with(matters, tally, sign)
            key_matters = None  # ranked again below
    if (_CASE, change.case_id) in here:
        mark = RevisionMark(revision=change.revision, offset=offset)
        revisions = {**revisions, change.case_id: mark}
    if key_matters is None:
        key_matters = _union(ranked(open_matters(matters), KEY_MATTERS))
    return RowPart.model_construct(
        revisions=revisions,
        petitioners=petitioners,
        matters=matters,
        offset=offset,
        key_matters=key_matters,
    )


def _head_with(head: RowHead, tallies: Iterable[tuple[Tally, int]], offset: int) -> RowHead:
    counts = {c.value: n for c, n in head.counts.items()}
    packages = dict(head.packages)
    for tally, sign in tallies:
        counts = shift(counts, tally.counts, sign)
        if tally.package_owner is not None:
            if sign > 0:
                packages[tally.case_id] = tally.package_owner
            else:
                packages.pop(tally.case_id, None)
    return head.model_copy(
        update={
            "counts": {Count(c): n for c, n in counts.items()},
            "packages": packages,
            "offset": offset,
        }
    )


def snapshot_of(head: RowHead, level: AgencyLevel, now: datetime) -> LedgerSnapshot:
    """The row as published on ``ledger.snapshots``."""
    counts = {count.value: head.counts.get(count, 0) for count in Count}
    parts = head.parts.values()
    candidates = [matter for part in parts for matter in part.key_matters]
    return LedgerSnapshot(
        region_code=head.region_code,
        region_level=level,
        field=head.field,
        period_kind=head.period_kind,
        period=head.period_label,
        period_start=head.period_start,
        period_end=head.period_end,
        petitioners=sum(part.petitioners for part in parts),
        matters=sum(part.matters for part in parts),
        package_cases=[
            PackageCase(case_id=case_id, owner=owner)
            for case_id, owner in sorted(head.packages.items())
        ],
        updated_at=now,
        **counts,
        **{
            f"key_matters_{order}": matters
            for order, matters in ranked(candidates, KEY_MATTERS).items()
        },
    )
