"""The case index's runs: a large run's directory answers as a binary search."""

from __future__ import annotations

import numpy as np
import pytest

from services.dedup import index_runs
from services.dedup.config import DedupConfig
from services.dedup.index import CaseIndex
from services.dedup.index_runs import Merge, Run, key_directory, newest_of_each_key
from tests.unit.dedup.test_text_and_state import found, index_case


def a_run(rng: np.random.Generator, size: int) -> Run:
    # Keys of a few entries each, spread over the whole range as hashes are.
    keys = np.sort(np.repeat(rng.integers(0, 2**64, size=size // 3, dtype=np.uint64), 3))
    return Run.of(keys, np.arange(keys.size, 0, -1, dtype=np.uint32))


def test_a_directory_finds_where_each_key_starts_as_a_binary_search(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(index_runs, "DIRECTORY_ENTRIES", 64)
    rng = np.random.default_rng(3)
    run = a_run(rng, 3_000)
    assert run.directory is not None
    present = rng.choice(run.keys, 200).tolist()
    absent = rng.integers(0, 2**64, size=200, dtype=np.uint64).tolist()
    edges = [0, 2**64 - 1, int(run.keys[0]), int(run.keys[-1])]
    wanted = [*present, *absent, *edges]
    expected = run.keys.searchsorted(np.array(wanted, dtype=np.uint64)).tolist()
    assert run.starts(wanted) == expected
    small = Run(run.keys, run.sequences)
    assert small.directory is None
    assert small.starts(wanted) == expected


def test_a_merge_writes_its_directory_a_slice_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_runs, "DIRECTORY_ENTRIES", 64)
    rng = np.random.default_rng(5)
    older, newer = a_run(rng, 3_000), a_run(rng, 900)
    merge = Merge.of(older, newer)
    keys = np.concatenate([older.keys, newer.keys])
    order = np.argsort(keys, kind="stable")
    keys, sequences = keys[order], np.concatenate([older.sequences, newer.sequences])[order]
    kept = newest_of_each_key(keys, 8)
    keys, sequences = keys[kept], sequences[kept]
    for start in range(0, keys.size, 250):
        merge.write(keys[start : start + 250], sequences[start : start + 250])
    run = merge.run()
    assert run.directory is not None
    assert np.array_equal(run.directory, key_directory(run.keys, run.bits))


def test_an_index_with_directories_answers_as_one_without(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Cases of a few petitioners and shared bands, through flushes and merges: the
    # lookups of an index whose runs have directories are those of one whose have none.
    def built() -> CaseIndex:
        index = CaseIndex(keep=8)
        for n in range(30_000):
            record = index_case(index, n, [n % 997, 5_000_000 + n], refs=(f"pr_{n % 211}",))
            if n % 5_000 == 4_999:
                index._flush()
            if n % 13 == 0 and n > 20_000:
                index.remove(record)
        return index

    monkeypatch.setattr(index_runs, "DIRECTORY_ENTRIES", 2**62)
    plain = built()
    assert all(run.directory is None for run in plain._runs)
    monkeypatch.setattr(index_runs, "DIRECTORY_ENTRIES", 1_024)
    with_directories = built()
    assert any(run.directory is not None for run in with_directories._runs)
    config = DedupConfig(max_cases_per_petitioner=5, max_band_candidates=6)
    for n in range(0, 30_000, 613):
        bands = np.array([n % 997, 5_000_000 + n, 123_456_789], dtype=np.uint64)
        refs = (f"pr_{n % 211}", f"pr_{(n + 7) % 211}", "pr_nobody")
        answers = [
            found(index, index.candidates("610302", None, refs, (), bands, config))
            for index in (plain, with_directories)
        ]
        assert answers[0] == answers[1]
        assert len(answers[0]) >= 10


NO_KEYS = np.zeros(0, dtype=np.uint64)


def test_a_flush_drops_removed_entries_before_keeping_each_keys_newest() -> None:
    # A petitioner's older case stays an answer when the newer ones, more than the index
    # keeps a key, are removed before their entries are flushed into a run (found by a
    # review: the flush counted them among the key's newest and left the older one out).
    index = CaseIndex(keep=4)
    config = DedupConfig(max_cases_per_petitioner=2)
    index_case(index, 1, [], refs=("pr_a",))
    for n in range(2, 7):
        index.remove(index_case(index, n, [], refs=("pr_a",)))

    def asked() -> list[str | None]:
        return found(index, index.candidates("610302", None, ("pr_a",), (), NO_KEYS, config))

    assert asked() == ["c1"]
    index._flush()
    assert asked() == ["c1"]
    # Nothing left alive to flush: no empty run.
    runs = len(index._runs)
    index.remove(index_case(index, 7, [9], refs=("pr_b",)))
    index._flush()
    assert len(index._runs) == runs
    assert asked() == ["c1"]
