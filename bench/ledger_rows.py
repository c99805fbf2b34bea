"""One ledger row of 200,000 cases through the row step's engine (``rows.apply_change``),
no broker: the largest record, the time per change as the row grows, the memory, and the
figures against the same cases counted whole.

    python -m bench.ledger_rows [--cases 200000]

The cases are a province's month as intake and dedup make them (35-character petitioner
refs, 15-character case ids): most matters of one to three cases, one matter that every
tenth case joins (a class of problems: 20,000 cases, every one open), a joint letter of 60
people every 500th case, a package case every 1,000th; then every seventh case leaves the
row again and every eleventh is replied to (its open case closes). The links are kept in
memory as the service keeps a batch's; every record is serialized at each checkpoint.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import Counter
from datetime import datetime, timedelta

from schemas.cases import AgencyLevel
from services.ledger.ledger import Count, LedgerRow, MatterTally, RowKey, Tally, key_matters
from services.ledger.messages import RowChange
from services.ledger.periods import BEIJING, parse_period
from services.ledger.rows import (
    HEAD_MAX_BYTES,
    LINK_MAX_BYTES,
    LinkId,
    RowHead,
    RowPart,
    apply_change,
    snapshot_of,
)

START = datetime(2026, 11, 1, 8, tzinfo=BEIJING)
ROW = ("430000", "all", "2026-11")


def tally(i: int, *, replied: bool = False) -> Tally:
    counts = [Count.PETITIONS, Count.REPEAT if i % 5 == 0 else Count.NEW]
    counts.append(Count.REPLIED if replied else Count.BACKLOG)
    refs = [f"pr_{(i * 7919) % 150_000:032x}"]
    if i % 500 == 0:
        refs += [f"pr_{i:016x}{k:016x}" for k in range(59)]
    matter = "MT-XF-CLASS0000001" if i % 10 == 0 else f"MT-XF-{i // 3:012d}"
    return Tally(
        case_id=f"XF-{i:012d}",
        counts=tuple(counts) + ((Count.LEADERSHIP_PACKAGE,) if i % 1000 == 0 else ()),
        petitioner_refs=tuple(refs),
        matter_id=matter,
        received_at=START + timedelta(seconds=13 * i),
        package_owner="430000-governor" if i % 1000 == 0 else None,
    )


def change(case: int, revision: int, old: Tally | None, new: Tally | None) -> RowChange:
    region, field, period = ROW
    return RowChange(
        region_code=region, field=field, period_kind="month", period=period,
        case_id=f"XF-{case:012d}", revision=revision, old=old, new=new,
    )  # fmt: skip


class Whole:
    """The row counted straight from its cases (in place: a matter of 20,000 cases)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.petitioners: Counter[str] = Counter()
        self.matters: dict[str, tuple[Counter[str], Counter[str], dict[str, datetime]]] = {}
        self.packages: dict[str, str] = {}

    def add(self, case: Tally, sign: int) -> None:
        self.counts.update({c.value: sign for c in case.counts})
        self.petitioners.update({ref: sign for ref in case.petitioner_refs})
        figures, people, open_cases = self.matters.setdefault(
            case.matter_id, (Counter(), Counter(), {})
        )
        figures.update({"petitions": sign, "repeats": sign if Count.REPEAT in case.counts else 0})
        people.update({ref: sign for ref in case.petitioner_refs})
        if Count.BACKLOG in case.counts:
            if sign > 0:
                open_cases[case.case_id] = case.received_at
            else:
                open_cases.pop(case.case_id, None)
        if case.package_owner is not None:
            if sign > 0:
                self.packages[case.case_id] = case.package_owner
            else:
                self.packages.pop(case.case_id, None)

    def row(self) -> LedgerRow:
        matters = {
            matter_id: MatterTally(
                petitions=figures["petitions"],
                repeats=figures["repeats"],
                people={r: n for r, n in people.items() if n > 0},
                open_cases=open_cases,
            )
            for matter_id, (figures, people, open_cases) in self.matters.items()
            if figures["petitions"] > 0
        }
        return LedgerRow.empty(RowKey(ROW[0], ROW[1], parse_period(ROW[2]))).model_copy(
            update={
                "counts": {Count(c): n for c, n in self.counts.items() if n > 0},
                "petitioners": {r: n for r, n in self.petitioners.items() if n > 0},
                "matters": matters,
                "packages": self.packages,
            }
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    cases = parser.parse_args().cases
    head: RowHead | None = None
    links: dict[LinkId, RowPart] = {}
    whole = Whole()
    offset = 0
    largest = 0

    spent = 0.0

    def apply(message: RowChange) -> None:
        nonlocal head, offset, spent
        offset += 1
        began = time.perf_counter()
        written = apply_change(head, lambda n, k: links.get((n, k)), message, offset)
        spent += time.perf_counter() - began
        assert written is not None
        head = written.head
        links.update(written.parts)

    def checkpoint(label: str, changes: int) -> None:
        nonlocal largest, spent
        assert head is not None
        records = [len(link.to_json_bytes()) for link in links.values()]
        largest = max(largest, *records)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{label:>26}: {1e3 * spent / changes:6.3f} ms a change; "
            f"{len(links):4d} links, largest {max(records):7,d} B, head "
            f"{len(head.to_json_bytes()):6,d} B; max RSS {rss:5.0f} MB"
        )

    window = 2_000
    marks = sorted({window, cases // 4, cases // 2, cases})
    for i in range(cases):
        if i + window in marks:
            spent = 0.0
        apply(change(i, 1, None, tally(i)))
        whole.add(tally(i), +1)
        if i + 1 in marks:
            checkpoint(f"cases {i + 1 - window:,}..{i + 1:,}", window)
    spent, later = 0.0, 0
    for i in range(0, cases, 7):
        apply(change(i, 2, tally(i), None))
        whole.add(tally(i), -1)
        later += 1
    for i in range(1, cases, 11):
        if i % 7 == 0:
            continue
        apply(change(i, 2, tally(i), tally(i, replied=True)))
        whole.add(tally(i), -1)
        whole.add(tally(i, replied=True), +1)
        later += 1
    checkpoint(f"{later:,} leaving or replied", later)
    # The same changes on the big row and on a row of 2,000 cases, in turns of 100, so the
    # two see the same load of the machine.
    small: RowHead | None = None
    small_links: dict[LinkId, RowPart] = {}
    big_time = small_time = 0.0
    for turn in range(20):
        for i in range(cases + 100 * turn, cases + 100 * (turn + 1)):
            spent = 0.0
            apply(change(i, 1, None, tally(i)))
            big_time += spent
            whole.add(tally(i), +1)
            began = time.perf_counter()
            written = apply_change(small, lambda n, k: small_links.get((n, k)),
                                   change(i, 1, None, tally(i)), i + 1)  # fmt: skip
            small_time += time.perf_counter() - began
            assert written is not None
            small = written.head
            small_links.update(written.parts)
    print(f"same 2,000 changes in turns: {1e3 * big_time / 2000:.3f} ms a change on the big "
          f"row, {1e3 * small_time / 2000:.3f} ms on a new row of 2,000")  # fmt: skip
    assert head is not None
    published = snapshot_of(head, AgencyLevel.PROVINCE, START)
    row = whole.row()
    expected = {
        **{count.value: row.count(count) for count in Count},
        "petitioners": len(row.petitioners),
        "matters": len(row.matters),
        "package_cases": len(row.packages),
    }
    figures = {
        **published.model_dump(include={count.value for count in Count}),
        "petitioners": published.petitioners,
        "matters": published.matters,
        "package_cases": published.leadership_package,
    }
    exact = figures == expected and all(
        [m.model_dump() for m in getattr(published, f"key_matters_{order}")]
        == [m.model_dump() for m in listed]
        for order, listed in key_matters(row).items()
    )
    print(f"largest record {largest:,} B (bound {LINK_MAX_BYTES:,}); head bound "
          f"{HEAD_MAX_BYTES:,}; snapshot {len(published.to_json_bytes()):,} B")  # fmt: skip
    print(f"figures exact: {exact}: " + ", ".join(f"{k} {v:,}" for k, v in figures.items()))
    if not exact:
        raise SystemExit(f"expected {expected}")


if __name__ == "__main__":
    main()
