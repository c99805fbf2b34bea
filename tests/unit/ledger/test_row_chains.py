"""A row far past what sixteen parts hold: its parts grow chains of links, every record
stays within its proven bound whatever the input (one matter of every case, joint letters
of 601 people, the longest ids, thousands of package cases), every figure stays exact,
through cases leaving and crashes."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta

from schemas.cases import AgencyLevel
from services.ledger.engine import row_text
from services.ledger.ledger import (
    MAX_ID_CHARS,
    Count,
    LedgerRow,
    MatterTally,
    RowKey,
    Tally,
    matters_with,
)
from services.ledger.messages import RowChange
from services.ledger.periods import BEIJING, parse_period
from services.ledger.rows import (
    CANDIDATES_BYTES,
    HEAD_MAX_BYTES,
    LINK_BYTES,
    LINK_FIXED_BYTES,
    LINK_MAX_BYTES,
    MEMBER_MAX_BYTES,
    PACKAGES_LISTED,
    PARTS,
    RowHead,
    RowPart,
    apply_change,
    part_key,
    part_of,
    snapshot_of,
)
from tests.unit.ledger.test_rows import _expected, _published

START = datetime(2026, 11, 1, 8, tzinfo=BEIJING)


def _tally(i: int) -> Tally:
    # Many petitioners (two a case, one shared with the next case), many matters (three
    # cases each), a third of the cases still open, every fifth a repeat.
    counts = [Count.PETITIONS, Count.NEW]
    if i % 3 == 0:
        counts.append(Count.BACKLOG)
    if i % 5 == 0:
        counts.append(Count.REPEAT)
    return Tally(
        case_id=f"XF-{i:012d}",
        counts=tuple(counts),
        petitioner_refs=(f"pr_{i:032x}", f"pr_{i + 1:032x}"),
        matter_id=f"MT-XF-{i // 3:012d}",
        received_at=START + timedelta(seconds=13 * i),
    )


def _change(tally: Tally, revision: int, *, leaving: bool = False) -> RowChange:
    return RowChange(
        region_code="610100", field="all", period_kind="month", period="2026-11",
        case_id=tally.case_id, revision=revision,
        old=tally if leaving else None, new=None if leaving else tally,
    )  # fmt: skip


class Table:
    """The ``rows`` table as stored (JSON bytes), each message's records written in the
    service's order (links, then the head), ``keep`` of them when a crash cuts it short."""

    def __init__(self, link_bytes: int = LINK_BYTES) -> None:
        self.stored: dict[str, bytes] = {}
        self.link_bytes = link_bytes
        self.key = "610100/all/2026-11"

    def head(self) -> RowHead | None:
        raw = self.stored.get(self.key)
        return None if raw is None else RowHead.model_validate_json(raw)

    def apply(self, change: RowChange, offset: int, keep: int | None = None) -> None:
        def load(number: int, link: int) -> RowPart | None:
            raw = self.stored.get(part_key(self.key, number, link))
            return None if raw is None else RowPart.model_validate_json(raw)

        written = apply_change(self.head(), load, change, offset, self.link_bytes)
        if written is None:
            return
        records = [(part_key(self.key, *at), p.to_json_bytes()) for at, p in written.parts.items()]
        records.append((self.key, written.head.to_json_bytes()))
        self.stored.update(records[:keep])


class Whole:
    """The row computed straight from the cases in it."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.petitioners: Counter[str] = Counter()
        self.matters: dict[str, MatterTally] = {}

    def add(self, tally: Tally, sign: int) -> None:
        self.counts.update({c.value: sign for c in tally.counts})
        self.petitioners.update({ref: sign for ref in tally.petitioner_refs})
        known = self.matters.pop(tally.matter_id, None)
        one = {} if known is None else {tally.matter_id: known}
        self.matters.update(matters_with(one, tally, sign))

    def row(self) -> LedgerRow:
        empty = LedgerRow.empty(RowKey("610100", "all", parse_period("2026-11")))
        return empty.model_copy(
            update={
                "counts": {Count(c): n for c, n in self.counts.items() if n > 0},
                "petitioners": {r: n for r, n in self.petitioners.items() if n > 0},
                "matters": self.matters,
            }
        )


def test_a_row_far_past_its_parts_keeps_every_record_bounded_and_every_figure_exact() -> None:
    # 20,000 cases with 16 KiB links: the chains of a row of about 300,000 cases with the
    # service's 256 KiB links (links per part, not cases, is what the chains' logic sees).
    cases, link_bytes = 20_000, 16 * 1024
    head: RowHead | None = None
    links: dict[tuple[int, int], RowPart] = {}
    whole = Whole()

    def apply(change: RowChange, offset: int) -> None:
        nonlocal head
        written = apply_change(head, lambda n, k: links.get((n, k)), change, offset, link_bytes)
        assert written is not None
        head = written.head
        links.update(written.parts)

    for i in range(cases):
        tally = _tally(i)
        apply(_change(tally, 1), i + 1)
        whole.add(tally, +1)
    leaving = range(0, cases, 7)  # a seventh of the cases leave the row again
    for offset, i in enumerate(leaving, cases + 1):
        tally = _tally(i)
        apply(_change(tally, 2, leaving=True), offset)
        whole.add(tally, -1)
    assert head is not None
    assert len(links) > 8 * PARTS  # the parts did grow chains
    assert sum(summary.links for summary in head.parts.values()) == len(links)
    bound = link_bytes + MEMBER_MAX_BYTES + LINK_FIXED_BYTES + CANDIDATES_BYTES
    assert max(len(link.to_json_bytes()) for link in links.values()) <= bound
    assert len(head.to_json_bytes()) < 64_000
    assert _published(head) == _expected(whole.row())
    assert _published(head)["petitions"] == cases - len(leaving)


def test_a_redelivered_change_completes_a_half_written_state_as_if_applied_once() -> None:
    changes = [_change(_tally(i), 1) for i in range(1_500)]
    changes += [_change(_tally(i), 2, leaving=True) for i in range(0, 1_500, 4)]
    once = Table(link_bytes=4_096)
    for offset, change in enumerate(changes, 1):
        once.apply(change, offset)
    crashed = Table(link_bytes=4_096)
    cut = 0
    for offset, change in enumerate(changes, 1):
        if offset % 25 == 0:
            before = dict(crashed.stored)
            crashed.apply(change, offset)
            records = sum(1 for k in crashed.stored if crashed.stored[k] != before.get(k))
            crashed.stored = before
            crashed.apply(change, offset, keep=records - 1)  # all but the head
            cut += records > 1
        crashed.apply(change, offset)
    assert cut > 0
    assert crashed.stored == once.stored
    head = once.head()
    assert head is not None
    assert max(summary.links for summary in head.parts.values()) > 1  # chains were cut


def test_a_head_and_part_written_before_chains_still_read() -> None:
    table = Table()
    for offset in range(1, 41):
        table.apply(_change(_tally(offset), 1), offset)
    old = Table()
    for key, raw in table.stored.items():
        record = json.loads(raw)
        record.pop("key_matters", None)
        for summary in record.get("parts", {}).values():
            summary.pop("links")
        old.stored[key] = json.dumps(record).encode()
    assert all("links" not in raw.decode() for raw in old.stored.values())
    for offset in range(41, 81):
        table.apply(_change(_tally(offset), 1), offset)
        old.apply(_change(_tally(offset), 1), offset)
    new_head, old_head = table.head(), old.head()
    assert new_head is not None
    assert old_head is not None
    assert _published(old_head) == _published(new_head)
    first = part_of("XF-000000000001")
    assert f"{table.key}#{first}" in old.stored  # the first link keeps the part's old key
    assert part_key(table.key, first, 2) == f"{table.key}#{first}.2"
    assert row_text(_change(_tally(0), 1)) == table.key


def _longest(text: str) -> str:
    """``text`` made an id of MAX_ID_CHARS characters, the rest escaped as 6 bytes each in
    JSON (a unit separator): the largest id a row keeps."""
    return text + "\x1f" * (MAX_ID_CHARS - len(text))


def test_one_matter_of_joint_letters_with_the_longest_ids_keeps_every_record_bounded() -> None:
    # Every case of the row is one matter, each a joint letter of 601 people, every id at
    # its longest: 36 cases put 21,636 people (~8.8 MB) into the matter's one part.
    matter = _longest("MT-")
    whole, table = Whole(), Table()

    def joint(i: int, *, open_: bool = True) -> Tally:
        counts = (Count.PETITIONS, Count.JOINT, *((Count.BACKLOG,) if open_ else ()))
        refs = tuple(_longest(f"pr_{i:04d}_{k:03d}") for k in range(601))
        return Tally(
            case_id=_longest(f"XF-{i:06d}"), counts=counts, petitioner_refs=refs,
            matter_id=matter, received_at=START + timedelta(hours=i),
        )  # fmt: skip

    offset = 0
    for i in range(36):
        offset += 1
        table.apply(_change(joint(i), 1), offset)
        whole.add(joint(i), +1)
    for i in range(0, 36, 4):  # a quarter leave the row, a quarter are replied to
        offset += 1
        table.apply(_change(joint(i), 2, leaving=True), offset)
        whole.add(joint(i), -1)
        offset += 1
        closed = RowChange.model_validate(
            {**_change(joint(i + 1), 2).model_dump(), "old": joint(i + 1),
             "new": joint(i + 1, open_=False)}
        )  # fmt: skip
        table.apply(closed, offset)
        whole.add(joint(i + 1), -1)
        whole.add(joint(i + 1, open_=False), +1)
    head = table.head()
    assert head is not None
    assert head.parts[part_of(matter)].links > 20  # the matter filled a long chain
    sizes = {key: len(raw) for key, raw in table.stored.items()}
    assert max(sizes.values()) <= LINK_MAX_BYTES < 300_000
    assert sizes[table.key] <= HEAD_MAX_BYTES < 600_000
    assert _published(head) == _expected(whole.row())
    assert _published(head)["petitioners"] == 27 * 601
    [listed] = snapshot_of(head, AgencyLevel.CITY, START).key_matters_by_petitioners
    assert (listed.petitions, listed.petitioners, listed.open_cases) == (27, 27 * 601, 18)


def test_a_thousand_package_cases_keep_the_head_and_the_snapshot_bounded() -> None:
    table = Table()
    owner = _longest("610100-")

    def package(i: int) -> Tally:
        return _tally(i).model_copy(
            update={"case_id": _longest(f"XF-{i:06d}"), "package_owner": owner,
                    "counts": (*_tally(i).counts, Count.LEADERSHIP_PACKAGE)}
        )  # fmt: skip

    cases = 1_000
    for i in range(cases):
        table.apply(_change(package(i), 1), i + 1)
    for i in range(0, 30):  # the first listed leave: the next ones are listed instead
        table.apply(_change(package(i), 2, leaving=True), cases + 1 + i)
    head = table.head()
    assert head is not None
    assert len(table.stored[table.key]) <= HEAD_MAX_BYTES
    snapshot = snapshot_of(head, AgencyLevel.CITY, START)
    assert snapshot.leadership_package == cases - 30
    assert [p.case_id for p in snapshot.package_cases] == [
        package(i).case_id for i in range(30, 30 + PACKAGES_LISTED)
    ]
    assert len(snapshot.to_json_bytes()) < 64_000
