"""Relaying agency systems' updates: masked for cases.updates, or refused with a reason."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from schemas import examples
from schemas.cases import MAX_UPDATE_BYTES, CaseUpdate, SubmittedUpdate
from schemas.keys import CaseKey
from schemas.petitions import RejectReason
from services.common.dlq import Rejected
from services.common.metrics import CATALOGUE
from services.intake.updates import Relay, RelayedUpdate
from services.intake.updates import relay_update as relay

CASE = "XF-7K2M9Q4T8W1Z"
KEY = CaseKey(case_id=CASE).to_json_bytes()
REPLIED: dict[str, Any] = {
    "update_id": "610302-housing-000982",
    "case_id": CASE,
    "kind": "replied",
    "occurred_at": "2026-12-02T10:00:00+08:00",
    "agency_code": "610302-housing",
}
TRANSFER: dict[str, Any] = examples.UPDATES[0].value or {}
#: When intake relays the updates of these tests: after every one of them.
NOW = datetime(2026, 12, 3, 2, tzinfo=UTC)


def relay_update(key: bytes | None, value: bytes | None, now: datetime = NOW) -> RelayedUpdate:
    return relay(key, value, now)


def _raw(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def test_personal_data_in_an_agencys_reason_is_masked_for_cases_updates() -> None:
    reason = (
        "已答复。信访人电话13912345678，身份证11010519491231002X，"
        "退款至卡4111 1111 1111 1111，回执发zhang.san@qq.com\u202e"
    )
    relayed = relay_update(KEY, _raw({**REPLIED, "reason": reason}))
    assert relayed.relay is Relay.MASKED
    assert relayed.key == KEY
    assert relayed.update.reason == (
        "已答复。信访人电话139****5678，身份证110105********002X，"
        "退款至卡**** **** **** 1111，回执发z********@qq.com"
    )
    wire = relayed.update.to_json_bytes().decode()
    for clear in ("13912345678", "11010519491231002X", "4111 1111 1111 1111", "zhang.san@"):
        assert clear not in wire
    # Everything but the text is the agency's, as it wrote it.
    assert relayed.update.model_dump(exclude={"reason"}) == CaseUpdate.model_validate(
        REPLIED
    ).model_dump(exclude={"reason"})


def test_an_update_without_personal_data_is_relayed_as_written() -> None:
    written = {**REPLIED, "reason": "已约谈开发商，月底前办结。"}
    relayed = relay_update(KEY, _raw(written))
    assert relayed.relay is Relay.AS_WRITTEN
    assert relayed.update == CaseUpdate.model_validate(written)


def test_a_transfers_recipient_is_kept_a_version_2_update_with_its_text_masked() -> None:
    recipient = {**TRANSFER["to_agency"], "name": "住建局（联系人13800138000）"}
    relayed = relay_update(KEY, _raw({**TRANSFER, "to_agency": recipient}))
    assert relayed.relay is Relay.MASKED
    assert relayed.update.schema_version == 2
    assert relayed.update.to_agency is not None
    assert relayed.update.to_agency.name == "住建局（联系人138****8000）"
    assert relayed.update.to_agency.code == recipient["code"]


def test_a_reason_of_blanks_and_invisible_characters_is_no_reason() -> None:
    relayed = relay_update(KEY, _raw({**REPLIED, "reason": " \u200b\u202e "}))
    assert relayed.update.reason is None
    assert relayed.relay is Relay.MASKED


def test_identifiers_are_never_masked() -> None:
    # An agency's id that reads like a phone number stays its id: masking it could make two
    # updates one.
    relayed = relay_update(KEY, _raw({**REPLIED, "update_id": "13800138000"}))
    assert relayed.update.update_id == "13800138000"


@pytest.mark.parametrize(
    ("key", "value", "reason", "detail"),
    [
        (KEY, None, RejectReason.MISSING_FIELD, "no value"),
        (KEY, _raw({**REPLIED, "reason": "x"}) + b" " * MAX_UPDATE_BYTES,
         RejectReason.TOO_LARGE, "an update has at most 65536 bytes"),
        (KEY, b"[" * 10_000 + b"]" * 10_000, RejectReason.TOO_DEEP, "nested deeper"),
        (KEY, b"\xff\xfe", RejectReason.INVALID_ENCODING, "not UTF-8"),
        (KEY, b"{not json", RejectReason.INVALID_JSON, "not JSON"),
        (KEY, b'{"update_id": ' + b"1" * 5000 + b"}", RejectReason.INVALID_JSON, "4300 digits"),
        (KEY, _raw({**REPLIED, "occurred_at": 20261202}), RejectReason.WRONG_TYPE,
         "occurred_at"),
        (KEY, _raw({k: v for k, v in REPLIED.items() if k != "agency_code"}),
         RejectReason.MISSING_FIELD, "agency_code"),
        (KEY, _raw({**REPLIED, "kind": "approved"}), RejectReason.SCHEMA_VIOLATION, "kind"),
        (KEY, _raw({**REPLIED, "schema_version": 9}), RejectReason.UNSUPPORTED_SCHEMA_VERSION,
         "schema_version"),
        (KEY, _raw({**REPLIED, "occurred_at": "2026-12-02T10:00:00"}),
         RejectReason.SCHEMA_VIOLATION, "time zone"),
        (KEY, _raw({**REPLIED, "reason": "x" * 2001}), RejectReason.SCHEMA_VIOLATION, "reason"),
        (KEY, _raw(REPLIED)[:-1] + b', "kind": "refused"}', RejectReason.DUPLICATE_FIELD,
         "the field 'kind' is given twice"),
        (KEY, _raw({**REPLIED, "to_agency": {"code": "a"}}).replace(b'"code": "a"',
         b'"code": "a", "code": "b"'), RejectReason.DUPLICATE_FIELD,
         "the field 'code' is given twice"),
        (None, _raw(REPLIED), RejectReason.SCHEMA_VIOLATION, "the key is none"),
        (CaseKey(case_id="XF-OTHER").to_json_bytes(), _raw(REPLIED),
         RejectReason.SCHEMA_VIOLATION, "not the update's case"),
        (b"\x00garbage", _raw(REPLIED), RejectReason.SCHEMA_VIOLATION, "not the update's case"),
        (CaseKey(case_id="X" * 64).to_json_bytes(), _raw({**REPLIED, "case_id": "X" * 65}),
         RejectReason.SCHEMA_VIOLATION, "case_id"),
    ],
    ids=["no value", "too large", "too deep", "not UTF-8", "not JSON", "a 5,000-digit number",
         "wrong type",
         "missing field", "unknown kind", "unknown version", "zone-less time", "long reason",
         "a field twice", "a field twice in an object of it", "no key", "another case's key",
         "unreadable key", "case id too long for a key"],
)  # fmt: skip
def test_what_cannot_be_relayed_is_refused_with_its_reason(
    key: bytes | None, value: bytes | None, reason: RejectReason, detail: str
) -> None:
    with pytest.raises(Rejected) as caught:
        relay_update(key, value)
    assert caught.value.reason is reason
    assert detail in caught.value.detail


def test_a_key_written_with_other_spacing_is_the_same_key() -> None:
    relayed = relay_update(b'{ "case_id" : "%s" }' % CASE.encode(), _raw(REPLIED))
    # The output's key is written as every producer of cases.updates writes it.
    assert relayed.key == KEY


def test_the_metric_labels_are_the_relay_outcomes() -> None:
    [spec] = [s for s in CATALOGUE if s.name == "xinfang_intake_agency_updates_total"]
    assert spec.labels == {"text": tuple(relay.value for relay in Relay)}


def test_the_registrys_example_is_relayed_masked() -> None:
    [example] = examples.UPDATES_SUBMITTED
    relayed = relay_update(_raw(example.key), _raw(example.value))
    assert relayed.relay is Relay.MASKED
    assert "13912345678" not in relayed.update.to_json_bytes().decode()


# --- what the gateway's agency API refuses, refused here too -------------------------------

_RECIPIENT: dict[str, Any] = dict(TRANSFER["to_agency"])


@pytest.mark.parametrize(
    ("value", "reason", "detail"),
    [
        # Valid ISO 8601, beyond Python's datetime once in UTC: escalation stopped on them.
        (_raw({**REPLIED, "occurred_at": "9999-12-31T23:00:00-05:00"}),
         RejectReason.SCHEMA_VIOLATION, "occurred_at: 9999-12-31T23:00:00-05:00 is outside the"),
        (_raw({**REPLIED, "occurred_at": "0001-01-01T00:00:00+14:00"}),
         RejectReason.SCHEMA_VIOLATION, "occurred_at: 0001-01-01T00:00:00+14:00 is outside the"),
        (_raw({**REPLIED, "occurred_at": "2099-01-01T00:00:00+00:00"}),
         RejectReason.OCCURRED_IN_FUTURE, "after now (2026-12-03T02:00:00+00:00) by more than"),
        (_raw({**REPLIED, "kind": "extended", "reason": "r", "extension_days": True}),
         RejectReason.WRONG_TYPE, "extension_days: Input should be a valid integer"),
        (_raw({**REPLIED, "kind": "extended", "reason": "r", "extension_days": "5"}),
         RejectReason.WRONG_TYPE, "extension_days"),
        (_raw({**REPLIED, "kind": "extended", "reason": "r", "extension_days": 5.0}),
         RejectReason.WRONG_TYPE, "extension_days"),
        (_raw({**REPLIED, "schema_version": True}), RejectReason.UNSUPPORTED_SCHEMA_VERSION,
         "schema_version"),
        (_raw({**REPLIED, "kind": "rated", "rating": "dissatisfied", "agency_code": "petitioner"}),
         RejectReason.UNKNOWN_AGENCY, "petitioner is the petitioner's, not an agency's"),
        (_raw({**REPLIED, "agency_code": "x" * 5000}), RejectReason.SCHEMA_VIOLATION,
         "agency_code: String should match pattern"),
        (_raw({**REPLIED, "agency_code": "zz-made-up"}), RejectReason.UNKNOWN_AGENCY,
         "agency_code: no body of the routing table has the agency code zz-made-up"),
        # Its region lists its own petition bureau under another code (110105-xfb).
        (_raw({**REPLIED, "agency_code": "110105-xfj"}), RejectReason.UNKNOWN_AGENCY,
         "the agency code 110105-xfj"),
        (_raw({**REPLIED, "update_id": "u-1\u0000\u202e\n"}), RejectReason.SCHEMA_VIOLATION,
         "update_id: String should match pattern"),
        (_raw({**REPLIED, "update_id": "u 1"}), RejectReason.SCHEMA_VIOLATION, "update_id"),
        (_raw({**REPLIED, "update_id": "u" * 129}), RejectReason.SCHEMA_VIOLATION,
         "update_id: String should have at most 128 characters"),
        (_raw({**TRANSFER, "to_agency": {**_RECIPIENT, "code": "zz-made-up-0"}}),
         RejectReason.UNKNOWN_AGENCY,
         "to_agency.code: no body of the routing table has the agency code zz-made-up-0"),
        (_raw({**TRANSFER, "to_agency": {**_RECIPIENT, "level": "national"}}),
         RejectReason.UNKNOWN_AGENCY,
         "610302-housing is 渭滨区住房和城乡建设局, at county level in region 610302, not at "
         "national level"),
        (_raw({**TRANSFER, "to_agency": {**_RECIPIENT, "region_code": "110105"}}),
         RejectReason.UNKNOWN_AGENCY, "not at county level in region 110105"),
    ],
    ids=["year 9999 west of UTC", "year 1 east of UTC", "in 2099", "days true", "days a string",
         "days a float", "version true", "the petitioner's rating", "a 5,000-character code",
         "an unknown reporter", "a role listed under another code", "controls in update_id",
         "a blank in update_id", "a long update_id", "an unknown recipient",
         "a recipient at another level", "a recipient in another region"],
)  # fmt: skip
def test_what_the_agency_api_would_refuse_is_refused_with_its_reason(
    value: bytes, reason: RejectReason, detail: str
) -> None:
    key = KEY if b'"case_id": "%s"' % CASE.encode() in value else None
    key = key or CaseKey(case_id=json.loads(value)["case_id"]).to_json_bytes()
    with pytest.raises(Rejected) as caught:
        relay_update(key, value)
    assert caught.value.reason is reason
    assert detail in caught.value.detail


def test_an_update_within_the_clock_skew_is_relayed_beyond_it_refused() -> None:
    occurred = datetime.fromisoformat(REPLIED["occurred_at"])
    relay_update(KEY, _raw(REPLIED), now=occurred - timedelta(minutes=5))
    with pytest.raises(Rejected) as caught:
        relay_update(KEY, _raw(REPLIED), now=occurred - timedelta(minutes=5, seconds=1))
    assert caught.value.reason is RejectReason.OCCURRED_IN_FUTURE


@pytest.mark.parametrize(
    "update",
    [
        # xinfang simulate's agency systems report the petitioner's rating under their own
        # code (a bureau recording the rating it was given): an agency's update, relayed.
        {**REPLIED, "kind": "rated", "rating": "satisfied"},
        # A body the table does not list, synthesised for a region of the national table.
        {**REPLIED, "agency_code": "610303-xfj"},
        {**TRANSFER, "to_agency": {"code": "610303-zfw", "name": "宝鸡市金台区委政法委",
                                   "level": "county", "region_code": "610303",
                                   "rule": "transferred_by:610302-xfj"}},
        # The recipient's name is the agency system's words: masked, not checked.
        {**TRANSFER, "to_agency": {**_RECIPIENT, "name": "住建局"}},
        {**REPLIED, "kind": "extended", "reason": "r", "extension_days": 30},
        {**REPLIED, "update_id": "610302-housing:2026-12-02T10:00:00+08:00"},
    ],
    ids=["an agency's record of a rating", "a synthesised reporter", "a synthesised recipient",
         "a recipient named otherwise", "30 days", "a time in update_id"],
)  # fmt: skip
def test_an_agencys_update_the_agency_api_would_take_is_relayed(update: dict[str, Any]) -> None:
    relayed = relay_update(KEY, _raw(update))
    assert relayed.update.update_id == update["update_id"]


def test_what_is_relayed_is_a_case_update_as_every_reader_of_cases_updates_reads_it() -> None:
    for written in (REPLIED, TRANSFER, {**REPLIED, "reason": "经办人电话13912345678"}):
        relayed = relay_update(KEY, _raw(written)).update
        assert type(relayed) is CaseUpdate
        assert CaseUpdate.model_validate_json(relayed.to_json_bytes()) == relayed


@pytest.mark.parametrize(
    "kept",
    [{"update_id": "610302-housing/2026 000982"}, {"agency_code": "HZ"}, {"case_id": "XF 1"}],
    ids=["an update id with a slash and a blank", "an upper-case code", "a blank in a case id"],
)
def test_cases_updates_history_written_before_the_bounds_is_still_read(
    kept: dict[str, str],
) -> None:
    # cases.updates is kept for years, and services keep its updates in their state: what
    # it took before agency systems' ids were bounded, its readers still take. The bounds
    # are the input's (SubmittedUpdate), as PetitionSubmitted's are for submission ids.
    history = {**REPLIED, **kept}
    CaseUpdate.model_validate_json(_raw(history))
    with pytest.raises(ValidationError):
        SubmittedUpdate.model_validate_json(_raw(history))
