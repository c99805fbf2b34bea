"""Letters for the dedup matcher's unit tests, and their run through one matcher."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from services.dedup.config import DedupConfig
from services.dedup.decision import DedupDecision
from services.dedup.facts import CaseFacts
from services.dedup.index import CaseIndex
from services.dedup.matcher import Matcher
from services.dedup.records import CaseRecord
from services.dedup.state import InMemoryMatchState
from tests.unit.dedup.test_text_and_state import a_record

#: No sketch bands: an index record looked up by its places and names alone.
NO_BANDS = np.array([], dtype=np.uint64)


def letter(
    n: int, title: str, content: str, *, start: datetime, region: str, ref: str = "pr_writer"
) -> CaseFacts:
    """The ``n``-th letter, ``n`` days after ``start``, case id ``XF-000n``."""
    return CaseFacts(
        case_id=f"XF-{n:04d}",
        received_at=start + timedelta(days=n),
        region_code=region,
        petitioner_refs=(ref,),
        title=title,
        content=content,
    )


def run(cases: list[CaseFacts]) -> list[DedupDecision]:
    """Each letter's decision, matched in order by one matcher on an empty state."""
    matcher = Matcher(InMemoryMatchState())
    return [matcher.match(case) for case in cases]


def strangers_matters(
    first: tuple[str, str], second: tuple[str, str], *, start: datetime, region: str
) -> list[str]:
    """The matters of a letter and, nine days later, a stranger's (title, content)."""
    decisions = run(
        [
            letter(n, title, content, start=start, region=region, ref=f"pr_{n}")
            for n, (title, content) in ((0, first), (9, second))
        ]
    )
    return [decision.matter_id for decision in decisions]


def strangers_pair(
    first: tuple[str, str], second: tuple[str, str], *, start: datetime, region: str
) -> tuple[bool, float]:
    """Whether a stranger's (title, content), twelve days after the first, joins its
    matter, and its score."""
    decisions = run(
        [
            letter(0, *first, start=start, region=region, ref="pr_first"),
            letter(12, *second, start=start, region=region, ref="pr_second"),
        ]
    )
    return decisions[1].matter_id == decisions[0].matter_id, decisions[1].score


def indexed(
    places: tuple[str, ...], *, topic: str = "", config: DedupConfig | None = None
) -> tuple[CaseIndex, CaseRecord]:
    """An index holding one stranger's record (case ``c0``) of ``places`` and ``topic``.

    The record is looked up by its places and names only: no sketch, no petitioner.
    """
    index = CaseIndex.for_config(config or DedupConfig())
    record = replace(
        a_record("c0"), sequence=0, shingle_count=0, petitioner_refs=(), places=places, topic=topic
    )
    index.add(record, NO_BANDS)
    return index, record
