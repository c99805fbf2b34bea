"""Replay a case history through the escalation rules and clocks, with no broker.

The input is JSON lines, one event each::

    {"topic": "cases.deduplicated", "value": {...CaseDeduplicated, the case inside...}}
    {"topic": "cases.updates",      "value": {...CaseUpdate...}, "at": "2026-12-01T09:00:00+08:00"}

``at`` is when the service would have seen the event; it defaults to the event's own
time (the verdict's case received_at, the update's occurred_at), and lets a history reproduce
late or out-of-order arrival. Events are replayed in ``at`` order (file order on ties); before
each, the timers are scanned as the periodic timer would have; after the last, they are
scanned at ``until``. The output is every warning, escalation and rejection as JSON lines
(``xinfang escalation-replay``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from schemas.base import AwareDatetime
from schemas.cases import CaseDeduplicated, CaseEscalated, CaseUpdate
from schemas.registry import CASES_DEDUPLICATED, CASES_UPDATES
from services.escalation.clock import event_time
from services.escalation.engine import EscalationEngine, Rejection, StepResult
from services.escalation.escalations import Output
from services.escalation.ruleset import EscalationRules
from services.escalation.tables import InMemoryCaseStore

CaseEvent = CaseDeduplicated | CaseUpdate
_MODELS: dict[str, type[CaseEvent]] = {
    CASES_DEDUPLICATED.name: CaseDeduplicated,
    CASES_UPDATES.name: CaseUpdate,
}


class HistoryInputError(ValueError):
    """A line of the history cannot be read; the message names the line."""


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


def read_history(lines: Iterable[str]) -> list[HistoryEvent]:
    """Parse a JSON-lines history (blank lines skipped); raises ``HistoryInputError``."""
    events: list[HistoryEvent] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            envelope = _HistoryLine.model_validate_json(text)
            model = _MODELS.get(envelope.topic)
            if model is None:
                raise HistoryInputError(
                    f"line {number}: topic {envelope.topic!r} is not one of {sorted(_MODELS)}"
                )
            event = model.model_validate(envelope.value)
        except ValidationError as error:
            raise HistoryInputError(f"line {number}: {error}") from error
        at = envelope.at or event_time(event)
        if at.tzinfo is None:
            raise HistoryInputError(f"line {number}: a time zone is required for 'at'")
        events.append(HistoryEvent(number, at, event))
    return events


def replay(
    history: Iterable[HistoryEvent], until: datetime, rules: EscalationRules
) -> Iterator[Output | Rejection]:
    """Every warning, escalation and rejection the history produces up to ``until``.

    Runs the service's own engine over an in-memory store, so the result is what the
    service would have published, event by event. An update's dead letter names its
    line as the offset.
    """
    engine = EscalationEngine(rules, InMemoryCaseStore())
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


def to_json_line(item: Output | Rejection) -> str:
    """One output line: ``{"type": "escalation"|"warning"|"rejection", ...}``."""
    if isinstance(item, Rejection):
        record: dict[str, Any] = {
            "type": "rejection",
            "update_id": item.update.update_id,
            "case_id": item.update.case_id,
            "kind": item.update.kind.value,
            "reason": item.reason.value,
            "detail": item.detail,
        }
    elif isinstance(item, CaseEscalated):
        record = {"type": "escalation", **item.model_dump(mode="json", exclude_none=True)}
    else:
        record = {"type": "warning", **item.model_dump(mode="json", exclude_none=True)}
    return json.dumps(record, ensure_ascii=False)
