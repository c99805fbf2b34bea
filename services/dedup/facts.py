"""What the matcher takes of a registered case (``CaseFacts``), and its units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from schemas.cases import (
    CaseRegistered,
)
from schemas.petitions import Language

UNCLASSIFIED: Final = "unclassified"
DAY: Final = 86_400


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the matcher needs of a registered case."""

    case_id: str
    received_at: datetime
    region_code: str
    #: The petitioner first, then co-petitioners and representatives (keyed HMACs).
    petitioner_refs: tuple[str, ...]
    title: str
    content: str
    field: str = UNCLASSIFIED
    accused: str | None = None
    language: Language = Language.ZH
    #: The SHA-256 of the registered content (``conflicts.case_digest``), when the service
    #: matches the case: kept in its record, to tell a redelivery from a conflicting case.
    digest: str | None = None

    @classmethod
    def from_registered(cls, case: CaseRegistered, digest: str | None = None) -> CaseFacts:
        """The facts of a case on ``cases.registered`` (``digest``: see the field)."""
        refs = dict.fromkeys((case.petitioner_ref, *case.co_petitioner_refs))
        return cls(
            case_id=case.case_id,
            received_at=case.received_at,
            region_code=case.region_code,
            petitioner_refs=tuple(refs),
            title=case.title,
            content=case.content,
            field=case.field,
            accused=case.accused,
            language=case.language,
            digest=digest,
        )

    @property
    def received_epoch(self) -> int:
        """``received_at`` in epoch seconds, as the state stores times."""
        return int(self.received_at.timestamp())
