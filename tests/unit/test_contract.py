"""The topic contract: examples validate, generated files are fresh, models are strict."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from pydantic import ValidationError

from schemas import examples
from schemas.generate import stale_files
from schemas.petitions import PetitionSubmitted
from schemas.registry import TOPICS, by_name


@pytest.mark.parametrize("spec", TOPICS, ids=lambda spec: spec.name)
def test_every_example_runs_through_the_models(spec: object) -> None:
    from schemas.registry import TopicSpec

    assert isinstance(spec, TopicSpec)
    assert spec.examples, f"{spec.name} has no example"
    for example in spec.examples:
        spec.key_model.model_validate(example.key)
        if example.value is not None:
            value = spec.value_model.model_validate(example.value)
            # The wire form round-trips through the model unchanged.
            assert spec.value_model.model_validate_json(value.to_json_bytes()) == value


def test_generated_json_schemas_and_asyncapi_are_fresh() -> None:
    assert stale_files() == [], "run: python -m schemas.generate"


def test_the_leadership_package_example_is_due_as_escalation_counts_its_days() -> None:
    # The rule's 30 days end as a limit's do, at 00:00 +08:00 after the 30th day from the
    # receipt (services/escalation/escalations.py), not 30 x 24 hours after it.
    from schemas.cases import CaseDeduplicated, CaseEscalated
    from services.common.casework.facts import case_facts
    from services.common.casework.fold import FoldFailure, fold
    from services.common.casework.ruleset import load_rules
    from services.escalation.escalations import rule_escalations

    example = examples.ESCALATED[0].value
    assert isinstance(example, dict)
    shown = CaseEscalated.model_validate(example)
    assert shown.reason.value == "leadership_package"
    rules = load_rules()
    deduplicated = examples.DEDUPLICATED[0].value
    assert isinstance(deduplicated, dict)
    # The example's case, raised a fourth time (repeat count 3), as the example says.
    verdict = CaseDeduplicated.model_validate({**deduplicated, "repeat_count": 3})
    facts = case_facts(verdict, rules)
    lifecycle = fold(facts, (), rules)
    assert not isinstance(lifecycle, FoldFailure)
    made = {e.escalation_id: e for e in rule_escalations(facts, lifecycle, rules)}
    assert shown.due_at == made[shown.escalation_id].due_at
    assert shown.due_at == datetime.fromisoformat("2026-12-21T00:00:00+08:00")


def test_the_minimal_petition_of_the_issue_is_accepted() -> None:
    raw = json.dumps(examples.MINIMAL_PETITION, ensure_ascii=False)
    petition = PetitionSubmitted.model_validate_json(raw)
    assert petition.channel.value == "online"
    assert petition.schema_version == 1
    assert petition.received_at.utcoffset() is not None


def test_models_are_frozen_and_refuse_unknown_fields() -> None:
    petition = PetitionSubmitted.model_validate(examples.MINIMAL_PETITION)
    with pytest.raises(ValidationError):
        petition.title = "changed"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs"):
        PetitionSubmitted.model_validate({**examples.MINIMAL_PETITION, "priority": "high"})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("received_at", "2026-11-20T10:00:00", "time zone"),
        ("received_at", 20261120, "not a number"),
        ("channel", "pigeon", "Input should be"),
        ("region_code", "61030", "pattern"),
    ],
)
def test_bad_fields_are_refused_with_a_precise_message(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        PetitionSubmitted.model_validate({**examples.MINIMAL_PETITION, field: value})


def test_a_hotline_petition_needs_its_call_record() -> None:
    hotline = {**examples.HOTLINE_PETITION}
    hotline.pop("hotline_call")
    with pytest.raises(ValidationError, match="hotline_call"):
        PetitionSubmitted.model_validate(hotline)


def test_topic_names_come_from_the_registry_with_a_prefix() -> None:
    assert by_name("cases.registered").full_name("t1.") == "t1.cases.registered"
    inbox = by_name("agency.{code}.inbox")
    assert inbox.full_name("", "610302-xfj") == "agency.610302-xfj.inbox"
    with pytest.raises(ValueError, match="agency code"):
        inbox.full_name("")
    contacts = by_name("petitioners.contacts")
    assert contacts.restricted
    assert contacts.topic_config()["cleanup.policy"] == "compact"


@pytest.mark.parametrize("spec", TOPICS, ids=lambda spec: spec.name)
def test_the_wire_form_is_the_json_dump_encoded(spec: object) -> None:
    # to_json_bytes takes the serializer's bytes as they are; they are what
    # model_dump_json(exclude_none=True).encode() always gave.
    from schemas.registry import TopicSpec

    assert isinstance(spec, TopicSpec)
    for example in spec.examples:
        key = spec.key_model.model_validate(example.key)
        assert key.to_json_bytes() == key.model_dump_json(exclude_none=True).encode()
        if example.value is not None:
            value = spec.value_model.model_validate(example.value)
            assert value.to_json_bytes() == value.model_dump_json(exclude_none=True).encode()
