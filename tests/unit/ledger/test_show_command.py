"""`xinfang ledger show`: each format goes whole to one place, and only there.

CSV on stdout is only CSV (a `> w49.csv` holds the ledger and nothing else); with --output
the file holds the format asked for and stdout stays empty; the table is printed for
--format table only.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from schemas.ledger import LedgerKey, LedgerSnapshot
from services.cli.main import app

runner = CliRunner()
_ARGS = ["ledger", "show", "--region", "610302", "--period", "2026-W49"]


def _snapshot(field: str, petitions: int) -> LedgerSnapshot:
    zero = dict.fromkeys(
        ("petitioners", "matters", "new", "repeat", "joint", "collective", "accepted",
         "accepted_within_limit", "overdue", "replied", "backlog", "leadership_package",
         "satisfied", "basically_satisfied", "dissatisfied", "not_rated"),
        0,
    )  # fmt: skip
    return LedgerSnapshot(
        region_code="610302",
        region_level="county",
        field=field,
        period_kind="week",
        period="2026-W49",
        period_start=datetime(2026, 11, 29, 16, tzinfo=UTC),
        period_end=datetime(2026, 12, 6, 16, tzinfo=UTC),
        **{**zero, "petitions": petitions, "new": petitions, "backlog": petitions},
        updated_at=datetime(2026, 12, 7, tzinfo=UTC),
    )


@pytest.fixture(autouse=True)
def _snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.common import readback

    records = [
        type("Record", (), {"key": LedgerKey(region_code="610302", field=s.field,
                                             period="2026-W49").to_json_bytes(),
                            "value": s.to_json_bytes()})()
        for s in (_snapshot("all", 3), _snapshot("housing.property_management", 3))
    ]  # fmt: skip
    monkeypatch.setattr(readback, "read_all", lambda bootstrap, topic: records)


def test_csv_on_stdout_is_only_csv() -> None:
    result = runner.invoke(app, [*_ARGS, "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = list(csv.reader(io.StringIO(result.stdout)))
    assert [line[0] for line in lines] == ["field", "all", "housing.property_management"]
    assert all(len(line) == len(lines[0]) for line in lines)
    assert "┃" not in result.stdout  # no table after it


@pytest.mark.parametrize("output_format", ["csv", "xlsx", "table"])
def test_with_output_the_file_holds_the_format_and_stdout_stays_empty(
    tmp_path: Path, output_format: str
) -> None:
    path = tmp_path / f"w49.{output_format}"
    result = runner.invoke(app, [*_ARGS, "--format", output_format, "--output", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert str(path.name) in result.stderr
    if output_format == "csv":
        assert path.read_text(encoding="utf-8").splitlines()[0].startswith("field,petitions")
    elif output_format == "xlsx":
        sheet = load_workbook(path)["ledger"]
        assert [c.value for c in sheet[3]][:2] == ["all", 3]
    else:
        assert "2026-W49" in path.read_text(encoding="utf-8")


def test_the_table_is_printed_for_format_table() -> None:
    result = runner.invoke(app, _ARGS)
    assert result.exit_code == 0, result.output
    assert "2026-W49" in result.stdout
    assert "┃" in result.stdout
