"""Local table state survives a graceful stop and is discarded after a crash."""

from __future__ import annotations

from pathlib import Path

from services.common.worker import CLEAN_STOP_MARKER, discard_state_of_unclean_stop


def _state(tabledir: Path) -> Path:
    db = tabledir / "xinfang-escalation-state-0.db"
    db.mkdir(parents=True)
    (db / "000001.log").write_bytes(b"rocksdb wal")
    return db


def test_state_of_a_graceful_stop_is_kept_and_the_marker_consumed(tmp_path: Path) -> None:
    db = _state(tmp_path)
    (tmp_path / CLEAN_STOP_MARKER).touch()
    assert discard_state_of_unclean_stop(tmp_path) is False
    assert (db / "000001.log").read_bytes() == b"rocksdb wal"
    # The marker is for one start only: a crash of this run must not inherit it.
    assert not (tmp_path / CLEAN_STOP_MARKER).exists()


def test_state_without_the_marker_is_discarded(tmp_path: Path) -> None:
    _state(tmp_path)
    assert discard_state_of_unclean_stop(tmp_path) is True
    assert not tmp_path.exists()


def test_a_first_start_has_nothing_to_discard(tmp_path: Path) -> None:
    assert discard_state_of_unclean_stop(tmp_path / "absent") is False
    assert discard_state_of_unclean_stop(tmp_path) is False  # exists, empty
    assert tmp_path.exists()
