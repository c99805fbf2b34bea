"""A partition's kept matters, decoded: a matter read again is not decoded again, and what
is handed out is always what the table's value reads as (``faust_state.KeptMatters``)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import pytest

from services.dedup.config import DedupConfig
from services.dedup.faust_state import FaustMatchState, KeptMatters
from services.dedup.matcher import Matcher
from services.dedup.records import NAMED_CASES_BYTES, MatterRecord, MatterStatus
from services.dedup.state import DictMap, InMemoryMatchState, read_matter, write_matter
from services.dedup.tally import PetitionerTally
from tests.unit.dedup.test_kept_state import _Table
from tests.unit.dedup.test_matcher import CONTENT, facts


def ref(n: int) -> str:
    return hashlib.sha256(f"p{n}".encode()).hexdigest()


def matter(matter_id: str = "MT-XF-1", *refs: str, cases: int = 1) -> MatterRecord:
    case_ids = tuple(f"XF-{n:012d}" for n in range(cases))
    return MatterRecord(
        matter_id=matter_id, region_code="610302", first_case_id=case_ids[0],
        first_received_at=0, open_case_id=case_ids[0], status=MatterStatus.HANDLING,
        handling_due=0, case_ids=case_ids, petitioners=PetitionerTally.of(refs or ("pr_a",)),
        petitions=cases, live_cases=cases,
    )  # fmt: skip


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The matter ids ``MatterRecord.from_json`` decodes, in order."""
    decoded: list[str] = []
    original = MatterRecord.from_json.__func__  # type: ignore[attr-defined]

    def counting(cls: type[MatterRecord], matter_id: str, value: Any) -> MatterRecord:
        decoded.append(matter_id)
        record: MatterRecord = original(cls, matter_id, value)
        return record

    monkeypatch.setattr(MatterRecord, "from_json", classmethod(counting))
    return decoded


def test_a_matter_read_again_is_not_decoded_again(decodes: list[str]) -> None:
    table: DictMap[Any] = DictMap()
    table.set("MT-XF-1", matter().to_json())
    matters = KeptMatters(table)

    first = read_matter(matters, "MT-XF-1")
    assert read_matter(matters, "MT-XF-1") is first
    assert decodes == ["MT-XF-1"]
    assert read_matter(matters, "MT-XF-2") is None

    # Written as a record: kept as it reads back, not decoded at the next read.
    assert first is not None
    grown = replace(first, petitions=2, petitioners=first.petitioners.with_petition(["pr_b"]))
    write_matter(matters, "MT-XF-1", grown)
    assert read_matter(matters, "MT-XF-1") is grown
    assert decodes == ["MT-XF-1"]
    assert table.get("MT-XF-1") == grown.to_json()


@pytest.mark.parametrize(
    "written",
    [
        matter(),
        # More cases than the value names: kept with the case ids the value names.
        matter(cases=NAMED_CASES_BYTES // 16),
        # Petitioners past the names' budget: some let go into the filter.
        matter("MT-XF-1", *(ref(n) for n in range(2_000))),
        # Refs that are not plain: named by their hash, which reads back as itself.
        matter("MT-XF-1", '"\\' + "界" * 300, "张三", "pr_a"),
    ],
    ids=["plain", "cases-cut", "petitioners-let-go", "refs-hashed"],
)
def test_a_kept_record_is_what_its_stored_value_reads_as(written: MatterRecord) -> None:
    table: DictMap[Any] = DictMap()
    matters = KeptMatters(table)
    write_matter(matters, written.matter_id, written)
    value = table.get(written.matter_id)
    assert value is not None
    read_back = MatterRecord.from_json(written.matter_id, value)
    assert read_matter(matters, written.matter_id) == read_back
    # And once more round the table: what a restarted worker would read.
    assert MatterRecord.from_json(written.matter_id, read_back.to_json()) == read_back


def test_a_kept_record_goes_with_its_value(
    monkeypatch: pytest.MonkeyPatch, decodes: list[str]
) -> None:
    monkeypatch.setattr(KeptMatters, "KEPT", 2)
    table: DictMap[Any] = DictMap()
    matters = KeptMatters(table)
    for n in range(3):
        write_matter(matters, f"MT-{n}", matter(f"MT-{n}"))
    assert decodes == []

    # Dropped to make room (the oldest): read from the table and decoded again.
    assert read_matter(matters, "MT-0") == matter("MT-0")
    assert decodes == ["MT-0"]

    # Rewritten as a value (as ``operations`` does): that value is what is read.
    closed = replace(matter("MT-2"), status=MatterStatus.CLOSED)
    matters.set("MT-2", closed.to_json())
    assert read_matter(matters, "MT-2") == closed
    assert decodes == ["MT-0", "MT-2"]

    # Deleted (merged away, expired): gone.
    matters.delete("MT-2")
    assert read_matter(matters, "MT-2") is None

    # Kept under another id than its own (never done): decoded from the value instead.
    write_matter(matters, "MT-9", matter("MT-1"))
    assert read_matter(matters, "MT-9") == matter("MT-9")


class RefusingMap(DictMap[Any]):
    """A table that refuses the writes of one key (too large for its changelog)."""

    def set(self, key: str, value: Any) -> None:
        if key == "MT-refused":
            raise ValueError("too large")
        super().set(key, value)


def test_a_refused_write_leaves_the_matter_as_the_table_has_it() -> None:
    table = RefusingMap()
    DictMap.set(table, "MT-refused", matter("MT-refused").to_json())
    matters = KeptMatters(table)
    before = read_matter(matters, "MT-refused")
    with pytest.raises(ValueError, match="too large"):
        write_matter(matters, "MT-refused", replace(matter("MT-refused"), petitions=9))
    assert read_matter(matters, "MT-refused") == before == matter("MT-refused")


def test_a_partition_revoked_or_rebuilt_forgets_its_decoded_matters(
    decodes: list[str],
) -> None:
    cases, tables = _Table(), _Table()
    state = FaustMatchState(cases=cases, matters=tables, config=DedupConfig())
    write_matter(state.partition(0).matters, "MT-1", matter("MT-1"))
    assert read_matter(state.partition(0).matters, "MT-1") == matter("MT-1")
    assert decodes == []

    # Revoked: another worker may change the matter meanwhile; what comes back is read.
    state.keep_only([1])
    tables["MT-1"] = replace(matter("MT-1"), petitions=5).to_json()
    assert read_matter(state.partition(0).matters, "MT-1") == replace(matter("MT-1"), petitions=5)
    assert decodes == ["MT-1"]


@pytest.mark.parametrize("kept", [1, 2_048])
def test_the_matcher_decides_alike_with_decoded_matters_kept(
    monkeypatch: pytest.MonkeyPatch, kept: int
) -> None:
    monkeypatch.setattr(KeptMatters, "KEPT", kept)
    config = DedupConfig()
    state = FaustMatchState(cases=_Table(), matters=_Table(), config=config)
    kept_state = Matcher(state.partition(0), config)
    plain = Matcher(InMemoryMatchState(config), config)
    letters = [
        facts(CONTENT, ref(n % 7), '"\\界' if n % 5 == 0 else "pr_b", days=n / 10)
        for n in range(40)
    ]
    for letter in letters:
        assert kept_state.match(letter) == plain.match(letter)
    assert kept_state.match(letters[3]) == plain.match(letters[3])  # a redelivery
