"""The `xinfang` commands of the ledger: a ledger as a table, CSV or .xlsx."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from schemas.ledger import LedgerSnapshot
from schemas.registry import LEDGER_SNAPSHOTS
from services.common import regions
from services.common.options import Bootstrap, Prefix
from services.ledger.periods import BadPeriodError, parse_period
from services.ledger.show import cells, headings, latest, to_csv, write_xlsx

err = Console(stderr=True)
ledger_app = typer.Typer(help="Category ledgers (分类台账) from the ledger service.")


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    XLSX = "xlsx"


def _fail(message: str) -> NoReturn:
    err.print(f"[red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


@ledger_app.command("show")
def ledger_show(
    region: Annotated[str, typer.Option("--region", help="a county, city or province code")],
    period: Annotated[
        str,
        typer.Option("--period", help="a day 2026-12-04, an ISO week 2026-W49, a month 2026-12"),
    ],
    field: Annotated[
        str | None, typer.Option("--field", help="one field (or 'all'); default every field")
    ] = None,
    output_format: Annotated[Format, typer.Option("--format")] = Format.TABLE,
    output: Annotated[
        Path | None,
        typer.Option("--output", dir_okay=False, help="the file to write (needed for xlsx)"),
    ] = None,
    bootstrap: Bootstrap = "127.0.0.1:9092",
    prefix: Prefix = "",
) -> None:
    """A region's ledger for a period, from the snapshots on ledger.snapshots."""
    place = regions.default_table().get(region)
    if place is None:
        _fail(f"--region {region!r} is not a code of the national region table")
    try:
        label = parse_period(period).label
    except BadPeriodError as exc:
        _fail(f"--period: {exc}")
    workbook: Path | None = None
    if output_format is Format.XLSX:
        if output is None:
            _fail("--format xlsx writes a file: give it with --output FILE.xlsx")
        workbook = output
    if output is not None and not output.parent.is_dir():  # before reading every snapshot
        _fail(f"--output {output}: {output.parent} is no directory")
    from services.common.readback import read_all

    records = read_all(bootstrap, LEDGER_SNAPSHOTS.full_name(prefix))
    rows = latest(((r.key, r.value) for r in records), region, label, field)
    title = f"{regions.default_table().full_name(region)} {label}"
    if not rows:
        err.print(f"{title}: no cases in this ledger", highlight=False)
    # Each format goes whole to one place: stdout carries nothing but the ledger in the
    # format asked for (a csv piped into a file is only CSV), and with --output the file
    # holds it and stdout stays empty (the confirmation goes to stderr).
    try:
        if workbook is not None:
            write_xlsx(rows, title, workbook)
        elif output_format is Format.CSV:
            text = to_csv(rows)
            if output is None:
                sys.stdout.write(text)
            else:
                output.write_text(text, encoding="utf-8")
        elif output is None:
            Console(width=240).print(_table(title, rows))
        else:
            with output.open("w", encoding="utf-8") as file:
                Console(file=file, width=240).print(_table(title, rows))
    except OSError as exc:
        _fail(f"--output {output}: {exc.strerror or exc}")
    if output is not None:
        err.print(
            f"{output}: {output_format.value}, {len(rows)} fields", highlight=False, soft_wrap=True
        )


def _table(title: str, rows: list[LedgerSnapshot]) -> Table:
    table = Table(title=title)
    for heading in headings():
        table.add_column(heading)
    for row in rows:
        table.add_row(*(str(cell) for cell in cells(row)))
    return table


def register(app: typer.Typer) -> None:
    """Add the ledger's commands to the `xinfang` CLI."""
    app.add_typer(ledger_app, name="ledger")
