"""Choosing dead letters to replay: a letter cut to fit its topic is never replayed cut."""

from __future__ import annotations

from schemas.petitions import RejectReason, Stage
from services.common.dead_letters import DeadLetterFilter, choose
from services.common.dlq import dead_letter
from services.common.readback import Record


def _record(offset: int, value: bytes) -> Record:
    key, letter = dead_letter(
        stage=Stage.INTAKE, reason=RejectReason.INVALID_JSON, detail="not JSON",
        topic="petitions.submitted", partition=0, offset=offset, key=None, value=value,
    )  # fmt: skip
    return Record("petitions.rejected", 0, offset, key, letter)


def test_a_letter_cut_to_fit_is_chosen_but_not_whole_and_a_small_one_is_replayable() -> None:
    small, huge = b"{broken", b"x" * 900_000
    replays, unreadable = choose(
        [_record(1, small), _record(2, huge), Record("t", 0, 3, None, b"junk")],
        DeadLetterFilter(reasons=frozenset({RejectReason.INVALID_JSON})),
    )
    assert unreadable == 1
    assert [(r.value, r.whole) for r in replays[:1]] == [(small, True)]
    cut = replays[1]
    assert not cut.whole
    assert cut.letter.original_size_bytes == len(huge)
    assert huge.startswith(cut.value)
