"""`xinfang simulate`'s stream: seeded, unique per run, and agencies answering in order."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from itertools import islice

from schemas.cases import UpdateKind
from schemas.identifiers import case_id_for
from services.cli.simulate import (
    AgencyPlan,
    agency_for,
    petition_lines,
    received_between,
    received_now,
)
from services.common.dlq import Rejected
from services.common.keys import DEMO_CASE_ID_KEY
from services.common.submitted import parse
from services.intake.routing import agency_codes

CODES = sorted(agency_codes())


def _ids(lines: list[bytes]) -> list[str]:
    ids = []
    for line in lines:
        try:
            ids.append(parse(line).submission_id)
        except Rejected:
            continue
    return ids


def test_the_stream_is_the_same_for_a_seed_and_its_ids_carry_the_tag() -> None:
    first = list(islice(petition_lines(7, "s7c"), 2500))
    assert first == list(islice(petition_lines(7, "s7c"), 2500))
    ids = _ids(first)
    assert all(".s7c" in submission for submission in ids)
    other = set(_ids(list(islice(petition_lines(8, "s8c"), 2500))))
    assert not other & set(ids)


def test_chunks_do_not_reuse_submission_ids_but_channel_retries_stay_retries() -> None:
    ids = _ids(list(islice(petition_lines(3, "t"), 3000)))  # three chunks
    chunks = {submission.rsplit(".t", 1)[1] for submission in ids}
    assert chunks == {"0", "1", "2"}
    repeated = len(ids) - len(set(ids))
    assert 0 < repeated < len(ids) * 0.05  # the generator's retries, nothing more


def test_a_petition_is_received_when_it_is_sent_and_invalid_input_stays_invalid() -> None:
    now = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    lines = list(islice(petition_lines(5, "x"), 400))
    for line in lines:
        sent = received_now(line, now)
        try:
            petition = parse(sent)
        except Rejected:
            try:
                parse(line)
            except Rejected:
                continue  # invalid before, invalid after
            raise
        assert petition.received_at == now


def test_each_case_gets_its_agency_updates_in_lifecycle_order() -> None:
    plan = AgencyPlan(random.Random(1), CODES)
    for n in range(300):
        plan.follow(f"online-{n:06d}.t0", "610302", at=float(n))
    plan.follow("online-000001.t0", "610302", at=400.0)  # a channel retry: no more updates
    now = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    updates = list(plan.due_now(10_000.0, now))
    by_case: dict[str, list[UpdateKind]] = {}
    for update in updates:
        by_case.setdefault(update.case_id, []).append(update.kind)
        assert update.occurred_at == now
        assert update.agency_code == "610302-xfb" or update.agency_code.startswith("61")
    allowed = (
        [UpdateKind.NOT_ACCEPTED],
        [UpdateKind.ACCEPTED, UpdateKind.REPLIED],
        [UpdateKind.ACCEPTED, UpdateKind.REPLIED, UpdateKind.RATED],
    )
    assert all(kinds in allowed for kinds in by_case.values())
    key = DEMO_CASE_ID_KEY.encode()
    assert set(by_case) <= {case_id_for(f"online-{n:06d}.t0", key) for n in range(300)}
    assert 150 < len(by_case) < 300  # most cases answered, not all
    assert len({u.update_id for u in updates}) == len(updates)
    assert not plan.queue


def test_updates_go_out_only_when_due() -> None:
    plan = AgencyPlan(random.Random(2), CODES)
    for n in range(50):
        plan.follow(f"phone-{n:06d}.t0", "110105", at=0.0)
    planned = len(plan.queue)
    assert planned > 50
    assert list(plan.due_now(4.9, datetime.now(UTC))) == []  # the first comes after 5 s
    assert len(list(plan.due_now(1000.0, datetime.now(UTC)))) == planned
    assert not plan.queue


def test_the_agency_is_the_county_bureau_or_one_of_its_province() -> None:
    assert agency_for("110105", CODES) == "110105-xfb"
    assert agency_for("110108", CODES).startswith("11")
    assert agency_for("999999", CODES) == CODES[0]


def test_a_backlog_is_received_in_order_within_its_span() -> None:
    start = datetime(2026, 12, 4, 0, 0, tzinfo=UTC)
    end = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    lines = list(islice(petition_lines(9, "b"), 6000))
    times = []
    for line in received_between(lines, start, end):
        try:
            times.append(parse(line).received_at)
        except Rejected:
            continue
    assert len(times) > 5000
    assert times == sorted(times)
    assert start <= times[0]
    assert times[-1] <= end
