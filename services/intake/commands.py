"""The `xinfang` commands of the intake service."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this service's commands to the `xinfang` CLI."""
