"""What dedup keeps for a redelivered case (its content's digest, its first decision's
matter) is in the case's record, not in a ``digests`` table row of its own: one table
write and one changelog record a case fewer. A state restored from older changelogs
(records without it, a ``digests`` row beside them, of either form) is still read: the
redelivery gets its first verdict again, and other content under the case id is refused.

The service's matching handler is run here as ``xinfang run dedup`` builds it, its tables
plain dicts, no broker."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any
from unittest import mock

import numpy as np
import pytest
from prometheus_client import REGISTRY, CollectorRegistry

from bench.handlers import DictTable
from schemas.cases import CaseRegistered, Verdict
from schemas.petitions import RejectReason
from schemas.registry import CASES_DEDUPLICATED, CASES_REGISTERED, TopicSpec
from services.common.dlq import Rejected
from services.common.handler import Effects, Handler, Incoming
from services.common.metrics import Metrics
from services.common.partitioner import partition_of
from services.common.regions import area_key
from services.common.service import Service, build_service
from services.dedup import app as dedup_app
from services.dedup.conflicts import KeptCase, case_digest
from services.dedup.records import (
    CaseColumns,
    CaseRecord,
    MatchReason,
    MatterStatus,
    case_details,
)
from services.dedup.settings import DedupSettings
from tests.unit.dedup.test_matcher import CONTENT, NEIGHBOURS, T0
from tests.unit.escalation.test_engine import registered

#: The figures a verdict gives of its matter, which later cases change.
_FIRST = ("matter_id", "first_case_id", "open_case_id", "matter_petitions",
          "matter_petitioners", "collective", "matter_state", "verdict", "reason")  # fmt: skip


class _Dedup:
    """The dedup service built offline: its handlers by input topic, its tables."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}
        self.tables: dict[str, DictTable] = {}

    def table(self, name: str, *_: Any, **__: Any) -> DictTable:
        self.tables[name] = DictTable()
        return self.tables[name]

    def consume(self, spec: TopicSpec, handler: Handler, **_: Any) -> None:
        self.handlers[spec.name] = handler

    def match(self, case: CaseRegistered) -> dict[str, Any]:
        """The verdict on ``case`` (its JSON), matched in its area's partition."""
        key = area_key(case.region_code)
        message = Incoming(
            CASES_REGISTERED.name,
            partition_of(key, CASES_REGISTERED.partitions),
            0,
            key,
            case.to_json_bytes(),
        )
        handler = self.handlers[CASES_REGISTERED.name]

        async def handle() -> Effects:
            return await handler(message)

        effects = asyncio.run(handle())
        if effects.remember is not None:
            effects.remember()
        [verdict] = [o for o in effects.outputs if o.spec is CASES_DEDUPLICATED]
        assert verdict.value is not None
        value: dict[str, Any] = json.loads(verdict.value)
        return value


def _built() -> _Dedup:
    built = _Dedup()

    def quiet_build(*args: Any, **kwargs: Any) -> Service:
        # The service's metrics in a registry of their own; Faust's sensors register in
        # the default one, emptied first (as ``bench.handlers`` builds the services).
        for collector in list(REGISTRY._collector_to_names):
            REGISTRY.unregister(collector)
        kwargs["metrics"] = Metrics(CollectorRegistry())
        return build_service(*args, **kwargs)

    with (
        mock.patch.object(Service, "table", built.table),
        mock.patch.object(Service, "consume", built.consume),
        mock.patch.object(Service, "create_internal_topics"),
        mock.patch.object(Service, "tick"),
        mock.patch.object(dedup_app, "build_service", quiet_build),
    ):
        dedup_app.build(DedupSettings())
    return built


@pytest.fixture
def dedup() -> _Dedup:
    return _built()


def _restored(dedup: _Dedup, case_id: str, row: Callable[[KeptCase], Any]) -> _Dedup:
    """A new worker on ``dedup``'s state as an older version wrote it: the record of
    ``case_id`` without what it keeps, that kept in a ``digests`` row (``row``)."""
    restored = _built()
    for name, table in dedup.tables.items():
        restored.tables[name].update(table)
    cases = restored.tables["cases"]
    record = CaseRecord.decode(case_id, cases[case_id])
    kept = KeptCase.from_text(record.kept)
    assert kept is not None
    cases[case_id] = replace(record, kept="").encode()
    restored.tables["digests"][case_id] = row(kept)
    # Each record's partition, as a recovery gives it (the index is built from them).
    for key in cases:
        region = CaseRecord.decode(key, cases[key]).region_code
        cases.data._key_partition[key] = partition_of(area_key(region), CASES_REGISTERED.partitions)
    return restored


def _case(case_id: str, content: str, ref: str, hours: int = 0) -> CaseRegistered:
    return registered(
        case_id,
        title="阳光小区地下室长期积水",
        content=content,
        petitioner_ref=ref,
        received_at=T0.replace(hour=9 + hours),
        registered_at=T0.replace(hour=9 + hours),
    )


def _first(verdict: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(verdict[name] for name in _FIRST)


def _joined_by_neighbours(dedup: _Dedup) -> None:
    for i, text in enumerate(NEIGHBOURS):
        verdict = dedup.match(_case(f"XF-N{i}", text, f"pr_neighbour_{i}", hours=i + 1))
        assert verdict["matter_id"] == "MT-XF-K1"


def test_the_first_decision_is_kept_in_the_record_and_given_again(dedup: _Dedup) -> None:
    case = _case("XF-K1", CONTENT, "pr_alice")
    first = dedup.match(case)
    # Nothing in a table of its own: the record keeps it.
    assert dedup.tables["digests"] == {}
    kept = KeptCase.from_text(CaseRecord.decode("XF-K1", dedup.tables["cases"]["XF-K1"]).kept)
    assert kept is not None
    assert kept.first is not None
    assert kept.first["matter_petitions"] == first["matter_petitions"] == 1
    _joined_by_neighbours(dedup)
    again = dedup.match(case)
    assert not first["collective"]
    assert _first(again) == _first(first)
    # Intake producing the case again after a crash stamps it anew: still a redelivery.
    produced_again = case.model_copy(update={"registered_at": case.registered_at.replace(hour=20)})
    assert _first(dedup.match(produced_again)) == _first(first)
    with pytest.raises(Rejected) as refused:
        dedup.match(case.model_copy(update={"title": case.title + "（补充）"}))
    assert refused.value.reason is RejectReason.CONFLICTING_DUPLICATE


@pytest.mark.parametrize(
    "row",
    [KeptCase.to_json, lambda kept: kept.digest],
    ids=["digest and first decision", "digest alone"],
)
def test_a_case_whose_digest_is_in_the_old_table_is_read_as_before(
    dedup: _Dedup, row: Callable[[KeptCase], Any]
) -> None:
    case = _case("XF-K1", CONTENT, "pr_alice")
    first = dedup.match(case)
    dedup = _restored(dedup, "XF-K1", row)
    assert CaseRecord.decode("XF-K1", dedup.tables["cases"]["XF-K1"]).kept == ""
    _joined_by_neighbours(dedup)
    again = dedup.match(case)
    if isinstance(dedup.tables["digests"]["XF-K1"], dict):
        assert _first(again) == _first(first)
    else:  # the digest alone, as written before first decisions were kept: the state now
        assert again["matter_petitions"] == len(NEIGHBOURS) + 1
    with pytest.raises(Rejected) as refused:
        dedup.match(case.model_copy(update={"content": CONTENT + "另外，物业还乱收费。"}))
    assert refused.value.reason is RejectReason.CONFLICTING_DUPLICATE
    # The new cases of the same state keep theirs in their records.
    assert set(dedup.tables["digests"]) == {"XF-K1"}


def test_what_a_record_keeps_is_carried_by_its_rewrites_and_skipped_by_matching() -> None:
    decision = mock.Mock(
        matter_id="MT-XF-1", first_case_id="XF-1", open_case_id=None, matter_petitions=3,
        matter_petitioners=2, collective=False, matter_status=MatterStatus.TERMINATED,
    )  # fmt: skip
    kept = KeptCase.of("ab" * 32, decision)
    assert KeptCase.from_text(kept.to_text()) == kept
    assert KeptCase.from_text(KeptCase("cd" * 32).to_text()) == KeptCase("cd" * 32)
    assert KeptCase.from_text("") is None
    record = CaseRecord(
        case_id="XF-1", matter_id="MT-XF-1", region_code="610302", received_at=1,
        sequence=1, field="labour", petitioner_refs=("pr_a", "pr_b"), places=("阳光小区",),
        fingerprint="f", shingle_count=3, signature=np.arange(4, dtype=np.uint16),
        verdict=Verdict.NEW, reason=MatchReason.FIRST_OF_MATTER, score=0.5, repeat_count=0,
        topic="积水",
    )  # fmt: skip
    without = record.encode()
    with_kept = replace(record, kept=kept.to_text()).encode()
    # Matching reads the same details either way, one by one or in columns.
    assert case_details(with_kept) == case_details(without)
    columns = CaseColumns.decode({"XF-1": with_kept, "XF-2": without}, 4)
    assert columns.details(0) == columns.details(1)
    assert (columns.signatures[0] == columns.signatures[1]).all()
    # A merge moving the case rewrites its record with what it keeps.
    moved = replace(CaseRecord.decode("XF-1", with_kept), matter_id="MT-XF-9")
    assert KeptCase.from_text(CaseRecord.decode("XF-1", moved.encode()).kept) == kept
    assert CaseRecord.decode("XF-1", without).kept == ""


def test_a_kept_part_shifted_by_a_separator_in_a_ref_is_read_as_none() -> None:
    """A hostile producer's petitioner ref holding the record's separator shifts the
    record's fields: the redelivery is then compared on its facts (refused, since the
    misread refs differ) instead of stopping the handler on a misread kept part."""
    built = _built()
    case = _case("XF-S1", CONTENT, "pr_al\x1fice")
    built.match(case)
    with pytest.raises(Rejected) as refused:
        built.match(case)
    assert refused.value.reason is RejectReason.CONFLICTING_DUPLICATE


def test_a_kept_part_of_another_form_is_no_first_decision() -> None:
    from services.dedup.conflicts import KeptCase

    digest = "a" * 64
    assert KeptCase.from_text("阳光小区\x1f" + digest) is None
    assert KeptCase.from_text(digest + "\x1f[1,2") is None
    assert KeptCase.from_text(digest + "\x1f[1,2,3]") == KeptCase(digest)
    assert KeptCase.from_text(digest) == KeptCase(digest)


def test_the_case_digest_is_the_contracts_content_digest() -> None:
    # ``case_digest`` hashes the serializer's bytes itself: the digest every record kept
    # before holds, non-ASCII text and left-out fields included.
    case = _case("XF-K9", "地下室积水三个月，墙面发霉。“请尽快处理”", "pr_alice")
    expected = case.content_sha256(without=frozenset({"registered_at"}))
    assert case_digest(case) == expected
    later = case.model_copy(update={"registered_at": case.registered_at.replace(hour=20)})
    assert case_digest(later) == expected
    assert case_digest(case.model_copy(update={"content": "别的内容"})) != expected
