"""`xinfang dlq`: the dead-letter topic petitions.rejected, which every stage writes to."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from schemas.petitions import RejectReason, Stage
from schemas.registry import PETITIONS_REJECTED
from services.common.dead_letters import DeadLetterFilter, choose
from services.common.options import Bootstrap, Prefix

console = Console()
dlq_app = typer.Typer(help="The dead-letter topic petitions.rejected.")

Reasons = Annotated[list[RejectReason] | None, typer.Option("--reason", help="repeatable")]
Stages = Annotated[list[Stage] | None, typer.Option("--stage", help="repeatable")]
Submissions = Annotated[list[str] | None, typer.Option("--submission-id", help="repeatable")]
Since = Annotated[
    datetime | None,
    typer.Option(help="only letters rejected at or after this time (ISO 8601, UTC if no zone)"),
]


def _filter(
    reasons: list[RejectReason] | None,
    stages: list[Stage] | None,
    submissions: list[str] | None,
    since: datetime | None,
) -> DeadLetterFilter:
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return DeadLetterFilter(
        reasons=frozenset(reasons or ()),
        stages=frozenset(stages or ()),
        submission_ids=frozenset(submissions or ()),
        since=since,
    )


@dlq_app.command("list")
def dlq_list(
    bootstrap: Bootstrap = "127.0.0.1:9092",
    prefix: Prefix = "",
    reason: Reasons = None,
    stage: Stages = None,
    submission_id: Submissions = None,
    since: Since = None,
    limit: Annotated[int, typer.Option(min=0, help="entries to show")] = 20,
) -> None:
    """Count the dead letters by stage and reason, and show the latest entries."""
    from services.common.readback import read_all

    chosen = _filter(reason, stage, submission_id, since)
    replays, unreadable = choose(read_all(bootstrap, PETITIONS_REJECTED.full_name(prefix)), chosen)
    counts = Counter((r.letter.stage.value, r.letter.reason.value) for r in replays)
    summary = Table("stage", "reason", "count", title="Dead letters")
    for (stage_name, reason_name), n in sorted(counts.items()):
        summary.add_row(stage_name, reason_name, str(n))
    console.print(summary)
    entries = Table("rejected at", "submission", "source", "reason", "detail")
    for replay in replays[-limit:] if limit else []:
        letter = replay.letter
        entries.add_row(
            letter.rejected_at.isoformat(timespec="seconds"),
            letter.submission_id or "-",
            f"{letter.source_topic}[{letter.source_partition}]@{letter.source_offset}",
            letter.reason.value,
            letter.detail[:80],
        )
    console.print(entries)
    if unreadable:
        console.print(f"[yellow]{unreadable} records could not be read as dead letters[/]")


@dlq_app.command("replay")
def dlq_replay(
    bootstrap: Bootstrap = "127.0.0.1:9092",
    prefix: Prefix = "",
    reason: Reasons = None,
    stage: Stages = None,
    submission_id: Submissions = None,
    since: Since = None,
    dry_run: Annotated[bool, typer.Option(help="show what would be replayed")] = False,
) -> None:
    """Re-publish chosen dead letters, original key and bytes, to the topic they came from.

    Intake keeps every registered submission_id, so replaying a letter twice still makes
    one case.
    """
    from services.common.producer import make_producer
    from services.common.readback import read_all

    chosen = _filter(reason, stage, submission_id, since)
    if chosen == DeadLetterFilter():
        console.print("[red]error:[/] choose what to replay (--reason, --stage, "
                      "--submission-id or --since)")  # fmt: skip
        raise typer.Exit(2)
    chosen_letters, _ = choose(read_all(bootstrap, PETITIONS_REJECTED.full_name(prefix)), chosen)
    replays = [replay for replay in chosen_letters if replay.whole]
    for cut in (replay for replay in chosen_letters if not replay.whole):
        letter = cut.letter
        console.print(
            f"[yellow]not replayed:[/] {letter.source_topic}[{letter.source_partition}]"
            f"@{letter.source_offset} was cut to fit the topic ({letter.original_size_bytes} "
            f"bytes, sha256 {letter.original_sha256})"
        )
    by_topic = Counter(replay.topic for replay in replays)
    for topic, n in sorted(by_topic.items()):
        console.print(f"{'would replay' if dry_run else 'replaying'} {n} to {topic}")
    if dry_run or not replays:
        return
    producer = make_producer(bootstrap)
    try:
        futures = [producer.send(r.topic, key=r.key, value=r.value) for r in replays]
        producer.flush()
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close()
    console.print(f"replayed {len(replays)} dead letters (acknowledged by the broker)")
