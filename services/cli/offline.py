"""Offline runs of the pipeline's decisions over a file, with no broker.

``xinfang dedup-batch`` and ``hotspots-batch`` put petitions through intake's validation
and registration, dedup's matcher and (for hotspots) the ledger's detection, exactly as
the services decide them. They compose several services, which is why they live in the
CLI, the one layer allowed to import services.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import typer
from rich.console import Console

from schemas.cases import CaseRegistered
from services.common.batch_input import read_source
from services.common.dlq import Rejected
from services.common.keys import DEMO_HMAC_KEY
from services.common.submitted import parse
from services.intake import register as intake
from services.ledger.hotspots import HotspotRules

err = Console(stderr=True)


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
    from services.dedup.facts import CaseFacts
    from services.dedup.matcher import Matcher
    from services.dedup.settings import load_config
    from services.dedup.state import InMemoryMatchState

    matcher = Matcher(InMemoryMatchState(), load_config())
    for case in cases:
        decision = matcher.match(CaseFacts.from_registered(case))
        yield {
            "submission_id": case.submission_id,
            "received_at": case.received_at.isoformat(),
            **decision.to_json(),
        }


def final_matters(verdicts: list[dict[str, Any]]) -> dict[str, str]:
    """submission id -> the matter each petition is in at the end, merges followed.

    A verdict names its case's matter when decided; a later verdict's
    ``merged_matter_ids`` were merged into its ``matter_id`` (the service publishes the
    same on ``matters.changes``), taking every case of theirs along.
    """
    into: dict[str, str] = {}

    def last(matter_id: str) -> str:
        while matter_id in into:
            matter_id = into[matter_id]
        return matter_id

    for verdict in verdicts:
        for absorbed in verdict.get("merged_matter_ids", ()):
            into[last(absorbed)] = last(str(verdict["matter_id"]))
    return {str(v["submission_id"]): last(str(v["matter_id"])) for v in verdicts}


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
    from services.cli.offline_hotspots import from_mailbox, from_submitted, ranked_hotspots

    raw = read_source(source, err)
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
    """Add the offline commands to the `xinfang` CLI."""
    app.command("dedup-batch")(dedup_batch)
    app.command("hotspots-batch")(hotspots_batch)
