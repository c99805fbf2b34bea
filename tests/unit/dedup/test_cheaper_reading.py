"""Cheaper reading of a letter and of its candidates, with the same outputs (issue 13,
speed; the twenty-fourth session).

Each faster reading is checked against the slower one it replaced, over the probes'
letters and over words run together at random (seeded): the objects a part names found by
one automaton of their marks (``text._objects_in``), the numbered estates' pre-check
(``places._NUMBERED_AFTER_END_RE``), the claims' start characters found in one scan
(``aboutness._CLAIM_START_RE``), the buildings and parts of a title cached
(``text.parts_differ``, ``text.same_buildings``), the plan's words searched at once
(``towns.plan_and_project``), each kind of organisation's marks found in one scan
(``organisations._MARK_RES``) boilerplate ruled out by the letter all Latin phrases
hold (``text._LATIN_BOILERPLATE_MARKS``), two names joined found without a pattern
compiled for them (``features._named_joined``), the words before a brand's estate tested
at once (``places._WORDS_BEFORE_NAMES``), two kept subjects' facilities
(``text.two_facilities``) and sentences cleaned by one character class
(``text._NOT_WORD_OR_END_RE``).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from services.common import places
from services.common.script import fold_script_and_width
from services.dedup import aboutness, features, organisations, text, towns

_DATA = Path(__file__).resolve().parents[2] / "data"


def _letters() -> list[str]:
    # The titles and contents of the probes' letters, folded.
    found = []
    for path in sorted(_DATA.glob("dedup_*_probe.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                letter = json.loads(line)
                found.append(fold_script_and_width(letter["title"]))
                found.append(fold_script_and_width(letter["content"]))
    return found


_LETTERS = _letters()


def _objects_one_by_one(part: str) -> tuple[str, ...]:
    # ``text._objects_in`` as it was: each object's marks tested with ``in``.
    found = [
        obj
        for obj, pattern in text._SUBJECT_WORD_RES.items()
        if any(mark in part for mark in text._SUBJECT_MARKS[obj]) and pattern.search(part)
    ]
    if text.SUBJECT_PLANT in found and text.SUBJECT_SITE in found:
        found.remove(text.SUBJECT_SITE)
    return tuple(found)


def _random_texts(pieces: list[str], seed: int, count: int = 20_000) -> list[str]:
    chosen = random.Random(seed)
    return [
        "".join(chosen.choice(pieces) for _ in range(chosen.randint(0, 8))) for _ in range(count)
    ]


def test_objects_as_each_objects_marks_found_them() -> None:
    assert len(_LETTERS) > 500
    marks = [mark for ms in text._SUBJECT_MARKS.values() for mark in ms]
    pieces = [*marks, "搅拌站", "变电站", "工地", "垃圾站", "油烟", "小区", "，", "的", "高压线"]
    for part in [*_LETTERS, *_random_texts(pieces, 24)]:
        assert text._objects_in(part) == _objects_one_by_one(part), part


def _numbered_by_every_match(folded: str) -> list[str]:
    # The estates named before a building's number or its residents' words, each match of
    # ``_NUMBERED_BUILDING_RE`` read (as before the pre-check).
    return [
        estate
        for number in places._NUMBERED_BUILDING_RE.finditer(folded)
        if (estate := places._numbered_estate(folded, number)) is not None
    ]


def test_numbered_estates_ruled_out_only_where_none_is_named() -> None:
    pieces = [
        *"城悦府园苑湾庭居台天景洲庄着业主物栋幢号楼单元一二三十0123 ，的我们",
        "物业",
        "业主",
        "业住",
        "业委会",
        "交房",
        "开发商",
        "楼盘",
        "住户",
        "居民",
        "滨江天着",
        "万科城",
        "碧水云天",
        "前几天",
    ]
    for folded in [*_LETTERS, *_random_texts(pieces, 13)]:
        if places._NUMBERED_AFTER_END_RE.search(folded) is None:
            assert _numbered_by_every_match(folded) == [], folded


@pytest.mark.parametrize(
    ("folded", "estate"),
    [
        ("万科城12栋电梯坏了", "万科城"),
        ("湘江世纪城物业乱收费", "湘江世纪城"),
        ("滨江天着3栋漏水", "滨江天着"),
        ("碧水云天住户反映", "碧水云天"),
    ],
)
def test_numbered_estates_still_read(folded: str, estate: str) -> None:
    assert places._NUMBERED_AFTER_END_RE.search(folded) is not None
    assert estate in places.folded_places(folded)


def test_claims_start_characters_found_in_one_scan() -> None:
    starts = "".join(aboutness._CLAIM_STARTS.values())
    pieces = [*starts, "工资", "标准", "没有发", "退款", "的", "，"]
    for content in [*_LETTERS, *_random_texts(pieces, 5)]:
        found = set(aboutness._CLAIM_START_RE.findall(content))
        for chars in aboutness._CLAIM_STARTS.values():
            assert (not found.isdisjoint(chars)) is any(c in content for c in chars), content


def test_buildings_and_parts_as_the_patterns_find_them() -> None:
    pieces = ["8栋", "3栋", "12号楼", "三单元", "车库", "外墙", "渗水", "电梯", "楼顶", "水管", " "]
    topics = _random_texts(pieces, 8, 2_000)
    chosen = random.Random(9)
    for ours in topics:
        theirs = chosen.choice(topics)
        our_b = set(text._BUILDING_RE.findall(ours))
        their_b = set(text._BUILDING_RE.findall(theirs))
        our_p = {text._PART_OF_WORD[w] for w in text._PART_RE.findall(ours)}
        their_p = {text._PART_OF_WORD[w] for w in text._PART_RE.findall(theirs)}
        differ = (
            our_b.isdisjoint(their_b)
            if our_b and their_b
            else bool(our_p) and bool(their_p) and our_p.isdisjoint(their_p)
        )
        assert text.parts_differ(ours, theirs) is differ, (ours, theirs)
        assert text.same_buildings(ours, theirs) is (our_b == their_b), (ours, theirs)


def test_without_families_as_before() -> None:
    kinds = text.claims(text.topic(text.fold("映月台小区天然气迟迟不通")))
    assert any(k.startswith(text.FAMILY) for k in kinds)
    assert text.without_families(kinds) == frozenset(
        k for k in kinds if not k.startswith(text.FAMILY)
    )


def test_plan_words_searched_at_once() -> None:
    pieces = [*towns._PLAN_WORDS, "规", "划", "城", "镇", "控", "安沙镇", "项目", " "]
    for topic in _random_texts(pieces, 3):
        assert (towns._PLAN_WORD_RE.search(topic) is None) is not any(
            word in topic for word in towns._PLAN_WORDS
        ), topic
    assert re.fullmatch(towns._PLAN_WORD_RE, "控规")


def test_organisations_marks_found_in_one_scan() -> None:
    marks = "".join(organisations._MARKS.values())
    pieces = [*marks, "58车贷", "经济学院", "物流公司", "的", "，", "小区"]
    for part in [*_LETTERS, *_random_texts(pieces, 21)]:
        for wrong, chars in organisations._MARKS.items():
            assert (organisations._MARK_RES[wrong].search(part) is None) is not any(
                mark in part for mark in chars
            ), (wrong, part)


def test_boilerplate_ruled_out_only_where_none_is() -> None:
    # Every phrase with Latin letters holds the mark, which nothing else matches ignoring
    # case; the other phrases hold nothing with a case.
    for phrase in text.BOILERPLATE:
        if re.search("[A-Za-z]", phrase):
            assert any(mark in phrase for mark in text._LATIN_BOILERPLATE_MARKS), phrase
        else:
            assert phrase == phrase.lower() == phrase.upper(), phrase
    marks = set(text._LATIN_BOILERPLATE_MARKS)
    for point in range(0x3000):
        if re.fullmatch("e", chr(point), re.IGNORECASE):
            assert chr(point) in marks
    pieces = ["The caller says", "A3区", "来电人称", "，", "。", "the", "X", "e", "市民", " "]
    for folded in [*_LETTERS, *_random_texts(pieces, 17)]:
        if text._BOILERPLATE_RE.search(folded) is not None:
            assert text._BOILERPLATE_ZH_RE.search(folded) is not None or any(
                mark in folded for mark in text._LATIN_BOILERPLATE_MARKS
            ), folded


def test_names_joined_as_the_pattern_finds_them() -> None:
    chosen = random.Random(11)
    alphabet = "伊景园滨河苑·・.．-－—_/ \t\n\x1c\u3000a"
    for _ in range(20_000):
        written = "".join(chosen.choice(alphabet) for _ in range(chosen.randint(0, 14)))
        first = "".join(chosen.choice("伊景园滨河苑") for _ in range(chosen.randint(0, 3)))
        second = "".join(chosen.choice("伊景园滨河苑.") for _ in range(chosen.randint(0, 3)))
        pattern = re.escape(first) + features._JOINED_BY + re.escape(second)
        assert features._named_joined(first, second, written) is (
            re.search(pattern, written) is not None
        ), (first, second, written)
    assert features._named_joined("伊景园", "滨河苑", "我们是伊景园·滨河苑的业主")
    assert not features._named_joined("伊景园", "滨河苑", "伊景园和滨河苑")


def test_words_before_a_brand_tested_at_once() -> None:
    words = (*places._NAME_PREFIXES, *places._NOT_NAME_STARTS)
    pieces = [*words, "确保", "利", "我们", "的"]
    for written in _random_texts(pieces, 19, 5_000):
        head = written[-3:]
        assert head.endswith(places._WORDS_BEFORE_NAMES) is any(
            head.endswith(word) for word in words
        ), head
    assert "保利" not in places.folded_places("确保利益")


def test_two_facilities_as_before() -> None:
    subjects = [
        "",
        "丽景新苑",
        "丽景新苑〔搅拌站西〕",
        f"丽景新苑〔{text.SUBJECT_SUBSTATION}〕",
        f"丹桂苑〔{text.SUBJECT_BASE_STATION}〕",
        f"新桥村〔{text.SUBJECT_FARM}·猪〕",
        f"新桥村〔{text.SUBJECT_FACTORY}·石材〕",
        "58车贷〔集资〕",
    ]
    for ours in subjects:
        for theirs in subjects:
            kinds = [text._facilities_of(subject) for subject in (ours, theirs)]
            assert text.two_facilities(ours, theirs) is (
                all(kinds) and kinds[0].isdisjoint(kinds[1])
            ), (ours, theirs)


def test_sentences_cleaned_as_the_alternation_did() -> None:
    # ``text.folded_sentences`` makes underscores spaces and removes the runs of one
    # character class: what the pattern with an alternation for the underscore removed.
    old = re.compile(r"(?:[^\w\x00]|_)+")

    def cleaned(marked: str) -> str:
        if "_" in marked:
            marked = marked.replace("_", " ")
        return text._NOT_WORD_OR_END_RE.sub(" ", marked)

    pieces = [
        "_",
        "__",
        " ",
        "\x00",
        "\t",
        "a",
        "1",
        "。",
        "，",
        "的",
        "é",
        "Ａ",
        "-",
        "①",
        "\u3000",
    ]
    for marked in [*_LETTERS, *_random_texts(pieces, 29)]:
        assert cleaned(marked) == old.sub(" ", marked), repr(marked)
    for folded in [*_LETTERS, "a_b c", "物业_费", "__", "in 2018, 物 业 费。the_end."]:
        assert text.folded_sentences(folded) == _sentences_as_before(folded, old), folded


def _sentences_as_before(folded: str, cleaning: re.Pattern[str]) -> list[str]:
    # ``text.folded_sentences`` as it was, with the pattern it cleaned sentences by.
    unmarked = folded.replace("\x00", " ")
    marked = text._SENTENCE_END_RE.sub("\x00", text._without_boilerplate(unmarked))
    result = []
    for raw in cleaning.sub(" ", marked).split("\x00"):
        sentence = raw.strip()
        if " " in sentence and text._CJK_RE.search(sentence):
            sentence = text._CJK_SPACE_RE.sub("", sentence)
        if sentence:
            result.append(sentence)
    return result
