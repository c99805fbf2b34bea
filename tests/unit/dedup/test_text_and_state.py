"""Normalisation, places, sketches, state records and the batch entry point."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from itertools import product
from pathlib import Path

import numpy as np
import pytest

from schemas.cases import Verdict
from schemas.examples import HOTLINE_PETITION, MINIMAL_PETITION
from services.cli.offline import batch_verdicts, registered_cases
from services.common.places import MAX_PLACES, folded_places, places
from services.common.script import fold_script_and_width
from services.dedup.config import DedupConfig
from services.dedup.facts import CaseFacts
from services.dedup.features import extract_features
from services.dedup.index import CaseIndex
from services.dedup.index_builder import IndexBuilder
from services.dedup.index_keys import looked_up_places
from services.dedup.matcher import Matcher
from services.dedup.place_agreement import places_agree
from services.dedup.records import CaseColumns, CaseRecord, MatchReason
from services.dedup.sketch import sketch_text
from services.dedup.state import InMemoryMatchState
from services.dedup.text import (
    claims,
    claims_differ,
    fold,
    sentences,
    topic,
    topic_grams,
    topic_similarity,
)

EVAL_SET = Path(__file__).resolve().parents[2] / "data" / "dedup_eval.jsonl"


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


def test_a_numbered_bus_route_is_a_place() -> None:
    assert places("强烈反对星沙204路调整线路") >= {"星沙204路"}
    assert places("投诉204路司机") == {"204路"}


def test_a_titles_topic_drops_the_region_and_the_words_every_title_uses() -> None:
    names = ("长沙县", "长沙市", "湖南省")
    assert topic(fold("强烈反对长沙县星沙204路调整线路的问题"), names) == "星沙204路调整线路"
    assert topic(fold("关于A7县星沙204路公交线的调整的咨询")) == "星沙204路公交线 调整"
    # Two residents' titles about one problem are alike; another problem of the same
    # road shares the road only.
    ours = topic_grams(topic(fold("强烈反对A7县星沙204路调整线路")))
    again = topic_grams(topic(fold("反对A7县星沙204路公交车调整线路运行")))
    other = topic_grams(topic(fold("投诉A7县星沙204路公交车甩客")))
    assert topic_similarity(ours, again) >= 0.5 > topic_similarity(ours, other)
    assert topic_similarity(ours, frozenset()) == 0.0


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
        sequence=7,
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


def test_a_record_keeps_its_titles_topic_and_one_written_before_reads_without() -> None:
    record = replace(a_record(), topic="星沙204路调整线路")
    assert CaseRecord.decode("XF-1", record.encode()).topic == "星沙204路调整线路"
    # A value of the earlier form: the same without the topic's field at its end.
    earlier = replace(a_record(), topic="").encode().removesuffix(b"\x1f")
    decoded = CaseRecord.decode("XF-1", earlier)
    assert (decoded.topic, decoded.places) == ("", ("阳光小区",))


def test_case_columns_read_many_records_and_skip_other_sketch_sizes() -> None:
    values = {
        "XF-1": a_record("XF-1").encode(),
        "XF-2": a_record("XF-2", sketch_size=64).encode(),
        "XF-3": replace(a_record("XF-3"), places=(), received_at=1_800_000_000).encode(),
    }
    columns = CaseColumns.decode(values, sketch_size=128)
    assert columns.case_ids == ["XF-1", "XF-3"]
    assert [columns.details(row).matter_id for row in (0, 1)] == ["MT-XF-0", "MT-XF-0"]
    assert columns.details(1).petitioner_refs == ("pr_a", "pr_b")
    assert [columns.details(row).places for row in (0, 1)] == [("阳光小区",), ()]
    assert columns.received_at.tolist() == [1_700_000_000, 1_800_000_000]
    assert columns.sequences.tolist() == [7, 7]
    assert columns.shingle_counts.tolist() == [42, 42]
    assert columns.signatures.shape == (2, 128)
    assert np.array_equal(columns.signatures[1], np.arange(128))


def index_case(
    index: CaseIndex, n: int, bands: list[int], refs: tuple[str, ...] = ()
) -> CaseRecord:
    """Index case ``c<n>`` under ``bands`` (and ``refs``)."""
    record = replace(
        a_record(f"c{n}"),
        sequence=index.next_sequence,
        shingle_count=0,  # no text: no fingerprint key
        petitioner_refs=refs,
        places=(),
    )
    index.add(record, np.array(bands, dtype=np.uint64))
    return record


def found(index: CaseIndex, sequences: list[int]) -> list[str | None]:
    return [index.case_id(sequence) for sequence in sequences]


def in_bands(index: CaseIndex, bands: list[int], limit: int = 10) -> list[str | None]:
    config = DedupConfig(max_band_candidates=limit)
    keys = np.array(bands, dtype=np.uint64)
    return found(index, index.candidates("610302", None, (), (), keys, config))


def test_the_index_finds_cases_across_runs_and_merges_and_forgets_removed() -> None:
    index = CaseIndex(keep=32)
    records = [index_case(index, n, [n, 1_000_000 + n]) for n in range(100_000)]
    assert index.entries() == 200_000
    assert in_bands(index, [5, 1_000_006, 99_999]) == ["c99999", "c6", "c5"]
    index.remove(records[5])
    assert in_bands(index, [5, 1_000_006]) == ["c6"]
    assert len(index) == 99_999
    # Merging, a slice per added case, drops the removed case's entries.
    for n in range(100_000, 400_000):
        index_case(index, n, [n])
    while index.compact(1_000_000):
        pass
    assert index.entries() == 499_998
    assert in_bands(index, [5, 1_000_006, 399_999]) == ["c399999", "c6"]


def test_a_case_in_many_bands_is_one_candidate_and_the_cap_counts_cases() -> None:
    # Near copies share most bands: a lookup reads each case many times, and takes the
    # newest `limit` live cases, each once, newest first, in pending entries and in runs.
    index = CaseIndex(keep=8)
    records = [index_case(index, n, [1, 2, 3, 4]) for n in range(10)]
    assert in_bands(index, [1, 2, 3, 4], 4) == ["c9", "c8", "c7", "c6"]
    index.remove(records[8])
    assert in_bands(index, [4, 3, 2, 1], 4) == ["c9", "c7", "c6", "c5"]
    index._flush()
    assert in_bands(index, [2, 3], 4) == ["c9", "c7", "c6", "c5"]
    more = [index_case(index, n, [3, 5]) for n in range(10, 12)]
    assert in_bands(index, [2, 3, 5], 4) == ["c11", "c10", "c9", "c7"]
    index.remove(more[1])
    assert in_bands(index, [5, 3], 3) == ["c10", "c9", "c7"]


def test_a_key_shared_by_many_cases_keeps_its_newest() -> None:
    # A template campaign: one band in thousands of cases, in runs and pending entries.
    index = CaseIndex(keep=8)
    records = [index_case(index, n, [7, 10_000_000 + n]) for n in range(40_000)]
    assert in_bands(index, [7], 3) == ["c39999", "c39998", "c39997"]
    while index.compact(1_000_000):
        pass
    # Kept: every case's own band, key 7 in the cases not yet written to a run (two
    # entries a case), and key 7's newest 8 in the run.
    pending = 40_000 - CaseIndex.FLUSH_ENTRIES // 2
    assert index.entries() == 40_000 + pending + 8
    for n in (39_999, 39_998):
        index.remove(records[n])
    assert in_bands(index, [7], 3) == ["c39997", "c39996", "c39995"]
    # Older ones fill in, down to the oldest kept; none older than that.
    for n in range(39_000, 39_998):
        index.remove(records[n])
    assert in_bands(index, [7, 10_000_100], 3) == ["c38999", "c38998", "c38997"]
    one_run = CaseIndex(keep=8)
    in_run = [index_case(one_run, n, [7]) for n in range(100)]
    one_run._flush()
    for record in in_run[92:]:
        one_run.remove(record)
    assert in_bands(one_run, [7], 3) == []


def test_a_petitioners_newest_cases_come_oldest_first_in_their_city_only() -> None:
    index = CaseIndex(keep=8)
    records = [index_case(index, n, [100 + n], refs=("pr_a",)) for n in range(30)]
    config = DedupConfig(max_cases_per_petitioner=4)
    none = np.empty(0, dtype=np.uint64)
    in_region = index.candidates("610302", None, ("pr_a",), (), none, config)
    assert found(index, in_region) == ["c26", "c27", "c28", "c29"]
    # The index is scoped by city: another county of 宝鸡 sees them, 西安 does not.
    assert index.candidates("610303", None, ("pr_a",), (), none, config) == in_region
    assert index.candidates("610102", None, ("pr_a",), (), none, config) == []
    # The petitioner keeps its newest 8; removed ones leave them, older ones fill in.
    before = index.entries()
    for record in records[-2:]:
        index.remove(record)
    assert index.entries() == before  # until a merge drops them
    in_region = index.candidates("610302", None, ("pr_a",), (), none, config)
    assert found(index, in_region) == ["c24", "c25", "c26", "c27"]
    # The same from a run, which keeps the petitioner's newest 8 live ones (the removed
    # ones' entries, bands and all, dropped by the flush).
    index._flush()
    assert index.entries() == 28 + 8
    assert index.candidates("610302", None, ("pr_a",), (), none, config) == in_region
    for record in records[-6:-2]:
        index.remove(record)
    in_region = index.candidates("610302", None, ("pr_a",), (), none, config)
    assert found(index, in_region) == ["c20", "c21", "c22", "c23"]


def test_a_petitioner_down_to_one_case_still_finds_it_and_none_finds_nothing() -> None:
    index = CaseIndex(keep=8)
    first, second = (index_case(index, n, [200 + n], refs=("pr_b",)) for n in range(2))
    config = DedupConfig(max_cases_per_petitioner=4)
    none = np.empty(0, dtype=np.uint64)
    index.remove(second)
    assert found(index, index.candidates("610302", None, ("pr_b",), (), none, config)) == ["c0"]
    index.remove(first)
    assert index.candidates("610302", None, ("pr_b",), (), none, config) == []
    assert index.entries() == 4  # two bands, two petitioner's, until a merge drops them


def test_named_keys_read_across_pending_entries_and_runs_newest_first() -> None:
    # A petitioner's cases in three runs and the pending entries: a lookup takes its
    # newest live ones from the newest source on, oldest first, and its bands' apart.
    index = CaseIndex(keep=8)
    records = []
    for n in range(12):
        records.append(index_case(index, n, [300 + n], refs=("pr_c", "pr_d")))
        if n in (3, 6, 9):
            index._flush()
    while index.compact(1_000_000):
        pass
    config = DedupConfig(max_cases_per_petitioner=5, max_band_candidates=2)
    bands = np.array([300, 305, 311], dtype=np.uint64)
    lookup = index.candidates("610302", None, ("pr_c",), (), bands, config)
    assert found(index, lookup) == ["c7", "c8", "c9", "c10", "c11", "c5"]
    for n in (11, 9, 8):
        index.remove(records[n])
    lookup = index.candidates("610302", None, ("pr_d", "pr_c", "pr_e"), (), bands, config)
    assert found(index, lookup) == ["c4", "c5", "c6", "c7", "c10", "c0"]


def test_a_case_under_one_key_twice_counts_twice_as_in_a_list() -> None:
    # Two of a case's names with one key: the key lists it twice, in pending entries, in
    # runs and rebuilt alike, and its cap counts entries (as a table's list would).
    index = CaseIndex(keep=8)
    for n in range(4):
        index_case(index, n, [400 + n], refs=("pr_f", "pr_f"))
    config = DedupConfig(max_cases_per_petitioner=3)
    none = np.empty(0, dtype=np.uint64)
    lookup = index.candidates("610302", None, ("pr_f",), (), none, config)
    assert found(index, lookup) == ["c2", "c3"]
    index._flush()
    assert index.candidates("610302", None, ("pr_f",), (), none, config) == lookup


def test_cases_are_indexed_in_the_order_recorded() -> None:
    index = CaseIndex(keep=8)
    index_case(index, 0, [1])
    with pytest.raises(ValueError, match="order recorded"):
        index.add(replace(a_record("late"), sequence=0), np.empty(0, dtype=np.uint64))


def test_an_index_rebuilt_from_the_records_answers_as_the_one_built_case_by_case() -> None:
    config = DedupConfig(max_band_candidates=4, max_cases_per_place=3)  # caps that bind
    state = InMemoryMatchState(config)
    matcher = Matcher(state, config)
    lines = EVAL_SET.read_bytes().splitlines()[:800]
    registered, _ = registered_cases(lines, b"k" * 32)
    cases = [CaseFacts.from_registered(case) for case in registered]
    for case in sorted(cases, key=lambda c: c.received_at):
        matcher.match(case)
    expired = {case.case_id for case in cases[::7]}
    for case_id in expired:
        raw = state.cases.get(case_id)
        assert raw is not None
        state.index.remove(CaseRecord.decode(case_id, raw))
    builder = IndexBuilder(config)
    live = [case.case_id for case in cases if case.case_id not in expired]
    for start in range(0, len(live), 128):  # in batches, in no particular order
        batch = {case_id: state.cases.get(case_id) or b"" for case_id in live[start : start + 128]}
        builder.add(CaseColumns.decode(batch, config.sketch_size))
    rebuilt = builder.build()
    assert len(rebuilt) == len(state.index) == len(live)
    assert rebuilt.next_sequence == state.index.next_sequence
    compared = 0
    for case in cases:
        features = extract_features(case, config)
        query = (
            case.region_code,
            features.sketch.fingerprint,
            case.petitioner_refs,
            sorted(features.places),
            features.bands,
            config,
        )
        sequences = state.index.candidates(*query)
        assert rebuilt.candidates(*query) == sequences
        assert found(rebuilt, sequences) == found(state.index, sequences)
        sketches, rebuilt_sketches = state.index.sketches(sequences), rebuilt.sketches(sequences)
        assert np.array_equal(sketches.signatures, rebuilt_sketches.signatures)
        assert np.array_equal(sketches.shingle_counts, rebuilt_sketches.shingle_counts)
        assert np.array_equal(sketches.received_at, rebuilt_sketches.received_at)
        compared += len(sequences)
    assert compared > 3 * len(cases)


def test_dedup_batch_orders_by_receipt_and_links_a_repeat() -> None:
    repeat = dict(MINIMAL_PETITION, submission_id="portal-000124")
    repeat["received_at"] = "2026-12-01T10:00:00+08:00"
    repeat["content"] = (
        "來電反映：開發商至今未辦理產權證，多次催促無果。本人於2018年在渭濱區某小區購房。"
    )
    lines = [json.dumps(p).encode() for p in (repeat, HOTLINE_PETITION, MINIMAL_PETITION)]
    cases, bad = registered_cases([*lines, b""], b"k" * 32)
    assert bad == []
    results = list(batch_verdicts(cases))
    assert [r["submission_id"] for r in results] == [
        HOTLINE_PETITION["submission_id"],
        "portal-000123",
        "portal-000124",
    ]
    assert results[2]["verdict"] == "repeat"
    assert results[2]["matter_id"] == results[1]["matter_id"]
    assert {"case_id", "verdict", "matter_id", "score", "reason"} <= set(results[0])


def test_a_subdistrict_is_one_name_and_the_estate_after_it_another() -> None:
    # Not the street "泉塘街" and a place "道板桥": one letter names the subdistrict, the
    # other only the estate, and the two must agree on "板桥小区".
    assert places("反映星沙镇泉塘街道板桥小区夜宵一条街噪音扰民") == {
        "泉塘街道",
        "板桥小区",
        "夜宵一条街",
    }


def test_a_village_whose_name_ends_like_a_longer_place_word_is_found() -> None:
    # "新村" is a place word, but "大新村" is the village "大新", not "大" + "新村".
    assert places("界首镇大新村爱花冲组请求硬化道路") == {"大新村"}
    assert places("新村") == frozenset()
    assert places("宏达有限公司欠薪") == {"宏达有限公司"}


def test_an_estate_named_as_a_new_town_is_a_place_with_or_without_its_estate_word() -> None:
    # Residents write "丽发新城" and "丽发新城小区" for one estate: both name it.
    assert places("丽发新城附近的搅拌站噪音扰民") == {"丽发新城"}
    assert places("投诉申华国际新城欺骗消费者") == {"申华国际新城"}
    assert places("在新城建设搅拌站") == frozenset()


def test_any_road_or_estate_is_no_named_place() -> None:
    assert places("孩子每天横过马路，整个小区的居民小区都怕，公交车调整线路") == frozenset()


def test_what_is_asked_done_to_a_place_is_no_part_of_its_name() -> None:
    # The verb before a place ran into its name, and the letters that name the place
    # plainly then disagreed with it.
    assert places("要求拆除五一桥") == {"五一桥"}
    assert places("204路调整后走望仙路") == {"204路", "望仙路"}
    assert places("原杨家田农贸市场旁居民") == {"杨家田农贸市场"}
    assert places("而且学校不管，又没什么小区愿意，户口迁回农村") == frozenset()
    # A name that is all such words is kept whole.
    assert places("建设路、走马街") == {"建设路", "走马街"}


def test_a_village_and_the_subdistrict_of_its_name_are_one_place() -> None:
    assert places_agree(frozenset({"长龙村"}), ("长龙街道",), lenient=False) is True
    assert places_agree(frozenset({"长龙村"}), ("长乐街道",), lenient=False) is False
    # A unit word alone, or one character before it, names nothing in common.
    assert places_agree(frozenset({"新村"}), ("新街道",), lenient=False) is False


def test_a_road_called_a_road_by_one_writer_and_an_avenue_by_another_is_one_place() -> None:
    # Strangers too: "花卉路" in one title, "花卉大道" (and a word run into it) in the other.
    assert places_agree(frozenset({"花卉路"}), ("整条花卉大道",), lenient=False) is True
    assert places_agree(frozenset({"花卉路"}), ("花园大道",), lenient=False) is False
    # A road word with one character of name before it names nothing in common.
    assert places_agree(frozenset({"新路"}), ("新大道",), lenient=False) is False


def test_a_school_named_by_its_number_is_a_place_of_its_county() -> None:
    assert places("投诉K9县二中重点班强制补课") == {"k9县二中"}
    assert places("十一中门口堵车") == {"十一中"}
    # A numeral before a word with 中 names no school.
    assert places("一中年男子说其中有问题") == frozenset()
    # Every county has a "一中": the county, city or town before it is part of the place,
    # with or without its unit word, and "第一中学" is "一中".
    assert places("浏阳一中高三补课") == {"浏阳一中"}
    assert places("投诉宁乡一中高三补课") == {"宁乡一中"}
    assert places("投诉宁乡县一中") == {"宁乡县一中"}
    assert places("长沙县第一中学门口堵车") == {"长沙县一中"}
    assert places("洪桥镇二中乱补课") == {"洪桥镇二中"}
    assert places("L5县一中和L7县一中") == {"l5县一中", "l7县一中"}
    assert places("A3区实验小学招生") == {"a3区实验小学"}
    # Named bare, it is the one the letter names with its county, or in the one county
    # the letter names (the unit it is filed under, passed by name, or an anonymised one).
    assert places("投诉K9县二中补课。二中老师说不补不行") == {"k9县二中"}
    assert places("K3县的家长反映：一中周末补课") == {"k3县一中"}
    assert folded_places("我是浏阳市人，孩子在一中读书", ("浏阳市", "长沙市")) == {"浏阳市一中"}
    # Naming two counties, or none, it stays bare: it is neither's.
    assert places("K3县和K5县，在一中补课") == {"一中"}
    assert places("孩子在一中读书") == {"一中"}


def test_generic_institutions_of_different_counties_are_different_places() -> None:
    assert places_agree(frozenset({"浏阳一中"}), ("宁乡一中",), lenient=True) is False
    assert places_agree(frozenset({"l5县一中"}), ("l7县一中",), lenient=True) is False
    assert places_agree(frozenset({"长沙县一中"}), ("长沙市一中",), lenient=False) is False
    # Nor are a county's two schools, even for one writer (no typo), nor "一中" and "十一中".
    assert places_agree(frozenset({"浏阳一中"}), ("浏阳二中",), lenient=True) is False
    assert places_agree(frozenset({"一中"}), ("十一中",), lenient=False) is False
    # One school with and without its unit word, or named bare, is one place.
    assert places_agree(frozenset({"浏阳市一中"}), ("浏阳一中",), lenient=False) is True
    assert places_agree(frozenset({"一中"}), ("浏阳一中",), lenient=False) is True
    # A two-character county takes the word before it ("读浏阳市"): still the same school,
    # and still not the other unit's.
    for verb in "和跟入进读上看找问告":
        named = places(f"孩子{verb}浏阳市一中")
        assert places_agree(named, ("浏阳市一中",), lenient=False) is True, verb
        assert places_agree(named, ("浏阳一中",), lenient=False) is True, verb
        assert places_agree(named, ("宁乡市一中",), lenient=False) is False, verb
        assert places_agree(places(f"孩子{verb}长沙县一中"), ("长沙市一中",), False) is False
    # The index finds such a place by its kind too, so a letter naming it bare meets it.
    assert looked_up_places(("k9县二中", "阳光小区")) == ["k9县二中", "阳光小区", "二中"]


def test_a_numbered_schools_county_is_named_by_itself_whatever_words_come_before_it() -> None:
    # A county of the national table is the qualifier, and no word before it: a question,
    # a verb, or the other school of "A和B" ("问宁乡" and "中和宁乡" were not "宁乡").
    assert places("请问宁乡一中今年何时招生") == {"宁乡一中"}
    assert places("宁乡一中招生划片问题") == {"宁乡一中"}
    assert places("浏阳一中和宁乡一中") == {"浏阳一中", "宁乡一中"}
    for before in ("请问", "问", "咨询", "投诉", "关于", "反映", "孩子考入", "我想转入"):
        named = places(f"{before}宁乡一中招生")
        assert named == {"宁乡一中"}, before
        assert places_agree(named, ("宁乡一中",), lenient=False) is True, before
        assert places_agree(named, ("浏阳一中",), lenient=True) is False, before
    for joiner in "和与及、同跟或":
        assert places(f"浏阳一中{joiner}宁乡一中") == {"浏阳一中", "宁乡一中"}, joiner
    # With its unit word, today's ("宁乡市") or its former one ("宁乡县"), it is one school.
    assert places("请问宁乡市一中") == {"宁乡市一中"}
    assert places("请问宁乡县一中") == {"宁乡县一中"}
    assert places_agree(places("请问宁乡县一中"), ("宁乡一中",), lenient=False) is True
    # The longest name of the table: "长沙市", not "沙市" (a district of 荆州); and
    # 长沙县's school is not the city's.
    assert places("请问长沙市一中") == {"长沙市一中"}
    assert places_agree(places("请问长沙县一中"), ("长沙市一中",), lenient=False) is False
    # A town the table does not hold keeps its unit word, and a joiner before its name
    # is no part of it, unless the name needs it ("太和镇").
    assert places("浏阳一中和金井镇二中") == {"浏阳一中", "金井镇二中"}
    assert places("太和镇二中乱补课") == {"太和镇二中"}
    assert places("浏阳一中和九华一中") == {"浏阳一中", "九华一中"}
    # Places found before (a letter's state) compare by the county they end with.
    for found in ("问宁乡一中", "中和宁乡一中", "询宁乡一中"):
        assert places_agree(frozenset({found}), ("宁乡一中",), lenient=False) is True, found
        assert places_agree(frozenset({found}), ("浏阳一中",), lenient=True) is False, found


_NUMBERS = ["".join(n) for size in (1, 2, 3) for n in product("一二三四五六七八九十", repeat=size)]


def _many_schools_letter() -> str:
    # A letter within the contract's size naming ~9,000 different counties' schools, then
    # ~3,000 schools bare: what made finding and looking up places quadratic.
    others = "省市区县镇乡一二三四五六七八九十中小学医院第人民"
    counties = [c for c in map(chr, range(0x4E00, 0x4E00 + 3000)) if c not in others]
    bare = "".join(f"在{number}中，" for number in _NUMBERS)
    named, size, i = [], len(bare), 0
    while size < 87_000:
        county = counties[(7 * i) % len(counties)] + counties[(13 * i + 1) % len(counties)]
        named.append(f"{county}县{_NUMBERS[i % len(_NUMBERS)]}中，")
        size, i = size + len(named[-1]), i + 1
    return "".join(named) + bare


def test_a_letter_naming_thousands_of_places_yields_the_first_few_quickly() -> None:
    letter = _many_schools_letter()
    # CPU time, not wall time: a loaded machine must not fail it (quadratic costs 10 times more).
    started = time.process_time()
    found = places(letter)
    assert time.process_time() - started < 1.0  # ~0.2 s; quadratic, 2 to 4 s
    # The first ones named: at most MAX_PLACES.
    assert len(found) == MAX_PLACES
    assert all(name in fold_script_and_width(letter[:1_000]) for name in found)
    # The index's names of a case, however many places it holds (one from before the cap).
    many = tuple(f"k{i}县{_NUMBERS[i % len(_NUMBERS)]}中" for i in range(9_000))
    started = time.process_time()
    assert len(looked_up_places(many)) == 9_000 + len(_NUMBERS)
    assert time.process_time() - started < 0.5  # ~0.01 s; quadratic, over 1 s


def test_places_name_a_firm_by_its_trade_and_not_kinds_or_wrongdoing() -> None:
    assert places("投诉同兴物流扰民，同兴物流公司晚上装卸货") == {"同兴物流"}
    assert places("投诉物流公司扰民") == frozenset()
    # A town's new district is a place; the high-tech zone "高新区" is no name.
    assert places("咨询A7县星沙城北新区规划情况，高新区") == {"星沙城北新区"}
    # A kind of hospital or a crossroads is no place; nor a name running into what is
    # done wrong there.
    assert places("反对在居民楼设立综合医院") == frozenset()
    assert places("栖凤路与佳园路交叉路口") == {"栖凤路", "佳园路"}
    assert places("迪和中医医院在北京园御小区私建医院") == {"迪和中医医院", "北京园御小区"}


def test_an_anonymised_city_stands_for_the_rest_of_an_institutions_name() -> None:
    # Published data writes "长沙医学院" as "A市医学院": one character is no name, the
    # unit stands for the rest; a one-character place word after it is not so read.
    assert places("反映A市医学院污水直排农田") == {"a市医学院"}
    assert places("希望拔除A7县银河宿舍") == frozenset()
    assert places("A7县人民医院") == {"a7县人民医院"}


def test_titles_naming_different_kinds_of_problem_differ_and_a_title_naming_none_never() -> None:
    stalls = claims("南大门市场个体户占道经营 偷电")
    assert stalls == {"encroachment", "power_theft"}
    assert claims_differ(stalls, claims("南大门市场一经营户私搭乱建"))
    # One kind in common: the same problem however else the titles go on.
    assert not claims_differ(claims("夜宵一条街噪音扰民 店外占道经营"),
                                  claims("夜宵一条街违规占道经营"))  # fmt: skip
    # A title that names no kind ("几点") says nothing against the other.
    assert not claims_differ(claims("花卉路井盖噪音扰民"), claims("花卉大道存在 几点"))


def test_fumes_and_waste_water_are_pollution_and_a_schools_places_its_admission() -> None:
    assert claims("恒通机械厂排放刺鼻废气") == claims("恒通机械厂偷偷排放污水") == {"pollution"}
    assert claims("金台第二中学学位分配不公") == claims("孩子无法在金台第二中学入学")
    assert claims("金台第二中学招生") == {"school_admission"}
    # A school's admission is not its fees.
    assert claims_differ(claims("金台第二中学招生"), claims("金台第二中学乱收费"))


def test_a_nuisance_to_residents_names_no_kind_of_problem() -> None:
    # Residents of one estate on the mixing plant beside it: "扰民" in one title, the dust
    # in another; neither says the other is another problem.
    # (The plant is an object of the title, a kind of its own: "扰民" adds none.)
    assert claims("丽发新城小区附近搅拌站扰民") == {"mixing_plant"}
    assert not claims_differ(claims("丽发新城搅拌站扰民"), claims("丽发新城搅拌站灰尘污染"))
    assert claims("夜宵摊油烟扰民") == {"pollution"}


def test_an_estate_named_with_yuan_is_a_place_and_a_road_named_after_one_the_road() -> None:
    assert places("滨江御景园强制买车位") == {"滨江御景园"}
    # Two names run together, or apart: the same two places either way.
    together, apart = places("投诉伊景园滨河苑捆绑销售车位"), places("伊景园.滨河苑车位")
    assert together == apart == {"伊景园", "滨河苑"}
    # A road named after an estate or park is the road; one character and an estate's
    # word after "园" are part of one name.
    assert places("芙蓉园路修路") == {"芙蓉园路"}
    assert places("北京园御小区") == {"北京园御小区"}
    # A kindergarten by its kind, its opening, a kind of park: no place.
    assert places("增加公办园学位，月份开园，工业园区") == frozenset()
    # Other words estates are named with.
    assert places("恒大翡翠华庭，枫林雅筑，万科公馆") == {"恒大翡翠华庭", "枫林雅筑", "万科公馆"}
    # "幼儿园", "公园", "家园" are words of their own, which "园" does not cut; a
    # developer's brand is none of its estates; a kindergarten's head is no place.
    assert places("我家，上幼儿园难，A7县幼儿园，A市公园，后花园") == frozenset()
    assert places("幼儿园园长乱收费，新生入园，学校校园") == frozenset()
    assert places("碧桂园威尼斯城，碧桂园星钻") == frozenset()
