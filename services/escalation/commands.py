"""The `xinfang` commands of the escalation service."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from services.escalation.replay import HistoryInputError, read_history, replay, to_json_line
from services.escalation.ruleset import DEFAULT_RULES_PATH, RulesFileError, load_rules


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def escalation_replay(
    history: Annotated[
        Path, typer.Argument(help="JSON lines: cases.deduplicated and cases.updates events")
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
) -> None:
    """Replay a case history through the escalation rules and clocks, without a broker.

    Prints every warning, escalation and rejection as JSON lines, as the service would
    have published them. A bad line stops the replay naming the line (exit 2).
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
    except (RulesFileError, OSError) as exc:
        _fail(str(exc))
        return
    try:
        with history.open(encoding="utf-8") as lines:
            events = read_history(lines)
    except OSError as exc:
        _fail(f"{history}: {exc.strerror or exc}")
        return
    except UnicodeDecodeError as exc:
        _fail(f"{history}: not UTF-8 ({exc.reason})")
        return
    except HistoryInputError as exc:
        _fail(f"{history}: {exc}")
        return
    for item in replay(events, until_at, loaded):
        sys.stdout.write(to_json_line(item) + "\n")


def register(app: typer.Typer) -> None:
    """Add this service's commands to the `xinfang` CLI."""
    app.command("escalation-replay")(escalation_replay)
