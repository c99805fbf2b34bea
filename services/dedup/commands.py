"""The `xinfang` commands of dedup: offline matching, and operators' merge and split."""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.console import Console

from schemas.cases import CaseRegistered
from schemas.matters import MatterCommand, MatterCommandKind, RegionKey
from schemas.registry import MATTERS_COMMANDS
from services.common.batch_input import read_source
from services.common.dlq import Rejected
from services.common.keys import DEMO_HMAC_KEY
from services.common.options import Bootstrap, Prefix
from services.common.submitted import parse
from services.intake import register as intake

err = Console(stderr=True)
matter_app = typer.Typer(help="Operators' corrections of dedup's links.")

Region = Annotated[
    str, typer.Option("--region", help="the matters' region code (in the verdict)")
]
Operator = Annotated[str, typer.Option("--operator", help="who decides (audit trail)")]
Reason = Annotated[str, typer.Option("--reason", help="why (audit trail)")]


@dataclass(frozen=True)
class BadLine:
    """A line that could not be matched, and why; the others go on."""

    line: int
    reason: str
    detail: str


def registered_cases(
    lines: Iterable[bytes], hmac_key: bytes
) -> tuple[list[CaseRegistered], list[BadLine]]:
    """Every line through intake's own validation and registration (same case ids)."""
    cases: dict[str, CaseRegistered] = {}
    bad: list[BadLine] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            petition = parse(line)
            case = intake.register(petition, hmac_key=hmac_key, now=petition.received_at).case
        except Rejected as rejection:
            bad.append(BadLine(number, rejection.reason.value, rejection.detail))
            continue
        cases.setdefault(case.case_id, case)  # a channel's retry is one case
    ordered = sorted(cases.values(), key=lambda case: (case.received_at, case.submission_id))
    return ordered, bad


def batch_verdicts(cases: Iterable[CaseRegistered]) -> Iterator[dict[str, Any]]:
    """The service's matcher over the cases in order of receipt, with no broker."""
    from services.dedup.app import load_config
    from services.dedup.matcher import CaseFacts, Matcher
    from services.dedup.state import InMemoryMatchState

    matcher = Matcher(InMemoryMatchState(), load_config())
    for case in cases:
        decision = matcher.match(CaseFacts.from_registered(case))
        yield {
            "submission_id": case.submission_id,
            "received_at": case.received_at.isoformat(),
            **decision.to_json(),
        }


def dedup_batch(
    source: Annotated[str, typer.Argument(help="petitions as JSON lines, or - for stdin")] = "-",
) -> None:
    """Match petitions offline with the service's matcher: one JSON verdict per line.

    Petitions are in the petitions.submitted form; they go through intake's validation and
    registration (so case ids are the service's; petitioner_ref uses XINFANG_INTAKE_HMAC_KEY,
    or the demo key when it is unset), then through the matcher in order of received_at.
    Lines intake would reject are reported on stderr with their line number; the rest go on.
    """
    raw = read_source(source, err)
    key = os.environ.get("XINFANG_INTAKE_HMAC_KEY")
    if key is None:
        err.print("note: XINFANG_INTAKE_HMAC_KEY is unset; petitioner refs use the demo key")
    cases, bad = registered_cases(raw.splitlines(), (key or DEMO_HMAC_KEY).encode())
    for line in bad:
        err.print(f"line {line.line}: {line.reason}: {line.detail}")
    out = sys.stdout
    for verdict in batch_verdicts(cases):
        out.write(json.dumps(verdict, ensure_ascii=False) + "\n")
    out.flush()
    if bad:
        err.print(f"{len(bad)} lines skipped, {len(cases)} petitions matched")


def _publish(command: MatterCommand, bootstrap: str, prefix: str) -> None:
    from services.common.producer import make_producer
    from services.dedup.areas import match_area

    producer = make_producer(bootstrap)
    try:
        # The partition of the matters' area, where dedup holds them (``areas``).
        key = RegionKey(region_code=match_area(command.region_code)).to_json_bytes()
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
    except ValueError as exc:
        err.print(f"[red]error:[/] {exc}")
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
    app.command("dedup-batch")(dedup_batch)
    app.add_typer(matter_app, name="matter")
