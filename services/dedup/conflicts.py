"""A registered case dedup has recorded, arriving again with other facts.

Intake gives every submission one case id and refuses other content under a submission id
it knows, so a second, different ``CaseRegistered`` under a recorded case id comes from
elsewhere (a replayed old topic, a hostile producer). Dedup keeps its first decision and
dead-letters the second version (``conflicting_duplicate``); the same facts again are a
redelivery, which gets the first decision again (``Matcher.match``).
"""

from __future__ import annotations

from typing import Final

from schemas.petitions import RejectReason
from services.common.dlq import Rejected
from services.dedup.facts import CaseFacts
from services.dedup.records import CaseRecord

#: What the recorded case keeps of the facts, compared field by field (the text is kept
#: only as a sketch: a different text with the same facts is not told apart here).
COMPARED: Final = ("region_code", "field", "petitioner_refs", "received_at")


def check_same_case(recorded: CaseRecord, case: CaseFacts) -> None:
    """Rejected (conflicting_duplicate) when ``case`` differs from the recorded case."""
    arrived = {
        "region_code": case.region_code,
        "field": case.field,
        "petitioner_refs": case.petitioner_refs,
        "received_at": case.received_epoch,
    }
    differ = [name for name in COMPARED if getattr(recorded, name) != arrived[name]]
    if differ:
        raise Rejected(
            RejectReason.CONFLICTING_DUPLICATE,
            f"case {case.case_id} is recorded already with other {', '.join(differ)}: "
            "its first decision is kept",
        )
