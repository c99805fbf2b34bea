"""Bad input to `xinfang` (a file, an argument, a setting) is one line naming it and a
non-zero exit (2: fix the input; 1: Kafka is not there, try again), never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from kafka.errors import KafkaTimeoutError
from typer.testing import CliRunner, Result

from services.cli import main as cli
from services.cli import submit as submitting
from services.cli.main import app
from services.common.casework.holidays import DEFAULT_CALENDAR_PATH
from services.common.casework.ruleset import DEFAULT_RULES_PATH
from services.devtools.kafka_local import KafkaLocal

runner = CliRunner()
#: A petitioner ref as intake makes them: 'pr_' and 32 hex digits.
REF = "pr_0123456789abcdef0123456789abcdef"


def _flat(result: Result) -> str:
    return " ".join(result.output.split())  # the console wraps long lines


def _refused(result: Result, code: int = 2) -> str:
    """The output of a refusal: the exit status, and no exception but typer's Exit."""
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return _flat(result)


def _not_utf8(source: Path, tmp_path: Path) -> Path:
    path = tmp_path / source.name
    path.write_bytes(b"\xff\xfe" + source.read_bytes())
    return path


@pytest.fixture
def demo_mode(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XINFANG_DEMO_MODE", "true")
    monkeypatch.setenv("XINFANG_DATA_DIR", str(tmp_path / "data"))


# Rule files that are not UTF-8


def test_a_calendar_that_is_not_utf8_is_refused_by_the_check(tmp_path: Path) -> None:
    calendar = _not_utf8(DEFAULT_CALENDAR_PATH, tmp_path)
    result = runner.invoke(app, ["escalation-calendar", "check", str(calendar)])
    output = _refused(result)
    assert f"error: {calendar}:1:1: not UTF-8: byte 0xff (invalid start byte)" in output


def test_replay_rules_that_are_not_utf8_are_refused(tmp_path: Path) -> None:
    rules = _not_utf8(DEFAULT_RULES_PATH, tmp_path)
    history = tmp_path / "history.jsonl"
    history.write_text("", encoding="utf-8")
    until = "2027-01-01T00:00:00+08:00"
    result = runner.invoke(
        app, ["escalation-replay", str(history), "--until", until, "--rules", str(rules)]
    )
    assert f"{rules}:1:1: not UTF-8" in _refused(result)


@pytest.mark.parametrize(
    ("variable", "source"),
    [
        ("XINFANG_ESCALATION_RULES_PATH", DEFAULT_RULES_PATH),
        ("XINFANG_ESCALATION_CALENDAR_PATH", DEFAULT_CALENDAR_PATH),
    ],
)
@pytest.mark.usefixtures("demo_mode")
def test_the_escalation_service_refuses_rule_files_that_are_not_utf8(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, source: Path
) -> None:
    path = _not_utf8(source, tmp_path)
    monkeypatch.setenv(variable, str(path))
    result = runner.invoke(app, ["run", "escalation"])
    assert f"{path}:1:1: not UTF-8" in _refused(result)


@pytest.mark.usefixtures("demo_mode")
def test_the_gateway_refuses_a_missing_escalation_rule_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # It reads the escalation service's files in a settings validator: an OSError there
    # was a traceback.
    monkeypatch.setenv("XINFANG_GATEWAY_ESCALATION_RULES_PATH", str(tmp_path / "none.yaml"))
    result = runner.invoke(app, ["run", "gateway"])
    assert "No such file or directory" in _refused(result)


# Settings


@pytest.mark.usefixtures("demo_mode")
def test_broken_json_in_a_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINFANG_GATEWAY_PLACE_REGIONS", "{bad")
    result = runner.invoke(app, ["run", "gateway"])
    assert "XINFANG_GATEWAY_PLACE_REGIONS: not valid JSON" in _refused(result)


@pytest.mark.usefixtures("demo_mode")
def test_a_data_dir_that_is_a_file_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("", encoding="utf-8")
    monkeypatch.setenv("XINFANG_DATA_DIR", str(a_file))
    result = runner.invoke(app, ["run", "intake"])
    assert f"XINFANG_INTAKE_DATA_DIR: {a_file} is not a directory" in _refused(result)


# submit


def test_submit_of_a_directory_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["submit", str(tmp_path)])
    assert f"error: {tmp_path}: is a directory" in _refused(result)
    missing = runner.invoke(app, ["submit", str(tmp_path / "none.jsonl")])
    assert "none.jsonl: no such file" in _refused(missing)


def test_submit_with_the_broker_down_names_it_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def unreachable(bootstrap: str) -> Any:
        raise KafkaTimeoutError(f"Unable to bootstrap from {bootstrap}")

    monkeypatch.setattr(submitting, "make_producer", unreachable)
    lines = tmp_path / "petitions.jsonl"
    lines.write_text('{"submission_id": "s-1"}\n', encoding="utf-8")
    result = runner.invoke(app, ["submit", str(lines), "--bootstrap", "127.0.0.1:1"])
    output = _refused(result, code=1)
    assert output.startswith("error: the Kafka broker at 127.0.0.1:1 did not answer")
    assert output.endswith("nothing was published")


def test_submit_stops_at_a_line_the_producer_cannot_take(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Sending blocks until the topic's metadata comes; each further line would wait as long.
    sent: list[bytes] = []

    class Acknowledged:
        def get(self, timeout: float) -> None:
            return None

    class Producer:
        def send(self, topic: str, key: bytes | None, value: bytes) -> Acknowledged:
            if len(sent) == 2:
                raise KafkaTimeoutError("Failed to update metadata after 60.0 secs.")
            sent.append(value)
            return Acknowledged()

        def flush(self) -> None:
            return None

        def close(self) -> None:
            return None

    monkeypatch.setattr(submitting, "make_producer", lambda bootstrap: Producer())
    report = submitting.publish_lines([b"{}"] * 5, bootstrap="b:9092", prefix="")
    assert len(sent) == 2
    assert report.acknowledged == 2
    assert report.failed == [
        "line 3: not sent, nor any line after it: KafkaTimeoutError: Failed to update "
        "metadata after 60.0 secs."
    ]


# kafka up


@pytest.mark.parametrize("port", ["0", "65535", "70000"])
def test_kafka_up_refuses_a_port_before_starting_anything(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, port: str
) -> None:
    def up(self: KafkaLocal, timeout: float = 90.0) -> None:
        raise AssertionError("started with a bad port")

    monkeypatch.setattr(KafkaLocal, "up", up)
    result = runner.invoke(app, ["kafka", "up", "--home", str(tmp_path), "--port", port])
    assert "Invalid value for '--port'" in _refused(result)
    # 65535 is a port, but the controller's would be 65536.


# Kafka down under any command


def test_the_cli_reports_kafka_being_down_in_one_line_for_any_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from services.common import producer

    def unreachable(bootstrap: str) -> Any:
        raise KafkaTimeoutError(f"Unable to bootstrap from {bootstrap}")

    monkeypatch.setattr(producer, "make_producer", unreachable)
    monkeypatch.setattr(
        sys, "argv", ["xinfang", "contacts", "erase", REF, "--bootstrap", "127.0.0.1:1"]
    )
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 1
    captured = capsys.readouterr()
    assert captured.err == (
        "error: Kafka: KafkaTimeoutError: Unable to bootstrap from 127.0.0.1:1\n"
    )


# Commands of other packages


class _Recorder:
    """A producer that records what would have been published."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes | None]] = []

    def send(self, topic: str, key: bytes | None = None, value: bytes | None = None) -> Any:
        self.sent.append((topic, key, value))
        return self

    def get(self, timeout: float) -> None:
        return None

    def close(self) -> None:
        return None


def test_contacts_erase_refuses_what_is_no_petitioner_ref(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from services.common import producer

    recorder = _Recorder()
    monkeypatch.setattr(producer, "make_producer", lambda bootstrap: recorder)
    result = runner.invoke(app, ["contacts", "erase", "not a ref"])
    assert recorder.sent == []
    assert "not a ref" in _refused(result)


def test_matter_merge_refuses_a_region_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.common import producer

    recorder = _Recorder()
    monkeypatch.setattr(producer, "make_producer", lambda bootstrap: recorder)
    result = runner.invoke(app, ["matter", "merge", "A", "B", "--region", "xx", "--reason", "r"])
    output = _refused(result)
    assert recorder.sent == []
    assert "--region" in output
    assert "errors.pydantic.dev" not in output
    assert "validation error" not in output


def test_ledger_show_refuses_a_directory_as_output(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from services.common import readback

    monkeypatch.setattr(readback, "read_all", lambda bootstrap, topic: [])
    result = runner.invoke(
        app,
        ["ledger", "show", "--region", "610302", "--period", "2026-12", "--format", "xlsx",
         "--output", str(tmp_path)],
    )  # fmt: skip
    assert "--output" in _refused(result)
