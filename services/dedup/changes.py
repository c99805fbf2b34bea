"""What dedup tells on ``matters.changes``: an operator's command applied or refused, and
the matters a letter merged."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from schemas.cases import CaseRegistered
from schemas.matters import (
    ChangeOutcome,
    MatterChanged,
    MatterCommand,
    MatterCommandKind,
    MatterKey,
)
from schemas.registry import MATTERS_CHANGES
from services.common.handler import Output
from services.dedup.decision import DedupDecision
from services.dedup.records import MatterRecord


def changed(command: MatterCommand, matter: MatterRecord, now: datetime, **extra: Any) -> Output:
    """The command applied: the matter as it now stands (``extra``: what moved)."""
    event = MatterChanged(
        command_id=command.command_id,
        kind=command.kind,
        outcome=ChangeOutcome.APPLIED,
        region_code=command.region_code,
        matter_id=matter.matter_id,
        matter_petitions=matter.petitions,
        matter_petitioners=matter.petitioners.people,
        operator=command.operator,
        reason=command.reason,
        applied_at=now,
        **extra,
    )
    return _told(event)


def refused(command: MatterCommand, detail: str, now: datetime) -> Output:
    """The command refused, with why; keyed by the matter it named (or its own id)."""
    matter_id = command.keep_matter_id or command.case_id or command.command_id
    event = MatterChanged(
        command_id=command.command_id, kind=command.kind, outcome=ChangeOutcome.REFUSED,
        detail=detail, region_code=command.region_code, matter_id=matter_id,
        operator=command.operator, reason=command.reason, applied_at=now,
    )  # fmt: skip
    return _told(event)


def merged_by(case: CaseRegistered, decision: DedupDecision, now: datetime) -> list[Output]:
    """The matters a case merged (``DedupDecision.merged``), told as an operator's merge is."""
    outputs = []
    for merged in decision.merged:
        event = MatterChanged(
            command_id=f"{case.case_id}-merge-{merged.matter_id}",
            kind=MatterCommandKind.MERGE,
            outcome=ChangeOutcome.APPLIED,
            region_code=case.region_code,
            matter_id=decision.matter_id,
            absorbed_matter_id=merged.matter_id,
            moved_case_ids=list(merged.case_ids),
            matter_petitions=decision.matter_petitions,
            matter_petitioners=decision.matter_petitioners,
            operator="dedup",
            reason=f"case {case.case_id} is the same matter as both",
            applied_at=now,
        )
        outputs.append(_told(event))
    return outputs


def _told(event: MatterChanged) -> Output:
    """``event`` on matters.changes, keyed by the matter it is about."""
    key = MatterKey(matter_id=event.matter_id).to_json_bytes()
    return Output(MATTERS_CHANGES, key, event.to_json_bytes())
