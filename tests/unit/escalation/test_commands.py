"""`xinfang escalation-replay`: a history file in, JSON lines out; bad input exits 2."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from schemas.registry import CASES_DEDUPLICATED
from services.cli.main import app
from services.common.casework.workdays import CHINA_TZ
from tests.unit.escalation.test_engine import _history, day, registered, verdict

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


def test_a_bad_line_is_named_the_others_are_replayed_and_it_exits_2(tmp_path: Path) -> None:
    good = _history()
    history = _file(tmp_path, [*good[:2], '{"topic": "cases.updates", "value": {}}', *good[2:]])
    until = ["--until", day(150).isoformat()]
    result = runner.invoke(app, ["escalation-replay", str(history), *until])
    assert result.exit_code == 2
    assert f"{history}: line 3: not a cases.updates event: value.update_id: Field required" in (
        result.stderr
    )
    assert "1 lines left out, 7 events replayed" in result.stderr
    clean = runner.invoke(app, ["escalation-replay", str(_file(tmp_path, good)), *until])
    assert clean.exit_code == 0
    assert result.stdout == clean.stdout


def test_every_time_of_the_output_is_in_china_standard_time(tmp_path: Path) -> None:
    # The same history with every event time written in UTC.
    in_utc = [line.replace("+08:00", "Z").replace("T10:00:00", "T02:00:00") for line in _history()]
    result = runner.invoke(
        app, ["escalation-replay", str(_file(tmp_path, in_utc)), "--until", day(150).isoformat()]
    )
    assert result.exit_code == 0, result.output
    times = [
        value
        for line in result.stdout.splitlines()
        for key, value in json.loads(line).items()
        if key.endswith("_at")
    ]
    assert times
    assert all(t.endswith("+08:00") for t in times), times


def test_a_year_the_calendar_lacks_is_said_on_stderr(tmp_path: Path) -> None:
    # Received 20 December 2026: the transfer limit ends in January 2027.
    received = datetime(2026, 12, 20, 10, tzinfo=CHINA_TZ)
    case = registered("XF-Y", received_at=received, registered_at=received)
    value = verdict("XF-Y", case, decided_at=received).model_dump(mode="json")
    line = json.dumps({"topic": CASES_DEDUPLICATED.name, "value": value}, ensure_ascii=False)
    history = _file(tmp_path, [line])
    result = runner.invoke(
        app, ["escalation-replay", str(history), "--until", "2027-03-01T00:00:00+08:00"]
    )
    assert result.exit_code == 0
    assert result.stderr.count("warning: the holiday calendar does not cover 2027") == 1
    within = runner.invoke(
        app,
        ["escalation-replay", str(_file(tmp_path, _history())), "--until", day(150).isoformat()],
    )
    assert "holiday calendar" not in within.stderr


def test_the_input_format_is_in_the_help() -> None:
    result = runner.invoke(app, ["escalation-replay", "--help"], env={"COLUMNS": "120"})
    assert '{"topic": "cases.updates", "value": {"update_id": "u1"' in result.stdout


def test_the_calendar_check_lists_the_years_and_names_a_bad_line(tmp_path: Path) -> None:
    shipped = runner.invoke(app, ["escalation-calendar", "check"])
    assert shipped.exit_code == 0
    assert "23 years, 2004-2026" in shipped.stdout
    bad = tmp_path / "holidays.yaml"
    bad.write_text("version: 1\nyears:\n  2027:\n    holidays: []\n", encoding="utf-8")
    result = runner.invoke(app, ["escalation-calendar", "check", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:4:5: years.2027.holidays:" in result.stderr


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
