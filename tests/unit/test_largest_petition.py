"""The contract's bounds keep every output within its topic's max.message.bytes.

The largest petitions the bounds of ``PetitionSubmitted`` allow are built (every field at
its limit, in the characters that cost the most bytes downstream) and run through each
service's handlers: intake's registration, dedup's matcher, escalation's engine,
notification's planner and the ledger's case step. Every output is measured, with its key,
against the limit in the topic registry. If a bound is loosened without thought, this
fails before a broker does.

The worst case, by hand: the masked content is at most 20,000 characters of 4 bytes
(80,000 bytes; JSON escapes cost at most 2 bytes a character, control characters that
would cost 6 are removed), the title 800, the normalised text at most
``MAX_NORMALISED_CHARS`` (40,402) characters of 4 bytes (161,608), 600 co-petitioner
references of 37 bytes (22,200), the classification evidence a few kilobytes: at most
some 270 KB for a CaseRegistered, and a CaseDeduplicated carries one more and 20 related
cases (some 2 KB), against 1,000,000 bytes a record. Measured here: 176,893 bytes, a
CaseDeduplicated (18% of the limit).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from schemas.cases import CaseEscalated
from schemas.keys import CaseKey, NotificationKey, PetitionerKey, SubmissionKey
from schemas.notices import CaseFile
from schemas.petitions import MAX_PETITION_BYTES, PetitionSubmitted, RejectReason, Stage
from schemas.registry import (
    AGENCY_INBOX,
    CASES_DEADLINES,
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_REGISTERED,
    MAX_MESSAGE_BYTES,
    NOTIFICATIONS_DELIVERED,
    PETITIONER_CONTACTS,
    PETITIONS_REJECTED,
    PETITIONS_SUBMITTED,
    TopicSpec,
)
from services.common import regions
from services.common.casework.ruleset import load_rules
from services.common.dlq import dead_letter
from services.common.regions import area_key
from services.common.submitted import parse
from services.dedup.config import DedupConfig
from services.dedup.facts import CaseFacts
from services.dedup.matcher import Matcher
from services.dedup.state import InMemoryMatchState
from services.escalation.engine import EscalationEngine
from services.escalation.tables import InMemoryCaseStore
from services.intake.classify import default_classifier
from services.intake.register import register
from services.ledger.app import GROUP_SIGHTINGS, ROW_CHANGES, rollup
from services.ledger.engine import case_event, group_text, row_text
from services.ledger.ledger import checked_verdict
from services.ledger.messages import GroupingKey
from services.notification.plan import NotificationPlanner, delivered_record
from services.notification.policy import load_policy
from services.notification.render import Renderer

KEY = b"k" * 32
RECEIVED = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
NOW = RECEIVED + timedelta(minutes=5)
#: A character of 4 bytes in UTF-8 (CJK Extension B), and one that NFKC turns into 18.
ASTRAL = "\U00020000"
EXPANDING = "\ufdfa"


def _every_keyword() -> str:
    rules = default_classifier().rules
    terms = [term for rule in rules.fields.values() for term in rule.keywords]
    terms += [term for rule in rules.kinds.values() for term in rule.keywords]
    return "，".join(terms)


def _person(i: int) -> dict[str, str]:
    return {"name": f"代表{i:03d}"}


def _largest(filler: str) -> dict[str, object]:
    """A petition at the contract's limits: the text in ``filler``, every keyword in it."""
    keywords = _every_keyword()
    # Every mask in the text (phone, ID number, card, e-mail), then the keywords, then
    # filler up to the content's 20,000 characters.
    personal = "电话13800138000，身份证11010519491231002X，卡号4111111111111111，邮箱a@qq.com。"
    content = (personal + keywords)[:20_000]
    content += filler * (20_000 - len(content))
    petition: dict[str, object] = {
        "submission_id": "s" * 128,
        "channel": "visit",
        "received_at": RECEIVED.isoformat(),
        "petitioner": {
            "name": "张" * 100,
            "phone": "13800138000",
            "id_number": "11010519491231002X",
            "address": "清" * 300,
            "email": "zhang@example.com",
        },
        "region_code": "610302",
        "title": filler * 200,
        "content": content,
        "co_petitioners": [_person(i) for i in range(500)],
        "group_size": 100_000,
        "representatives": [_person(1000 + i) for i in range(100)],
        "accused": filler * 200,
        "address_of_matter": "路" * 300,
    }
    return petition


def _raw(petition: dict[str, object]) -> bytes:
    return json.dumps(petition, ensure_ascii=False).encode()


def _shrunk_to_the_limit(petition: dict[str, object]) -> bytes:
    """The petition with co-petitioners dropped until it is within MAX_PETITION_BYTES."""
    co_petitioners = list(petition["co_petitioners"])  # type: ignore[call-overload]
    raw = _raw(petition)
    while len(raw) > MAX_PETITION_BYTES:
        co_petitioners.pop()
        raw = _raw({**petition, "co_petitioners": co_petitioners})
    return raw


def _outputs(raw: bytes) -> Iterator[tuple[TopicSpec, bytes, bytes]]:
    petition = parse(raw)
    registration = register(petition, hmac_key=KEY, now=NOW, case_id_key=KEY)
    case = registration.case
    ref_key = PetitionerKey(petitioner_ref=case.petitioner_ref).to_json_bytes()
    case_key = CaseKey(case_id=case.case_id).to_json_bytes()
    submission_key = SubmissionKey(submission_id=petition.submission_id).to_json_bytes()
    yield PETITIONS_SUBMITTED, submission_key, raw
    yield PETITIONER_CONTACTS, ref_key, registration.contact.to_json_bytes()
    # cases.registered, and dedup's internal by-region topic, which carries the same value.
    yield CASES_REGISTERED, area_key(case.region_code), case.to_json_bytes()

    decision = Matcher(InMemoryMatchState(), DedupConfig()).match(CaseFacts.from_registered(case))
    verdict = decision.to_case_deduplicated(case, NOW)
    yield CASES_DEDUPLICATED, case_key, verdict.to_json_bytes()

    # Escalation: what the verdict itself gives, then every clock run out a year later.
    engine = EscalationEngine(load_rules(), InMemoryCaseStore())
    escalated = engine.on_verdict(verdict).outputs + engine.scan(NOW + timedelta(days=400)).outputs
    for output in escalated:
        spec = CASES_ESCALATED if isinstance(output, CaseEscalated) else CASES_DEADLINES
        yield spec, case_key, output.to_json_bytes()

    # The ledger: the case's row changes and hotspot sightings (its own topics), and the
    # case's entry in its table (whose changelog has the broker's default limit, not below
    # the registry's: measured against the row changes' limit).
    def city(code: str) -> str:
        return regions.city_of(code) or regions.province_of(code)

    entry, moves, sightings = case_event(None, checked_verdict(None, verdict), rollup, city)
    assert sightings
    for move in moves:
        yield ROW_CHANGES, GroupingKey(key=row_text(move)).to_json_bytes(), move.to_json_bytes()
    yield ROW_CHANGES, case_key, entry.to_json_bytes()
    for seen in sightings:
        grouping = GroupingKey(key=group_text(seen)).to_json_bytes()
        yield GROUP_SIGHTINGS, grouping, seen.to_json_bytes()

    renderer = Renderer()
    planner = NotificationPlanner(load_policy(template_exists=renderer.has_template), renderer, KEY)
    plan = planner.for_new_case(CaseFile.of(verdict), registration.contact)
    for record in plan.inbox:
        yield AGENCY_INBOX, case_key, record.case.to_json_bytes()
    for notice in plan.notices:
        notice_key = NotificationKey(notification_id=notice.notification_id).to_json_bytes()
        yield NOTIFICATIONS_DELIVERED, notice_key, delivered_record(notice, NOW).to_json_bytes()
        # The notice itself lives in the notification service's tables (changelog topics,
        # the broker's default limit, which is not below the registry's).
        yield NOTIFICATIONS_DELIVERED, notice_key, notice.to_json_bytes()


@pytest.mark.parametrize(
    "filler", [ASTRAL, EXPANDING, '"', "a"], ids=["4-byte", "NFKC x18", "quote", "ascii"]
)
def test_the_largest_valid_petition_fits_every_topic(filler: str) -> None:
    raw = _shrunk_to_the_limit(_largest(filler))
    assert len(raw) <= MAX_PETITION_BYTES
    PetitionSubmitted.from_json_bytes(raw)  # valid: the test measures what is accepted
    seen: set[str] = set()
    for spec, key, value in _outputs(raw):
        seen.add(spec.name)
        assert spec.fits(key, value), (
            f"{spec.name}: {len(key) + len(value)} bytes, limit {spec.max_message_bytes}"
        )
    assert {
        CASES_REGISTERED.name, CASES_DEDUPLICATED.name, AGENCY_INBOX.name, ROW_CHANGES.name,
        GROUP_SIGHTINGS.name,
    } <= seen  # fmt: skip


def test_the_largest_case_uses_a_known_share_of_the_limit() -> None:
    """The figure behind the bounds (printed with -s): the biggest output of all."""
    sizes = []
    for filler in (ASTRAL, EXPANDING):
        raw = _shrunk_to_the_limit(_largest(filler))
        sizes += [(len(key) + len(value), spec.name) for spec, key, value in _outputs(raw)]
    biggest, topic = max(sizes)
    print(f"largest output: {biggest} bytes on {topic} ({biggest / MAX_MESSAGE_BYTES:.0%})")
    assert biggest < MAX_MESSAGE_BYTES // 2, "less than half the limit: room for new fields"


def test_a_dead_letter_of_the_largest_record_a_topic_takes_fits() -> None:
    original = b"\xff" * MAX_MESSAGE_BYTES
    key, value = dead_letter(
        stage=Stage.INTAKE,
        reason=RejectReason.TOO_LARGE,
        detail="x" * 10_000,
        topic="petitions.submitted",
        partition=0,
        offset=0,
        key=b"k" * 5000,
        value=original,
    )
    assert PETITIONS_REJECTED.fits(key, value)
