"""The `xinfang` commands of the escalation service."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from services.common.casework.holidays import (
    DEFAULT_CALENDAR_PATH,
    load_calendar,
    seed_from_chinese_calendar,
)
from services.common.casework.ruleset import DEFAULT_RULES_PATH, load_rules
from services.common.rulefile import RuleFileError
from services.escalation.replay import read_history, replay, to_json_line


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def _missing_year(year: int) -> None:
    typer.echo(
        f"warning: the holiday calendar does not cover {year}: its deadlines count the "
        "statutory holidays only, without the State Council's adjusted days (--calendar)",
        err=True,
    )


def escalation_replay(
    history: Annotated[
        Path,
        typer.Argument(
            help="JSON lines, each an event in an envelope naming its topic (see above)"
        ),
    ],
    until: Annotated[
        str,
        typer.Option(
            "--until", help="scan the timers up to this time, e.g. 2027-03-01T00:00:00+08:00"
        ),
    ],
    rules: Annotated[
        Path, typer.Option("--rules", help="the escalation rule file")
    ] = DEFAULT_RULES_PATH,
    calendar: Annotated[
        Path, typer.Option("--calendar", help="the holiday calendar file")
    ] = DEFAULT_CALENDAR_PATH,
) -> None:
    """Replay a case history through the escalation rules and clocks, without a broker.

    Each line of HISTORY is one event, in an envelope that names its topic; "value" is the
    event exactly as on the topic, "at" (optional) when the service would have seen it
    (default: the event's own time):

    \b
    {"topic": "cases.deduplicated", "value": {"case_id": "XF-1", "case": {...}, ...}}
    {"topic": "cases.updates", "value": {"update_id": "u1", "case_id": "XF-1",
     "kind": "accepted", "occurred_at": "2026-12-01T09:00:00+08:00",
     "agency_code": "610302-housing"}, "at": "2026-12-01T12:00:00+08:00"}

    Prints every warning, escalation and rejection as JSON lines, as the service would
    have published them, every time in China Standard Time (+08:00). A line that cannot
    be read is reported on stderr with its number and reason and left out, the others are
    replayed, and the exit status is 2. A year the holiday calendar lacks is reported on
    stderr. A bad --until, rule file, calendar or unreadable file stops it first (exit 2).
    """
    try:
        until_at = datetime.fromisoformat(until)
    except ValueError:
        _fail(f"--until {until!r}: expected an ISO 8601 time, e.g. 2027-03-01T00:00:00+08:00")
        return
    if until_at.tzinfo is None:
        _fail(f"--until {until!r}: a time zone is required, e.g. +08:00")
    try:
        loaded = load_rules(rules)
        holidays = load_calendar(calendar, _missing_year)
    except (RuleFileError, OSError) as exc:
        _fail(str(exc))
        return
    try:
        with history.open(encoding="utf-8") as lines:
            events, problems = read_history(lines)
    except OSError as exc:
        _fail(f"{history}: {exc.strerror or exc}")
        return
    except UnicodeDecodeError as exc:
        _fail(f"{history}: not UTF-8 ({exc.reason})")
        return
    for problem in problems:
        typer.echo(f"{history}: {problem}", err=True)
    for item in replay(events, until_at, loaded, holidays):
        sys.stdout.write(to_json_line(item) + "\n")
    if problems:
        typer.echo(
            f"{len(problems)} lines left out, {len(events)} events replayed", err=True
        )
        raise typer.Exit(2)


calendar_app = typer.Typer(help="The holiday calendar the legal clocks count working days on.")


@calendar_app.command("check")
def calendar_check(
    path: Annotated[Path, typer.Argument(help="a holiday calendar file")] = DEFAULT_CALENDAR_PATH,
) -> None:
    """Check a calendar file as the service does at start-up and list the years it covers."""
    try:
        holidays = load_calendar(path)
    except (RuleFileError, OSError) as exc:
        _fail(str(exc))
        return
    years = sorted(holidays.covered)
    typer.echo(f"{path}: {len(years)} years, {years[0]}-{years[-1]}")


@calendar_app.command("seed")
def calendar_seed() -> None:
    """Print the calendar file of every year the chinese-calendar package knows (the
    shipped file is this output)."""
    sys.stdout.write(seed_from_chinese_calendar())


def register(app: typer.Typer) -> None:
    """Add this service's commands to the `xinfang` CLI."""
    app.command("escalation-replay")(escalation_replay)
    app.add_typer(calendar_app, name="escalation-calendar")
