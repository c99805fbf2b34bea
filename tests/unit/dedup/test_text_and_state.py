"""Normalisation, places, sketches, state records and the batch entry point."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np

from schemas.cases import Verdict
from schemas.examples import HOTLINE_PETITION, MINIMAL_PETITION
from schemas.petitions import Person
from services.dedup.batch import run_batch, stand_in_petitioner_ref
from services.dedup.sketch import sketch_text
from services.dedup.state import ArrayBandIndex, CaseColumns, CaseRecord, MatchReason
from services.dedup.text import fold, places, sentences


def test_fold_maps_traditional_full_width_and_case() -> None:
    assert fold("來電反映：ＡＢＣ１２３，") == "来电反映:abc123,"


def test_boilerplate_and_punctuation_do_not_reach_the_sentences() -> None:
    assert sentences("市民来电反映：小区积水，物业不管！") == ["小区积水", "物业不管"]
    assert sentences("The caller reports that the road is broken. Please fix it.") == [
        "the road is broken",
        "please fix it",
    ]


def test_places_name_estates_roads_and_employers_not_generic_words() -> None:
    found = places("本人在渭滨区阳光小区购房，人民路路面破损，宏达建筑工程有限公司欠薪，某小区")
    assert found == {"阳光小区", "人民路", "宏达建筑工程有限公司"}
    assert places("The site on Maple Road is noisy") == {"maple road"}


def test_reordered_sentences_have_the_same_fingerprint_and_sketch() -> None:
    a = sketch_text(sentences("地下室积水。物业不处理。请求解决。"), 2, 128)
    b = sketch_text(sentences("请求解决！物业不处理，地下室积水"), 2, 128)
    assert a.fingerprint == b.fingerprint
    assert np.array_equal(a.signature, b.signature)


def a_record(case_id: str = "XF-1", sketch_size: int = 128) -> CaseRecord:
    return CaseRecord(
        case_id=case_id,
        matter_id="MT-XF-0",
        region_code="610302",
        received_at=1_700_000_000,
        field="housing",
        petitioner_refs=("pr_a", "pr_b"),
        places=("阳光小区",),
        fingerprint="abc",
        shingle_count=42,
        signature=np.arange(sketch_size, dtype=np.uint16),
        verdict=Verdict.JOINT,
        reason=MatchReason.JOINT_MATTER,
        score=0.8125,
        repeat_count=2,
    )


def test_case_record_round_trips_through_bytes() -> None:
    record = a_record()
    decoded = CaseRecord.decode("XF-1", record.encode())
    assert decoded.petitioner_refs == record.petitioner_refs
    assert np.array_equal(decoded.signature, record.signature)
    assert (decoded.verdict, decoded.reason, decoded.score) == (
        Verdict.JOINT,
        record.reason,
        0.8125,
    )


def test_case_columns_read_many_records_and_skip_other_sketch_sizes() -> None:
    values = {
        "XF-1": a_record("XF-1").encode(),
        "XF-2": a_record("XF-2", sketch_size=64).encode(),
        "XF-3": replace(a_record("XF-3"), places=(), received_at=1_800_000_000).encode(),
    }
    columns = CaseColumns.decode(values, sketch_size=128)
    assert columns.case_ids == ["XF-1", "XF-3"]
    assert columns.matter_ids == ["MT-XF-0", "MT-XF-0"]
    assert columns.petitioner_refs == [("pr_a", "pr_b"), ("pr_a", "pr_b")]
    assert columns.places == [("阳光小区",), ()]
    assert columns.received_at.tolist() == [1_700_000_000, 1_800_000_000]
    assert columns.shingle_counts.tolist() == [42, 42]
    assert columns.signatures.shape == (2, 128)
    assert np.array_equal(columns.signatures[1], np.arange(128))


def test_band_index_finds_members_across_flushes_and_forgets_removed() -> None:
    index = ArrayBandIndex()
    for n in range(40_000):
        index.add([n, n + 1_000_000], f"c{n}")
    assert index.members([5, 1_000_006], 10) == ["c6", "c5"]
    index.remove([5], "c5")
    assert index.members([5, 1_000_006], 10) == ["c6"]


def test_a_band_shared_by_many_cases_gives_its_newest_live_members() -> None:
    # A template campaign: one band in thousands of cases, in a run and pending entries.
    index = ArrayBandIndex()
    for n in range(40_000):
        index.add([7, 10_000_000 + n], f"c{n}")
    assert index.members([7], 3) == ["c39999", "c39998", "c39997"]
    for n in (39_999, 39_998, 30_000, 29_999):
        index.remove([7], f"c{n}")
    assert index.members([7], 3) == ["c39997", "c39996", "c39995"]
    # All the newest are removed: older ones fill in.
    for n in range(30_001, 39_998):
        index.remove([7], f"c{n}")
    assert index.members([7, 10_000_100], 3) == ["c29998", "c29997", "c29996"]


def test_the_petitioner_ref_ignores_how_a_phone_number_is_written() -> None:
    a = stand_in_petitioner_ref(Person(name="张三", phone="+86 138 0013 8000"))
    b = stand_in_petitioner_ref(Person(name="张叁", phone="13800138000"))
    assert a == b


def test_run_batch_orders_by_receipt_and_links_a_repeat() -> None:
    repeat = dict(MINIMAL_PETITION, submission_id="portal-000124")
    repeat["received_at"] = "2026-12-01T10:00:00+08:00"
    repeat["content"] = (
        "來電反映：開發商至今未辦理產權證，多次催促無果。本人於2018年在渭濱區某小區購房。"
    )
    lines = [json.dumps(p) for p in (repeat, HOTLINE_PETITION, MINIMAL_PETITION)]
    results = list(run_batch([*lines, ""]))
    assert [r["submission_id"] for r in results] == [
        HOTLINE_PETITION["submission_id"],
        "portal-000123",
        "portal-000124",
    ]
    assert results[2]["verdict"] == "repeat"
    assert results[2]["matter_id"] == results[1]["matter_id"]
    assert {"case_id", "verdict", "matter_id", "score", "reason"} <= set(results[0])
