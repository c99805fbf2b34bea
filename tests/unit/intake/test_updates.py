"""Relaying agency systems' updates: masked for cases.updates, or refused with a reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from schemas import examples
from schemas.cases import MAX_UPDATE_BYTES, CaseUpdate
from schemas.keys import CaseKey
from schemas.petitions import RejectReason
from services.common.dlq import Rejected
from services.common.metrics import CATALOGUE
from services.intake.updates import Relay, relay_update

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
