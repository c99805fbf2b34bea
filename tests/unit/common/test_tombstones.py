"""A tombstone (a record without a value) on a topic no reader takes one on is refused as
what it is, not as JSON that ends before it starts (``Invalid JSON: EOF ... b''``)."""

from __future__ import annotations

import pytest

from schemas.base import Contract
from schemas.petitions import RejectReason
from schemas.registry import (
    CASES_DEDUPLICATED,
    CASES_ESCALATED,
    CASES_REGISTERED,
    CASES_UPDATES,
    MATTERS_CHANGES,
    TopicSpec,
)
from services.common.dlq import Rejected
from services.common.handler import Incoming, parse_value


class VerdictRegion(Contract):
    """Part of a verdict, as a reader that needs no more reads it (dedup)."""

    case_id: str


TOPICS = (CASES_REGISTERED, CASES_DEDUPLICATED, CASES_UPDATES, CASES_ESCALATED, MATTERS_CHANGES)


@pytest.mark.parametrize("spec", TOPICS, ids=lambda spec: spec.name)
def test_a_tombstone_is_refused_as_a_record_without_a_value(spec: TopicSpec) -> None:
    message = Incoming(spec.name, 0, 7, b'{"case_id":"XF-TOMB"}', None, spec)
    with pytest.raises(Rejected) as refused:
        parse_value(spec.value_model, message)
    assert refused.value.reason is RejectReason.SCHEMA_VIOLATION
    assert refused.value.detail == (
        f"the record has no value (a tombstone): every record of {spec.name} is a "
        f"{spec.value_model.__name__}"
    )


def test_a_reader_of_part_of_a_record_names_the_topics_record() -> None:
    # dedup reads only a verdict's case id and region (VerdictRegion): the letter names
    # what the topic carries.
    message = Incoming(CASES_DEDUPLICATED.name, 0, 7, b'{"case_id":"XF-1"}', None,
                       CASES_DEDUPLICATED)  # fmt: skip
    with pytest.raises(Rejected) as refused:
        parse_value(VerdictRegion, message)
    assert refused.value.detail.endswith("every record of cases.deduplicated is a "
                                         "CaseDeduplicated")  # fmt: skip
    without_spec = Incoming(CASES_DEDUPLICATED.name, 0, 7, None, None)
    with pytest.raises(Rejected) as refused:
        parse_value(VerdictRegion, without_spec)
    assert refused.value.detail.endswith("a VerdictRegion is read here")


def test_an_empty_value_is_still_json_that_is_not_there() -> None:
    message = Incoming(CASES_UPDATES.name, 0, 7, b'{"case_id":"XF-1"}', b"", CASES_UPDATES)
    with pytest.raises(Rejected) as refused:
        parse_value(CASES_UPDATES.value_model, message)
    assert refused.value.reason is RejectReason.SCHEMA_VIOLATION
    assert "Invalid JSON" in refused.value.detail
