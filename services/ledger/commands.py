"""The `xinfang` commands of the ledger: hotspots over a file of petitions, offline."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from services.intake.settings import DEMO_HMAC_KEY
from services.ledger.batch import from_mailbox, from_submitted, ranked_hotspots
from services.ledger.hotspots import HotspotRules

err = Console(stderr=True)


def hotspots_batch(
    source: Annotated[str, typer.Argument(help="petitions as JSON lines, or - for stdin")] = "-",
    mailbox: Annotated[
        bool,
        typer.Option(
            "--mailbox",
            help="the lines are leaders' mailbox messages (../shared/data/mailbox_replies.jsonl)",
        ),
    ] = False,
    top: Annotated[int, typer.Option("--top", min=1, help="print at most this many")] = 100,
    window_days: Annotated[int, typer.Option("--window-days", min=1)] = 30,
    baseline_days: Annotated[int, typer.Option("--baseline-days", min=1)] = 180,
) -> None:
    """Find hotspots offline: ranked JSON lines (rank, heat, time range, place, description).

    Petitions in the petitions.submitted form go through intake's registration and dedup's
    matcher (as in dedup-batch), then through the ledger's hotspot detection. Lines that
    cannot be read are reported on stderr with their line number; the rest go on.
    """
    if source == "-":
        raw = sys.stdin.buffer.read()
    else:
        path = Path(source)
        if not path.is_file():
            err.print(f"[red]error:[/] {source}: no such file")
            raise typer.Exit(2)
        raw = path.read_bytes()
    key = os.environ.get("XINFANG_INTAKE_HMAC_KEY")
    lines = raw.splitlines()
    petitions = from_mailbox(lines) if mailbox else from_submitted(lines)
    rules = HotspotRules(window_days=window_days, baseline_days=baseline_days)
    hotspots, bad, count = ranked_hotspots(petitions, (key or DEMO_HMAC_KEY).encode(), rules)
    for line in bad:
        err.print(f"line {line.line}: {line.reason}: {line.detail}", highlight=False)
    out = sys.stdout
    for hotspot in hotspots[:top]:
        out.write(json.dumps(hotspot, ensure_ascii=False) + "\n")
    out.flush()
    err.print(
        f"{count} petitions, {len(hotspots)} hotspots"
        + (f", {len(bad)} lines skipped" if bad else ""),
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add the ledger's commands to the `xinfang` CLI."""
    app.command("hotspots-batch")(hotspots_batch)
