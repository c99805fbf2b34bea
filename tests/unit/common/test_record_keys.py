"""A record on a topic of one case's (or petitioner's) events is refused by every reader
when its key names another case (petitioner) than its value: the key chose the partition,
and with it the state the record is judged in."""

from __future__ import annotations

import json

import pytest

from schemas.keys import CaseKey, PetitionerKey
from schemas.petitions import RejectReason
from schemas.registry import (
    CASES_DEADLINES,
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_REGISTERED,
    CASES_UPDATES,
    TopicSpec,
)
from services.common.dlq import Rejected
from services.common.handler import Incoming, parse_value
from services.escalation.app import TICKS

SUBJECT_TOPICS = (CASES_DEDUPLICATED, CASES_UPDATES, CASES_ESCALATED, CASES_DEADLINES)
ANOTHER_CASE = CaseKey(case_id="CASE-ANOTHER-ONE").to_json_bytes()
ANOTHER_PETITIONER = PetitionerKey(petitioner_ref="pr_" + "1" * 32).to_json_bytes()


def _message(spec: TopicSpec, key: bytes | None) -> Incoming:
    value = spec.examples[0].value
    return Incoming(spec.name, 0, 0, key, json.dumps(value).encode(), spec)


def _another(spec: TopicSpec) -> bytes:
    return ANOTHER_PETITIONER if spec.key_model is PetitionerKey else ANOTHER_CASE


@pytest.mark.parametrize("spec", SUBJECT_TOPICS, ids=lambda spec: spec.name)
def test_a_record_under_its_own_key_is_read(spec: TopicSpec) -> None:
    # Spacing and field order in the key are no matter: it is compared as parsed.
    key = json.dumps(spec.examples[0].key, indent=1).encode()
    parse_value(spec.value_model, _message(spec, key))


@pytest.mark.parametrize("spec", SUBJECT_TOPICS, ids=lambda spec: spec.name)
@pytest.mark.parametrize("keyed", ["another", "none", "not a key"])
def test_a_record_keyed_by_another_case_or_by_none_is_refused(spec: TopicSpec, keyed: str) -> None:
    key = {"another": _another(spec), "none": None, "not a key": b"[1]"}[keyed]
    with pytest.raises(Rejected) as refused:
        parse_value(spec.value_model, _message(spec, key))
    assert refused.value.reason is RejectReason.SCHEMA_VIOLATION
    assert "is keyed by what it is about" in refused.value.detail
    assert refused.value.detail.startswith("the key is ")



def test_a_registered_case_under_another_key_is_read() -> None:
    # cases.registered is keyed by the case's matching area, not by what it is about: a
    # record under another key (an old petitioner_ref key, another area) is read, and dedup
    # re-keys it to its area's partition before it is matched.
    for key in (ANOTHER_PETITIONER, b'{"region_code": "110000"}'):
        parse_value(CASES_REGISTERED.value_model, _message(CASES_REGISTERED, key))


def test_a_timers_tick_keyed_by_case_names_no_case_and_is_read() -> None:
    # Escalation's ticks are keyed by case (to reach every partition) and carry none.
    tick = Incoming(TICKS.name, 0, 0, ANOTHER_CASE, b'{"issued_at": "2026-12-05T00:00:00Z"}', TICKS)
    parse_value(TICKS.value_model, tick)
