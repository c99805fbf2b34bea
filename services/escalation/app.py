"""The escalation service: cases.deduplicated + cases.updates -> cases.escalated,
cases.deadlines. Wiring only: the logic is in ``engine`` and the modules it uses.

Both inputs are keyed by case_id with 4 partitions, so they are co-partitioned: partition
p of each holds the same cases, and so does partition p of the service's tick topic and
of its one table (see ``tables``). Every table write happens inside an event of that
partition (a verdict, an update, or a tick), under the service's lock of the partition,
and its changelog records leave once the outputs of the batch are acknowledged
(``Effects.remember``, ``services.common.service``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Final

from schemas.cases import CaseDeduplicated, CaseEscalated, CaseUpdate, UpdateKind
from schemas.internal import Tick
from schemas.keys import CaseKey
from schemas.petitions import Stage
from schemas.registry import (
    CASES_DEADLINES,
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_UPDATES,
    TopicSpec,
)
from services.common.batch_reads import ReadInBatch
from services.common.casework.lifecycle import step_duration
from services.common.casework.workdays import CHINA_TZ
from services.common.handler import NOTHING, Effects, Incoming, Output, parse_value
from services.common.service import Service, build_service
from services.common.topics import internal_topic
from services.escalation.clock import (
    Clock,
    ClockMode,
    advance,
    event_now,
    event_time,
    is_watermark_key,
    watermark_key,
)
from services.escalation.engine import EscalationEngine, Rejection
from services.escalation.escalations import Output as EngineOutput
from services.escalation.escalations import missed_step
from services.escalation.refused import dead_letters, invalid_transition
from services.escalation.settings import (
    EscalationSettings,
    load_checked_calendar,
    load_checked_rules,
)
from services.escalation.state import StagedStore
from services.escalation.tables import (
    BucketBounds,
    TableCaseStore,
    due_index_key,
    due_list_key,
    open_cases,
)

log = logging.getLogger(__name__)

#: How often the gauge of open cases is recounted from the index table.
OPEN_CASES_INTERVAL_SECONDS: Final = 30.0
#: Ticks are worthless once scanned: keep them an hour.
TICK_RETENTION_MS: Final = 3600 * 1000


#: The timer's ticks, one per partition: the scan runs in the tick's event.
TICKS: Final = internal_topic(
    Stage.ESCALATION, "ticks", CaseKey, Tick, "the timer scan's ticks",
    retention_ms=TICK_RETENTION_MS,
)  # fmt: skip


def _published(outputs: Sequence[EngineOutput]) -> list[Output]:
    return [
        Output(
            CASES_ESCALATED if isinstance(o, CaseEscalated) else CASES_DEADLINES,
            CaseKey(case_id=o.case_id).to_json_bytes(),
            o.to_json_bytes(),
        )
        for o in outputs
    ]


def _once_per_batch(key: str) -> bool:
    """The keys whose writes in a batch reach the table once, when it ends: the due index
    (``due_index_key``) and the watermarks (``is_watermark_key``).

    A watermark was written for every verdict and update, one write of the Faust table
    (its store, its bookkeeping) each, for the last one only to count: its changelog sends
    each key's last write of a batch (``latest_writes``). Kept to the batch's end, the last
    value is written once, after every case row of the batch, which keeps the rule a
    watermark stands for (stored, every case write before it is: ``committing``): in any
    prefix of the batch's changelog records, the watermark comes after the batch's case
    rows. It is read in a tick's event only, inside a batch, as ``ReadInBatch`` requires.
    """
    return due_index_key(key) or is_watermark_key(key)


def build(settings: EscalationSettings, wall_clock: Clock | None = None) -> Service:
    """The escalation service; creates its tick topic on the broker."""
    rules = load_checked_rules(settings)
    clock: Clock = wall_clock or (lambda: datetime.now(UTC))

    def missing_year(year: int) -> None:
        # Once per year and process: the calendar computes a missing year once.
        log.warning(
            "the holiday calendar does not cover a year a deadline needs: counting only its "
            "statutory holidays, without the State Council's adjusted days; add the year's "
            "notice to the calendar file (XINFANG_ESCALATION_CALENDAR_PATH)",
            extra={"year": year, "calendar": str(settings.calendar_path)},
        )
        missing_year_gauge.set(min(calendar.missing_years()))

    # Checked before anything starts, like the rule file.
    calendar = load_checked_calendar(settings, missing_year)
    service = build_service(Stage.ESCALATION, settings)
    missing_year_gauge = service.metrics.gauge("xinfang_escalation_calendar_missing_year")
    # The year under way is needed by every clock that runs now: report it at once.
    calendar.is_working_day(clock().astimezone(CHINA_TZ).date())
    service.create_internal_topics(TICKS)
    prefix = settings.topic_prefix
    # One table, so one changelog keeps the order of every write (see ``tables``). Its
    # values are read once per batch (``ReadInBatch``): ``tables`` and the watermarks copy
    # a value before they change it, and every write in a batch goes through this one.
    # The due index's buckets, rewritten for each of their cases, reach the table once
    # per batch, when it ends (``due_index_key``); so do the watermarks, which every
    # verdict and update advances (``_once_per_batch``).
    table = ReadInBatch(
        service.table(
            "state", CASES_UPDATES.partitions, "cases, orphans, due index, open cases, watermarks"
        ),
        later=_once_per_batch,
        first=due_list_key,
    )
    bounds = BucketBounds()

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
        staged = StagedStore(TableCaseStore(table, partition, bounds))
        return EscalationEngine(rules, staged, calendar), staged

    def committing(
        staged: StagedStore,
        outputs: Sequence[EngineOutput],
        watermark: tuple[TopicSpec, int, datetime] | None = None,
        also: Callable[[], None] | None = None,
    ) -> Callable[[], None]:
        def remember() -> None:
            staged.commit()
            if watermark is not None:
                # Last: a watermark stored means every case write before it is stored.
                spec, partition, moment = watermark
                key = watermark_key(spec, partition)
                table[key] = advance(table.get(key), moment)
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

    async def on_verdict(message: Incoming) -> Effects:
        verdict = parse_value(CaseDeduplicated, message)
        engine, staged = engine_for(message.partition)
        result = engine.on_verdict(verdict)
        outputs = _published(result.outputs)
        if result.rejections:  # held updates its case refuses: rare, and they read the clock
            outputs += dead_letters(result.rejections, prefix, clock())
        mark = (CASES_DEDUPLICATED, message.partition, event_time(verdict))
        return Effects(outputs, committing(staged, result.outputs, mark))

    async def on_update(message: Incoming) -> Effects:
        update = parse_value(CaseUpdate, message)
        engine, staged = engine_for(message.partition)
        result = engine.on_update(update, message.partition, message.offset)
        if isinstance(result, Rejection):
            # The lifecycle does not allow it (or it came too late): to the DLQ, with why.
            raise invalid_transition(result)
        state = staged.get(update.case_id)
        lifecycle = engine.lifecycle(update.case_id)
        measured = (
            step_duration(state.facts, lifecycle, update)
            if state is not None and lifecycle is not None and update in state.updates
            else None
        )

        def observe() -> None:
            if measured is not None:
                kind, took = measured
                durations[kind].observe(took.total_seconds())

        mark = (CASES_UPDATES, message.partition, event_time(update))
        return Effects(_published(result), committing(staged, result, mark, observe))

    async def on_tick(message: Incoming) -> Effects:
        parse_value(Tick, message)
        if settings.clock is ClockMode.EVENT:
            now = event_now(table, message.partition)
            if now is None:
                return NOTHING
        else:
            now = clock()
        engine, staged = engine_for(message.partition)
        result = engine.scan(now)
        outputs = _published(result.outputs) + dead_letters(result.rejections, prefix, clock())
        if not outputs and not staged.staged:
            return NOTHING
        return Effects(outputs, committing(staged, result.outputs))

    service.consume(CASES_DEDUPLICATED, on_verdict)
    service.consume(CASES_UPDATES, on_update)
    service.consume(TICKS, on_tick)
    service.tick(TICKS, settings.tick_seconds)

    counted: set[tuple[str, str]] = set()

    @service.app.timer(OPEN_CASES_INTERVAL_SECONDS)  # type: ignore[untyped-decorator]
    async def count_open_cases() -> None:
        counts = open_cases(table)
        for state, level in counted - set(counts):
            open_gauge.labels(state=state, level=level).set(0)
        for (state, level), count in counts.items():
            open_gauge.labels(state=state, level=level).set(count)
        counted.update(counts)

    return service
