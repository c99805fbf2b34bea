"""The escalation service: cases.deduplicated + cases.updates -> cases.escalated,
cases.deadlines. Wiring only: the logic is in ``engine`` and the modules it uses.

Both inputs are keyed by case_id with 4 partitions, so they are co-partitioned: partition
p of each holds the same cases, and the tables below, keyed by case_id, see both. Every
table write happens inside an event of that partition (a verdict, an update, or a tick
on the service's own tick topic, see ``clock``), after the broker has acknowledged the
outputs of that event (``Effects.remember``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final, TypeVar

from pydantic import Field, ValidationError
from pydantic_settings import SettingsConfigDict

from schemas.base import Contract
from schemas.cases import CaseDeduplicated, CaseEscalated, CaseUpdate, UpdateKind
from schemas.keys import CaseKey
from schemas.petitions import RejectReason, Stage
from schemas.registry import (
    CASES_DEADLINES,
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_UPDATES,
    PETITIONS_REJECTED,
    TopicSpec,
)
from services.common.dlq import Rejected, dead_letter
from services.common.service import NOTHING, Effects, Incoming, Output, Service, build_service
from services.common.settings import ServiceSettings, SettingsError
from services.common.topics import ensure_topics
from services.escalation.clock import (
    Clock,
    ClockMode,
    Tick,
    TickKey,
    advance,
    event_now,
    watermark_key,
)
from services.escalation.engine import EscalationEngine, Rejection
from services.escalation.escalations import Output as EngineOutput
from services.escalation.escalations import missed_step
from services.escalation.lifecycle import step_duration
from services.escalation.ruleset import (
    DEFAULT_RULES_PATH,
    EscalationRules,
    RulesFileError,
    load_rules,
)
from services.escalation.state import StagedStore
from services.escalation.tables import TableCaseStore, open_cases
from services.escalation.workdays import calendar_covers

log = logging.getLogger(__name__)

#: How often the gauge of open cases is recounted from the index table.
OPEN_CASES_INTERVAL_SECONDS: Final = 30.0
#: Ticks are worthless once scanned: keep them an hour.
TICK_RETENTION_MS: Final = 3600 * 1000


class EscalationSettings(ServiceSettings):
    """Escalation: the legal clocks and the escalation rules (prefix XINFANG_ESCALATION_)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_prefix="XINFANG_ESCALATION_")

    web_port: int = Field(default=6068, ge=1, le=65535)
    rules_path: Path = Field(
        default=DEFAULT_RULES_PATH,
        description="the escalation rule file (time limits, clocks, rules), validated at start",
    )
    clock: ClockMode = Field(
        default=ClockMode.WALL,
        description=(
            "what the timer scan takes as now: 'wall' (production) or 'event', the lower of "
            "the two inputs' highest event times per partition (tests and replays drive "
            "time with the events they publish)"
        ),
    )
    tick_seconds: float = Field(
        default=5.0, gt=0.0, le=3600.0, description="how often every partition is scanned"
    )


def tick_topic(service: Service) -> TopicSpec:
    """The service's internal tick topic, named from its app id (prefix included)."""
    app_id = str(service.app.conf.id)
    return TopicSpec(
        name=app_id.removeprefix(service.settings.topic_prefix) + "-ticks",
        description="internal: a tick per partition tells the scan to run in its context",
        key_model=TickKey,
        value_model=Tick,
        producers=("escalation",),
        consumers=("escalation",),
        examples=(),
        partitions=CASES_UPDATES.partitions,
        retention_ms=TICK_RETENTION_MS,
    )


M = TypeVar("M", bound=Contract)


def _parse(model: type[M], message: Incoming) -> M:
    try:
        return model.model_validate_json(message.value or b"")
    except ValidationError as exc:
        raise Rejected(RejectReason.SCHEMA_VIOLATION, str(exc)[:2000]) from None


def _published(outputs: Sequence[EngineOutput]) -> list[Output]:
    return [
        Output(
            CASES_ESCALATED if isinstance(o, CaseEscalated) else CASES_DEADLINES,
            CaseKey(case_id=o.case_id).to_json_bytes(),
            o.to_json_bytes(),
        )
        for o in outputs
    ]


def _dead_letters(rejections: Sequence[Rejection], prefix: str, now: datetime) -> list[Output]:
    """Dead letters of held updates refused later: they point at the original message."""
    letters = []
    for rejection in rejections:
        source = rejection.source
        key, value = dead_letter(
            stage=Stage.ESCALATION,
            reason=RejectReason.INVALID_TRANSITION,
            detail=f"{rejection.reason.value}: {rejection.detail}",
            topic=CASES_UPDATES.full_name(prefix),
            partition=source.partition if source else 0,
            offset=source.offset if source else 0,
            key=CaseKey(case_id=rejection.update.case_id).to_json_bytes(),
            value=rejection.update.to_json_bytes(),
            now=now,
        )
        letters.append(Output(PETITIONS_REJECTED, key, value))
    return letters


def load_checked_rules(settings: EscalationSettings) -> EscalationRules:
    """The rule file, or ``SettingsError`` naming every bad line (the CLI exits 2)."""
    try:
        return load_rules(settings.rules_path)
    except RulesFileError as exc:
        raise SettingsError(f"invalid escalation rules:\n{exc}") from None
    except OSError as exc:
        raise SettingsError(f"XINFANG_ESCALATION_RULES_PATH: {exc}") from None


def build(settings: EscalationSettings, wall_clock: Clock | None = None) -> Service:
    """The escalation service; creates its tick topic on the broker."""
    rules = load_checked_rules(settings)
    clock: Clock = wall_clock or (lambda: datetime.now(UTC))
    if not calendar_covers(clock().date()):
        log.warning("the holiday calendar does not cover this year: update chinese_calendar")
    service = build_service(Stage.ESCALATION, settings)
    app = service.app
    prefix = settings.topic_prefix
    partitions = CASES_UPDATES.partitions
    cases = service.table("cases", partitions, "case_id -> CaseState")
    orphans = service.table("orphans", partitions, "case_id -> updates awaiting their verdict")
    index = service.table("index", partitions, "case_id -> partition, due time, open status")
    watermarks = service.table("watermarks", partitions, "input/partition -> event time")
    ticks = tick_topic(service)
    ensure_topics(
        settings.bootstrap_servers,
        [ticks.full_name(prefix)],
        partitions=ticks.partitions,
        replication_factor=settings.replication_factor,
        config=ticks.topic_config(),
    )

    m = service.metrics
    escalations_total = m.counter("xinfang_escalations_total")
    warnings_total = m.counter("xinfang_escalation_warnings_total")
    breaches_total = m.counter("xinfang_escalation_breaches_total")
    open_gauge = m.gauge("xinfang_escalation_open_cases")
    durations = {
        UpdateKind.ACCEPTED: m.histogram("xinfang_escalation_time_to_acceptance_seconds"),
        UpdateKind.REPLIED: m.histogram("xinfang_escalation_time_to_reply_seconds"),
    }

    def engine_for(partition: int) -> tuple[EscalationEngine, StagedStore]:
        staged = StagedStore(TableCaseStore(cases, orphans, index, partition))
        return EscalationEngine(rules, staged), staged

    def committing(
        staged: StagedStore,
        outputs: Sequence[EngineOutput],
        also: Callable[[], None] | None = None,
    ) -> Callable[[], None]:
        def remember() -> None:
            staged.commit()
            for output in outputs:
                if isinstance(output, CaseEscalated):
                    escalations_total.labels(
                        reason=output.reason.value, level=output.target_level.value
                    ).inc()
                    step = missed_step(output)
                    if step is not None:
                        breaches_total.labels(step=step).inc()
                else:
                    warnings_total.labels(step=output.step.value).inc()
            if also is not None:
                also()

        return remember

    def watermark(spec: TopicSpec, partition: int, event_time: datetime) -> Callable[[], None]:
        key = watermark_key(spec, partition)

        def write() -> None:
            watermarks[key] = advance(watermarks.get(key), event_time)

        return write

    async def on_verdict(message: Incoming) -> Effects:
        verdict = _parse(CaseDeduplicated, message)
        engine, staged = engine_for(message.partition)
        result = engine.on_verdict(verdict)
        outputs = _published(result.outputs) + _dead_letters(result.rejections, prefix, clock())
        mark = watermark(CASES_DEDUPLICATED, message.partition, verdict.decided_at)
        return Effects(outputs, committing(staged, result.outputs, mark))

    async def on_update(message: Incoming) -> Effects:
        update = _parse(CaseUpdate, message)
        engine, staged = engine_for(message.partition)
        result = engine.on_update(update, message.partition, message.offset)
        if isinstance(result, Rejection):
            # The lifecycle does not allow it (or it came too late): to the DLQ, with why.
            raise Rejected(
                RejectReason.INVALID_TRANSITION, f"{result.reason.value}: {result.detail}"
            )
        state = staged.get(update.case_id)
        lifecycle = engine.lifecycle(update.case_id)
        measured = (
            step_duration(state.facts, lifecycle, update)
            if state is not None and lifecycle is not None and update in state.updates
            else None
        )
        mark = watermark(CASES_UPDATES, message.partition, update.occurred_at)

        def observe() -> None:
            mark()
            if measured is not None:
                kind, took = measured
                durations[kind].observe(took.total_seconds())

        return Effects(_published(result), committing(staged, result, observe))

    async def on_tick(message: Incoming) -> Effects:
        _parse(Tick, message)
        if settings.clock is ClockMode.EVENT:
            now = event_now(watermarks, message.partition)
            if now is None:
                return NOTHING
        else:
            now = clock()
        engine, staged = engine_for(message.partition)
        result = engine.scan(now)
        outputs = _published(result.outputs) + _dead_letters(result.rejections, prefix, clock())
        if not outputs and not staged.staged:
            return NOTHING
        return Effects(outputs, committing(staged, result.outputs))

    service.consume(CASES_DEDUPLICATED, on_verdict)
    service.consume(CASES_UPDATES, on_update)
    service.consume(ticks, on_tick)
    tick_source = service.topic(ticks)

    @app.timer(settings.tick_seconds)  # type: ignore[untyped-decorator]
    async def send_ticks() -> None:
        # A timer may not write tables: it asks each partition this worker holds to scan.
        name = tick_source.get_topic_name()
        for tp in sorted(app.consumer.assignment()):
            if tp.topic == name:
                await tick_source.send(
                    key=TickKey(partition=tp.partition).to_json_bytes(),
                    value=Tick(sent_at=clock()).to_json_bytes(),
                    partition=tp.partition,
                )

    counted: set[tuple[str, str]] = set()

    @app.timer(OPEN_CASES_INTERVAL_SECONDS)  # type: ignore[untyped-decorator]
    async def count_open_cases() -> None:
        counts = open_cases(index)
        for state, level in counted - set(counts):
            open_gauge.labels(state=state, level=level).set(0)
        for (state, level), count in counts.items():
            open_gauge.labels(state=state, level=level).set(count)
        counted.update(counts)

    return service
