"""A chained ledger row on a real broker, through a crash in the middle of a batch: the
ledger dies (SIGKILL) once a batch's link records are acknowledged and before the row's
head is written or the batch committed; restarted, it restores its tables from their
changelogs, handles the batch again and counts every case exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from schemas.cases import Verdict
from schemas.registry import CASES_DEDUPLICATED, LEDGER_SNAPSHOTS
from services.devtools.kafka_local import KafkaLocal, free_port
from tests.integration.test_ledger_on_kafka import SURGE_AT, _send, _verdict
from tests.waiting import values

pytestmark = [pytest.mark.integration, pytest.mark.kill]

ROOT = Path(__file__).resolve().parents[2]
#: Joint letters of 601 people about one matter: about 36 KB of the matter's people each,
#: all in the matter's part, so its chain grows a link every seven letters or so.
LETTERS = 40
PEOPLE = 601


def _start(kafka: KafkaLocal, prefix: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        XINFANG_BOOTSTRAP_SERVERS=kafka.bootstrap, XINFANG_TOPIC_PREFIX=prefix,
        XINFANG_DATA_DIR=str(tmp_path / "state"), XINFANG_LEDGER_WEB_PORT=str(free_port()),
        XINFANG_STANDBY_REPLICAS="0", XINFANG_LOG_FORMAT="text",
        XINFANG_SESSION_TIMEOUT_SECONDS="10", CRASH_MARK=str(tmp_path / "crashed"),
    )  # fmt: skip
    with (tmp_path / "ledger.log").open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.integration.ledger_crash"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def _tail(tmp_path: Path) -> str:
    lines = (tmp_path / "ledger.log").read_text(errors="replace").splitlines()
    return "\n".join(lines[-30:])


def test_a_crash_between_a_chained_rows_links_and_its_head_counts_each_case_once(
    kafka: KafkaLocal, prefix: str, tmp_path: Path
) -> None:
    ledger = _start(kafka, prefix, tmp_path)
    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
    try:
        for k in range(LETTERS):
            at = SURGE_AT + timedelta(minutes=k)
            verdict = _verdict(f"XF-CHAIN{k:03d}", at, f"pr_chain{k:03d}", "幸福花园物业乱收费")
            refs = [f"pr_c{k:03d}_{i:04d}" for i in range(PEOPLE - 1)]
            case = verdict.case.model_copy(update={"co_petitioner_refs": refs})
            joint = verdict.model_copy(
                update={"case": case, "matter_id": "MT-XF-CHAIN000", "verdict": Verdict.JOINT}
            )
            _send(producer, prefix, CASES_DEDUPLICATED, joint)
        assert ledger.wait(timeout=240) == -signal.SIGKILL, _tail(tmp_path)
        crashed = (tmp_path / "crashed").read_text()
        assert "link records acknowledged" in crashed
        ledger = _start(kafka, prefix, tmp_path)
        row = {"region_code": "610302", "field": "all", "period": "2026-W47"}
        want: dict[str, Any] = {
            "petitions": LETTERS, "joint": LETTERS, "petitioners": LETTERS * PEOPLE,
            "matters": 1, "backlog": LETTERS,
        }  # fmt: skip
        deadline, latest = time.monotonic() + 240, None
        while time.monotonic() < deadline and ledger.poll() is None:
            found = [v for v in values(kafka.bootstrap, LEDGER_SNAPSHOTS.full_name(prefix))
                     if row.items() <= v.items()]  # fmt: skip
            latest = found[-1] if found else None
            if latest is not None and latest["petitions"] >= LETTERS:
                break
            time.sleep(1.0)
        assert latest is not None, _tail(tmp_path)
        assert {k: latest[k] for k in want} == want, (crashed, _tail(tmp_path))
        [matter] = latest["key_matters_by_petitioners"]
        assert (matter["petitions"], matter["petitioners"]) == (LETTERS, LETTERS * PEOPLE)
    finally:
        producer.close()
        if ledger.poll() is None:
            ledger.send_signal(signal.SIGTERM)
            ledger.wait(timeout=60)
