"""The ledger service on a real broker: verdicts, an update and an escalation in, a ledger
snapshot with the hand-counted figures and a hotspot with its evidence out, the same after
the worker is killed and restarted (its tables recover; a redelivery counts nothing twice)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer
from openpyxl import load_workbook
from typer.testing import CliRunner

from schemas.base import Contract
from schemas.cases import CaseDeduplicated, CaseEscalated, CaseUpdate
from schemas.examples import DEDUPLICATED, ESCALATED
from schemas.keys import CaseKey
from schemas.matters import MatterChanged, MatterKey
from schemas.registry import (
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_UPDATES,
    HOTSPOTS_DETECTED,
    LEDGER_SNAPSHOTS,
    MATTERS_CHANGES,
    TopicSpec,
)
from services.cli.main import app
from services.cli.pipeline import LocalPipeline
from services.devtools.kafka_local import KafkaLocal
from services.ledger.periods import BEIJING
from tests.waiting import values

pytestmark = pytest.mark.integration

WEIBIN = "610302"
SURGE_AT = datetime(2026, 11, 18, 9, tzinfo=BEIJING)


def _verdict(case_id: str, at: datetime, person: str, title: str) -> CaseDeduplicated:
    example: dict[str, Any] = dict(DEDUPLICATED[0].value or {})
    case = dict(example["case"])
    case.update(
        case_id=case_id, submission_id=f"s-{case_id}", received_at=at.isoformat(),
        region_code=WEIBIN, field="housing.property_management", petitioner_ref=person,
        title=title,
    )  # fmt: skip
    example.update(case_id=case_id, case=case, verdict="new", matter_id=f"MT-{case_id}")
    return CaseDeduplicated.model_validate(example)


def _send(producer: KafkaProducer, prefix: str, spec: TopicSpec, event: Contract) -> None:
    case_id = str(event.model_dump()["case_id"])
    key = CaseKey(case_id=case_id).to_json_bytes()
    producer.send(spec.full_name(prefix), key=key, value=event.to_json_bytes()).get(30)


def _latest(bootstrap: str, topic: str, match: dict[str, Any]) -> dict[str, Any] | None:
    found = [v for v in values(bootstrap, topic) if match.items() <= v.items()]
    return found[-1] if found else None


def _wait(
    pipeline: LocalPipeline, topic: str, match: dict[str, Any], want: dict[str, Any],
    timeout: float = 60.0,
) -> dict[str, Any]:  # fmt: skip
    deadline = time.monotonic() + timeout
    latest: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        latest = _latest(pipeline.bootstrap, topic, match)
        if latest is not None and want.items() <= latest.items():
            return latest
        time.sleep(0.5)
    raise AssertionError(f"{topic}: {latest} never had {want}\n{pipeline.log_tail('ledger')}")


def _start_ledger(pipeline: LocalPipeline) -> None:
    """The ledger with a week's hotspot window over a 28-day baseline, healthy."""
    pipeline.extra_env.update(
        {
            "XINFANG_LEDGER_HOTSPOT_WINDOW_DAYS": "7",
            "XINFANG_LEDGER_HOTSPOT_BASELINE_DAYS": "28",
            # The history begins a month before: the estate's baseline of none is known.
            "XINFANG_LEDGER_HOTSPOT_HISTORY_FROM": (SURGE_AT - timedelta(days=30)).isoformat(),
        }
    )
    pipeline.start("ledger")
    pipeline.wait_healthy()


def test_ledger_snapshots_and_a_hotspot_from_cases_and_their_updates(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline, tmp_path: Path
) -> None:
    _start_ledger(pipeline)
    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")
    try:
        # A letter a month earlier; then five residents of one estate within a day.
        early = _verdict("XF-EARLY", SURGE_AT - timedelta(days=30), "pr_early", "咨询公积金贷款")
        _send(producer, prefix, CASES_DEDUPLICATED, early)
        surge = [f"XF-SURGE{k}" for k in range(5)]
        for k, case_id in enumerate(surge):
            title = f"阳光小区{k + 1}号楼地下车库污水倒灌"
            at = SURGE_AT + timedelta(hours=3 * k)
            _send(producer, prefix, CASES_DEDUPLICATED, _verdict(case_id, at, f"pr_r{k}", title))
        # Accepted, then replied: a reply without an acceptance is refused (the lifecycle).
        accepted = CaseUpdate(
            update_id="u-0", case_id=surge[0], kind="accepted",
            occurred_at=SURGE_AT + timedelta(days=1), agency_code="610302-housing",
        )  # fmt: skip
        _send(producer, prefix, CASES_UPDATES, accepted)
        replied = CaseUpdate(
            update_id="u-1", case_id=surge[0], kind="replied",
            occurred_at=SURGE_AT + timedelta(days=3), agency_code="610302-housing",
        )  # fmt: skip
        _send(producer, prefix, CASES_UPDATES, replied)
        escalation = CaseEscalated.model_validate(
            {**(ESCALATED[0].value or {}), "case_id": surge[1], "target_agency": "610300-mayor"}
        )
        _send(producer, prefix, CASES_ESCALATED, escalation)

        row = {"region_code": "610300", "field": "all", "period": "2026-W47"}
        figures = {
            "petitions": 5, "petitioners": 5, "accepted": 1, "accepted_within_limit": 1,
            "replied": 1, "backlog": 4,
            "leadership_package": 1,
            "package_cases": [{"case_id": surge[1], "owner": "610300-mayor"}],
        }  # fmt: skip
        _wait(pipeline, LEDGER_SNAPSHOTS.full_name(prefix), row, figures)
        hotspot = _wait(
            pipeline, HOTSPOTS_DETECTED.full_name(prefix),
            {"kind": "place", "group": "阳光小区"}, {"petitions": 5, "petitioners": 5},
        )  # fmt: skip
        assert sorted(hotspot["case_ids"]) == surge
        assert hotspot["first_at"] == SURGE_AT.isoformat()
        assert hotspot["baseline_petitions"] == 0
        assert "污水倒灌" in hotspot["description"]

        # Killed and restarted, the worker recovers its tables: the same reply again
        # changes nothing, a late rating of a case of last week changes last week's row.
        pipeline.kill("ledger")
        pipeline.start("ledger")
        pipeline.wait_healthy()
        _send(producer, prefix, CASES_UPDATES, replied)
        rated = CaseUpdate(
            update_id="u-2", case_id=surge[0], kind="rated",
            occurred_at=SURGE_AT + timedelta(days=9), agency_code="610302-housing",
            rating="satisfied",
        )  # fmt: skip
        _send(producer, prefix, CASES_UPDATES, rated)
        _wait(pipeline, LEDGER_SNAPSHOTS.full_name(prefix), row,
              {**figures, "satisfied": 1, "not_rated": 4})  # fmt: skip
    finally:
        producer.close()

    # The caseworker's spreadsheet of the city's week: every field, `all` first.
    workbook = tmp_path / "ledger.xlsx"
    show = ["ledger", "show", "--region", "610300", "--period", "2026-W47",
            "--bootstrap", kafka.bootstrap, "--prefix", prefix]  # fmt: skip
    result = CliRunner().invoke(app, [*show, "--format", "xlsx", "--output", str(workbook)])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(workbook).active
    assert sheet is not None
    lines = [[cell.value for cell in line] for line in sheet.iter_rows(min_row=2)]
    table = [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]
    assert [line["field"] for line in table] == ["all", "housing.property_management"]
    assert [line["petitions"] for line in table] == [5, 5]
    assert table[0]["package owners"] == f"{surge[1]}: 610300-mayor"
    # The key matters: each surge letter is its own open matter, the oldest first by age.
    matters = list(load_workbook(workbook)["key matters"].iter_rows(min_row=2, values_only=True))
    by_age = [line[3] for line in matters if line[:2] == ("all", "by age")]
    assert by_age == [f"MT-{case_id}" for case_id in surge[1:]]
    result = CliRunner().invoke(app, [*show, "--field", "all", "--format", "csv"])
    assert result.stdout.splitlines()[1].startswith("all,5,5,5,5,0,0,0,1,1,0,1,4,1,1,0,0,4")


def test_a_campaign_of_collective_letters_at_one_estate_is_stored_and_reported(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline
) -> None:
    # 60 letters, each of 601 residents with a 200-character title: the estate's group
    # held them all whole before its bound, 1.4 MB, which no changelog record can carry.
    pipeline.extra_env.update(
        {"XINFANG_LEDGER_HOTSPOT_HISTORY_FROM": (SURGE_AT - timedelta(days=60)).isoformat()}
    )
    pipeline.start("ledger")
    pipeline.wait_healthy()
    producer = KafkaProducer(
        bootstrap_servers=kafka.bootstrap, acks="all", max_request_size=1_000_000
    )
    try:
        for k in range(60):
            title = f"幸福花园小区业主联名反映物业乱收费{k}：" + "物业公司擅自提高收费标准，" * 20
            title = title[:200]
            verdict = _verdict(f"XF-CAMPAIGN{k:03d}", SURGE_AT + timedelta(minutes=k),
                               f"pr_campaign{k:03d}", title)  # fmt: skip
            case = verdict.case.model_copy(
                update={"co_petitioner_refs": [f"pr_c{k:03d}_{i:04d}" for i in range(600)]}
            )
            _send(producer, prefix, CASES_DEDUPLICATED, verdict.model_copy(update={"case": case}))
        hotspot = _wait(
            pipeline, HOTSPOTS_DETECTED.full_name(prefix),
            {"kind": "place", "group": "幸福花园"}, {"petitions": 60},
            timeout=180.0,
        )  # fmt: skip
        assert hotspot["petitioners"] == 60 * 601
        # Its first letters are only counted by now: known to their day (UTC).
        first_day = SURGE_AT.astimezone(UTC).replace(hour=0)
        assert datetime.fromisoformat(hotspot["first_at"]) == first_day
        pipeline.wait_healthy(timeout=5)  # the ledger never stopped
    finally:
        producer.close()


def test_a_merge_on_matters_changes_makes_one_matter_of_the_ledger_and_its_hotspot(
    kafka: KafkaLocal, prefix: str, pipeline: LocalPipeline
) -> None:
    _start_ledger(pipeline)
    producer = KafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all")

    def letter(case_id: str, matter: str, hours: int) -> CaseDeduplicated:
        at = SURGE_AT + timedelta(hours=hours)
        event = _verdict(case_id, at, f"pr_{case_id.lower()}", "反映供暖温度不达标")
        return event.model_copy(update={"matter_id": matter})

    try:
        # Two letters of two matters; then dedup merges A into B (the absorbed matter's
        # cases, one of them not yet seen by the ledger); then A's second letter.
        _send(producer, prefix, CASES_DEDUPLICATED, letter("XF-A1", "MT-A", 0))
        _send(producer, prefix, CASES_DEDUPLICATED, letter("XF-B1", "MT-B", 2))
        row = {"region_code": "610300", "field": "all", "period": "2026-W47"}
        _wait(pipeline, LEDGER_SNAPSHOTS.full_name(prefix), row, {"petitions": 2, "matters": 2})
        merged = MatterChanged(
            command_id="XF-A2-merge-MT-A", kind="merge", outcome="applied",
            region_code=WEIBIN, matter_id="MT-B", absorbed_matter_id="MT-A",
            moved_case_ids=["XF-A1", "XF-A2"], operator="dedup",
            reason="case XF-A2 is the same matter as both", applied_at=SURGE_AT,
        )  # fmt: skip
        key = MatterKey(matter_id="MT-B").to_json_bytes()
        for _ in range(2):  # sent twice: followed once
            producer.send(MATTERS_CHANGES.full_name(prefix), key=key,
                          value=merged.to_json_bytes()).get(30)  # fmt: skip
        _send(producer, prefix, CASES_DEDUPLICATED, letter("XF-A2", "MT-A", 4))
        week = _wait(
            pipeline, LEDGER_SNAPSHOTS.full_name(prefix), row,
            {"petitions": 3, "petitioners": 3, "matters": 1},
        )  # fmt: skip
        assert [(m["matter_id"], m["petitions"], m["petitioners"], m["open_cases"])
                for m in week["key_matters_by_petitioners"]] == [("MT-B", 3, 3, 3)]  # fmt: skip
        # Three letters of three people in a day: the merged matter is a hotspot.
        hotspot = _wait(
            pipeline, HOTSPOTS_DETECTED.full_name(prefix),
            {"kind": "matter", "group": "MT-B"}, {"petitions": 3, "petitioners": 3},
        )  # fmt: skip
        assert sorted(hotspot["case_ids"]) == ["XF-A1", "XF-A2", "XF-B1"]
        assert not [h for h in values(kafka.bootstrap, HOTSPOTS_DETECTED.full_name(prefix))
                    if h["group"] == "MT-A"]  # fmt: skip
    finally:
        producer.close()
