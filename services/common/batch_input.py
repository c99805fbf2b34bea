"""The input of an offline batch command (``dedup-batch``, ``hotspots-batch``): a file or ``-``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console


def read_source(source: str, err: Console) -> bytes:
    """The bytes of ``source`` (a path, or ``-`` for standard input); exit 2 if it is missing."""
    if source == "-":
        return sys.stdin.buffer.read()
    path = Path(source)
    if not path.is_file():
        err.print(f"[red]error:[/] {source}: no such file")
        raise typer.Exit(2)
    return path.read_bytes()
