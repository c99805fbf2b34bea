"""The `xinfang` commands of dedup: operators' merge and split of matters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from schemas.matters import MatterCommand, MatterCommandKind
from schemas.registry import MATTERS_COMMANDS
from services.common import regions
from services.common.options import Bootstrap, Prefix

err = Console(stderr=True)
matter_app = typer.Typer(help="Operators' corrections of dedup's links.")



def _known_region(code: str) -> str:
    if regions.default_table().get(code) is None:
        raise typer.BadParameter(f"{code!r} is not a code of the national region table")
    return code


Region = Annotated[
    str,
    typer.Option(
        "--region", callback=_known_region, help="the matters' region code (in the verdict)"
    ),
]
Operator = Annotated[str, typer.Option("--operator", help="who decides (audit trail)")]
Reason = Annotated[str, typer.Option("--reason", help="why (audit trail)")]


def _publish(command: MatterCommand, bootstrap: str, prefix: str) -> None:
    from services.common.producer import make_producer
    from services.common.regions import area_key

    producer = make_producer(bootstrap)
    try:
        # The partition of the matters' area, where dedup holds them (``areas``).
        key = area_key(command.region_code)
        topic = MATTERS_COMMANDS.full_name(prefix)
        producer.send(topic, key=key, value=command.to_json_bytes()).get(timeout=30)
    finally:
        producer.close()
    err.print(
        f"{command.kind.value} {command.command_id} sent; dedup reports the outcome on "
        "matters.changes"
    )


def _command(**fields: Any) -> MatterCommand:
    try:
        return MatterCommand(
            command_id=f"op-{uuid.uuid4().hex[:16]}", issued_at=datetime.now(UTC), **fields
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or 'command'}: "
            f"{error['msg'].removeprefix('Value error, ')}"
            for error in exc.errors()
        )
        err.print(f"[red]error:[/] {escape(problems)}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


@matter_app.command("merge")
def matter_merge(
    keep: Annotated[str, typer.Argument(help="the matter id that stays")],
    absorb: Annotated[str, typer.Argument(help="the matter id merged into it")],
    region: Region,
    reason: Reason,
    operator: Operator = "operator",
    bootstrap: Bootstrap = "127.0.0.1:9092",
    prefix: Prefix = "",
) -> None:
    """Merge two matters found to be one (their cases join the kept matter)."""
    command = _command(
        kind=MatterCommandKind.MERGE, region_code=region, keep_matter_id=keep,
        absorb_matter_id=absorb, operator=operator, reason=reason,
    )  # fmt: skip
    _publish(command, bootstrap, prefix)


@matter_app.command("split")
def matter_split(
    case_id: Annotated[str, typer.Argument(help="the wrongly linked case")],
    region: Region,
    reason: Reason,
    operator: Operator = "operator",
    bootstrap: Bootstrap = "127.0.0.1:9092",
    prefix: Prefix = "",
) -> None:
    """Take a wrongly linked case out of its matter into a matter of its own."""
    command = _command(
        kind=MatterCommandKind.SPLIT, region_code=region, case_id=case_id,
        operator=operator, reason=reason,
    )  # fmt: skip
    _publish(command, bootstrap, prefix)


def register(app: typer.Typer) -> None:
    """Add dedup's commands to the `xinfang` CLI."""
    app.add_typer(matter_app, name="matter")
