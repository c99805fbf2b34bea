"""`xinfang bench`: one run on one local broker, every figure of issue 12's table.

The phases, in order, each on fresh topics (a prefix per phase, and per stage in the
stages phase) of the broker it starts:

1. ceilings: the N generated petitions' bytes copied topic to topic, by a plain aiokafka
   batch copy in this process, then by the simplest Faust agent as its own process;
2. stages: intake on the N petitions, then dedup on what intake registered, then
   escalation and then notification on dedup's verdicts, each stage's workers (one
   process, or N with ``--workers``) started on empty topics of their own and the
   backlog written into them only once every worker is assigned, recovered and
   consuming (``services.bench.window``); timed until drained, then stopped, their CPU
   time and peak RSS read from /proc;
3. the whole pipeline: the four services started on empty state, the N petitions
   published at once, timed from the first submitted to the last verdict or notification
   (broker append times);
4. latency: on that pipeline, petitions offered at R a second for S seconds, each one's
   submission to its verdict in broker append times.

``--only PHASE`` (repeatable) runs the phases named, in that order. The latency phase
without the pipeline phase starts the four services on empty state and offers its
petitions to them as soon as they are healthy.

Whatever loop the services run is what is measured: the command starts them as
``xinfang run`` does (``LocalPipeline``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from schemas.cases import CaseDeduplicated
from schemas.registry import (
    CASES_DEDUPLICATED,
    CASES_REGISTERED,
    NOTIFICATIONS_DELIVERED,
    NOTIFICATIONS_FAILED,
    PARTITIONS,
    PETITIONS_SUBMITTED,
    TopicSpec,
)
from services.bench.copy import batch_copy
from services.bench.figures import (
    Sample,
    Span,
    Window,
    cpu_per_message,
    percentile,
    rate,
    span_of,
)
from services.bench.phases import Phase
from services.bench.preload import PreloadUnavailableError, preload_dedup
from services.bench.probes import (
    TICKS_PER_SECOND,
    GroupWatch,
    Offsets,
    ProcessProbe,
    StoredRecord,
    read_records,
    read_timed,
    worker_health,
)
from services.bench.result import (
    CEILING_1,
    TABLE_WIDTH,
    BenchResult,
    Latency,
    Throughput,
    render,
    throughput_row,
)
from services.bench.window import (
    STAGE_INPUTS,
    WRITTEN_BY,
    BacklogDrainedEarlyError,
    ReadyGate,
)
from services.cli.generate import generate
from services.cli.pipeline import WORKER_MARK, LocalPipeline, ServiceProcess
from services.cli.simulate import received_between, simulate
from services.cli.submit import submission_key
from services.common.producer import make_producer
from services.common.topics import create_topics, ensure_topics
from services.devtools.kafka_local import KafkaLocal, KafkaLocalError, free_port
from services.intake.routing import agency_codes

#: How often progress is sampled: the resolution of every committed-offset window.
POLL_SECONDS: Final = 0.2
#: A phase whose progress has not moved for this long has failed (a stuck or dead service).
STALL_SECONDS: Final = 180.0
#: The backlog's petitions were received over this time before the run.
BACKLOG_SPAN: Final = timedelta(hours=12)
#: The most workers of a service: more than the inputs' partitions would sit idle.
MAX_WORKERS: Final = PARTITIONS
#: How long the workers' consumer groups may take to settle (see ``GroupWatch``).
SETTLE_SECONDS: Final = 180.0
#: How long a stage's workers may take to be ready (``ReadyGate``): with
#: ``--dedup-preload`` this holds the restore of millions of changelog records.
READY_SECONDS: Final = 900.0
#: The topics whose record timestamps become the broker's append time in the pipeline
#: phases: the latency is then the broker's time of the verdict minus that of the petition.
APPEND_TIME_TOPICS: Final = (
    PETITIONS_SUBMITTED,
    CASES_DEDUPLICATED,
    NOTIFICATIONS_DELIVERED,
    NOTIFICATIONS_FAILED,
)


class BenchError(RuntimeError):
    """A phase could not finish (a service died or stalled); the message says which."""


@dataclass(frozen=True)
class BenchOptions:
    """What ``xinfang bench`` was asked for (see its --help)."""

    count: int = 6000
    partitions: int = PARTITIONS
    rate: float = 100.0
    seconds: float = 30.0
    seed: int = 2026
    json_path: Path | None = None
    #: Earlier cases written to dedup's state before its stage (see ``preload``).
    dedup_preload: int = 0
    #: Where the broker, the services' state and their logs go; a temporary directory
    #: (removed afterwards) when None.
    work_dir: Path | None = None
    #: The phases to run (always in the run's order).
    phases: frozenset[Phase] = frozenset(Phase)
    #: Processes of each service, in its consumer group, in the stages, pipeline and
    #: latency phases (see ``workers_of``).
    workers: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.workers <= MAX_WORKERS:
            raise ValueError(
                f"workers must be 1 to {MAX_WORKERS} (the inputs have {PARTITIONS} "
                f"partitions), not {self.workers}"
            )


def workers_of(service: str, workers: int) -> list[str]:
    """The process names of ``workers`` workers of a service (LocalPipeline's: "dedup",
    "dedup#2", ...): one consumer group, each with its own state directory and port."""
    return [service, *(f"{service}{WORKER_MARK}{n}" for n in range(2, workers + 1))]


class Bench:
    """One run: the broker, the generated petitions, the phases, the figures."""

    def __init__(self, options: BenchOptions, work: Path, console: Console) -> None:
        self.options = options
        self.work = work
        self.console = console
        self.broker = KafkaLocal(work / "kafka", port=free_port(), controller_port=free_port())
        self.lines: list[bytes] = []
        self.codes = sorted(agency_codes())
        self.result = BenchResult(
            options={k: _plain(v) for k, v in asdict(options).items()},
            machine={
                "cores": os.cpu_count(),
                "load_average_at_start": round(os.getloadavg()[0], 2),
                "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "commit": _commit(),
            },
        )
        self.progress = Progress(
            TextColumn("{task.description:<34}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        self._offsets: Offsets | None = None
        #: The pipeline's groups, with several workers (watched while it drains).
        self._groups: GroupWatch | None = None

    @property
    def offsets(self) -> Offsets:
        assert self._offsets is not None, "the broker is not up"
        return self._offsets

    def run(self) -> BenchResult:
        self.console.print(f"starting Kafka in {self.work / 'kafka'}")
        self.broker.up()
        self._offsets = Offsets(self.broker.bootstrap)
        try:
            phases = self.options.phases
            if phases - {Phase.LATENCY}:  # the latency phase makes its own petitions
                now = datetime.now(UTC)
                generated = generate(self.options.count, seed=self.options.seed).lines
                start, end = now - BACKLOG_SPAN, now - timedelta(minutes=5)
                self.lines = received_between(generated, start, end)
            with self.progress:
                if Phase.CEILINGS in phases:
                    self.ceilings()
                if Phase.STAGES in phases:
                    self.stages()
                if phases & {Phase.PIPELINE, Phase.LATENCY}:
                    pipeline = self.start_pipeline()
                    try:
                        if Phase.PIPELINE in phases:
                            self.whole_pipeline(pipeline)
                        if Phase.LATENCY in phases:
                            self.latency(pipeline)
                    finally:
                        pipeline.stop_all()
        finally:
            self.offsets.close()
            self.broker.down()
            self.result.machine["load_average_at_end"] = round(os.getloadavg()[0], 2)
        return self.result

    # -- phases ------------------------------------------------------------------------

    def ceilings(self) -> None:
        tag = f"c{uuid.uuid4().hex[:6]}."
        source, first, second = (f"{tag}bench.{name}" for name in ("source", "copy1", "copy2"))
        ensure_topics(
            self.broker.bootstrap,
            [source, first, second],
            partitions=self.options.partitions,
            replication_factor=1,
            config={},
        )
        self._publish(source, self.lines, "ceilings: the petitions' bytes")
        total = len(self.lines)

        task = self.progress.add_task("ceiling 1: aiokafka batch copy", total=total)
        span = asyncio.run(
            batch_copy(
                self.broker.bootstrap, source, first, f"{tag}copy1", total,
                lambda done: self.progress.update(task, completed=done),
            )
        )  # fmt: skip
        self.result.add(
            throughput_row(CEILING_1, "records copied", Window.IN_PROCESS, span, None)
        )  # fmt: skip

        group = f"{tag}copy2"
        command = [sys.executable, "-m", "services.bench.faust_copy", self.broker.bootstrap,
                   source, second, group, str(self.work / "faust-copy")]  # fmt: skip
        log_path = self.work / "logs" / "faust-copy.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log_file:
            process = subprocess.Popen(
                command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
            try:
                probe = ProcessProbe(process.pid)
                span = self._watch(
                    "ceiling 2: simplest Faust agent",
                    lambda: self.offsets.end(second),
                    total,
                    probe,
                    alive=lambda: process.poll() is None,
                    log=log_path,
                )
                row = throughput_row("ceiling 2: simplest Faust agent", "records copied",
                                  Window.OUTPUT, span, probe)  # fmt: skip
            finally:
                _terminate(process)
        self.result.add(row)

    def stages(self) -> None:
        """Each stage on topics of its own, its workers ready before its backlog is written.

        A stage's inputs are what the stages before it wrote, copied record for record
        (partition, key, value, headers, timestamp) into its own topics: the workers
        start on empty inputs, and the backlog goes in only when every worker is assigned,
        recovered and consuming (``ReadyGate``).
        """
        base = f"s{uuid.uuid4().hex[:6]}"
        prefixes = {stage: f"{base}-{stage}." for stage in STAGE_INPUTS}
        for stage, prefix in prefixes.items():
            # Only notification writes the agencies' inboxes.
            codes = self.codes if stage == "notification" else []
            create_topics(self.broker.bootstrap, prefix, codes)
        if self.options.dedup_preload:
            # Before any stage runs: building the state takes this process's CPU.
            task = self.progress.add_task(
                f"dedup: {self.options.dedup_preload:,} earlier cases", total=None
            )
            preload_dedup(self.broker.bootstrap, prefixes["dedup"], self.options.dedup_preload,
                          self.options.seed)  # fmt: skip
            self.progress.update(task, total=1, completed=1)
        counted = {
            "intake": "petitions consumed",
            "dedup": "verdicts written",
            "escalation": "verdicts consumed",
            "notification": "verdicts consumed",
        }
        if self.options.dedup_preload:
            counted["dedup"] += f", {self.options.dedup_preload:,} earlier cases indexed"
        for stage, prefix in prefixes.items():
            pipeline = LocalPipeline(self.broker.bootstrap, prefix, self.work / "stages" / stage)
            group = f"{prefix}xinfang-{stage}"
            source = STAGE_INPUTS[stage].backlog[-1].full_name(prefix)
            if stage == "dedup":
                window = Window.OUTPUT
                progress = self._end(CASES_DEDUPLICATED.full_name(prefix))
            else:
                window = Window.COMMITTED
                progress = self._committed(group, source)
            try:
                self._stage(pipeline, stage, counted[stage], window, progress, source,
                            prefixes)  # fmt: skip
            finally:
                pipeline.stop_all()

    def _stage(
        self,
        pipeline: LocalPipeline,
        stage: str,
        counted: str,
        window: Window,
        progress: Callable[[], int],
        source: str,
        prefixes: dict[str, str],
    ) -> None:
        """One stage catching up on its backlog (``STAGE_INPUTS``), the last of which,
        ``source``, is what the row counts.

        What the earlier stages wrote is read first. The inputs the workers need from the
        start are written, the workers started on their empty backlog topics, and the
        backlog written once ``ReadyGate`` opens: their group has settled, each worker's
        /health says its partitions are assigned, its tables recovered and its agents
        consuming, and nothing is done yet. The window opens at the first progress after
        that (``span_of``), so the joining, the recovery and the rebalances among the
        workers' start-up stay outside it, and no worker has worked alone on the backlog
        before the others were ready; a rebalance inside the window is counted in the row.
        """
        inputs = STAGE_INPUTS[stage]
        task = self.progress.add_task(f"{stage}: reading its inputs", total=None)
        before = [(spec.full_name(pipeline.prefix), self._upstream(spec, prefixes))
                  for spec in inputs.before]  # fmt: skip
        backlog = [(spec.full_name(pipeline.prefix), self._upstream(spec, prefixes))
                   for spec in inputs.backlog]  # fmt: skip
        total = len(backlog[-1][1])
        self.progress.update(task, total=1, completed=1)
        for topic, records in before:
            self._publish_records(topic, records, f"{stage}: its earlier inputs")
        group = f"{pipeline.prefix}xinfang-{stage}"
        names = workers_of(stage, self.options.workers)
        start = time.monotonic()
        started = [pipeline.start(name) for name in names]
        popens = [proc.process for proc in started if proc.process is not None]
        probes = [ProcessProbe(popen.pid) for popen in popens]
        watch = GroupWatch(self.offsets, {group: source}, len(names))
        try:
            self._ready(stage, started, watch, progress,
                        lambda: all(self.offsets.committed(group, topic) >= len(records)
                                    for topic, records in before))  # fmt: skip
            ready_seconds = time.monotonic() - start
            rebalances = watch.rebalances

            def write_backlog() -> None:
                for topic, records in backlog:
                    self._publish_records(topic, records, f"{stage}: the backlog")

            feed = _Feed(write_backlog)
            span = self._watch(
                f"{stage} catching up" + (f" ({len(names)} workers)" if len(names) > 1 else ""),
                progress,
                total,
                probes,
                alive=lambda: feed.check() and all(popen.poll() is None for popen in popens),
                log=lambda: next(
                    (
                        proc.log_path
                        for proc in started
                        if proc.process is not None and proc.process.poll() is not None
                    ),
                    started[0].log_path,
                ),
                group=watch,
            )
            feed.join()
            row = throughput_row(stage, counted, window, span, probes)
            row.group_settled = True
            row.rebalances = watch.rebalances - rebalances
            row.ready_seconds = round(ready_seconds, 3)
            row.backlog_seconds = feed.seconds
            row.load_average = round(os.getloadavg()[0], 2)
            self.result.add(row)
        finally:
            for name in names:
                pipeline.stop(name)

    def _upstream(self, spec: TopicSpec, prefixes: dict[str, str]) -> list[StoredRecord]:
        """What an earlier stage wrote to ``spec`` (the generated petitions for intake)."""
        if spec == PETITIONS_SUBMITTED:
            # Sent now, to the partition of its key (as ``xinfang submit`` sends them).
            return [StoredRecord(None, None, submission_key(line), line) for line in self.lines]
        return read_records(self.broker.bootstrap, spec.full_name(prefixes[WRITTEN_BY[spec.name]]))

    def _ready(
        self,
        stage: str,
        started: list[ServiceProcess],
        watch: GroupWatch,
        progress: Callable[[], int],
        earlier_inputs_done: Callable[[], bool],
    ) -> None:
        """Wait until ``ReadyGate`` opens for the stage's workers (see ``_stage``)."""
        gate = ReadyGate([proc.name for proc in started])
        task = self.progress.add_task(f"{stage}: workers assigned and recovered", total=None)
        deadline = time.monotonic() + READY_SECONDS
        while True:
            for proc in started:
                if proc.process is not None and proc.process.poll() is not None:
                    raise BenchError(f"{stage}: {proc.name} exited; its log:\n"
                                     f"{_tail(proc.log_path)}")  # fmt: skip
            settled = watch.poll()
            health = [worker_health(proc.url) for proc in started]
            try:
                if gate.observe(settled, health, progress(), earlier_inputs_done()):
                    break
            except BacklogDrainedEarlyError as exc:
                raise BenchError(f"{stage}: {exc}") from exc
            if time.monotonic() > deadline:
                raise BenchError(f"{stage}: the workers were not ready in {READY_SECONDS:.0f}s "
                                 f"(waiting for {gate.waiting_for})")  # fmt: skip
            time.sleep(POLL_SECONDS)
        self.progress.update(task, total=1, completed=1)

    def start_pipeline(self) -> LocalPipeline:
        """The four services a petition passes through, started on fresh topics, healthy."""
        prefix = f"p{uuid.uuid4().hex[:6]}."
        create_topics(self.broker.bootstrap, prefix, self.codes)
        _append_time(self.broker.bootstrap, prefix)
        # As the README's figures were taken: the ledger (LocalPipeline's fifth) reads
        # their outputs and is not in the path.
        services = ("intake", "dedup", "escalation", "notification")
        workers = self.options.workers
        pipeline = LocalPipeline(
            self.broker.bootstrap,
            prefix,
            self.work / "pipeline",
            services=tuple(name for service in services for name in workers_of(service, workers)),
        )
        try:
            task = self.progress.add_task("pipeline: starting the services", total=None)
            pipeline.start_all()
            pipeline.wait_healthy(timeout=300)
            if workers > 1:
                # Nothing is offered before every group has split its input's partitions.
                self.progress.update(task, description="pipeline: groups settling")
                self._groups = self._pipeline_groups(prefix)
                self._settle(self._groups, pipeline)
            self.progress.update(task, description="pipeline: healthy", total=1, completed=1)
        except BaseException:
            pipeline.stop_all()
            raise
        return pipeline

    def _pipeline_groups(self, prefix: str) -> GroupWatch:
        inputs = {
            "intake": PETITIONS_SUBMITTED,
            "dedup": CASES_REGISTERED,
            "escalation": CASES_DEDUPLICATED,
            "notification": CASES_DEDUPLICATED,
        }
        return GroupWatch(
            self.offsets,
            {f"{prefix}xinfang-{name}": spec.full_name(prefix) for name, spec in inputs.items()},
            self.options.workers,
        )

    def _settle(self, groups: GroupWatch, pipeline: LocalPipeline) -> None:
        deadline = time.monotonic() + SETTLE_SECONDS
        while not groups.poll():
            for name, proc in pipeline.processes.items():
                if proc.process is not None and proc.process.poll() is not None:
                    raise BenchError(f"{name} exited; its log:\n{pipeline.log_tail(name)}")
            if time.monotonic() > deadline:
                raise BenchError(
                    f"the groups of {self.options.workers} workers did not settle in "
                    f"{SETTLE_SECONDS:.0f}s"
                )
            time.sleep(POLL_SECONDS)

    def _rebalances(self) -> int | None:
        """Rebalances seen in the pipeline's groups so far (None with one worker)."""
        return self._groups.rebalances if self._groups is not None else None

    def whole_pipeline(self, pipeline: LocalPipeline) -> None:
        prefix = pipeline.prefix
        submitted = PETITIONS_SUBMITTED.full_name(prefix)
        probes = [
            ProcessProbe(proc.process.pid)
            for proc in pipeline.processes.values()
            if proc.process is not None
        ]
        ticks = sum(probe.cpu_ticks() for probe in probes)
        rebalances = self._rebalances()
        self._publish(submitted, self.lines, "pipeline: the backlog")
        self._drain(pipeline, prefix, len(self.lines), "pipeline: verdicts notified")
        # The four services together, from the backlog's publication to drained.
        ticks = sum(probe.cpu_ticks() for probe in probes) - ticks
        outputs = [
            spec.full_name(prefix)
            for spec in (CASES_DEDUPLICATED, NOTIFICATIONS_DELIVERED, NOTIFICATIONS_FAILED)
        ]
        first = min(r.timestamp_ms for r in read_timed(self.broker.bootstrap, submitted))
        last = max(
            r.timestamp_ms for topic in outputs for r in read_timed(self.broker.bootstrap, topic)
        )
        seconds = (last - first) / 1000
        self.result.add(
            Throughput("whole pipeline, end to end", "petitions submitted",
                       Window.RECORDS.value, len(self.lines), round(seconds, 3),
                       rate(len(self.lines), seconds),
                       cpu_seconds_per_message=cpu_per_message(
                           ticks, TICKS_PER_SECOND, len(self.lines)),
                       workers=self.options.workers,
                       group_settled=True if rebalances is not None else None,
                       rebalances=_less(self._rebalances(), rebalances))
        )  # fmt: skip

    def latency(self, pipeline: LocalPipeline) -> None:
        options = self.options
        prefix = pipeline.prefix
        submitted = PETITIONS_SUBMITTED.full_name(prefix)
        before = self.offsets.end(submitted)
        rebalances = self._rebalances()
        offered = int(options.rate * options.seconds)
        task = self.progress.add_task(f"latency: {options.rate:g} petitions/s", total=offered)
        tag = f"lat{uuid.uuid4().hex[:6]}"
        report = simulate(
            bootstrap=self.broker.bootstrap,
            prefix=prefix,
            rate=options.rate,
            duration=options.seconds,
            seed=options.seed + 1,
            agency_codes=self.codes,
            with_updates=False,
            on_progress=lambda sent: self.progress.update(task, completed=sent),
            tag=tag,
        )
        self._drain(pipeline, prefix, before + report.acknowledged, "latency: verdicts notified")
        sent_at: dict[str, int] = {}
        for record in read_timed(self.broker.bootstrap, submitted):
            submission = _submission_id(record.value)
            if submission is not None and tag in submission:
                sent_at.setdefault(submission, record.timestamp_ms)
        latencies = []
        for record in read_timed(self.broker.bootstrap, CASES_DEDUPLICATED.full_name(prefix)):
            verdict = CaseDeduplicated.model_validate_json(record.value or b"")
            if verdict.case.submission_id in sent_at:
                latencies.append(record.timestamp_ms - sent_at[verdict.case.submission_id])
        self.result.latency = Latency(
            offered_per_second=options.rate,
            seconds=round(report.seconds, 3),
            petitions=report.petitions,
            measured=len(latencies),
            p50_ms=percentile(latencies, 50),
            p99_ms=percentile(latencies, 99),
            max_ms=float(max(latencies)) if latencies else None,
            workers=self.options.workers,
            rebalances=_less(self._rebalances(), rebalances),
        )

    # -- helpers -----------------------------------------------------------------------

    def _committed(self, group: str, topic: str) -> Callable[[], int]:
        return lambda: self.offsets.committed(group, topic)

    def _end(self, topic: str) -> Callable[[], int]:
        return lambda: self.offsets.end(topic)

    def _publish_records(self, topic: str, records: list[StoredRecord], description: str) -> None:
        """Write ``records`` to ``topic`` as they were (see ``StoredRecord``), all acked."""
        self._send_all(
            len(records),
            description,
            lambda producer: [
                producer.send(
                    topic,
                    key=record.key,
                    value=record.value,
                    headers=list(record.headers) or None,
                    partition=record.partition,
                    timestamp_ms=record.timestamp_ms,
                )
                for record in records
            ],
        )

    def _publish(self, topic: str, lines: list[bytes], description: str) -> None:
        self._send_all(
            len(lines),
            description,
            lambda producer: [
                producer.send(topic, key=submission_key(line), value=line) for line in lines
            ],
        )

    def _send_all(
        self, total: int, description: str, send: Callable[[KafkaProducer], list[Any]]
    ) -> None:
        # Sends what ``send`` sends through one producer, then waits for every
        # acknowledgement, the progress bar following them.
        task = self.progress.add_task(f"{description}: publishing", total=total)
        producer = make_producer(self.broker.bootstrap)
        try:
            futures = send(producer)
            producer.flush()
            for number, future in enumerate(futures, start=1):
                future.get(timeout=60)
                if number % 500 == 0 or number == len(futures):
                    self.progress.update(task, completed=number)
        finally:
            producer.close()

    def _watch(
        self,
        description: str,
        progress: Callable[[], int],
        total: int,
        probe: ProcessProbe | list[ProcessProbe] | None,
        *,
        alive: Callable[[], bool],
        log: Path | Callable[[], Path],
        group: GroupWatch | None = None,
    ) -> Span:
        """Sample ``progress`` until it reaches ``total``; the window between (see span_of).

        ``group``, when given, is polled at every sample: a rebalance while the stage
        drains is counted (``GroupWatch.rebalances``).
        """
        probes = [probe] if isinstance(probe, ProcessProbe) else list(probe or ())
        task = self.progress.add_task(description, total=total)
        samples: list[Sample] = []
        moved_at = time.monotonic()
        while True:
            if not alive():
                path = log if isinstance(log, Path) else log()
                raise BenchError(f"{description}: {path.stem} exited; its log:\n{_tail(path)}")
            count = progress()
            if group is not None:
                group.poll()
            now = time.monotonic()
            cpu = sum(each.cpu_ticks() for each in probes)
            if samples and count != samples[-1].count:
                moved_at = now
            samples.append(Sample(now, count, cpu))
            self.progress.update(task, completed=count)
            span = span_of(samples, total)
            if span is not None:
                return span
            if now - moved_at > STALL_SECONDS:
                raise BenchError(
                    f"{description}: stuck at {count} of {total} for {STALL_SECONDS:.0f}s; "
                    f"its log:\n{_tail(log if isinstance(log, Path) else log())}"
                )
            time.sleep(POLL_SECONDS)

    def _drain(self, pipeline: LocalPipeline, prefix: str, submitted: int, label: str) -> None:
        """Wait until every service has consumed everything upstream of it."""
        verdicts = CASES_DEDUPLICATED.full_name(prefix)
        registered = CASES_REGISTERED.full_name(prefix)
        task = self.progress.add_task(label, total=None)
        moved_at = time.monotonic()
        last: tuple[int, ...] = ()
        while True:
            for name, proc in pipeline.processes.items():
                if proc.process is not None and proc.process.poll() is not None:
                    raise BenchError(f"{name} exited; its log:\n{pipeline.log_tail(name)}")
            counts = (
                self.offsets.committed(
                    f"{prefix}xinfang-intake", PETITIONS_SUBMITTED.full_name(prefix)
                ),
                self.offsets.end(registered),
                self.offsets.end(verdicts),
                self.offsets.committed(f"{prefix}xinfang-escalation", verdicts),
                self.offsets.committed(f"{prefix}xinfang-notification", verdicts),
            )
            consumed, cases, decided, escalated, notified = counts
            self.progress.update(task, total=cases or None, completed=notified)
            if self._groups is not None:
                self._groups.poll()  # a rebalance while draining is counted
            if consumed >= submitted and decided == cases and escalated == notified == cases:
                self.progress.update(task, total=cases, completed=cases)
                return
            if counts != last:
                moved_at, last = time.monotonic(), counts
            elif time.monotonic() - moved_at > STALL_SECONDS:
                raise BenchError(
                    f"{label}: stuck for {STALL_SECONDS:.0f}s at consumed/registered/verdicts/"
                    f"escalation/notification = {counts}"
                )
            time.sleep(POLL_SECONDS)


class _Feed:
    """Writes a stage's backlog in a thread of its own while the bench samples the stage."""

    def __init__(self, write: Callable[[], None]) -> None:
        self._write = write
        self._failure: BaseException | None = None
        #: How long writing the whole backlog took (None until done).
        self.seconds: float | None = None
        self._thread = threading.Thread(target=self._run, name="bench-feed", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        began = time.monotonic()
        try:
            self._write()
        except BaseException as exc:  # raised in the bench's thread by check()
            self._failure = exc
            return
        self.seconds = round(time.monotonic() - began, 3)

    def check(self) -> bool:
        """True; raises (as BenchError) what writing the backlog raised."""
        if self._failure is not None:
            raise BenchError(f"writing the backlog failed: {self._failure!r}") from self._failure
        return True

    def join(self) -> None:
        self._thread.join(timeout=120)
        self.check()


def _less(now: int | None, before: int | None) -> int | None:
    return None if now is None or before is None else now - before


def _append_time(bootstrap: str, prefix: str) -> None:
    """Make the timestamps of ``APPEND_TIME_TOPICS`` the broker's append time."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="xinfang-bench")
    try:
        # AlterConfigs replaces a topic's whole configuration: the registry's goes with it.
        admin.alter_configs(
            [
                ConfigResource(
                    ConfigResourceType.TOPIC,
                    spec.full_name(prefix),
                    configs=spec.topic_config() | {"message.timestamp.type": "LogAppendTime"},
                )
                for spec in APPEND_TIME_TOPICS
            ]
        )
    finally:
        admin.close()


def _plain(option: object) -> object:
    """An option as JSON has it: a path as text, the phases as a list in the run's order."""
    if isinstance(option, Path):
        return str(option)
    if isinstance(option, frozenset):
        return [phase.value for phase in Phase if phase in option]
    return option


def _submission_id(value: bytes | None) -> str | None:
    try:
        document = json.loads(value or b"")
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    submission = document.get("submission_id") if isinstance(document, dict) else None
    return submission if isinstance(submission, str) else None


def _commit() -> str | None:
    """The commit of the code measured, with "+" when the checkout has changes."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None  # not a git checkout: an installed package
    return head.stdout.strip() + ("+" if dirty.stdout.strip() else "")


def _terminate(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _tail(path: Path, lines: int = 30) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def _work_dir(chosen: Path | None) -> Iterator[Path]:
    if chosen is not None:
        chosen.mkdir(parents=True, exist_ok=True)
        yield chosen
        return
    directory = Path(tempfile.mkdtemp(prefix="xinfang-bench-"))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def run_bench(options: BenchOptions, console: Console, out: Console) -> int:
    """Run every phase and print the table; write the JSON when asked. The exit status."""
    logging.getLogger("kafka").setLevel(logging.WARNING)
    # The batch copy's consumer joins a group on a broker just started: aiokafka logs the
    # coordinator not being ready yet as an error, and retries. A real failure raises.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    with _work_dir(options.work_dir) as work:
        bench = Bench(options, work, console)
        failure: Exception | None = None
        try:
            bench.run()
        except (BenchError, KafkaLocalError, PreloadUnavailableError, TimeoutError) as exc:
            failure = exc
        result = bench.result
        wide = Console(file=out.file, width=max(out.width, TABLE_WIDTH))
        wide.print(render(result))
        if options.json_path is not None:
            options.json_path.write_text(json.dumps(result.to_json(), indent=2) + "\n")
            console.print(f"figures written to {options.json_path}")
        if failure is not None:
            console.print(f"[bold red]the bench did not finish:[/] {failure}")
            return 1
    return 0
