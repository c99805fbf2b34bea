"""Benchmark the recovery of a restarted dedup worker holding N cases, on a real Kafka.

    python -m bench.dedup_recovery [--n 1000000] [--regions 50] [--seed 11]
                                   [--timeout 3600] [--work DIR] [--worker-env NAME=VALUE]

1. Starts an Apache Kafka broker (``KafkaLocal``, KRaft, free ports, in a temporary
   directory or ``--work``) and creates every topic under a fresh prefix.
2. Fills the dedup state of N cases, the fastest honest way: the cases go through the
   service's own code (``extract_features``, then ``record`` with a first decision: the
   bulk load of ``bench.dedup_bench``, so every case opens a matter), one state per
   partition as the service keeps them, and the result is produced to the changelog
   topics of the service's tables, serialised as those tables serialise it, each
   record to the partition its case's region is re-keyed to (Kafka's default
   partitioner, as the service's producer uses); plus the ``regions`` table the service
   keeps of its verdicts. Each table key is written once (a case, its new matter), so
   the changelogs hold exactly what the service's would after processing the same
   cases: a case writes one ``cases`` and one ``matters`` record whatever its verdict.
   Two of the cases are petitions registered by intake's own code.
3. Cold restore: starts ``xinfang run dedup`` with an empty data directory, publishes a
   reworded repeat of one of those two petitions on ``cases.registered`` (as intake
   would), and times, from the process start: ``/health`` answering 200, and the
   repeat's verdict on ``cases.deduplicated``, which must link it to its original's
   matter (the state really was restored).
4. Restart: stops the worker (SIGTERM) and starts it again on the same data directory
   (RocksDB intact), and times the same with the other petition's repeat.

Prints the changelog's records and bytes per case, each phase from the worker's log
(changelog read, index rebuilt per partition), and the times. Target: <= 60 s.
``--worker-env`` sets an environment variable of the worker (repeatable): Faust reads its
settings from such variables too (e.g. ``STREAM_BUFFER_MAXSIZE``), to try them out.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiokafka.partitioner import DefaultPartitioner  # type: ignore[import-untyped]
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from bench.dedup_bench import first_decision, synthetic_matter
from bench.make_dedup_eval import Generator, Matter
from schemas.cases import CaseRegistered
from schemas.keys import CaseKey, PetitionerKey
from schemas.matters import RegionKey
from schemas.registry import CASES_DEDUPLICATED, CASES_REGISTERED
from services.cli.pipeline import LocalPipeline
from services.common import regions
from services.common.keys import DEMO_HMAC_KEY
from services.common.submitted import parse
from services.common.topics import create_topics, ensure_topics
from services.common.worker import internal_topics
from services.dedup.app import BY_REGION, build
from services.dedup.config import DedupConfig
from services.dedup.facts import CaseFacts
from services.dedup.features import extract_features
from services.dedup.recording import record
from services.dedup.records import case_details
from services.dedup.settings import DedupSettings
from services.dedup.state import InMemoryMatchState
from services.devtools.kafka_local import KafkaLocal, free_port
from services.intake.register import register
from services.intake.routing import agency_codes


@dataclass(frozen=True)
class Anchor:
    """A petition registered by intake and put into the state, and its reworded repeat."""

    case: CaseRegistered
    repeat: CaseRegistered


@dataclass(frozen=True)
class Recovery:
    """How long a start took, from the process start (s), and what the repeat got."""

    healthy: float
    up: float
    answered: float
    verdict: dict[str, Any]
    phases: dict[str, float]


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark a dedup worker's recovery.")
    parser.add_argument("--n", type=int, default=1_000_000, help="cases in the state")
    parser.add_argument("--regions", type=int, default=50, help="counties (keys)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--timeout", type=float, default=3600, help="per start, seconds")
    parser.add_argument("--work", type=Path, help="directory to work in (kept)")
    parser.add_argument(
        "--worker-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable of the worker (repeatable)",
    )
    args = parser.parse_args()
    for setting in args.worker_env:
        if "=" not in setting:
            parser.error(f"--worker-env {setting!r}: expected NAME=VALUE")
    if args.work is not None:
        args.work.mkdir(parents=True, exist_ok=True)
        run(args, args.work)
        return
    with tempfile.TemporaryDirectory(prefix="dedup-recovery-") as directory:
        run(args, Path(directory))


def run(args: argparse.Namespace, work: Path) -> None:
    """Start Kafka in ``work``, fill the state, time a cold and a warm start."""
    broker = KafkaLocal(work / "kafka", port=free_port(), controller_port=free_port())
    broker.up()
    try:
        prefix = f"r{uuid.uuid4().hex[:8]}."
        create_topics(broker.bootstrap, prefix, agency_codes())
        anchors = fill(args, broker.bootstrap, prefix)
        pipeline = LocalPipeline(broker.bootstrap, prefix, work / "worker", services=("dedup",))
        pipeline.extra_env.update(setting.split("=", 1) for setting in args.worker_env)
        try:
            cold = start_and_time(pipeline, anchors[0], broker.bootstrap, args.timeout)
            report("cold restore (empty data directory)", cold, anchors[0])
            stopped = pipeline.stop("dedup", timeout=120)
            print(f"worker stopped (exit {stopped})")
            warm = start_and_time(pipeline, anchors[1], broker.bootstrap, args.timeout)
            report("restart (RocksDB intact)", warm, anchors[1])
        finally:
            pipeline.stop_all()
    finally:
        broker.down()
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


def fill(args: argparse.Namespace, bootstrap: str, prefix: str) -> list[Anchor]:
    """Produce the changelogs of a dedup state of ``args.n`` cases; two anchors in it."""
    config = DedupConfig()
    settings = DedupSettings(bootstrap_servers=bootstrap, topic_prefix=prefix, demo_mode=True)
    service = build(settings)
    ensure_topics(
        bootstrap,
        internal_topics(service),
        partitions=BY_REGION.partitions,
        replication_factor=1,
        config={"cleanup.policy": "compact"},
    )
    partitions = list(range(BY_REGION.partitions))
    partitioner = DefaultPartitioner()

    def partition_of(key: bytes) -> int:
        chosen: int = partitioner(key, partitions, partitions)
        return chosen

    counties = [r.code for r in regions.default_table() if regions.is_matter_region(r.code)]
    codes = counties[: args.regions]
    partition_of_region = {
        code: partition_of(RegionKey(region_code=code).to_json_bytes()) for code in codes
    }
    states = {partition: InMemoryMatchState() for partition in partitions}
    gen = Generator(args.seed)
    rng = gen.rng
    now = datetime.now(UTC)
    # Received over the horizon up to yesterday: the worker's sweep keeps all of them.
    first = now - timedelta(days=config.horizon_days - 30)
    span = (now - timedelta(days=1) - first).total_seconds()
    anchor_at = {args.n // 3: 0, 2 * args.n // 3: 1}
    anchors: list[Anchor] = []
    started = time.perf_counter()
    for n in range(args.n):
        at = first + timedelta(seconds=span * n / args.n)
        matter = synthetic_matter(gen, rng.choice(codes), n)
        if n in anchor_at:
            anchor = registered_pair(gen, matter, at, anchor_at[n])
            anchors.append(anchor)
            case = CaseFacts.from_registered(anchor.case)
        else:
            title, sentences = gen.compose(matter, personal=rng.random() < 0.5)
            case = CaseFacts(
                case_id=f"XF-R{n:09d}",
                received_at=at,
                region_code=matter.region,
                petitioner_refs=(f"pr_{n:08x}{rng.getrandbits(64):016x}",),
                title=title,
                content=gen.punctuate(sentences, False, False),
            )
        state = states[partition_of_region[case.region_code]]
        record(state, case, extract_features(case, config), first_decision(case), config)
        if n and n % 100_000 == 0:
            print(f"  state of {n:,} cases ({time.perf_counter() - started:.0f} s)", flush=True)
    print(f"state of {args.n:,} cases in {time.perf_counter() - started:.0f} s")

    tables = {table.name: table for table in service.app.tables.values()}
    serializers = service.app.serializers
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        linger_ms=20,
        batch_size=1 << 20,
        client_id="dedup-recovery-bench",
    )
    records: Counter[str] = Counter()
    sizes: Counter[str] = Counter()

    def send(name: str, key: str, value: Any, partition: int) -> None:
        table = tables[name]
        raw_key = serializers.dumps_key(table.key_type, key, serializer=table.key_serializer)
        raw_value = serializers.dumps_value(
            table.value_type, value, serializer=table.value_serializer
        )
        topic = table.changelog_topic.get_topic_name()
        producer.send(topic, key=raw_key, value=raw_value, partition=partition)
        records[name] += 1
        sizes[name] += len(raw_key or b"") + len(raw_value or b"")

    started = time.perf_counter()
    for partition, state in states.items():
        for case_id, value in state.cases.items():
            send("cases", case_id, value, partition)
            # What remember_region keeps of the case's verdict, in that topic's partition.
            verdict_key = CaseKey(case_id=case_id).to_json_bytes()
            region = case_details(value).region_code
            send("regions", case_id, region, partition_of(verdict_key))
        for matter_id, matter in state.matters.items():
            send("matters", matter_id, matter, partition)
    producer.flush()
    producer.close()
    total = sum(records.values())
    print(
        f"changelogs: {total:,} records ({total / args.n:.2f} a case), "
        f"{sum(sizes.values()) / 2**20:,.0f} MiB ({sum(sizes.values()) / args.n:,.0f} bytes "
        f"a case), produced in {time.perf_counter() - started:.0f} s"
    )
    for name in sorted(records):
        print(f"  {name:8s} {records[name]:>10,} records {sizes[name] / 2**20:>8,.0f} MiB")
    return anchors


def registered_pair(gen: Generator, matter: Matter, at: datetime, number: int) -> Anchor:
    """A petition registered by intake, and intake's registration of a reworded repeat."""
    title, sentences = gen.compose(matter, personal=True)
    petitioner = {"name": "张三" if number == 0 else "李四", "phone": f"1380013800{number}"}

    def registered(submission: str, when: datetime, title: str, content: str) -> CaseRegistered:
        petition = {
            "submission_id": submission,
            "channel": "online",
            "received_at": when.isoformat(),
            "petitioner": petitioner,
            "region_code": matter.region,
            "title": title,
            "content": content,
        }
        parsed = parse(json.dumps(petition, ensure_ascii=False).encode())
        return register(parsed, hmac_key=DEMO_HMAC_KEY.encode(), now=when).case

    original = registered(
        f"recovery-{number}-a", at, title, gen.punctuate(sentences, False, False)
    )
    title, content, _ = gen.reword(matter, title, sentences)
    repeat = registered(
        f"recovery-{number}-b", datetime.now(UTC) - timedelta(minutes=1), title, content
    )
    return Anchor(case=original, repeat=repeat)


def start_and_time(
    pipeline: LocalPipeline, anchor: Anchor, bootstrap: str, timeout: float
) -> Recovery:
    """Start the worker, publish the repeat, time health and the repeat's verdict."""
    verdicts = CASES_DEDUPLICATED.full_name(pipeline.prefix)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    tps = [TopicPartition(verdicts, p) for p in sorted(consumer.partitions_for_topic(verdicts))]
    consumer.assign(tps)
    consumer.seek_to_end(*tps)
    for tp in tps:
        consumer.position(tp)
    started_at = datetime.now(UTC)
    started = time.monotonic()
    proc = pipeline.start("dedup")
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    key = PetitionerKey(petitioner_ref=anchor.repeat.petitioner_ref).to_json_bytes()
    producer.send(
        CASES_REGISTERED.full_name(pipeline.prefix), key=key, value=anchor.repeat.to_json_bytes()
    ).get(timeout=30)
    producer.close()
    healthy: float | None = None
    up: float | None = None
    verdict: dict[str, Any] | None = None
    answered = 0.0
    try:
        while verdict is None or healthy is None or up is None:
            elapsed = time.monotonic() - started
            if elapsed > timeout:
                raise TimeoutError(
                    f"not recovered in {timeout:.0f} s:\n{pipeline.log_tail('dedup')}"
                )
            if proc.process is not None and proc.process.poll() is not None:
                raise RuntimeError(f"the worker exited:\n{pipeline.log_tail('dedup')}")
            if healthy is None and proc.healthy():
                healthy = time.monotonic() - started
            if up is None and _up(proc.metrics_text if healthy is not None else None):
                up = time.monotonic() - started
            for messages in consumer.poll(timeout_ms=200).values():
                for message in messages:
                    value = json.loads(message.value)
                    if value["case_id"] == anchor.repeat.case_id:
                        verdict, answered = value, time.monotonic() - started
    finally:
        consumer.close()
    return Recovery(healthy, up, answered, verdict, phases(pipeline, started_at))


_UP = re.compile(r"^xinfang_up\{[^}]*\} 1(\.0)?$", re.MULTILINE)


def _up(metrics: Callable[[], str] | None) -> bool:
    """Whether the worker's /metrics say xinfang_up 1 (its partitions assigned, recovered)."""
    if metrics is None:
        return False
    try:
        return bool(_UP.search(metrics()))
    except OSError:
        return False


_PHASES = {
    "Restoring state from changelog topics": "changelog read started",
    "Done reading from changelog topics": "changelog read done",
    "Worker ready": "Faust: worker ready",
}


def phases(pipeline: LocalPipeline, started_at: datetime) -> dict[str, float]:
    """Milestones of the last start in the worker's JSON log, seconds after the start."""
    found: dict[str, float] = {}
    rebuilt = 0.0
    for line in pipeline.processes["dedup"].log_path.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        at = (datetime.fromisoformat(entry["ts"]) - started_at).total_seconds()
        if at < 0:
            continue
        message = entry.get("msg", "")
        for text, phase in _PHASES.items():
            if text in message:
                found.setdefault(phase, at)
        if message == "index rebuilt":
            rebuilt += float(entry["seconds"])
            found[f"index of partition {entry['partition']} ({entry['cases']:,} cases)"] = at
    found["index rebuilding, all partitions (s)"] = rebuilt
    return found


def report(title: str, recovery: Recovery, anchor: Anchor) -> None:
    """Print one start's figures; fail if the repeat was not linked to its original."""
    verdict = recovery.verdict
    expected = f"MT-{anchor.case.case_id}"
    linked = verdict["verdict"] == "repeat" and verdict["matter_id"] == expected
    print(f"{title}:")
    print(f"  /health 200 after {recovery.healthy:.1f} s, xinfang_up 1 after {recovery.up:.1f} s")
    print(
        f"  first new lookup answered after {recovery.answered:.1f} s: "
        f"{verdict['verdict']} of {verdict['matter_id']} "
        f"({'linked to its original' if linked else 'NOT linked to ' + expected})"
    )
    for phase, seconds in recovery.phases.items():
        print(f"    {phase}: {seconds:.1f} s")
    if not linked:
        raise SystemExit("the restored state did not find the original: recovery failed")



if __name__ == "__main__":
    main()
