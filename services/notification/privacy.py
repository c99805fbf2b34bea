"""The accused guard: an accusation is never sent to the unit or person it accuses.

"Never disclose an accuser's identity or materials to the person or unit accused"
(DOMAIN.md, Notification and evaluation; Art. 31 for accusations and reports). Intake's
routing should already send an accusation against a body one level up; this guard is the
last line before a notice leaves the service, so it errs towards suppressing: a name that
contains the other, either way round, counts as a match ("渭滨区住房和城乡建设局" accuses
the bureau, "渭滨区住房和城乡建设局李某" a person in it, "住房和城乡建设局" is ambiguous and
suppressed too). A suppressed notice is recorded with FailureReason.SUPPRESSED_ACCUSED so
that an operator sees it and re-routes the case. The matching of names is shared with the
gateway (``services.common.accused``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from schemas.cases import MatterKind
from schemas.notifications import FailureReason
from services.common.accused import names_match


@dataclass(frozen=True)
class Suppression:
    """A notice held back, with the named reason recorded on notifications.failed."""

    reason: FailureReason
    detail: str


def accused_guard(
    matter_kind: MatterKind, accused: str | None, recipient_names: Iterable[str]
) -> Suppression | None:
    """A Suppression when an accusation would reach the body or person it accuses.

    ``recipient_names`` are every name the recipient goes by: the agency's code and name,
    a receiver's units and aliases.
    """
    if matter_kind is not MatterKind.ACCUSATION or not accused:
        return None
    for name in recipient_names:
        if names_match(accused, name):
            return Suppression(
                FailureReason.SUPPRESSED_ACCUSED,
                f"the accusation names {accused!r}, which designates the recipient {name!r}",
            )
    return None
