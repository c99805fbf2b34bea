"""Replay a case history through the escalation rules and clocks, with no broker.

The input is JSON lines, one event each, in an envelope that says its topic::

    {"topic": "cases.deduplicated", "value": {...CaseDeduplicated, the case inside...}}
    {"topic": "cases.updates",      "value": {...CaseUpdate...}, "at": "2026-12-01T09:00:00+08:00"}

``value`` is the event exactly as it is on the topic (``schemas/json/<topic>.value.json``).
``at`` is when the service would have seen the event; it defaults to the event's own
time (the verdict's case received_at, the update's occurred_at), and lets a history reproduce
late or out-of-order arrival. Events are replayed in ``at`` order (file order on ties); before
each, the timers are scanned as the periodic timer would have; after the last, they are
scanned at ``until``. A line that cannot be read is reported with its number and reason and
left out; the others are replayed. The output is every warning, escalation and rejection as
JSON lines, every time in China Standard Time (``xinfang escalation-replay``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ValidationError

from schemas.base import AwareDatetime
from schemas.cases import CaseDeduplicated, CaseEscalated, CaseUpdate
from schemas.registry import CASES_DEDUPLICATED, CASES_UPDATES
from services.common.casework.holidays import HolidayCalendar
from services.common.casework.ruleset import EscalationRules
from services.common.casework.workdays import CHINA_TZ
from services.escalation.clock import event_time
from services.escalation.engine import EscalationEngine, Rejection, StepResult
from services.escalation.escalations import Output
from services.escalation.tables import InMemoryCaseStore

CaseEvent = CaseDeduplicated | CaseUpdate
_MODELS: dict[str, type[CaseEvent]] = {
    CASES_DEDUPLICATED.name: CaseDeduplicated,
    CASES_UPDATES.name: CaseUpdate,
}


@dataclass(frozen=True)
class HistoryProblem:
    """A line of the history that cannot be read, and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


#: The envelope every line needs, as the error for a line without it says.
ENVELOPE: Final = (
    '{"topic": "cases.deduplicated" | "cases.updates", "value": {...the event...}, '
    '"at": optional ISO 8601 time with a zone}'
)
#: Validation errors shown per line; the rest are counted.
_ERRORS_SHOWN: Final = 3


class _HistoryLine(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    topic: str
    at: AwareDatetime | None = None
    value: dict[str, Any]


@dataclass(frozen=True)
class HistoryEvent:
    """One event of a history: where it was in the file, when it is seen, what it is."""

    line: int
    at: datetime
    event: CaseEvent


def _errors(error: ValidationError, prefix: str) -> str:
    shown = [
        f"{'.'.join(str(part) for part in (prefix, *item['loc']) if part != '')}: {item['msg']}"
        for item in error.errors()[:_ERRORS_SHOWN]
    ]
    more = error.error_count() - len(shown)
    return "; ".join(shown) + (f" (and {more} more)" if more > 0 else "")


def _bare_topic(raw: str) -> str | None:
    """The topic a line without an envelope looks like it came from, if any."""
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(value, dict):
        return None
    if {"verdict", "case"} <= value.keys():
        return CASES_DEDUPLICATED.name
    if {"update_id", "kind"} <= value.keys():
        return CASES_UPDATES.name
    return None


def _read_line(number: int, text: str) -> HistoryEvent | HistoryProblem:
    try:
        envelope = _HistoryLine.model_validate_json(text)
    except ValidationError as error:
        bare = _bare_topic(text)
        if bare is not None:
            return HistoryProblem(
                number,
                f"a bare {bare} event: wrap it as "
                f'{{"topic": "{bare}", "value": <the event>}}',
            )
        if error.errors()[0]["type"] == "json_invalid":
            return HistoryProblem(number, f"not JSON: {error.errors()[0]['msg']}")
        return HistoryProblem(number, f"expected {ENVELOPE}: {_errors(error, '')}")
    model = _MODELS.get(envelope.topic)
    if model is None:
        return HistoryProblem(
            number, f"topic {envelope.topic!r} is not one of {sorted(_MODELS)}"
        )
    try:
        event = model.model_validate(envelope.value)
    except ValidationError as error:
        return HistoryProblem(number, f"not a {envelope.topic} event: {_errors(error, 'value')}")
    return HistoryEvent(number, envelope.at or event_time(event), event)


def read_history(lines: Iterable[str]) -> tuple[list[HistoryEvent], list[HistoryProblem]]:
    """Parse a JSON-lines history (blank lines skipped): the events of the lines that can
    be read, and a problem for each line that cannot."""
    events: list[HistoryEvent] = []
    problems: list[HistoryProblem] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        read = _read_line(number, text)
        if isinstance(read, HistoryProblem):
            problems.append(read)
        else:
            events.append(read)
    return events, problems


def replay(
    history: Iterable[HistoryEvent],
    until: datetime,
    rules: EscalationRules,
    calendar: HolidayCalendar | None = None,
) -> Iterator[Output | Rejection]:
    """Every warning, escalation and rejection the history produces up to ``until``.

    Runs the service's own engine over an in-memory store, so the result is what the
    service would have published, event by event. An update's dead letter names its
    line as the offset.
    """
    engine = EscalationEngine(rules, InMemoryCaseStore(), calendar)
    for item in sorted(history, key=lambda item: (item.at, item.line)):
        if item.at > until:
            break
        yield from _flat(engine.scan(item.at))
        event = item.event
        if isinstance(event, CaseDeduplicated):
            yield from _flat(engine.on_verdict(event))
        else:
            result = engine.on_update(event, offset=item.line)
            yield from [result] if isinstance(result, Rejection) else result
    yield from _flat(engine.scan(until))


def _flat(result: StepResult) -> list[Output | Rejection]:
    return [*result.outputs, *result.rejections]


def _in_china(value: Any) -> Any:
    # One zone for every time of the output: events may carry any zone, limits are
    # counted in China Standard Time.
    if isinstance(value, datetime):
        return value.astimezone(CHINA_TZ).isoformat()
    if isinstance(value, dict):
        return {key: _in_china(item) for key, item in value.items()}
    return value


def to_json_line(item: Output | Rejection) -> str:
    """One output line: ``{"type": "escalation"|"warning"|"rejection", ...}``, every time
    in China Standard Time (+08:00)."""
    if isinstance(item, Rejection):
        record: dict[str, Any] = {
            "type": "rejection",
            "update_id": item.update.update_id,
            "case_id": item.update.case_id,
            "kind": item.update.kind.value,
            "occurred_at": item.update.occurred_at,
            "reason": item.reason.value,
            "detail": item.detail,
        }
    elif isinstance(item, CaseEscalated):
        record = {"type": "escalation", **item.model_dump(mode="python", exclude_none=True)}
    else:
        record = {"type": "warning", **item.model_dump(mode="python", exclude_none=True)}
    return json.dumps(_in_china(record), ensure_ascii=False)
