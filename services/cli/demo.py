"""`xinfang demo`: the whole pipeline on a local Kafka, with generated petitions."""

from __future__ import annotations

import logging
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Final, cast

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from services.cli.accounting import Tally, tally
from services.cli.generate import generate
from services.cli.pipeline import LocalPipeline
from services.cli.submit import BrokerUnavailableError, publish_lines
from services.common.topics import create_topics
from services.devtools.kafka_local import KafkaLocal, KafkaLocalError
from services.intake.routing import agency_codes

console = Console()


def _render(result: Tally, title: str) -> Table:
    table = Table(title=title)
    table.add_column("stage")
    table.add_column("what")
    table.add_column("count", justify="right")
    for stage, what, count in result.rows():
        table.add_row(stage, what, str(count))
    return table


#: How long the tally may stand still before the pipeline counts as stuck: longer than a
#: stuck handler takes to stop its service (HANDLER_TIMEOUT_SECONDS and a round of the lag
#: timer), the supervisor to start it again, its group to drop the old member
#: (XINFANG_SESSION_TIMEOUT_SECONDS, 10 s here) and the records to come through; that also
#: outlasts the consumer watchdog's seek of a stopped partition (20-25 s).
STALL_SECONDS: Final = 80.0


def wait_drained(
    bootstrap: str,
    prefix: str,
    expected: int,
    timeout: float,
    stall_seconds: float = STALL_SECONDS,
    *,
    ledger: bool = True,
) -> Tally:
    """Poll the topics until every message is accounted for and nothing moves any more.

    ``ledger`` False: the ledger does not run, so its identities are not waited for.
    """
    deadline = time.monotonic() + timeout
    previous: list[tuple[str, str, int]] | None = None
    unchanged_since = time.monotonic()
    current = tally(bootstrap, prefix)
    while time.monotonic() < deadline:
        balanced = current.submitted >= expected and not current.problems(ledger=ledger)
        if current.rows() != previous:
            unchanged_since = time.monotonic()
        elif balanced or time.monotonic() - unchanged_since > stall_seconds:
            return current  # drained, or stuck: either way the table says which
        previous = current.rows()
        time.sleep(2.0)
        current = tally(bootstrap, prefix)
    return current


#: The hottest hotspots the demo shows after its table.
SHOWN_HOTSPOTS: Final = 3


def ledger_lines(result: Tally) -> list[str]:
    """What the ledger made of it: each province's month, its largest open matter, and the
    hottest hotspots (or that there is none)."""
    lines = []
    for row in result.ledger_months:
        lines.append(
            f"   ledger {row['region_code']} {row['period']}: {row['petitions']} petitions "
            f"from {row['petitioners']} people, {row['matters']} matters (new {row['new']}, "
            f"repeat {row['repeat']}, joint {row['joint']}, collective {row['collective']}), "
            f"backlog {row['backlog']}"
        )
        largest = cast(list[dict[str, object]], row["key_matters_by_petitioners"])
        if largest:
            top = largest[0]
            lines.append(
                f"     largest open matter {top['matter_id']}: {top['petitioners']} people, "
                f"{top['petitions']} petitions, open since {str(top['open_since'])[:10]}"
            )
    ranked = sorted(result.hotspots.values(), key=lambda h: -float(str(h["heat"])))
    if not ranked:
        lines.append("   ledger: no hotspot (no group rose well above its own baseline)")
    lines += [
        f"   hotspot {h['hotspot_id']}: {h['description']} (heat {h['heat']}, "
        f"{h['petitions']} petitions from {h['petitioners']} people, "
        f"{str(h['first_at'])[:10]} .. {str(h['last_at'])[:10]})"
        for h in ranked[:SHOWN_HOTSPOTS]
    ]
    return lines


def run_demo(*, once: bool, count: int, home: Path, port: int, seed: int) -> int:
    """Set up, run, show. Returns the process exit code."""
    logging.getLogger("kafka").setLevel(logging.WARNING)
    broker = KafkaLocal(home, port=port, controller_port=port + 1)
    started_broker = broker.running_pid() is None
    console.print(
        f"[bold]1.[/] Kafka {broker.bootstrap} (fetching jars through Maven the first time)"
    )
    try:
        broker.up()
    except KafkaLocalError as exc:
        console.print(f"[red]Kafka could not start:[/] {exc}")
        return 1
    prefix = datetime.now(UTC).strftime("demo-%Y%m%d%H%M%S.")
    pipeline = LocalPipeline(broker.bootstrap, prefix, home.parent / "demo" / prefix.rstrip("."))
    try:
        console.print(f"[bold]2.[/] topics with prefix {prefix!r}")
        results = create_topics(broker.bootstrap, prefix, agency_codes())
        console.print(f"   {sum(r.created for r in results)} topics created")
        console.print(
            f"[bold]3.[/] {', '.join(pipeline.services)} as separate processes"
        )
        pipeline.start_all()
        pipeline.supervise()
        pipeline.wait_healthy()
        for proc in pipeline.processes.values():
            console.print(f"   {proc.name}: {proc.url}/metrics  {proc.url}/health")
        # The generator spaces petitions about 36 s apart: start far enough back that the
        # last one is not received in the future (intake refuses those), and at least a day.
        hours = max(24.0, count * 36 / 3600 + 1)
        batch = generate(count, seed=seed, start=datetime.now(UTC) - timedelta(hours=hours))
        console.print(
            f"[bold]4.[/] publishing {len(batch.lines)} petitions: {batch.valid} valid "
            f"({batch.planted_repeats} planted repeats), {batch.retries} channel retries, "
            f"{batch.invalid} invalid"
        )
        try:
            report = publish_lines(batch.lines, bootstrap=broker.bootstrap, prefix=prefix)
        except BrokerUnavailableError as exc:
            console.print(f"[red]{escape(str(exc))}[/]")
            return 1
        console.print(f"   acknowledged by the broker: {report.acknowledged}")
        console.print("[bold]5.[/] waiting for the pipeline to drain")
        started = time.monotonic()
        result = wait_drained(broker.bootstrap, prefix, report.acknowledged, timeout=600)
        console.print(f"   drained in {time.monotonic() - started:.1f}s")
        console.print(_render(result, "What the pipeline did"))
        for line in ledger_lines(result):
            console.print(line)
        for restart in pipeline.restarts:
            console.print(
                f"[yellow]{restart.name} stopped (exit {restart.code}) and was started again:[/]"
                f" {restart.reason[:300]}"
            )
        problems = result.problems()
        if problems:
            console.print("[red]The numbers do not balance:[/]\n  " + "\n  ".join(problems))
        else:
            console.print(
                "[green]Balanced:[/] submitted = registered + rejected + retries; "
                "registered = deduplicated; a receipt per verdict; every escalation alerted; "
                "every case in the ledger once; every hotspot in a supervisors' digest"
            )
        if not once:
            console.print("The pipeline keeps running; Ctrl-C stops everything.")
            _wait_for_interrupt()
        return 1 if problems else 0
    finally:
        console.print("stopping the services")
        pipeline.stop_all()
        if started_broker:
            broker.down()
            console.print("kafka stopped")


def _wait_for_interrupt() -> None:
    stop = False

    def _handler(signum: int, frame: FrameType | None) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _handler)
    try:
        while not stop:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
