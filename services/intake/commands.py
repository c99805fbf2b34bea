"""The `xinfang` commands of intake: erasing a petitioner's clear contact details."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console

from schemas.keys import PetitionerKey
from schemas.registry import PETITIONER_CONTACTS
from services.common.options import Bootstrap, Prefix

console = Console()
contacts_app = typer.Typer(help="The restricted contact topic petitioners.contacts.")


@contacts_app.command("erase")
def contacts_erase(
    petitioner_ref: Annotated[str, typer.Argument(help="the petitioner_ref whose details go")],
    bootstrap: Bootstrap = "127.0.0.1:9092",
    prefix: Prefix = "",
) -> None:
    """Publish a tombstone: compaction erases the petitioner's clear contact details."""
    from services.common.producer import make_producer

    try:
        key = PetitionerKey(petitioner_ref=petitioner_ref).to_json_bytes()
    except ValueError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from None
    producer = make_producer(bootstrap)
    try:
        producer.send(PETITIONER_CONTACTS.full_name(prefix), key=key, value=None).get(timeout=30)
    finally:
        producer.close()
    console.print(f"tombstone published for {petitioner_ref} at {datetime.now(UTC).isoformat()}")


def register(app: typer.Typer) -> None:
    """Add intake's commands to the `xinfang` CLI."""
    app.add_typer(contacts_app, name="contacts")
