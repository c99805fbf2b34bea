"""Updates the engine refused, as dead letters on ``petitions.rejected``: the reason and
detail of each, and for a held update refused later, the letter pointing at its message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from schemas.keys import CaseKey
from schemas.petitions import RejectReason, Stage
from schemas.registry import CASES_UPDATES, PETITIONS_REJECTED
from services.common.casework.refusals import RejectionReason
from services.common.dlq import Rejected, dead_letter
from services.common.handler import Output
from services.escalation.engine import Rejection


def invalid_transition(rejection: Rejection) -> Rejected:
    """The dead letter's reason and detail for an update the engine refused."""
    reason = (
        RejectReason.CONFLICTING_DUPLICATE
        if rejection.reason is RejectionReason.UPDATE_ID_REUSED
        else RejectReason.INVALID_TRANSITION
    )
    return Rejected(reason, f"{rejection.reason.value}: {rejection.detail}")


def dead_letters(rejections: Sequence[Rejection], prefix: str, now: datetime) -> list[Output]:
    """Dead letters of held updates refused later: they point at the original message."""
    letters = []
    for rejection in rejections:
        source = rejection.source
        refused = invalid_transition(rejection)
        key, value = dead_letter(
            stage=Stage.ESCALATION,
            reason=refused.reason,
            detail=refused.detail,
            topic=CASES_UPDATES.full_name(prefix),
            partition=source.partition if source else 0,
            offset=source.offset if source else 0,
            key=CaseKey(case_id=rejection.update.case_id).to_json_bytes(),
            value=rejection.update.to_json_bytes(),
            now=now,
        )
        letters.append(Output(PETITIONS_REJECTED, key, value))
    return letters
