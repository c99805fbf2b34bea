"""The accused guard: an accusation is never sent to the unit or person it accuses.

"Never disclose an accuser's identity or materials to the person or unit accused"
(DOMAIN.md, Notification and evaluation; Art. 31 for accusations and reports). Intake's
routing should already send an accusation against a body one level up; this guard is the
last line before a notice leaves the service, so it errs towards suppressing: a name that
contains the other, either way round, counts as a match ("渭滨区住房和城乡建设局" accuses
the bureau, "渭滨区住房和城乡建设局李某" a person in it, "住房和城乡建设局" is ambiguous and
suppressed too). A suppressed notice is recorded with FailureReason.SUPPRESSED_ACCUSED so
that an operator sees it and re-routes the case.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from schemas.cases import MatterKind
from schemas.notifications import FailureReason

#: Shorter names than this are too unspecific to match inside another name ("局").
_MIN_NAME_LENGTH = 4
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Suppression:
    """A notice held back, with the named reason recorded on notifications.failed."""

    reason: FailureReason
    detail: str


def _normalise(name: str) -> str:
    # NFKC folds full-width letters and digits; punctuation and spaces carry no identity.
    return _NOISE.sub("", unicodedata.normalize("NFKC", name)).casefold()


def names_match(accused: str, name: str) -> bool:
    """Whether ``accused`` designates ``name`` or someone within it (or the reverse)."""
    left, right = _normalise(accused), _normalise(name)
    if not left or not right:
        return False
    if left == right:
        return True
    shorter, longer = sorted((left, right), key=len)
    return len(shorter) >= _MIN_NAME_LENGTH and shorter in longer


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
