"""`xinfang simulate`: a steady, seeded stream of petitions and agency updates (soak runs).

Petitions come from the demo's generator (every channel, Chinese and English, planted
repeats, channel retries and a share of invalid messages), received now: each submission id
carries the run's tag, so runs with different seeds never collide. For a share of the
petitions intake will register, the responsible agency later reports on
``cases.updates.submitted`` as agency systems do (intake relays it to ``cases.updates``):
accepted (or not accepted), then replied, then the petitioner's rating,
seconds apart instead of days. The bench's latency phase uses the petition stream alone.
"""

from __future__ import annotations

import heapq
import json
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from kafka import KafkaProducer

from schemas.cases import CaseUpdate, Rating, UpdateKind
from schemas.identifiers import case_id_for
from schemas.keys import CaseKey
from schemas.registry import CASES_UPDATES_SUBMITTED, PETITIONS_SUBMITTED
from services.cli.generate import CHINA, generate
from services.cli.submit import submission_key
from services.common.dlq import Rejected
from services.common.keys import DEMO_CASE_ID_KEY
from services.common.producer import make_producer
from services.common.submitted import parse

#: Petitions generated at a time: the generator's repeats and retries refer within a chunk.
CHUNK: Final = 1000
#: Shares of registered petitions an agency accepts, refuses, and of replies that are rated.
ACCEPTED_SHARE: Final = 0.7
NOT_ACCEPTED_SHARE: Final = 0.1
RATED_SHARE: Final = 0.6
#: Seconds from a petition to its agency's first update, and between later updates.
FIRST_UPDATE_SECONDS: Final = (5.0, 30.0)
NOT_ACCEPTED_REASON: Final = "不属于信访事项受理范围"
REPLY: Final = "已答复信访人"
NEXT_UPDATE_SECONDS: Final = (5.0, 60.0)


def petition_lines(seed: int, tag: str) -> Iterator[bytes]:
    """Generated petitions without end, their submission ids made unique to ``tag``.

    Each chunk has its own seed (derived from ``seed``) and its ids a chunk number, so a
    channel retry stays the same submission and nothing collides across chunks or runs.
    """
    chunk = 0
    while True:
        for line in generate(CHUNK, seed=seed * 100_003 + chunk).lines:
            yield _tagged(line, f"{tag}{chunk}")
        chunk += 1


def _tagged(line: bytes, tag: str) -> bytes:
    document = _document(line)
    if document is None or not isinstance(document.get("submission_id"), str):
        return line  # invalid input stays as it is: intake must reject it
    document["submission_id"] = f"{document['submission_id']}.{tag}"
    return json.dumps(document, ensure_ascii=False).encode()


def received_now(line: bytes, now: datetime) -> bytes:
    """The petition as received at ``now`` (China time); other input unchanged."""
    document = _document(line)
    if document is None or not isinstance(document.get("received_at"), str):
        return line
    document["received_at"] = now.astimezone(CHINA).isoformat()
    return json.dumps(document, ensure_ascii=False).encode()


def received_between(lines: list[bytes], start: datetime, end: datetime) -> list[bytes]:
    """The petitions in order, received evenly from ``start`` to ``end``.

    The generator spaces petitions about 36 s apart: a backlog of 50,000 would reach three
    weeks into the future, which intake refuses, or begin beyond the legal limits, which
    would make escalation breach every clock. A backlog received within hours is neither.
    """
    step = (end - start) / max(len(lines) - 1, 1)
    return [received_now(line, start + step * n) for n, line in enumerate(lines)]


def _document(line: bytes) -> dict[str, Any] | None:
    try:
        document = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return document if isinstance(document, dict) else None


def agency_for(region_code: str, codes: list[str]) -> str:
    """The county's petition bureau when routing knows one, else its province's, else any."""
    for prefix in (region_code, region_code[:2]):
        matching = [code for code in codes if code.startswith(prefix)]
        if matching:
            bureaus = [code for code in matching if code.endswith(("-xfb", "-xfj"))]
            return (bureaus or matching)[0]
    return codes[0]


@dataclass(frozen=True)
class Planned:
    """An agency's update on a case, due ``due`` seconds after the start."""

    due: float
    case_id: str
    agency_code: str
    kind: UpdateKind
    reason: str | None = None

    def update(self, now: datetime) -> CaseUpdate:
        return CaseUpdate(
            update_id=f"{self.case_id}-{self.kind.value}",
            case_id=self.case_id,
            kind=self.kind,
            occurred_at=now,
            agency_code=self.agency_code,
            reason=self.reason,
            rating=Rating.SATISFIED if self.kind is UpdateKind.RATED else None,
        )


@dataclass
class AgencyPlan:
    """The updates agencies will send about the cases seen so far, in due order."""

    rng: random.Random
    codes: list[str]
    #: The deployment's ``XINFANG_CASE_ID_KEY`` (intake makes the case ids with it).
    case_id_key: bytes = DEMO_CASE_ID_KEY.encode()
    queue: list[tuple[float, int, Planned]] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    #: Updates planned so far: orders updates due at the same moment as they were planned.
    planned: int = 0

    def follow(self, submission_id: str, region_code: str, at: float) -> None:
        """Plan the agency's updates on the case of a petition sent at ``at``."""
        if submission_id in self.seen:
            return  # a channel retry: the same case
        self.seen.add(submission_id)
        roll = self.rng.random()
        if roll >= ACCEPTED_SHARE + NOT_ACCEPTED_SHARE:
            return  # the agency has not answered yet when the run ends
        case_id = case_id_for(submission_id, self.case_id_key)
        agency = agency_for(region_code, self.codes)
        due = at + self.rng.uniform(*FIRST_UPDATE_SECONDS)
        if roll >= ACCEPTED_SHARE:
            self._plan(Planned(due, case_id, agency, UpdateKind.NOT_ACCEPTED, NOT_ACCEPTED_REASON))
            return
        self._plan(Planned(due, case_id, agency, UpdateKind.ACCEPTED))
        due += self.rng.uniform(*NEXT_UPDATE_SECONDS)
        self._plan(Planned(due, case_id, agency, UpdateKind.REPLIED, REPLY))
        if self.rng.random() < RATED_SHARE:
            due += self.rng.uniform(*NEXT_UPDATE_SECONDS)
            self._plan(Planned(due, case_id, agency, UpdateKind.RATED))

    def _plan(self, planned: Planned) -> None:
        self.planned += 1
        heapq.heappush(self.queue, (planned.due, self.planned, planned))

    def due_now(self, elapsed: float, now: datetime) -> Iterator[CaseUpdate]:
        """Every update due by ``elapsed`` seconds, as occurring ``now``."""
        while self.queue and self.queue[0][0] <= elapsed:
            yield heapq.heappop(self.queue)[2].update(now)


@dataclass
class SimulationReport:
    petitions: int = 0
    updates: int = 0
    acknowledged: int = 0
    failed: list[str] = field(default_factory=list)
    updates_not_due: int = 0
    seconds: float = 0.0

    def render(self) -> str:
        lines = [
            f"petitions sent: {self.petitions} in {self.seconds:.1f}s "
            f"({self.petitions / max(self.seconds, 1e-9):.1f}/s)",
            f"agency updates sent: {self.updates} ({self.updates_not_due} planned after the end)",
            f"acknowledged by the broker (acks=all): {self.acknowledged}",
            f"not acknowledged: {len(self.failed)}",
        ]
        return "\n".join(lines + [f"  {failure}" for failure in self.failed[:20]])


def simulate(
    *,
    bootstrap: str,
    prefix: str,
    rate: float,
    duration: float,
    seed: int,
    agency_codes: list[str],
    with_updates: bool = True,
    on_progress: Callable[[int], None] | None = None,
    producer: KafkaProducer | None = None,
    tag: str | None = None,
) -> SimulationReport:
    """Send ``rate`` petitions a second for ``duration`` seconds, with agencies' updates.

    The petitions are paced on a schedule (the n-th is due n/rate seconds after the start),
    so a slow send is caught up and the offered rate holds on average. ``on_progress`` gets
    the number of petitions sent so far. Submission ids carry ``tag`` (by default one
    made of the seed).
    """
    if rate <= 0 or duration <= 0:
        raise ValueError("rate and duration must be positive")
    report = SimulationReport()
    own_producer = producer is None
    sender = producer if producer is not None else make_producer(bootstrap)
    submitted = PETITIONS_SUBMITTED.full_name(prefix)
    updates = CASES_UPDATES_SUBMITTED.full_name(prefix)
    key = os.environ.get("XINFANG_CASE_ID_KEY", DEMO_CASE_ID_KEY).encode()
    plan = AgencyPlan(random.Random(seed), sorted(agency_codes), key)
    lines = petition_lines(seed, tag or f"s{seed}c")
    total = int(rate * duration)
    futures = []
    started = time.monotonic()
    try:
        for n in range(total):
            due = n / rate
            elapsed = time.monotonic() - started
            if due > elapsed:
                time.sleep(due - elapsed)
                elapsed = due
            now = datetime.now(UTC)
            line = received_now(next(lines), now)
            futures.append(sender.send(submitted, key=submission_key(line), value=line))
            report.petitions += 1
            if with_updates:
                _follow(plan, line, elapsed)
                for update in plan.due_now(elapsed, now):
                    key = CaseKey(case_id=update.case_id).to_json_bytes()
                    futures.append(sender.send(updates, key=key, value=update.to_json_bytes()))
                    report.updates += 1
            if on_progress is not None:
                on_progress(report.petitions)
        report.seconds = time.monotonic() - started
        report.updates_not_due = len(plan.queue)
        sender.flush()
        for future in futures:
            try:
                future.get(timeout=30)
                report.acknowledged += 1
            except Exception as exc:  # each failure is reported, the rest go on
                report.failed.append(str(exc))
    finally:
        if own_producer:
            sender.close()
    return report


def _follow(plan: AgencyPlan, line: bytes, elapsed: float) -> None:
    try:
        petition = parse(line)
    except Rejected:
        return  # intake rejects it: no case, no agency
    plan.follow(petition.submission_id, petition.region_code, elapsed)
