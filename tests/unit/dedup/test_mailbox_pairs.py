"""The hand-judged pairs of fresh mailbox letters (``bench.dedup_mailbox_pairs``): their
file's form, and that they touch no labelled letter (above all no held-out one)."""

from __future__ import annotations

import csv
import re

from bench.dedup_mailbox_eval import LABELS
from bench.dedup_mailbox_pairs import COLUMNS, PAIRS, Seen, miss_class, read_pairs
from services.dedup.config import DedupConfig

PROPOSERS = {
    "same_user", "title_bigram", "content_bigram", "reply_bigram", "thing_loose", "tfidf",
    "tfidf_title", "reply_tfidf", "shared_name", "title_ngram", "matcher_related",
    "matcher_linked",
}  # fmt: skip


def _labelled() -> dict[str, str]:
    # message id -> split, read from the labels' own column (no letter is read).
    with LABELS.open(encoding="utf-8") as lines:
        rows = csv.DictReader(line for line in lines if not line.startswith("#"))
        return {row["message_id"]: row["split"] for row in rows}


def test_the_file_has_its_header_and_columns() -> None:
    text = PAIRS.read_text(encoding="utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert any("Judged by" in line for line in comments)
    assert any("Proposed by" in line for line in comments)
    header = next(line for line in text.splitlines() if not line.startswith("#"))
    assert tuple(header.split(",")) == COLUMNS


def test_every_row_is_well_formed() -> None:
    with PAIRS.open(encoding="utf-8") as lines:
        rows = list(csv.DictReader(line for line in lines if not line.startswith("#")))
    assert len(rows) >= 250
    seen: set[tuple[str, str]] = set()
    for row in rows:
        a, b = row["message_id_a"], row["message_id_b"]
        assert re.fullmatch(r"\d+", a), row
        assert re.fullmatch(r"\d+", b), row
        assert int(a) < int(b), row
        assert (a, b) not in seen, row
        seen.add((a, b))
        assert row["same_matter"] in ("yes", "no"), row
        assert set(row["proposed_by"].split("+")) <= PROPOSERS, row
        assert 0 < len(row["note"]) <= 60, row
    pairs = read_pairs()
    assert len(pairs) == len(rows)
    assert any(p.same for p in pairs)
    assert any(not p.same for p in pairs)


def test_no_pair_touches_a_labelled_letter_least_of_all_a_held_out_one() -> None:
    labelled = _labelled()
    assert "heldout" in set(labelled.values())
    letters = {i for p in read_pairs() for i in (p.a, p.b)}
    assert not letters & {i for i, split in labelled.items() if split == "heldout"}
    assert not letters & set(labelled)


def test_a_miss_is_classed_by_what_the_matcher_saw() -> None:
    config = DedupConfig()
    never = Seen(False, None, False, None, (), (("甲小区",), ()), ("430100", "430102"))
    assert miss_class(never, config, 3).startswith("a: never a candidate")
    assert "甲小区" in miss_class(never, config, 3)
    assert miss_class(never, config, config.horizon_days + 1).startswith("a: beyond")
    low = Seen(True, config.related_threshold / 2, False, None, ())
    assert miss_class(low, config, 3).startswith("b: score")
