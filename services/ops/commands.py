"""The `xinfang` commands for operators."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the operators' commands to the `xinfang` CLI."""
