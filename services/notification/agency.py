"""What an agency receives on its inbox: its case, masked, and nothing it must not see."""

from __future__ import annotations

from schemas.cases import AgencyCase, MatterKind
from schemas.notices import CaseFile


def agency_case(case: CaseFile) -> AgencyCase:
    """The AgencyCase for ``agency.<code>.inbox`` of the case's competent agency.

    Only the masked petitioner ever leaves, and for an accusation not even that: the
    accuser's identity is kept from every handling body, not only from the accused (the
    guard in ``privacy`` keeps the case itself from the accused). The accused's name, the
    full content and contact details are never part of an AgencyCase.
    """
    return AgencyCase(
        case_id=case.case_id,
        matter_id=case.matter_id,
        received_at=case.received_at,
        region_code=case.region_code,
        kind=case.kind,
        field=case.field,
        title=case.title,
        verdict=case.verdict,
        repeat_count=case.repeat_count,
        petitioner=None if case.kind is MatterKind.ACCUSATION else case.petitioner,
    )
