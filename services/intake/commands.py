"""The `xinfang` commands of intake: erasing a petitioner's clear contact details."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from schemas.keys import PetitionerKey
from schemas.registry import PETITIONER_CONTACTS
from services.common.options import Bootstrap, Prefix
from services.intake.privacy import PETITIONER_REF

console = Console()
err = Console(stderr=True)
contacts_app = typer.Typer(help="The restricted contact topic petitioners.contacts.")


@contacts_app.command("erase")
def contacts_erase(
    petitioner_ref: Annotated[str, typer.Argument(help="the petitioner_ref whose details go")],
    bootstrap: Bootstrap = "127.0.0.1:9092",
    prefix: Prefix = "",
) -> None:
    """Publish a tombstone: compaction erases the petitioner's clear contact details."""
    from services.common.producer import make_producer

    # Only intake writes the contact topic, and only under the refs it makes: a tombstone
    # under anything else erases nothing (and a typo would go unnoticed).
    if not PETITIONER_REF.fullmatch(petitioner_ref):
        err.print(
            f"[red]error:[/] {escape(repr(petitioner_ref))} is not a petitioner_ref "
            "(pr_ and 32 hex digits, as in cases.registered)",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    key = PetitionerKey(petitioner_ref=petitioner_ref).to_json_bytes()
    producer = make_producer(bootstrap)
    try:
        producer.send(PETITIONER_CONTACTS.full_name(prefix), key=key, value=None).get(timeout=30)
    finally:
        producer.close()
    console.print(f"tombstone published for {petitioner_ref} at {datetime.now(UTC).isoformat()}")


def register(app: typer.Typer) -> None:
    """Add intake's commands to the `xinfang` CLI."""
    app.add_typer(contacts_app, name="contacts")
