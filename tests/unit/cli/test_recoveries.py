"""The end-to-end tests report a restart or an output sent again as a warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.cli.pipeline import LocalPipeline, Restart, ServiceProcess
from tests.e2e.recoveries import RESEND, warn_of_recoveries


def test_restarts_and_resends_become_warnings(tmp_path: Path) -> None:
    pipeline = LocalPipeline("127.0.0.1:9", "t.", tmp_path)
    log = tmp_path / "notification.log"
    log.write_text(f'{{"msg": "ready"}}\n{{"msg": "{RESEND}", "topics": ["t.cases"]}}\n')
    pipeline.processes["notification"] = ServiceProcess("notification", 6069, log)
    pipeline.processes["dedup"] = ServiceProcess("dedup", 6067, tmp_path / "absent.log")
    pipeline.restarts.append(Restart("notification", 75, '{"msg": "a handler is stuck"}'))
    with pytest.warns(UserWarning, match="notification") as caught:
        warn_of_recoveries(pipeline)
    messages = [str(w.message) for w in caught]
    assert messages[0].startswith("notification exited with 75 and was started again")
    assert "a handler is stuck" in messages[0]
    assert messages[1].startswith("notification sent outputs again 1 times")
    assert len(messages) == 2


def test_a_quiet_run_warns_of_nothing(tmp_path: Path, recwarn: pytest.WarningsRecorder) -> None:
    pipeline = LocalPipeline("127.0.0.1:9", "t.", tmp_path)
    log = tmp_path / "intake.log"
    log.write_text('{"msg": "ready"}\n')
    pipeline.processes["intake"] = ServiceProcess("intake", 6066, log)
    warn_of_recoveries(pipeline)
    assert len(recwarn) == 0
