"""What ``xinfang ledger show`` prints: the latest snapshots of a region and period.

Reading the compacted topic gives every snapshot still there (compaction is lazy), oldest
first per partition; a row's latest is its last (one key stays in one partition).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Final

from openpyxl import Workbook
from openpyxl.styles import Font

from schemas.ledger import LedgerKey, LedgerSnapshot

#: The columns of the ledger, in a caseworker's order, with their headings.
COLUMNS: Final = (
    ("field", "field"),
    ("petitions", "petitions"),
    ("petitioners", "petitioners"),
    ("matters", "matters"),
    ("new", "new"),
    ("repeat", "repeat"),
    ("joint", "joint"),
    ("collective", "collective"),
    ("accepted", "accepted"),
    ("accepted_within_limit", "accepted in limit"),
    ("overdue", "overdue"),
    ("replied", "replied"),
    ("backlog", "backlog"),
    ("leadership_package", "package cases"),
    ("satisfied", "satisfied"),
    ("basically_satisfied", "basically"),
    ("dissatisfied", "dissatisfied"),
    ("not_rated", "not rated"),
    ("package_owners", "package owners"),
)


def latest(
    records: Iterable[tuple[bytes | None, bytes | None]],
    region_code: str,
    period: str,
    field: str | None,
) -> list[LedgerSnapshot]:
    """The latest snapshot of each row of the region and period (one field, or all), by field.

    Records that are not ledger snapshots are skipped: the topic is the contract's.
    """
    found: dict[str, LedgerSnapshot] = {}
    for raw_key, raw_value in records:
        if raw_key is None or raw_value is None:
            continue
        key = LedgerKey.model_validate_json(raw_key)
        if key.region_code != region_code or key.period != period:
            continue
        if field is not None and key.field != field:
            continue
        found[key.field] = LedgerSnapshot.model_validate_json(raw_value)
    return [found[name] for name in sorted(found, key=lambda name: (name != "all", name))]


def cells(snapshot: LedgerSnapshot) -> list[str | int]:
    """One row of the ledger, as the columns say."""
    values = snapshot.model_dump()
    owners = "; ".join(f"{p.case_id}: {p.owner}" for p in snapshot.package_cases)
    return [owners if name == "package_owners" else values[name] for name, _ in COLUMNS]


def headings() -> list[str]:
    return [heading for _, heading in COLUMNS]


def to_csv(rows: Sequence[LedgerSnapshot]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headings())
    writer.writerows(cells(row) for row in rows)
    return out.getvalue()


def write_xlsx(rows: Sequence[LedgerSnapshot], title: str, path: Path) -> None:
    """A workbook: the ledger (title, headings, one line per field) and its key matters."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = "ledger"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(headings())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(cells(row))
    sheet.freeze_panes = "B3"
    matters = book.create_sheet("key matters")
    matters.append(KEY_MATTER_HEADINGS)
    for cell in matters[1]:
        cell.font = Font(bold=True)
    for line in key_matter_lines(rows):
        matters.append(line)
    book.save(path)


#: The key-matter lists (清单管理), one line per matter of each list of each field.
KEY_MATTER_HEADINGS: Final = [
    "field", "list", "rank", "matter", "petitioners", "repeats", "petitions", "open cases",
    "open since",
]  # fmt: skip


def key_matter_lines(rows: Sequence[LedgerSnapshot]) -> list[list[str | int]]:
    lines: list[list[str | int]] = []
    for row in rows:
        for name, matters in (
            ("by petitioners", row.key_matters_by_petitioners),
            ("by repeats", row.key_matters_by_repeats),
            ("by age", row.key_matters_by_age),
        ):
            lines += [
                [row.field, name, rank, m.matter_id, m.petitioners, m.repeats, m.petitions,
                 m.open_cases, m.open_since.isoformat()]
                for rank, m in enumerate(matters, start=1)
            ]  # fmt: skip
    return lines
