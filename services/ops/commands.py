"""The `xinfang` commands for operators."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live

TARGET_HELP = (
    "a process to watch, as name=URL (repeatable); default: intake, dedup, escalation and "
    "notification on 127.0.0.1:6066-6069, gateway on 127.0.0.1:8080"
)


def top(
    target: Annotated[list[str] | None, typer.Option("--target", help=TARGET_HELP)] = None,
    interval: Annotated[
        float, typer.Option("--interval", min=0.1, help="seconds between two scrapes")
    ] = 2.0,
    once: Annotated[
        bool, typer.Option("--once", help="print one snapshot (two scrapes apart) and exit")
    ] = False,
) -> None:
    """A live view of the running pipeline from each process's /metrics and /health."""
    from services.ops.top import default_targets, http_client, parse_target, render, scrape_all

    try:
        targets = [parse_target(text) for text in target] if target else default_targets()
    except ValueError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    console = Console()
    with http_client() as client:
        previous = scrape_all(client, targets)
        if once:
            time.sleep(interval)
            console.print(render(previous, scrape_all(client, targets)))
            return
        with Live(render(previous, previous), console=console, auto_refresh=False) as live:
            try:
                while True:
                    time.sleep(interval)
                    current = scrape_all(client, targets)
                    live.update(render(previous, current), refresh=True)
                    previous = current
            except KeyboardInterrupt:
                pass


def register(app: typer.Typer) -> None:
    """Add the operators' commands to the `xinfang` CLI."""
    app.command("top")(top)
