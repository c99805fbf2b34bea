"""The handlers' own CPU per message, without Kafka: intake, dedup, escalation and notification.

    python -m bench.handlers --count 3000
    python -m bench.handlers --count 3000 --profile escalation   # cProfile of one stage
    python -m bench.handlers --count 3000 --digest               # a digest of every effect
    python -m bench.handlers --count 20000 --up-to-dedup         # intake and dedup only

(``BENCH_SORT=tottime`` orders the profile by each function's own time;
``BENCH_PROFILE_OUT=file`` also saves it, for ``pstats``.)

``xinfang bench`` measures a service as it runs, the Faust worker and the broker included;
this measures only what the service's handlers do, so that a change to them can be judged
alone. Each service is built as ``xinfang run`` builds it, in this process, but its tables
are plain dicts and nothing reaches a broker: the handlers it registers run in offset order
on N generated petitions (intake), then on dedup's verdicts of the cases intake registered
(escalation, notification: the backlog ``xinfang bench`` gives them), each followed by its
``remember``, as the batch loop runs them. Dedup runs as its service does on what intake
registered: its matching handler on each case in the partition of its key (intake keys a
case by its matching area: an area's cases in one partition, each partition with its own
index, built from an empty ``cases`` table); its row counts verdicts. Notification knows
every petitioner's contact (its directory holds what intake published) and sends through
the record transport, as in demo mode. A warm-up on other petitions comes first, so rule
files and caches are loaded.

Printed per stage: messages, CPU milliseconds per message (process time, garbage collection
included), and the rate one core would reach on the handlers alone.

``--digest`` fixes every clock the handlers read and prints a SHA-256 per stage of every
output (topic, key, value) and of its tables' contents at the end: the same digest before
and after a change means the same bytes out and the same state for the same input.
``--batch N`` runs the handlers in batches of N messages, as the service does (a table's
writes that wait for the end of a batch, and held ones, are applied after each); by
default they run outside any batch.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import hashlib
import json
import os
import pstats
import sys
import tempfile
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, get_type_hints
from unittest import mock

from faust.streams import _current_event
from prometheus_client import REGISTRY, CollectorRegistry

from schemas.cases import CaseRegistered
from schemas.registry import CASES_DEDUPLICATED, CASES_REGISTERED, PETITIONER_CONTACTS, TopicSpec
from services.cli.generate import generate
from services.cli.submit import submission_key
from services.common import service as service_module
from services.common.batch import OPEN_BATCH, Batch
from services.common.dlq import Rejected
from services.common.handler import BatchFlush, Effects, Handler, Incoming
from services.common.metrics import Metrics
from services.common.partitioner import partition_of
from services.common.service import Service
from services.common.topics import TopicResult

#: The wall clock of a ``--digest`` run: after every generated petition was received.
FIXED_NOW: Final = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PARTITIONS: Final = 4
WARM_UP: Final = 300


@dataclass
class Stage:
    """The handlers one built service registered, by input topic, and its tables."""

    handlers: dict[str, Handler] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)


class DictTable(dict[str, Any]):
    """A table as a dict, with what dedup's state asks of a Faust table besides: a
    recovery callback (never called: nothing is recovered) and a memory store to build
    a partition's index from (empty: the tables start empty)."""

    def __init__(self) -> None:
        super().__init__()
        self.data = _MemoryStore(self)

    def on_recover(self, callback: Callable[[], Any]) -> Callable[[], Any]:
        return callback


@dataclass
class _MemoryStore:
    # What ``faust_state.stored_cases`` reads of Faust's memory store.
    data: dict[str, Any]
    _key_partition: dict[str, int] = field(default_factory=dict)


@dataclass
class Run:
    """What a stage did with its input: every effect in order, and its CPU time."""

    outputs: list[tuple[str, bytes, bytes | None]] = field(default_factory=list)
    rejected: int = 0
    seconds: float = 0.0


class _FixedClock(datetime):
    """``datetime`` whose ``now`` is FIXED_NOW: the handlers read the wall clock."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return FIXED_NOW if tz is None else FIXED_NOW.astimezone(tz)


@contextmanager
def collecting(stage: Stage) -> Iterator[None]:
    """While a service is built: its tables are dicts, its handlers are collected."""

    def table(self: Service, name: str, partitions: int, help_text: str, **_: Any) -> Any:
        stage.tables[name] = DictTable()
        return stage.tables[name]

    def consume(self: Service, spec: TopicSpec, handler: Handler, **_: BatchFlush) -> None:
        stage.handlers[spec.name] = handler

    with (
        mock.patch.object(Service, "table", table),
        mock.patch.object(Service, "consume", consume),
    ):
        yield


@contextmanager
def detached(*, fixed_clock: bool) -> Iterator[None]:
    """No broker: no topics created, no ticks; each service with its own metrics."""
    build_service = service_module.build_service

    def quiet_build(*args: Any, **kwargs: Any) -> Service:
        # Each service registers the same metric names: one registry each. Faust's own
        # sensors use the default registry, emptied before each build.
        for collector in list(REGISTRY._collector_to_names):
            REGISTRY.unregister(collector)
        kwargs["metrics"] = Metrics(CollectorRegistry())
        return build_service(*args, **kwargs)

    def no_topics(*_: Any, **__: Any) -> list[TopicResult]:
        return [TopicResult(name="", partitions=PARTITIONS, created=False)]

    with ExitStack() as patches:
        patches.enter_context(mock.patch.object(Service, "create_internal_topics"))
        patches.enter_context(mock.patch.object(Service, "tick"))
        for module in ("intake", "dedup", "escalation", "notification"):
            patches.enter_context(mock.patch(f"services.{module}.app.build_service", quiet_build))
        patches.enter_context(mock.patch("services.notification.inboxes.ensure_topics", no_topics))
        if fixed_clock:
            for module in ("intake", "dedup", "notification"):
                patches.enter_context(mock.patch(f"services.{module}.app.datetime", _FixedClock))
        yield


def messages(topic: str, values: Sequence[bytes], keys: Sequence[bytes | None]) -> list[Incoming]:
    return [
        Incoming(topic, offset % PARTITIONS, offset, key, value)
        for offset, (key, value) in enumerate(zip(keys, values, strict=True))
    ]


def submission_keys(lines: Sequence[bytes]) -> list[bytes | None]:
    """Each petition's key as ``xinfang submit`` writes it (intake refuses another key)."""
    return [submission_key(line) for line in lines]


#: Messages per batch (``--batch``): 0 runs the handlers outside any batch.
BATCH = 0
#: Only intake and dedup (``--up-to-dedup``): escalation's and notification's input is
#: dedup's verdicts made again by ``dedup-batch``'s matcher, as long as dedup's own run.
UP_TO_DEDUP = False


@dataclass(frozen=True)
class _Message:
    partition: int


@dataclass(frozen=True)
class _Event:
    message: _Message


async def _run(handler: Handler, incoming: Sequence[Incoming], run: Run) -> None:
    if BATCH <= 0:
        for message in incoming:
            await _one(handler, message, run)
        return
    # As the batch loop runs them: in a batch, each in the event of its partition (a
    # table's writes kept until the batch ends reach it then, ``services.common.batch_reads``).
    for start in range(0, len(incoming), BATCH):
        batch = Batch()
        opened = OPEN_BATCH.set(batch)
        try:
            for message in incoming[start : start + BATCH]:
                event = _Event(_Message(message.partition))
                _current_event.set(weakref.ref(event))  # type: ignore[arg-type]
                await _one(handler, message, run)
            batch.end()
            for write in batch.held:  # as the commit applies them (services.common.held)
                write()
        finally:
            OPEN_BATCH.reset(opened)
            _current_event.set(None)


async def _one(handler: Handler, message: Incoming, run: Run) -> None:
    try:
        effects: Effects = await handler(message)
    except Rejected:
        run.rejected += 1
        return
    if effects.remember is not None:
        effects.remember()
    run.outputs.extend((o.spec.name, o.key, o.value) for o in effects.outputs)


def timed(handler: Handler, incoming: Sequence[Incoming], profile: bool) -> Run:
    run = Run()
    profiler = cProfile.Profile() if profile else None
    started = time.process_time()
    if profiler is not None:
        profiler.enable()
    asyncio.run(_run(handler, incoming, run))
    if profiler is not None:
        profiler.disable()
        if os.environ.get("BENCH_PROFILE_OUT"):
            profiler.dump_stats(os.environ["BENCH_PROFILE_OUT"])
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(40)
    run.seconds = time.process_time() - started
    return run


def verdicts_of(intake: Run, matched_at: Callable[[CaseRegistered], datetime]) -> list[bytes]:
    """dedup's verdicts on what intake registered, in order (dedup's own matcher)."""
    from services.dedup.matcher import Matcher
    from services.dedup.settings import load_config
    from services.dedup.state import InMemoryMatchState

    # The matcher's input type, read from its signature: dedup is being split into
    # modules, and this bench need not follow where the type lives.
    facts_type = get_type_hints(Matcher.match)["case"]
    matcher = Matcher(InMemoryMatchState(), load_config())
    verdicts = []
    for topic, _, value in intake.outputs:
        if topic != CASES_REGISTERED.name or value is None:
            continue
        case = CaseRegistered.model_validate_json(value)
        decision = matcher.match(facts_type.from_registered(case))
        verdicts.append(decision.to_case_deduplicated(case, matched_at(case)).to_json_bytes())
    return verdicts


def build_dedup() -> Stage:
    """The dedup service, built offline, its tables empty."""
    from services.dedup.app import build as build_dedup_service
    from services.dedup.settings import DedupSettings

    stage = Stage()
    with collecting(stage):
        build_dedup_service(DedupSettings())
    return stage


def run_dedup(stage: Stage, intake: Run, profile: bool) -> tuple[Run, int]:
    """Dedup on what intake registered, as its service runs: each case matched in the
    partition of its key (its matching area). The run's outputs are the matching handler's;
    also the number of verdicts."""
    registered = [
        Incoming(
            CASES_REGISTERED.name,
            partition_of(key, CASES_REGISTERED.partitions),
            offset,
            key,
            value,
        )
        for offset, (topic, key, value) in enumerate(intake.outputs)
        if topic == CASES_REGISTERED.name and value is not None
    ]
    matched = timed(stage.handlers[CASES_REGISTERED.name], registered, profile)
    verdicts = sum(1 for topic, _, _ in matched.outputs if topic == CASES_DEDUPLICATED.name)
    return matched, verdicts


def contacts_of(intake: Run) -> list[tuple[bytes, bytes | None]]:
    return [(k, v) for topic, k, v in intake.outputs if topic == PETITIONER_CONTACTS.name]


def build_stages(fixed_clock: bool, contacts: list[tuple[bytes, bytes | None]]) -> dict[str, Stage]:
    """The three services, built offline; notification's directory holds ``contacts``."""
    from services.escalation.app import build as build_escalation
    from services.escalation.settings import EscalationSettings
    from services.intake.app import build as build_intake
    from services.intake.settings import IntakeSettings
    from services.notification.app import build as build_notification
    from services.notification.contacts import ContactDirectory
    from services.notification.settings import NotificationSettings

    directory = ContactDirectory()
    for key, value in contacts:
        directory.apply(key, value)
    stages = {name: Stage() for name in ("intake", "escalation", "notification")}
    with collecting(stages["intake"]):
        build_intake(IntakeSettings())
    with collecting(stages["escalation"]):
        build_escalation(EscalationSettings(), (lambda: FIXED_NOW) if fixed_clock else None)
    with (
        collecting(stages["notification"]),
        mock.patch("services.notification.app.ContactDirectory", return_value=directory),
    ):
        build_notification(NotificationSettings())
    return stages


def digest(run: Run, tables: dict[str, dict[str, Any]]) -> str:
    sha = hashlib.sha256()
    for topic, key, value in run.outputs:
        sha.update(f"{topic}\0{len(key)}\0{len(value or b'')}\0".encode())
        sha.update(key + (value or b""))
    sha.update(json.dumps(tables, sort_keys=True, default=str).encode())
    return sha.hexdigest()[:16]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=3000, help="generated petitions")
    parser.add_argument("--profile", choices=("intake", "dedup", "escalation", "notification"))
    parser.add_argument("--digest", action="store_true", help="fixed clocks; print digests")
    parser.add_argument(
        "--batch", type=int, default=0, help="run the handlers in batches of this many"
    )
    parser.add_argument(
        "--up-to-dedup", action="store_true", help="run intake and dedup only (quicker)"
    )
    args = parser.parse_args(argv)
    global BATCH, UP_TO_DEDUP  # read by every run of this process
    BATCH = args.batch
    UP_TO_DEDUP = args.up_to_dedup
    os.environ.setdefault("XINFANG_DEMO_MODE", "true")
    if "XINFANG_DATA_DIR" in os.environ:
        with detached(fixed_clock=args.digest):
            return _measure(args.count, args.profile, args.digest)
    # The services' data directory, removed when done (it was left in /tmp, empty).
    with tempfile.TemporaryDirectory(prefix="xinfang-handlers-") as data_dir:
        os.environ["XINFANG_DATA_DIR"] = data_dir
        try:
            with detached(fixed_clock=args.digest):
                return _measure(args.count, args.profile, args.digest)
        finally:
            del os.environ["XINFANG_DATA_DIR"]


def _measure(count: int, profile: str | None, fixed: bool) -> int:
    petitions = generate(count).lines
    warm_up = generate(WARM_UP, seed=7).lines

    def matched_at(case: CaseRegistered) -> datetime:
        return case.received_at + timedelta(seconds=1) if fixed else datetime.now(UTC)

    # Intake first, on its own: its contacts fill notification's directory.
    first = build_stages(fixed, [])["intake"]
    intake_in = messages("petitions.submitted", petitions, submission_keys(petitions))
    warm_in = messages("petitions.submitted", warm_up, submission_keys(warm_up))
    submitted = first.handlers["petitions.submitted"]
    timed(submitted, warm_in, False)
    first.tables["submissions"].clear()
    intake = timed(submitted, intake_in, profile == "intake")
    warm_intake = Run()
    asyncio.run(_run(submitted, warm_in, warm_intake))
    # Escalation's and notification's input, unless only intake and dedup are run.
    later = ("escalation", "notification") if not UP_TO_DEDUP else ()
    verdicts = verdicts_of(intake, matched_at) if later else []
    warm_verdicts = verdicts_of(warm_intake, matched_at) if later else []
    # Dedup's warm-up on a service of its own: the measured one starts with empty state.
    run_dedup(build_dedup(), warm_intake, False)
    dedup_stage = build_dedup()
    dedup, dedup_verdicts = run_dedup(dedup_stage, intake, profile == "dedup")
    stages = build_stages(fixed, contacts_of(intake) + contacts_of(warm_intake))
    runs = {"intake": intake, "dedup": dedup}
    tables = {"intake": first.tables, "dedup": dedup_stage.tables}
    for name in later:
        handler = stages[name].handlers[CASES_DEDUPLICATED.name]
        keys: list[bytes | None] = [None] * len(verdicts)
        timed(handler, messages(CASES_DEDUPLICATED.name, warm_verdicts, keys[: len(warm_verdicts)]),
              False)  # fmt: skip
        for table in stages[name].tables.values():
            table.clear()
        runs[name] = timed(
            handler, messages(CASES_DEDUPLICATED.name, verdicts, keys), profile == name
        )
        tables[name] = stages[name].tables
    print(f"{'stage':<14}{'messages':>10}{'rejected':>10}{'CPU ms/msg':>12}{'msgs/s/core':>13}"
          + ("  digest" if fixed else ""))  # fmt: skip
    for name, run in runs.items():
        count = {"intake": len(intake_in), "dedup": dedup_verdicts}.get(name, len(verdicts))
        per = run.seconds / count
        line = f"{name:<14}{count:>10}{run.rejected:>10}{per * 1000:>12.3f}{1 / per:>13,.0f}"
        print(line + (f"  {digest(run, tables[name])}" if fixed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
