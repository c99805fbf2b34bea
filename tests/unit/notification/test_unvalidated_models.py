"""The notification service's shortcuts past pydantic's validation give what validation gave.

``CaseFile.of`` and ``agency_case`` build their models with ``model_construct`` from values
already validated, and the engine writes a sent-log row without building a ``SentEntry``
for every mark. Each is compared here with the validating way it replaced, on verdicts
varied field by field (every kind, field, language and verdict; agencies, accused, titles,
masked persons, times in other zones) and on times of every shape: the same values of the
same types, the same fields set, the same JSON bytes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, get_args

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from schemas import examples
from schemas.cases import AgencyCase, AgencyLevel, CaseDeduplicated, MatterKind, Verdict
from schemas.fields import CaseField
from schemas.notices import CaseFile
from schemas.petitions import Language
from services.notification.agency import agency_case
from services.notification.engine import SentEntry, SentStatus, _SentRows

_EXAMPLE = examples.DEDUPLICATED[0].value
assert _EXAMPLE is not None
_BASE: dict[str, Any] = _EXAMPLE

_EDGE_TEXTS = ["", " ", " 张* ", "渭滨区住房和城乡建设局", "\u3000", "a\u0000b", "\U0001f600"]
_TEXT = st.text(
    st.characters(codec="utf-8"), min_size=0, max_size=40
) | st.sampled_from(_EDGE_TEXTS)

_ZONES = st.integers(min_value=-23 * 60, max_value=23 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
) | st.just(UTC)

_TIMES = st.builds(
    lambda naive, zone: naive.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    _ZONES,
)

_AGENCIES = st.none() | st.builds(
    lambda code, name, level, region: {
        "code": code,
        "name": name,
        "level": level,
        "region_code": region,
        "rule": "field:housing/county",
    },
    st.from_regex(r"[a-z0-9_-]{2,64}", fullmatch=True),
    _TEXT,
    st.sampled_from([level.value for level in AgencyLevel]),
    st.from_regex(r"[0-9]{6}", fullmatch=True),
)


@st.composite
def verdicts(draw: st.DrawFn) -> CaseDeduplicated:
    """A verdict, validated, its case varied in every field a case file or AgencyCase reads."""
    case = {
        **_BASE["case"],
        "case_id": draw(_TEXT),
        "petitioner_ref": draw(_TEXT),
        "received_at": draw(_TIMES).isoformat(),
        "region_code": draw(st.from_regex(r"[0-9]{6}", fullmatch=True)),
        "kind": draw(st.sampled_from([kind.value for kind in MatterKind])),
        "field": draw(st.sampled_from(get_args(CaseField))),
        "title": draw(_TEXT),
        "agency": draw(_AGENCIES),
        "accused": draw(st.none() | _TEXT),
        "petitioner": {
            "name_masked": draw(_TEXT),
            "phone_masked": draw(st.none() | _TEXT),
        },
        "language": draw(st.sampled_from([language.value for language in Language])),
    }
    return CaseDeduplicated.model_validate(
        {
            **_BASE,
            "case_id": case["case_id"],
            "case": case,
            "verdict": draw(st.sampled_from([verdict.value for verdict in Verdict])),
            "matter_id": draw(_TEXT),
            "open_case_id": draw(st.none() | _TEXT),
            "repeat_count": draw(st.integers(min_value=0, max_value=2**70)),
        }
    )


def _validated_case_file(verdict: CaseDeduplicated) -> CaseFile:
    """``CaseFile.of`` as it was: every value validated again."""
    registered = verdict.case
    return CaseFile(
        case_id=registered.case_id,
        matter_id=verdict.matter_id,
        petitioner_ref=registered.petitioner_ref,
        received_at=registered.received_at,
        region_code=registered.region_code,
        kind=registered.kind,
        field=registered.field,
        title=registered.title,
        agency=registered.agency,
        accused=registered.accused,
        petitioner=registered.petitioner,
        language=registered.language,
        verdict=verdict.verdict,
        repeat_count=verdict.repeat_count,
        open_case_id=verdict.open_case_id,
    )


def _validated_agency_case(case: CaseFile) -> AgencyCase:
    """``agency_case`` as it was: every value validated again."""
    return AgencyCase(
        case_id=case.case_id,
        matter_id=case.matter_id,
        received_at=case.received_at,
        region_code=case.region_code,
        kind=case.kind,
        field=case.field,
        title=case.title,
        verdict=case.verdict,
        repeat_count=case.repeat_count,
        petitioner=None if case.kind is MatterKind.ACCUSATION else case.petitioner,
    )


def _assert_same(built: BaseModel, validated: BaseModel) -> None:
    assert type(built) is type(validated)
    assert list(built.__dict__) == list(validated.__dict__)
    for name, value in validated.__dict__.items():
        assert type(built.__dict__[name]) is type(value), name
        assert built.__dict__[name] == value, name
    assert built.model_fields_set == validated.model_fields_set
    assert built.__pydantic_extra__ == validated.__pydantic_extra__
    assert built.__pydantic_private__ == validated.__pydantic_private__
    assert built == validated
    assert built.model_dump() == validated.model_dump()
    assert built.model_dump(mode="json") == validated.model_dump(mode="json")
    assert built.model_dump_json() == validated.model_dump_json()
    assert built.model_dump_json(exclude_none=True) == validated.model_dump_json(exclude_none=True)
    # What a table row read back gives, too.
    assert type(built).model_validate(built.model_dump(mode="json")) == validated


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(verdicts())
def test_a_case_file_is_what_validating_its_verdicts_values_gave(
    verdict: CaseDeduplicated,
) -> None:
    _assert_same(CaseFile.of(verdict), _validated_case_file(verdict))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(verdicts())
def test_an_agency_case_is_what_validating_its_case_files_values_gave(
    verdict: CaseDeduplicated,
) -> None:
    case = _validated_case_file(verdict)
    _assert_same(agency_case(case), _validated_agency_case(case))
    # And from the case file as the service keeps it: read back from its table row.
    stored = CaseFile.model_validate(case.model_dump(mode="json"))
    _assert_same(agency_case(stored), _validated_agency_case(stored))


def test_the_shipped_example_verdicts_too() -> None:
    for example in examples.DEDUPLICATED:
        if example.value is None:
            continue
        verdict = CaseDeduplicated.model_validate(example.value)
        _assert_same(CaseFile.of(verdict), _validated_case_file(verdict))
        case = CaseFile.of(verdict)
        _assert_same(agency_case(case), _validated_agency_case(case))


def _entry_row(status: SentStatus, at: datetime) -> dict[str, Any]:
    return SentEntry(status=status, at=at).model_dump(mode="json")


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(list(SentStatus)), _TIMES | st.datetimes()),
        min_size=1,
        max_size=8,
    ),
    st.data(),
)
def test_a_sent_row_is_a_sent_entrys_dump(
    marks: list[tuple[SentStatus, datetime]], data: st.DataObject
) -> None:
    rows = _SentRows()
    for status, at in marks:
        # The same moment again (the same object, as an event's ``now``), or a new one.
        for moment in (at, at, data.draw(st.sampled_from([at, at.replace()]))):
            row, entry = rows(status, moment), _entry_row(status, moment)
            assert row == entry
            assert list(row) == list(entry)
            assert [type(value) for value in row.values()] == [type(v) for v in entry.values()]
            # A row read back is the mark written.
            assert SentEntry.model_validate(row) == SentEntry(status=status, at=moment)


def test_a_sent_row_at_an_equal_moment_in_another_zone_says_that_zone() -> None:
    # Equal datetimes (one instant) in two zones dump differently: the kept form is
    # kept by the object, never by equality.
    rows = _SentRows()
    utc = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    china = utc.astimezone(timezone(timedelta(hours=8)))
    assert utc == china
    assert rows(SentStatus.SENT, utc) == _entry_row(SentStatus.SENT, utc)
    assert rows(SentStatus.SENT, china) == _entry_row(SentStatus.SENT, china)
    assert rows(SentStatus.SENT, china)["at"] != rows(SentStatus.SENT, utc)["at"]
