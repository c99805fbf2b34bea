"""What a case's facts and lifecycle imply: escalations and warnings, each with its id.

Everything here is derived, never remembered: the engine recomputes the full list after
every event and emits only the ids it has not emitted before. Ids are deterministic
(case, rule, and the due time or count that makes the escalation distinct), which is what
makes a rescan, a restart or a replay safe.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import NamedTuple

from schemas.cases import AgencyLevel, CaseEscalated, EscalationReason, Rating
from schemas.deadlines import DeadlineWarning
from services.common.casework.clocks import Clock, ClockKind
from services.common.casework.facts import CaseFacts
from services.common.casework.lifecycle import Lifecycle
from services.common.casework.ruleset import LEVELS, EscalationRules, OpenStage, level_above
from services.common.casework.workdays import CHINA_TZ, calendar_days_due

#: What the service publishes: an escalation (cases.escalated) or a deadline warning.
Output = CaseEscalated | DeadlineWarning


def output_id(output: Output) -> str:
    """The deterministic id of an output."""
    if isinstance(output, CaseEscalated):
        return output.escalation_id
    return output.warning_id


def missed_step(output: Output) -> str | None:
    """The step whose deadline ``output`` reports missed, for the first breach only.

    Later breaches of the same deadline escalate again but miss nothing new.
    """
    if (
        not isinstance(output, CaseEscalated)
        or output.reason is not EscalationReason.DEADLINE_BREACH
    ):
        return None
    step = output.rule.removeprefix(BREACH_RULE_PREFIX)
    return step if output.escalation_id.endswith("-1") else None


#: Breach escalations name their rule ``deadline.<step>``.
BREACH_RULE_PREFIX = "deadline."


class Timed(NamedTuple):
    """An output that becomes due at ``fire_at`` (event time) if nothing stops it first.

    Its id is known at once; the output itself is built when asked for (``output``): every
    event lists all the case's future warnings and breaches, and few of them ever fire.
    A named tuple: made several times for every event (0.3 us each, a frozen dataclass 0.6).
    """

    fire_at: datetime
    output_id: str
    build: Callable[[], Output]

    @property
    def output(self) -> Output:
        return self.build()


def _stamp(moment: datetime) -> str:
    """``moment`` in UTC as ``strftime("%Y%m%dT%H%M%SZ")`` writes it, by an f-string
    (2.3 µs instead of 2.9: a clock's breach id has one)."""
    t = moment.astimezone(UTC)
    if t.year < 1000:  # strftime's %Y does not pad these
        return t.strftime("%Y%m%dT%H%M%SZ")
    return f"{t.year}{t.month:02}{t.day:02}T{t.hour:02}{t.minute:02}{t.second:02}Z"


def _escalation(
    facts: CaseFacts,
    rules: EscalationRules,
    *,
    escalation_id: str,
    reason: EscalationReason,
    rule: str,
    target_level: AgencyLevel,
    escalated_at: datetime,
    due_at: datetime,
    detail: str,
) -> CaseEscalated:
    return CaseEscalated(
        escalation_id=escalation_id,
        case_id=facts.case_id,
        matter_id=facts.matter_id,
        reason=reason,
        rule=rule,
        target_level=target_level,
        target_agency=rules.targets.bureau(facts.region_code, target_level),
        due_at=due_at,
        escalated_at=escalated_at,
        region_code=facts.region_code,
        detail=detail,
    )


def rule_escalations(
    facts: CaseFacts, lifecycle: Lifecycle, rules: EscalationRules
) -> list[CaseEscalated]:
    """Escalations that events trigger at once: repeats, groups, risk, dissatisfaction.

    The verdict's escalations happen at its event time, the case's receipt (dedup decides
    on the wall clock, which says nothing about the history being processed).
    """
    found: list[CaseEscalated] = []
    received = facts.received_at
    # A rule's days end as a legal limit's do, at 00:00 +08:00 after the N-th day (the day
    # of the event not counted: workdays.calendar_days_due), as the backlog's and a
    # breach's due times do; the urgent rules' hours run from the event itself.
    package = rules.leadership_package
    # Only the petition whose repeat count reaches the threshold escalates (dedup counts
    # one more per petition): the leader then owns the matter, later repeats join it.
    if facts.repeat_count == package.min_repeat_count:
        found.append(
            _escalation(
                facts,
                rules,
                escalation_id=f"ESC-{facts.case_id}-leadership_package",
                reason=EscalationReason.LEADERSHIP_PACKAGE,
                rule=f"leadership_package: repeat_count>={package.min_repeat_count}",
                target_level=level_above(facts.level, package.levels_up),
                escalated_at=received,
                due_at=calendar_days_due(received, package.due_days),
                detail=(
                    f"{facts.repeat_count} earlier petitions of the same petitioner(s) on "
                    f"matter {facts.matter_id}: a named leader takes the case (包案)"
                ),
            )
        )
    collective = rules.collective_petition
    if facts.makes_collective:
        found.append(
            _escalation(
                facts,
                rules,
                escalation_id=f"ESC-{facts.case_id}-collective_petition",
                reason=EscalationReason.COLLECTIVE_PETITION,
                rule=f"collective_petition: petitioners>={collective.min_petitioners}",
                target_level=level_above(facts.level, collective.levels_up),
                escalated_at=received,
                due_at=received + timedelta(hours=collective.due_hours),
                detail=(
                    f"{collective.min_petitioners} or more petitioners on matter "
                    f"{facts.matter_id}: a collective petition, urgent"
                ),
            )
        )
    risk = rules.risk_to_life
    if facts.risk_hits:
        # The id names no rule, so a case escalates once however many rules it meets.
        fired = ", ".join(dict.fromkeys(hit.rule for hit in facts.risk_hits))
        found.append(
            _escalation(
                facts,
                rules,
                escalation_id=f"ESC-{facts.case_id}-risk_to_life",
                reason=EscalationReason.RISK_TO_LIFE,
                rule=f"risk_to_life: {fired}",
                target_level=level_above(facts.level, risk.levels_up),
                escalated_at=received,
                due_at=received + timedelta(hours=risk.due_hours),
                detail="risk to life or safety (Art. 25): "
                + "; ".join(hit.describe() for hit in facts.risk_hits),
            )
        )
    dissatisfied = rules.dissatisfied_rating
    for record in lifecycle.ratings:
        if record.rating is not Rating.DISSATISFIED:
            continue
        # Opinion 1 came from the case's level, 2 (review) one up, 3 (re-review) two up:
        # the level that supervises the body that gave the opinion reviews it.
        found.append(
            _escalation(
                facts,
                rules,
                escalation_id=f"ESC-{facts.case_id}-dissatisfied_rating-{record.opinion}",
                reason=EscalationReason.DISSATISFIED_RATING,
                rule="dissatisfied_rating",
                target_level=level_above(
                    lifecycle.handling_level(facts.level),
                    dissatisfied.levels_up + record.opinion - 1,
                ),
                escalated_at=record.rated_at,
                due_at=calendar_days_due(record.rated_at, dissatisfied.due_days),
                detail=(
                    f"opinion {record.opinion} rated dissatisfied: the supervising level "
                    "reviews the handling"
                ),
            )
        )
    return found


def _clock_timers(facts: CaseFacts, clock: Clock, rules: EscalationRules) -> Iterator[Timed]:
    """A deadline clock's warning (if the clock runs then), then its breaches in time order."""
    step = clock.step.value
    due = _stamp(clock.due_at)
    warning = _warning(facts, clock, rules, step, due)
    if warning is not None:
        yield warning
    yield from _breaches(facts, clock, rules, step, due)


def _warning(
    facts: CaseFacts, clock: Clock, rules: EscalationRules, step: str, due: str
) -> Timed | None:
    clocks = rules.clocks
    warned_at = clock.warn_at(clocks.warn_share)
    if not clock.running_at(warned_at):
        return None
    warning_id = f"WRN-{facts.case_id}-{step}-{due}"
    return Timed(
        warned_at,
        warning_id,
        partial(
            DeadlineWarning,
            warning_id=warning_id,
            case_id=facts.case_id,
            matter_id=facts.matter_id,
            step=clock.step,
            article=clock.article,
            started_at=clock.started_at,
            due_at=clock.due_at,
            share_used=clocks.warn_share,
            warned_at=warned_at,
            region_code=facts.region_code,
            responsible_level=clock.responsible_level,
            responsible_agency=clock.responsible_agency,
        ),
    )


def _breaches(
    facts: CaseFacts, clock: Clock, rules: EscalationRules, step: str, due: str
) -> Iterator[Timed]:
    """The clock's breaches, made one at a time, each later than the one before (the rules
    have ``rebreach_days`` >= 1)."""
    # Supervision (督办, Art. 38-40): each breach goes one level higher, up to national.
    start = LEVELS.index(clock.responsible_level)
    interval = rules.clocks.rebreach_interval
    for breach in range(1, max(len(LEVELS) - start, 2)):
        breached_at = clock.due_at + interval * (breach - 1)
        if not clock.running_at(breached_at):
            return
        escalation_id = f"ESC-{facts.case_id}-deadline_breach-{step}-{due}-{breach}"
        build = partial(_breach, facts, rules, clock, escalation_id, breach, breached_at)
        yield Timed(breached_at, escalation_id, build)


def _breach(
    facts: CaseFacts,
    rules: EscalationRules,
    clock: Clock,
    escalation_id: str,
    breach: int,
    breached_at: datetime,
) -> CaseEscalated:
    step = clock.step.value
    target = level_above(clock.responsible_level, breach)
    # The body that owes the step: the named agency, or the level (a review's next-higher
    # body is not named on the case).
    owner = clock.responsible_agency or f"the {clock.responsible_level.value} level"
    return _escalation(
        facts,
        rules,
        escalation_id=escalation_id,
        reason=EscalationReason.DEADLINE_BREACH,
        rule=f"{BREACH_RULE_PREFIX}{step}",
        target_level=target,
        escalated_at=breached_at,
        due_at=breached_at + rules.clocks.rebreach_interval,
        detail=(
            f"{step} limit ({clock.article}) owed by {owner} due "
            f"{clock.due_at.isoformat()} missed; breach {breach}, supervision by "
            f"the {target.value} level"
        ),
    )


#: How many levels above the case the body owing each stage's opinion sits.
_STAGE_LEVEL: dict[OpenStage, int] = {
    OpenStage.HANDLING: 0,
    OpenStage.REVIEW: 1,
    OpenStage.RE_REVIEW: 2,
}


def _backlog_timers(facts: CaseFacts, lifecycle: Lifecycle, rules: EscalationRules) -> list[Timed]:
    """A stage still without its opinion after its configured days makes a backlog case
    (积案): a replied, refused, terminated or closed matter is not left unresolved."""
    backlog = rules.backlog
    timers: list[Timed] = []
    for span in lifecycle.stages:
        days = backlog.open_days.of(span.stage)
        open_until = calendar_days_due(span.started_at, days)
        if span.ended_at is not None and span.ended_at <= open_until:
            continue
        # The handling stage keeps the id backlog escalations had before stages counted,
        # so a case that was escalated then is not escalated again.
        suffix = "" if span.stage is OpenStage.HANDLING else f"-{span.stage.value}"
        target = level_above(facts.level, backlog.levels_up + _STAGE_LEVEL[span.stage])
        escalation_id = f"ESC-{facts.case_id}-backlog{suffix}"
        timers.append(
            Timed(
                open_until,
                escalation_id,
                partial(
                    _escalation,
                    facts,
                    rules,
                    escalation_id=escalation_id,
                    reason=EscalationReason.BACKLOG,
                    rule=f"backlog.{span.stage.value}: open>{days}d",
                    target_level=target,
                    escalated_at=open_until,
                    due_at=open_until + timedelta(days=backlog.due_days),
                    detail=(
                        f"{span.stage.value} without an opinion {days} days after "
                        f"{span.started_at.astimezone(CHINA_TZ).date().isoformat()}: "
                        "a backlog case (积案)"
                    ),
                ),
            )
        )
    return timers


def next_timer_at(
    facts: CaseFacts, lifecycle: Lifecycle, rules: EscalationRules, emitted: Container[str]
) -> datetime | None:
    """The earliest ``fire_at`` of the timers of :func:`timed_outputs` whose ids are not in
    ``emitted`` (None without one): what an event stores as its case's next timer.

    The same time as the first such timer of ``timed_outputs`` has, for less: a clock's
    breaches come later one after the other, so they are made only up to its first one not
    emitted (a new case's warning and first breach, not every level up to national).
    """
    times: list[datetime] = []
    for clock in lifecycle.clocks:
        if clock.kind is not ClockKind.DEADLINE:
            continue
        step = clock.step.value
        due = _stamp(clock.due_at)
        warning = _warning(facts, clock, rules, step, due)
        if warning is not None and warning.output_id not in emitted:
            times.append(warning.fire_at)
        for breach in _breaches(facts, clock, rules, step, due):
            if breach.output_id not in emitted:
                times.append(breach.fire_at)
                break
    times.extend(
        timer.fire_at
        for timer in _backlog_timers(facts, lifecycle, rules)
        if timer.output_id not in emitted
    )
    return min(times, default=None)


def timed_outputs(facts: CaseFacts, lifecycle: Lifecycle, rules: EscalationRules) -> list[Timed]:
    """Every warning, breach and backlog escalation the case's clocks imply, in time order.

    A timer is included only if its clock was running at its fire time, judged by event
    time; the engine fires the ones whose time has passed and remembers their ids.
    """
    timers = [
        timer
        for clock in lifecycle.clocks
        if clock.kind is ClockKind.DEADLINE
        for timer in _clock_timers(facts, clock, rules)
    ]
    timers.extend(_backlog_timers(facts, lifecycle, rules))
    return sorted(timers, key=lambda timer: timer.fire_at)
