"""`xinfang`: the operator's entry point for everything.

Each command validates its input and settings first and exits 2 with a clear message when
they are wrong; a Kafka broker that cannot be reached is one line too, and exit status 1.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Final

import typer
from kafka.errors import KafkaError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from services.bench.phases import Phase
from services.common.options import Bootstrap, Prefix
from services.common.settings import SettingsError

app = typer.Typer(
    name="xinfang",
    help="Xinfang: case processing for public petitions on Apache Kafka.",
    no_args_is_help=True,
    add_completion=False,
)
kafka_app = typer.Typer(help="A local Apache Kafka broker (KRaft, one node on 127.0.0.1).")
topics_app = typer.Typer(help="The topics of the registry.")
app.add_typer(kafka_app, name="kafka")
app.add_typer(topics_app, name="topics")

console = Console(stderr=True)
out = Console()

DEFAULT_KAFKA_HOME: Final = Path(os.environ.get("XINFANG_KAFKA_HOME", "var/kafka"))

KafkaHome = Annotated[
    Path, typer.Option("--home", help="broker data, config and log (env XINFANG_KAFKA_HOME)")
]
KafkaPort = Annotated[
    int,
    # The controller listens on the next port: both must be ports.
    typer.Option(
        "--port", min=1, max=65534, help="the broker's client port (the next is its controller's)"
    ),
]
#: The exit status when Kafka cannot be reached: the input may be fine, try again later (as
#: `xinfang case update` when the gateway cannot be reached); 2 stays "fix the input".
UNAVAILABLE: Final = 1


def _fail(message: str, code: int = 2) -> None:
    console.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


def _quiet_kafka_python() -> None:
    logging.getLogger("kafka").setLevel(logging.WARNING)


@kafka_app.command("up")
def kafka_up(home: KafkaHome = DEFAULT_KAFKA_HOME, port: KafkaPort = 9092) -> None:
    """Format the storage (first time), start the broker and wait until it answers."""
    from services.devtools.kafka_local import KafkaLocal, KafkaLocalError

    _quiet_kafka_python()
    broker = KafkaLocal(home.resolve(), port=port, controller_port=port + 1)
    try:
        broker.up()
    except KafkaLocalError as exc:
        _fail(str(exc))
    out.print(f"kafka up on {broker.bootstrap} (data {home}/data, log {broker.log_file})")


@kafka_app.command("down")
def kafka_down(home: KafkaHome = DEFAULT_KAFKA_HOME) -> None:
    """Stop the broker started from this home."""
    from services.devtools.kafka_local import KafkaLocal

    stopped = KafkaLocal(home.resolve()).down()
    out.print("kafka stopped" if stopped else "kafka was not running")


@topics_app.command("create")
def topics_create(
    bootstrap: Bootstrap = "127.0.0.1:9092",
    prefix: Prefix = "",
    replication_factor: Annotated[
        int,
        # The services' own setting: topics made here and by a service on first use agree.
        typer.Option(min=1, envvar="XINFANG_REPLICATION_FACTOR"),
    ] = 1,
) -> None:
    """Create every topic of the registry (one inbox per agency); safe to repeat."""
    from services.common.topics import create_topics
    from services.intake.routing import agency_codes

    _quiet_kafka_python()
    try:
        results = create_topics(bootstrap, prefix, agency_codes(), replication_factor)
    except Exception as exc:  # the broker is down or refused: say so plainly
        _fail(f"could not create topics on {bootstrap}: {exc}")
        return
    table = Table("topic", "partitions", "status")
    for result in results:
        status = "created" if result.created else result.error or "exists"
        table.add_row(result.name, str(result.partitions), status)
    out.print(table)
    if any(result.error for result in results):
        raise typer.Exit(1)


@dataclass(frozen=True)
class RunnableService:
    """A service `xinfang run` starts, from its package's shape: ``services.<name>.app``
    wires it, ``services.<name>.settings`` holds its settings class.

    Imported only when run, so a process loads one service's code. ``settings`` is None for
    the gateway, an HTTP app whose ``serve()`` reads its own settings.
    """

    name: str
    settings: str | None

    def run(self) -> None:
        from services.common.settings import load_settings
        from services.common.worker import run_worker

        wiring = importlib.import_module(f"services.{self.name}.app")
        if self.settings is None:
            wiring.serve()
            return
        settings_module = importlib.import_module(f"services.{self.name}.settings")
        settings_class = getattr(settings_module, self.settings)
        run_worker(wiring.build(load_settings(settings_class)))


#: What `xinfang run` starts; deploy/ (compose, Kubernetes) runs one process per entry.
SERVICES: Final = {
    service.name: service
    for service in (
        RunnableService("intake", "IntakeSettings"),
        RunnableService("dedup", "DedupSettings"),
        RunnableService("escalation", "EscalationSettings"),
        RunnableService("notification", "NotificationSettings"),
        RunnableService("ledger", "LedgerSettings"),
        RunnableService("gateway", None),
    )
}


@app.command("run")
def run(
    service: Annotated[str, typer.Argument(help=", ".join(SERVICES))],
) -> None:
    """Run one service in the foreground until SIGTERM or Ctrl-C."""
    runnable = SERVICES.get(service)
    if runnable is None:
        _fail(f"unknown service {service!r}: choose one of {', '.join(SERVICES)}")
        return
    try:
        runnable.run()
    except SettingsError as exc:
        _fail(str(exc))


@app.command("submit")
def submit(
    source: Annotated[str, typer.Argument(help="a JSON-lines file of petitions, or - for stdin")],
    bootstrap: Bootstrap = "127.0.0.1:9092",
    prefix: Prefix = "",
) -> None:
    """Publish petitions to petitions.submitted and report what the broker accepted."""
    from services.cli.submit import BrokerUnavailableError, publish_lines

    _quiet_kafka_python()
    if source == "-":
        lines = sys.stdin.buffer.read().splitlines()
    else:
        path = Path(source)
        if path.is_dir():
            _fail(f"{escape(source)}: is a directory, not a file of petitions")
        if not path.exists():
            _fail(f"{escape(source)}: no such file")
        try:
            lines = path.read_bytes().splitlines()
        except OSError as exc:
            _fail(f"{escape(source)}: cannot read: {exc.strerror or exc}")
            return
    try:
        report = publish_lines(lines, bootstrap=bootstrap, prefix=prefix)
    except BrokerUnavailableError as exc:
        _fail(escape(str(exc)), UNAVAILABLE)
        return
    out.print(report.render())
    if report.failed:
        raise typer.Exit(1)


@app.command("demo")
def demo(
    once: Annotated[
        bool, typer.Option("--once", help="stop everything and exit when drained")
    ] = False,
    count: Annotated[int, typer.Option("--count", min=10, help="petitions to generate")] = 1200,
    home: KafkaHome = DEFAULT_KAFKA_HOME,
    port: KafkaPort = 9092,
    seed: Annotated[int, typer.Option(help="seed of the generated petitions")] = 2026,
) -> None:
    """Start Kafka and the five services, publish generated petitions, show what happened."""
    from services.cli.demo import run_demo

    code = run_demo(once=once, count=count, home=home.resolve(), port=port, seed=seed)
    raise typer.Exit(code)


@app.command("bench")
def bench(
    count: Annotated[int, typer.Option("--count", min=50, help="petitions in each backlog")] = 6000,
    partitions: Annotated[
        int,
        typer.Option(
            "--partitions",
            min=1,
            max=64,
            help="partitions of the ceilings' topics (the stages use the registry's)",
        ),
    ] = 4,
    rate: Annotated[
        float, typer.Option("--rate", min=0.1, help="offered petitions/s of the latency phase")
    ] = 100.0,
    seconds: Annotated[
        float, typer.Option("--seconds", min=1.0, help="length of the latency phase")
    ] = 30.0,
    seed: Annotated[int, typer.Option(help="seed of the generated petitions")] = 2026,
    json_path: Annotated[
        Path | None, typer.Option("--json", help="also write every figure to this file")
    ] = None,
    dedup_preload: Annotated[
        int,
        typer.Option(
            "--dedup-preload",
            min=0,
            help="earlier cases in dedup's state before its stage (source checkout only)",
        ),
    ] = 0,
    work: Annotated[
        Path | None,
        typer.Option("--work", help="keep the broker, state and logs here (default: removed)"),
    ] = None,
    only: Annotated[
        list[Phase] | None,
        typer.Option("--only", help="run only this phase (repeatable; default: all)"),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=4,
            help="processes of each service, one consumer group, in the stages, pipeline "
            "and latency phases (at most the inputs' 4 partitions)",
        ),
    ] = 1,
) -> None:
    """Measure the pipeline on a local broker it starts: ceilings, stages, latency."""
    from services.bench import preload
    from services.bench.run import BenchOptions, run_bench

    if dedup_preload and not preload.available():
        _fail(f"--dedup-preload needs the source checkout: no bench/ in {preload.REPO_ROOT}")
    if json_path is not None:
        try:  # at the start, not after a run of many minutes
            json_path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            _fail(f"--json {json_path}: {exc}")
    options = BenchOptions(
        count=count,
        partitions=partitions,
        rate=rate,
        seconds=seconds,
        seed=seed,
        json_path=json_path,
        dedup_preload=dedup_preload,
        work_dir=work.resolve() if work is not None else None,
        phases=frozenset(only or Phase),
        workers=workers,
    )
    raise typer.Exit(run_bench(options, console, out))


@app.command("simulate")
def simulate(
    rate: Annotated[float, typer.Option("--rate", min=0.1, help="petitions per second")],
    duration: Annotated[float, typer.Option("--duration", min=1.0, help="seconds to run")],
    seed: Annotated[int, typer.Option(help="seed of the petitions and updates")] = 2026,
    updates: Annotated[
        bool,
        typer.Option(
            "--updates/--no-updates", help="agency systems' updates on cases.updates.submitted"
        ),
    ] = True,
    bootstrap: Bootstrap = "127.0.0.1:9092",
    prefix: Prefix = "",
) -> None:
    """A steady, seeded stream of petitions and agencies' updates for soak runs."""
    from services.cli.simulate import simulate as run_simulation
    from services.intake.routing import agency_codes

    _quiet_kafka_python()
    try:
        report = run_simulation(
            bootstrap=bootstrap,
            prefix=prefix,
            rate=rate,
            duration=duration,
            seed=seed,
            agency_codes=sorted(agency_codes()),
            with_updates=updates,
        )
    except Exception as exc:  # the broker is down or refused: say so plainly
        _fail(f"could not publish to {bootstrap}: {exc}")
        return
    out.print(report.render())
    if report.failed:
        raise typer.Exit(1)


def _register_service_commands() -> None:
    from services.cli import offline
    from services.cli.dlq import dlq_app
    from services.dedup import commands as dedup_commands
    from services.escalation import commands as escalation_commands
    from services.gateway import commands as gateway_commands
    from services.intake import commands as intake_commands
    from services.ledger import commands as ledger_commands
    from services.ops import commands as ops_commands

    for module in (
        intake_commands,
        dedup_commands,
        escalation_commands,
        ledger_commands,
        ops_commands,
        offline,
        gateway_commands,
    ):
        module.register(app)
    app.add_typer(dlq_app, name="dlq")


_register_service_commands()


def main() -> None:
    try:
        app()
    except KafkaError as exc:
        # Any command whose broker is down or refuses it: one line, not a traceback.
        console.print(f"[bold red]error:[/] Kafka: {escape(str(exc))}", soft_wrap=True)
        sys.exit(UNAVAILABLE)


if __name__ == "__main__":
    main()
