"""A ledger row as the service stores it: a head and bounded links, every figure exact.

Why parts: a row keeps something of every case it counts (its revision, its petitioners,
its matter), so distinct petitioners and matters stay exact when a case leaves the row
again; about 225 bytes a case, and a province's month in one record would pass Kafka's
1 MB at about 4,500 cases. So a row is stored as

* a **head** (the row's key): the additive counts and per part its number of distinct
  petitioners and matters, its key-matter candidates and its first package cases;
* ``PARTS`` **parts** (``<row>#<n>``), each a chain of **links**: the *members* of the row
  that hash to the part. A member is a case's revision mark, a package case or a
  petitioner (by the case id or ref), or, by the matter id, a matter's petitions and
  repeats, one of its people or one of its open cases.

Each member lives in exactly one link of its part's chain and is looked up in all of them;
a matter's people and open cases live in its part, in the link of the matter itself or,
when that one is full, spilled into later links (``RowPart.spilled``). So the row's
distinct petitioners and matters are sums, a matter's figures are the sums (and the
earliest open case) of its entries in its part, and the key matters (the first ten of each
order) are the first ten of the links' own first tens: exact, nothing ever rehashed.

Bounds, proven rather than measured. Every id the ledger stores (case id, matter id,
petitioner ref, package owner) has at most ``MAX_ID_CHARS`` characters (the case step
refuses longer ones), so at most ``ID_BYTES`` as JSON. A member's *size* is what it takes
as written with every count at its widest (20 digits) and every time at its longest, so
it never grows after it is placed. A link takes new members one at a time while the sum
of its members' sizes is below ``LINK_BYTES``; then its part grows a link (``<row>#<n>.1``,
``.2``, ...; the head counts them). A link's record is therefore at most ``LINK_BYTES``
plus one member (``MEMBER_MAX_BYTES``: a new spilled matter entry with its first person)
plus its fixed fields and its 30 key-matter candidates: ``LINK_MAX_BYTES``, 280,632 bytes,
whatever the input: a matter of a million cases, a joint letter of 601 people (its
members fill links one by one), counts of any size. The head holds per part two counts,
its link count, at most 3 x ``KEY_MATTERS`` candidates and ``PACKAGES_LISTED`` package
cases: at most ``HEAD_MAX_BYTES`` (531,216 bytes with every id at its longest and
escaped; about 45 KB with intake's ids; a head written before package cases were members
of the parts keeps its list until those cases leave), and a snapshot at most
``KEY_MATTERS`` matters of each order and ``PACKAGES_LISTED`` package cases (the count of
package cases stays exact).

Cost: a change looks its members up in the links of their parts (dict look-ups), changes
the links it touches in place, keeps their sizes by adding and taking out its members'
sizes, and re-ranks a link's or part's key matters only when a matter among their first
tens falls back (otherwise the changed matters are ranked against the first tens alone),
so a change on a row of 200,000 cases costs about what it costs on a row of 2,000
(``bench.ledger_rows``). What still grows with the row is reading it: the service reads
every link of each part a batch touches, once per batch.

Restart safety: the head and the links are separate table entries, so a crash may keep the
changelog records of some of one message's writes and not of others. Every record carries
the offset (on the row-changes topic, whose partition holds all of the row) of the last
message applied to it, and a message is applied only to the records it has not reached;
the redelivery after a crash completes what the crash cut short and counts nothing twice.
The link a new member goes to is decided on the chain as read (``_Chains.place``), so a
member is never placed twice. A case's revision mark (the revision and the offset of the
message that brought it) tells an earlier change of the case sent again (the case step
redelivered: skipped) from the same message coming again (completed).
"""

from __future__ import annotations

import heapq
import json
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from pydantic import Field, PrivateAttr

from schemas.base import Contract
from schemas.cases import AgencyLevel
from schemas.ledger import KEY_MATTERS, KeyMatter, LedgerSnapshot, PackageCase, PeriodKind
from services.ledger.ledger import (
    KEY_MATTER_ORDERS,
    MAX_ID_CHARS,
    Count,
    MatterTally,
    RowKey,
    Tally,
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
#: A link takes new members while the sizes of its members add up to less than this; then
#: the part's chain grows by a link. A quarter of Kafka's 1,000,000-byte record: a link is
#: read whole for any change of one of its members.
LINK_BYTES: Final = 256 * 1024
#: The package cases (包案) the head keeps per part and a snapshot lists, the first by case
#: id (``leadership_package`` counts them all).
PACKAGES_LISTED: Final = 20

#: An id as JSON at most: its quotes and each character escaped (``\\u001f``).
ID_BYTES: Final = 2 + 6 * MAX_ID_CHARS
#: A count as written at its widest (a 64-bit integer with its sign), and a time (with
#: microseconds and its offset, quoted).
_COUNT_BYTES: Final = 20
_TIME_BYTES: Final = len('"2026-11-01T08:00:00.123456+08:00"')
#: What a member takes besides its id, as an entry of its JSON object (`"id":...,`).
_CASE_BYTES: Final = len(':{"revision":,"offset":},') + 2 * _COUNT_BYTES
_COUNTED_BYTES: Final = len(":,") + _COUNT_BYTES
_OPEN_BYTES: Final = len(":,") + _TIME_BYTES
_ENTRY_BYTES: Final = len(':{"petitions":,"repeats":,"people":{},"open_cases":{}},') + 2 * (
    _COUNT_BYTES
)
#: The largest member with what it brings: a matter's entry new in a link with its first
#: person (a package case, its id and its owner's, is smaller).
MEMBER_MAX_BYTES: Final = 2 * ID_BYTES + _ENTRY_BYTES + _COUNTED_BYTES
#: One key-matter candidate as written at its widest, and a link's or a part's candidates
#: (the union of three first tens).
KEY_MATTER_BYTES: Final = (
    ID_BYTES + 4 * _COUNT_BYTES + _TIME_BYTES
    + len('{"matter_id":,"petitions":,"repeats":,"petitioners":,"open_cases":,"open_since":},')
)  # fmt: skip
CANDIDATES_BYTES: Final = 3 * KEY_MATTERS * KEY_MATTER_BYTES

#: A link of a part's chain: (part, link); link 0 is the part's first record.
LinkId = tuple[int, int]


def part_of(member: str) -> int:
    """The part a case id, petitioner ref or matter id lives in (stable across processes)."""
    return zlib.crc32(member.encode()) % PARTS


def part_key(row_key: str, part: int, link: int = 0) -> str:
    """The table key of a part's link; the first link keeps the key parts always had."""
    first = f"{row_key}{PART_MARK}{part}"
    return first if link == 0 else f"{first}{LINK_MARK}{link}"


def _text_bytes(text: str) -> int:
    """``text`` as JSON, in bytes (the common plain ASCII id without encoding it)."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return len(text) + 2
    return len(json.dumps(text, ensure_ascii=False).encode())


class PartSummary(Contract):
    """What the head keeps of a part: its distinct counts, key-matter candidates and first
    package cases."""

    petitioners: int = 0
    matters: int = 0
    #: The part's first KEY_MATTERS open matters of each order (their union).
    key_matters: list[KeyMatter] = Field(default_factory=list)
    #: The links of the part's chain (a head written before chains: one).
    links: int = 1
    #: The part's first PACKAGES_LISTED package cases by case id: case id -> owner.
    packages: dict[str, str] = Field(default_factory=dict)


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
    #: Package cases of a head written before they were members of the parts (case id ->
    #: owner): they leave as their cases do, and new ones go to the parts.
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
    #: The matters that live in this link: their petitions and repeats, and the people and
    #: open cases of theirs placed here.
    matters: dict[str, MatterTally] = Field(default_factory=dict)
    #: The offset of the last row change applied to the part (-1: none yet).
    offset: int = -1
    #: The link's own key-matter candidates, of the matters living here (None: a part
    #: written before chains).
    key_matters: list[KeyMatter] | None = None
    #: People and open cases of matters living in an earlier link that was full (their
    #: petitions and repeats stay 0 here).
    spilled: dict[str, MatterTally] = Field(default_factory=dict)
    #: Package cases (包案) whose case id hashes to the part: case id -> owner.
    packages: dict[str, str] = Field(default_factory=dict)
    #: The sizes of the link's members (module doc), kept as members come and go.
    _size: int | None = PrivateAttr(default=None)

    def size(self) -> int:
        """The sum of the link's members' sizes (what decides whether it takes more)."""
        if self._size is None:
            self._size = (
                sum(_text_bytes(c) + _CASE_BYTES for c in self.revisions)
                + sum(_text_bytes(r) + _COUNTED_BYTES for r in self.petitioners)
                + sum(_entry_size(m, t) for m, t in self.matters.items())
                + sum(_entry_size(m, t) for m, t in self.spilled.items())
                + sum(_text_bytes(c) + _text_bytes(o) + 2 for c, o in self.packages.items())
            )
        return self._size


def _entry_size(matter_id: str, tally: MatterTally) -> int:
    return (
        _text_bytes(matter_id) + _ENTRY_BYTES
        + sum(_text_bytes(r) + _COUNTED_BYTES for r in tally.people)
        + sum(_text_bytes(c) + _OPEN_BYTES for c in tally.open_cases)
    )  # fmt: skip


#: A link's record besides its members and candidates, at its widest.
LINK_FIXED_BYTES: Final = len(RowPart(offset=-(2**63), key_matters=[]).to_json_bytes())
#: The most a link's record takes, whatever the input (module doc): about 270 KB.
LINK_MAX_BYTES: Final = LINK_BYTES + MEMBER_MAX_BYTES + LINK_FIXED_BYTES + CANDIDATES_BYTES
#: The most a head takes: per part its summary at its widest, plus the row's fixed fields.
HEAD_MAX_BYTES: Final = 2_048 + PARTS * (
    len('"15":{"petitioners":,"matters":,"key_matters":[],"links":,"packages":{}},')
    + 3 * _COUNT_BYTES + CANDIDATES_BYTES + PACKAGES_LISTED * (2 * ID_BYTES + 2)
)  # fmt: skip


@dataclass
class RowWrite:
    """What one row change writes: the head and the links it changed."""

    head: RowHead
    parts: dict[LinkId, RowPart] = field(default_factory=dict)


#: What a member is (the first of its triple; then its matter id or "", then its id).
_CASE, _PETITIONER, _PACKAGE = "case", "petitioner", "package"
_MATTER, _PERSON, _OPEN = "matter", "person", "open"
Member = tuple[str, str, str]


def _part_of_member(member: Member) -> int:
    _, matter_id, key = member
    return part_of(matter_id or key)


def _holds(link: RowPart, member: Member) -> bool:
    kind, matter_id, key = member
    if kind == _CASE:
        return key in link.revisions
    if kind == _PETITIONER:
        return key in link.petitioners
    if kind == _PACKAGE:
        return key in link.packages
    if kind == _MATTER:
        return matter_id in link.matters
    entries = (link.matters.get(matter_id), link.spilled.get(matter_id))
    if kind == _PERSON:
        return any(e is not None and key in e.people for e in entries)
    return any(e is not None and key in e.open_cases for e in entries)


def _member_size(member: Member, owner: str | None) -> int:
    kind, matter_id, key = member
    if kind == _CASE:
        return _text_bytes(key) + _CASE_BYTES
    if kind == _PACKAGE:
        return _text_bytes(key) + _text_bytes(owner or "") + 2
    if kind == _MATTER:
        return _text_bytes(matter_id) + _ENTRY_BYTES
    if kind == _OPEN:
        return _text_bytes(key) + _OPEN_BYTES
    return _text_bytes(key) + _COUNTED_BYTES


def _members_of(change: RowChange, tally: Tally) -> list[Member]:
    matter_id = tally.matter_id
    refs = list(dict.fromkeys(tally.petitioner_refs))
    members: list[Member] = [(_PETITIONER, "", ref) for ref in refs]
    members.append((_MATTER, matter_id, ""))
    members += [(_PERSON, matter_id, ref) for ref in refs]
    if Count.BACKLOG in tally.counts:
        members.append((_OPEN, matter_id, tally.case_id))
    if tally.package_owner is not None:
        members.append((_PACKAGE, "", change.case_id))
    return members


class _Chains:
    """The chains of a row's parts as one change reads them, and where its new members go.

    A new member goes to the part's last link while that link has not reached the change's
    offset and its members' sizes (with those placed before it) are below ``link_bytes``;
    otherwise to a new link. Decided on the chain as read, so the same message again
    decides the same, with one case apart: a last link that has reached the offset without
    the member. Then this message (or a later one of its batch) wrote it and the member
    was not put there, or was put there and taken out again by a later message: a new link
    is right both ways (at worst an empty link, which counts nothing).
    """

    def __init__(
        self, head: RowHead, load_part: Callable[[int, int], RowPart | None], offset: int,
        link_bytes: int,
    ) -> None:  # fmt: skip
        self._head, self._load, self._offset, self._link_bytes = head, load_part, offset, link_bytes
        self.links: dict[int, list[RowPart]] = {}
        self._placed: dict[LinkId, int] = {}
        #: The links with an entry of a matter, as read (the change finds before it places).
        self._with_entries: dict[str, list[int]] = {}
        #: The matters with an entry in a link by this change's placements.
        self._entries: set[tuple[LinkId, str]] = set()

    def chain(self, number: int) -> list[RowPart]:
        if number not in self.links:
            known = self._head.parts.get(number)
            count = known.links if known else 1
            links = [self._load(number, k) or RowPart() for k in range(count)]
            # A link the head does not count yet: written before a crash cut the head's
            # write short; the chain reads it as the same message wrote it.
            while (extra := self._load(number, len(links))) is not None:
                links.append(extra)
            self.links[number] = links
        return self.links[number]

    def find(self, member: Member) -> LinkId | None:
        number = _part_of_member(member)
        chain = self.chain(number)
        kind, matter_id, _ = member
        if kind in (_PERSON, _OPEN):
            # Only a link with an entry of the matter can hold its people and open cases.
            if matter_id not in self._with_entries:
                self._with_entries[matter_id] = [
                    k for k, link in enumerate(chain)
                    if matter_id in link.matters or matter_id in link.spilled
                ]  # fmt: skip
            links: Iterable[int] = self._with_entries[matter_id]
        else:
            links = range(len(chain))
        for k in links:
            if _holds(chain[k], member):
                return number, k
        return None

    def place(self, member: Member, size: int) -> LinkId:
        number = _part_of_member(member)
        links = self.chain(number)
        last = len(links) - 1
        taken = links[last].size() + self._placed.get((number, last), 0)
        if links[last].offset >= self._offset or taken >= self._link_bytes:
            links.append(RowPart())
            last += 1
        at = (number, last)
        kind, matter_id, _ = member
        # The first person or open case of a matter in a link brings the matter's entry.
        if (
            kind in (_PERSON, _OPEN)
            and (at, matter_id) not in self._entries
            and matter_id not in links[last].matters
            and matter_id not in links[last].spilled
        ):
            size += _text_bytes(matter_id) + _ENTRY_BYTES
        if matter_id:
            self._entries.add((at, matter_id))
        self._placed[at] = self._placed.get(at, 0) + size
        return at


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
    same message again completes a write a crash cut short. The links it writes are the
    ones read, changed in place (their dicts are not copied: a link is large), so a
    caller keeps no other use of a link it passed in once it has a write.
    """
    current = head or RowHead.empty(
        RowKey(change.region_code, change.field, parse_period(change.period))
    )
    chains = _Chains(current, load_part, offset, link_bytes)
    tallies = [(t, sign) for t, sign in ((change.old, -1), (change.new, +1)) if t is not None]
    case_member: Member = (_CASE, "", change.case_id)
    case_at = chains.find(case_member)
    if case_at is not None:
        mark = chains.chain(case_at[0])[case_at[1]].revisions[change.case_id]
        if mark.offset < offset and change.revision <= mark.revision:
            return None  # an earlier change of the case, sent again by the case step
    entering = _members_of(change, change.new) if change.new is not None else []
    leaving = _members_of(change, change.old) if change.old is not None else []
    owner = change.new.package_owner if change.new is not None else None
    where: dict[Member, LinkId] = {}
    new = {case_member, *entering}
    for member in dict.fromkeys([case_member, *leaving, *entering]):
        at = case_at if member == case_member else chains.find(member)
        if at is None and member in new:
            at = chains.place(member, _member_size(member, owner))
        if at is not None:  # a member leaving that the row lacks is no change
            where[member] = at
    by_link: dict[LinkId, set[Member]] = {}
    for member, at in where.items():
        by_link.setdefault(at, set()).add(member)
    matter_ids = {tally.matter_id for tally, _ in tallies}
    homes = {m: where[(_MATTER, m, "")] for m in matter_ids if (_MATTER, m, "") in where}
    fresh: dict[LinkId, RowPart] = {}
    for (number, k), here in sorted(by_link.items()):
        links = chains.chain(number)
        if links[k].offset < offset:
            links[k] = fresh[(number, k)] = _link_with(links[k], here, tallies, change, offset)
    # A link's candidates once all of the change's links are changed: a matter's figures
    # are over its entries in every link of its part.
    for (number, k), link in fresh.items():
        mine = {m for m, home in homes.items() if home == (number, k)}
        if mine or link.key_matters is None:
            chain = chains.chain(number)
            candidates = _link_candidates(link, chain, mine)
            chain[k] = fresh[(number, k)] = link.model_copy(update={"key_matters": candidates})
    head_fresh = current.offset < offset
    summaries = {**current.parts}
    touched = {n for n, _ in by_link}
    if head_fresh:
        # A crash may have kept a link's write and lost the head's: the change's members
        # are then found where they now are (a matter left behind in another part, say),
        # and every part they belong to is summed again, not only the parts they are in.
        touched |= {_part_of_member(m) for m in (case_member, *leaving, *entering)}
    for number in sorted(touched):
        summary = _summary(
            current.parts.get(number), chains.chain(number), number, matter_ids,
            changed_package=any(m[0] == _PACKAGE and at[0] == number for m, at in where.items()),
        )  # fmt: skip
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


def _count(counter: dict[str, int], key: str, sign: int) -> None:
    n = counter.get(key, 0) + sign
    if n > 0:
        counter[key] = n
    else:
        counter.pop(key, None)


def _footprint(link: RowPart, here: set[Member], matter_ids: Iterable[str]) -> int:
    """The sizes of ``here``'s members and of ``matter_ids``' entries present in ``link``."""
    size = sum(_member_size(m, link.packages.get(m[2])) for m in here
               if m[0] != _MATTER and _holds(link, m))  # fmt: skip
    for matter_id in matter_ids:
        for entries in (link.matters, link.spilled):
            if matter_id in entries:
                size += _text_bytes(matter_id) + _ENTRY_BYTES
    return size


def _link_with(
    link: RowPart,
    here: set[Member],
    tallies: Iterable[tuple[Tally, int]],
    change: RowChange,
    offset: int,
) -> RowPart:
    """``link`` with the change's members ``here`` applied, changed in place."""
    matter_ids = {m[1] for m in here if m[1]}
    size = link.size() - _footprint(link, here, matter_ids)
    for tally, sign in tallies:
        refs = list(dict.fromkeys(tally.petitioner_refs))
        for ref in refs:
            if (_PETITIONER, "", ref) in here:
                _count(link.petitioners, ref, sign)
        if (_PACKAGE, "", change.case_id) in here and tally.package_owner is not None:
            if sign > 0:
                link.packages[change.case_id] = tally.package_owner
            else:
                link.packages.pop(change.case_id, None)
        _apply_matter(link, here, tally, refs, sign)
    if (_CASE, "", change.case_id) in here:
        link.revisions[change.case_id] = RevisionMark.model_construct(
            revision=change.revision, offset=offset
        )
    updated = link.model_copy(update={"offset": offset})
    updated._size = size + _footprint(link, here, matter_ids)
    return updated


def _apply_matter(
    link: RowPart, here: set[Member], tally: Tally, refs: list[str], sign: int
) -> None:
    """A tally's matter members ``here`` applied to ``link`` (in place)."""
    matter_id = tally.matter_id
    home = link.matters.get(matter_id)
    if (_MATTER, matter_id, "") in here:
        repeat = sign if Count.REPEAT in tally.counts else 0
        home = (home or MatterTally()).with_counts(
            (home.petitions if home else 0) + sign, (home.repeats if home else 0) + repeat
        )
        link.matters[matter_id] = home
    # A person or open case the link lacks goes to the matter's entry when the matter
    # lives here, else to its spilled entry here.
    new_holder = home if (_MATTER, matter_id, "") in here else None
    spill = link.spilled.get(matter_id)
    for kind, key in [(_PERSON, ref) for ref in refs] + [(_OPEN, tally.case_id)]:
        if (kind, matter_id, key) not in here or (
            kind == _OPEN and Count.BACKLOG not in tally.counts
        ):
            continue
        entries = [e for e in (home, spill) if e is not None]
        found = [e for e in entries if key in (e.people if kind == _PERSON else e.open_cases)]
        holder = found[0] if found else new_holder or spill
        if holder is None:
            holder = spill = link.spilled[matter_id] = MatterTally()
        if kind == _PERSON:
            _count(holder.people, key, sign)
        elif sign > 0:
            holder.open_case(key, tally.received_at)
        else:
            holder.close_case(key)
    if home is not None and home.petitions <= 0:
        link.matters.pop(matter_id, None)
    if spill is not None and not (spill.people or spill.open_cases):
        link.spilled.pop(matter_id, None)


def _matter_figures(matter_id: str, chain: list[RowPart]) -> KeyMatter | None:
    """A matter of the part as a key-matter entry (its entries over the chain), or None
    when it has no open case (or is not in the row)."""
    petitions = repeats = petitioners = open_cases = 0
    open_since: datetime | None = None
    for link in chain:
        for entries in (link.matters, link.spilled):
            entry = entries.get(matter_id)
            if entry is None:
                continue
            petitions += entry.petitions
            repeats += entry.repeats
            petitioners += len(entry.people)
            open_cases += len(entry.open_cases)
            if entry.open_cases:
                oldest = entry.oldest_open()
                open_since = oldest if open_since is None else min(open_since, oldest)
    if open_since is None or petitions <= 0:
        return None
    return KeyMatter.model_construct(
        matter_id=matter_id, petitions=petitions, repeats=repeats, petitioners=petitioners,
        open_cases=open_cases, open_since=open_since,
    )  # fmt: skip


def _link_candidates(link: RowPart, chain: list[RowPart], changed: set[str]) -> list[KeyMatter]:
    """The link's first tens with its ``changed`` matters as they are now."""
    def everything() -> list[KeyMatter]:
        spilled = {m for other in chain for m in other.spilled}
        figures = (
            _matter_figures(m, chain) if m in spilled else _own_figures(m, t)
            for m, t in link.matters.items()
        )
        return [f for f in figures if f is not None]

    mine = {m: _matter_figures(m, chain) for m in changed}
    if link.key_matters is None:
        return _union(ranked(everything(), KEY_MATTERS))
    return _reranked(link.key_matters, mine, everything)


def _own_figures(matter_id: str, tally: MatterTally) -> KeyMatter | None:
    if not tally.open_cases:
        return None
    return KeyMatter.model_construct(
        matter_id=matter_id, petitions=tally.petitions, repeats=tally.repeats,
        petitioners=len(tally.people), open_cases=len(tally.open_cases),
        open_since=tally.oldest_open(),
    )  # fmt: skip


def _reranked(
    candidates: list[KeyMatter],
    changed: dict[str, KeyMatter | None],
    everything: Callable[[], Iterable[KeyMatter]],
) -> list[KeyMatter]:
    """The first tens of a set of matters after ``changed`` ones changed (None: no longer
    open), from its first tens before (``candidates``, their union).

    The others are as they were, and each was behind the tenth of an order it is not in;
    so only a changed matter that was among an order's first ten and fell back can let one
    of them in: then ``everything`` is ranked again. Otherwise the first tens are those of
    the candidates with the changed matters as they are now.
    """
    if not changed:
        return candidates
    before = {m.matter_id: m for m in candidates}
    pool = [m for m in candidates if m.matter_id not in changed]
    pool += [m for m in changed.values() if m is not None]
    for order in KEY_MATTER_ORDERS.values():
        first = heapq.nsmallest(KEY_MATTERS, candidates, key=order)
        if len(first) < KEY_MATTERS:
            continue  # the candidates were every matter: the pool is all of them now
        for old in first:
            if old.matter_id in changed:
                new = changed[old.matter_id]
                if new is None or order(new) > order(before[old.matter_id]):
                    return _union(ranked(everything(), KEY_MATTERS))
    return _union(ranked(pool, KEY_MATTERS))


def _union(candidates: dict[str, list[KeyMatter]]) -> list[KeyMatter]:
    union = {m.matter_id: m for listed in candidates.values() for m in listed}
    return sorted(union.values(), key=lambda m: m.matter_id)


def _summary(
    before: PartSummary | None, chain: list[RowPart], number: int, matter_ids: set[str],
    *, changed_package: bool,
) -> PartSummary:  # fmt: skip
    """The head's summary of a part after a change touched it."""
    mine = {m for m in matter_ids if part_of(m) == number}
    if before is None or any(link.key_matters is None for link in chain):
        candidates = _union(ranked([m for link in chain for m in _candidates_of(link)],
                                   KEY_MATTERS))  # fmt: skip
    else:
        candidates = _reranked(
            before.key_matters,
            {m: _matter_figures(m, chain) for m in mine},
            lambda: [m for link in chain for m in _candidates_of(link)],
        )
    if before is None or changed_package:
        listed = heapq.nsmallest(
            PACKAGES_LISTED, ((c, o) for link in chain for c, o in link.packages.items())
        )
        packages = dict(listed)
    else:
        packages = before.packages
    # Built without validation: counts of the chain and candidates of valid links.
    return PartSummary.model_construct(
        petitioners=sum(len(link.petitioners) for link in chain),
        matters=sum(len(link.matters) for link in chain),
        key_matters=candidates,
        links=len(chain),
        packages=packages,
    )


def _candidates_of(link: RowPart) -> list[KeyMatter]:
    if link.key_matters is not None:
        return link.key_matters
    figures = (_own_figures(m, t) for m, t in link.matters.items())
    return _union(ranked([f for f in figures if f is not None], KEY_MATTERS))


def _head_with(head: RowHead, tallies: Iterable[tuple[Tally, int]], offset: int) -> RowHead:
    counts = {c.value: n for c, n in head.counts.items()}
    packages = head.packages
    for tally, sign in tallies:
        counts = shift(counts, tally.counts, sign)
        if sign < 0 and tally.case_id in packages:
            packages = {c: o for c, o in packages.items() if c != tally.case_id}
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
    packages = heapq.nsmallest(
        PACKAGES_LISTED,
        [*head.packages.items(), *(p for part in parts for p in part.packages.items())],
    )
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
        package_cases=[PackageCase(case_id=case_id, owner=owner) for case_id, owner in packages],
        updated_at=now,
        **counts,
        **{
            f"key_matters_{order}": matters
            for order, matters in ranked(candidates, KEY_MATTERS).items()
        },
    )
