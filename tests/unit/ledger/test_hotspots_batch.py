"""`xinfang hotspots-batch`: ranked hotspots from a file of petitions; bad lines reported."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli.main import app
from services.cli.offline import registered_cases
from services.cli.offline_hotspots import sightings
from services.common.keys import DEMO_HMAC_KEY
from services.ledger.periods import BEIJING

START = datetime(2026, 3, 2, 9, tzinfo=BEIJING)
#: Letters about different things, one every five days for 70 days.
BACKGROUND = [
    "咨询城乡居民医疗保险缴费标准",
    "反映清姜路口红绿灯时间过短",
    "建议增设社区老年食堂",
    "咨询公积金异地贷款办理流程",
    "投诉某培训机构拒不退费",
    "反映农村低保评定不公开",
    "咨询新生儿落户需要哪些材料",
    "建议开通至火车站的夜班公交",
    "反映菜市场占道经营",
    "咨询退役军人优待证办理",
    "反映自来水水压不足",
    "咨询城镇职工养老保险转移",
    "反映村道路灯长期不亮",
    "咨询驾驶证到期换证",
]


def petition(submission_id: str, at: datetime, name: str, title: str) -> str:
    return json.dumps(
        {
            "submission_id": submission_id,
            "channel": "online",
            "received_at": at.isoformat(),
            "petitioner": {"name": name},
            "region_code": "610302",
            "title": title,
            "content": title + "，希望有关部门尽快处理。",
        },
        ensure_ascii=False,
    )


def test_a_surge_at_one_estate_is_ranked_first_and_bad_lines_are_reported(
    tmp_path: Path,
) -> None:
    lines = [
        petition(f"bg-{n}", START + timedelta(days=5 * n), f"居民{n}", title)
        for n, title in enumerate(BACKGROUND)
    ]
    surge_at = START + timedelta(days=60)
    surge = [
        petition(
            f"surge-{k}",
            surge_at + timedelta(hours=5 * k),
            f"业主{k}",
            f"阳光小区{k + 1}号楼地下车库污水倒灌",
        )
        for k in range(6)
    ]
    lines[3:3] = surge
    lines.insert(2, "{not json")
    lines.insert(4, petition("far-away", START, "某人", "无效地区").replace("610302", "999999"))
    source = tmp_path / "petitions.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = CliRunner().invoke(app, ["hotspots-batch", str(source)])

    assert result.exit_code == 0, result.output
    assert "line 3: invalid_json" in result.stderr
    assert "line 5: unknown_region" in result.stderr
    ranked = [json.loads(line) for line in result.stdout.splitlines()]
    assert ranked, result.stderr
    first = ranked[0]
    assert (first["rank"], first["kind"], first["petitions"], first["petitioners"]) == (
        1, "place", 6, 6,
    )  # fmt: skip
    assert first["place_or_group"].endswith("阳光小区")
    assert sorted(first["submission_ids"]) == [f"surge-{k}" for k in range(6)]
    assert first["time_range"] == {
        "from": surge_at.isoformat(),
        "to": (surge_at + timedelta(hours=25)).isoformat(),
    }
    assert "污水倒灌" in first["description"]
    assert first["heat"] > 0
    assert first["baseline_petitions"] == 0
    # Nothing in the background rose above its own baseline.
    assert all(not set(h["submission_ids"]) <= {f"bg-{n}" for n in range(14)} for h in ranked)


def test_the_time_range_is_in_china_time_whatever_offset_the_petitions_give(
    tmp_path: Path,
) -> None:
    # The first letter gives its time in UTC, the others in +08:00: both ends of the range
    # are told in China time, as every time the ledger shows.
    at = [START + timedelta(hours=5 * k) for k in range(4)]
    lines = [
        petition(f"lift-{k}", moment.astimezone(UTC) if k == 0 else moment, f"业主{k}",
                 f"幸福家园小区{k + 1}号楼电梯停运")
        for k, moment in enumerate(at)
    ]  # fmt: skip
    # A letter on something else half a year before: the history a baseline is observed on.
    lines.insert(0, petition("bg", START - timedelta(days=181), "某人", BACKGROUND[0]))
    source = tmp_path / "petitions.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = CliRunner().invoke(app, ["hotspots-batch", str(source)])

    assert result.exit_code == 0, result.output
    first = json.loads(result.stdout.splitlines()[0])
    assert first["time_range"] == {"from": at[0].isoformat(), "to": at[-1].isoformat()}


def test_a_missing_file_is_a_clear_error() -> None:
    result = CliRunner().invoke(app, ["hotspots-batch", "/nonexistent/petitions.jsonl"])
    assert result.exit_code == 2
    assert "no such file" in result.stderr


def test_mailbox_lines_that_are_not_messages_are_reported_and_the_rest_go_on() -> None:
    good = {
        "message_id": "1", "user": "U1", "title": "反映A5区某路段积水",
        "received_at": "2019-05-01T10:00:00+08:00", "content": "下雨就积水。",
    }  # fmt: skip
    text = "\n".join(
        [json.dumps(good, ensure_ascii=False), '{"message_id": "2", "user": "U2"}', "[]"]
    )
    result = CliRunner().invoke(app, ["hotspots-batch", "--mailbox", "-"], input=text)
    assert result.exit_code == 0, result.output
    assert "line 2: invalid_mailbox_message: a mailbox message has 'title'" in result.stderr
    assert "line 3: invalid_mailbox_message: not a JSON object" in result.stderr
    assert "1 petitions, 0 hotspots, 2 lines skipped" in result.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--region", "999999", "--period", "2026-11"], "not a code of the national region"),
        (["--region", "610302", "--period", "last week"], "is not a day (2026-12-04)"),
        (["--region", "610302", "--period", "2026-W54"], "period '2026-W54'"),
        (["--region", "610302", "--period", "2026-11", "--format", "xlsx"], "--output"),
        (["--region", "610302", "--period", "2026-11", "--format", "pdf"], "pdf"),
    ],
)
def test_ledger_show_refuses_bad_input_before_reading_anything(
    arguments: list[str], message: str
) -> None:
    # No broker listens on port 1: a command that got past its checks would fail otherwise.
    result = CliRunner().invoke(app, ["ledger", "show", *arguments, "--bootstrap", "127.0.0.1:1"])
    assert result.exit_code == 2
    assert message in " ".join(result.stderr.split())


def test_hotspots_count_a_matter_dedup_merged_later_as_the_one_it_joined() -> None:
    # Two residents word one estate's problem apart (two matters); a third letter says
    # what both say, and dedup merges them: every sighting is then in the one matter.
    basement = "阳光小区3号楼地下室长期积水，水深已超过30厘米，夏天蚊虫滋生气味难闻。"
    reworded = "阳光小区物业不管，楼下的水一直排不出去，已经泡了两个月，楼道里全是臭味。"
    letters = [
        ("阳光小区地下室积水", basement),
        ("地下室积水", reworded),
        ("地下室积水", basement + reworded),
    ]
    lines = [
        json.dumps(
            {
                "submission_id": f"m-{n}",
                "channel": "online",
                "received_at": (START + timedelta(days=n)).isoformat(),
                "petitioner": {"name": f"居民{n}"},
                "region_code": "610302",
                "title": title,
                "content": content,
            },
            ensure_ascii=False,
        ).encode()
        for n, (title, content) in enumerate(letters)
    ]
    cases, bad = registered_cases(lines, DEMO_HMAC_KEY.encode())
    assert bad == []
    found, _ = sightings(cases, {})
    assert len({sighting.matter_id for sighting in found}) == 1
