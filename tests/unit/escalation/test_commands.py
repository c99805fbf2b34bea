"""`xinfang escalation-replay`: a history file in, JSON lines out; bad input exits 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from services.cli.main import app
from tests.unit.escalation.test_engine import _history, day

runner = CliRunner()


def _file(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_replay_prints_every_warning_and_escalation_as_json_lines(tmp_path: Path) -> None:
    history = _file(tmp_path, _history())
    result = runner.invoke(
        app, ["escalation-replay", str(history), "--until", day(150).isoformat()]
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert {r["type"] for r in records} == {"escalation", "warning", "rejection"}
    package = next(r for r in records if r.get("reason") == "leadership_package")
    assert package["escalation_id"] == "ESC-XF-H2-leadership_package"
    assert {"target_level", "target_agency", "due_at"} <= package.keys()


def test_until_bounds_the_timers(tmp_path: Path) -> None:
    history = _file(tmp_path, _history())
    early = runner.invoke(app, ["escalation-replay", str(history), "--until", day(1).isoformat()])
    late = runner.invoke(app, ["escalation-replay", str(history), "--until", day(150).isoformat()])
    assert early.exit_code == late.exit_code == 0
    assert 0 < len(early.stdout.splitlines()) < len(late.stdout.splitlines())


def test_a_bad_line_exits_2_naming_the_line(tmp_path: Path) -> None:
    history = _file(tmp_path, [*_history()[:2], '{"topic": "cases.updates", "value": {}}'])
    result = runner.invoke(app, ["escalation-replay", str(history), "--until", day(9).isoformat()])
    assert result.exit_code == 2
    assert "line 3" in result.stderr
    assert result.stdout == ""


def test_an_until_without_a_time_zone_exits_2(tmp_path: Path) -> None:
    history = _file(tmp_path, _history())
    result = runner.invoke(app, ["escalation-replay", str(history), "--until", "2026-06-01T00:00"])
    assert result.exit_code == 2
    assert "time zone" in result.stderr


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["escalation-replay", str(tmp_path / "none.jsonl"), "--until", day(9).isoformat()]
    )
    assert result.exit_code == 2
    assert "none.jsonl" in result.stderr
