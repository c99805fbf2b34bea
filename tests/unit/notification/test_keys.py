"""An output's key written without its model is the model's own wire form, or its error."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from schemas.base import Contract
from schemas.keys import CaseKey, NotificationKey
from schemas.notices import ReceiverKey
from services.notification.keys import KeyBytes

VALUES = [
    "ntf-7k2m9q4t8w1zabcdefghijklmnop",
    "XF-7K2M9Q4T8W1Z",
    "city-supervision",
    "a",
    "",
    "x" * 63,
    "x" * 64,
    "x" * 65,
    "x" * 127,
    "x" * 128,
    "x" * 129,
    'quote"d',
    "back\\slash",
    "tab\there",
    "new\nline",
    "del\x7f",
    "nul\x00",
    "中文编号",
    "é",
    "with space",
    "a/b<c>&'d'",
    "\u2028",
]


def _model_bytes(model: type[BaseModel], field: str, value: str) -> bytes | str:
    try:
        return model.model_validate({field: value}).model_dump_json(exclude_none=True).encode()
    except ValidationError as exc:
        return f"refused: {exc.errors()[0]['type']}"


def _shortcut_bytes(keys: KeyBytes, value: str) -> bytes | str:
    try:
        return keys(value)
    except ValidationError as exc:
        return f"refused: {exc.errors()[0]['type']}"


@pytest.mark.parametrize(
    ("model", "field"),
    [(NotificationKey, "notification_id"), (CaseKey, "case_id"), (ReceiverKey, "receiver")],
)
def test_a_key_is_the_models_bytes_or_the_models_refusal(model: type[Contract], field: str) -> None:
    keys = KeyBytes(model)
    assert keys._plain  # the shortcut is what is tested here
    for value in VALUES:
        assert _shortcut_bytes(keys, value) == _model_bytes(model, field, value), value


class _Patterned(Contract):
    code: str = Field(min_length=1, max_length=8, pattern="^[A-Z]+$")


def test_a_key_field_with_another_constraint_always_goes_through_its_model() -> None:
    keys = KeyBytes(_Patterned)
    assert not keys._plain
    assert keys("ABC") == b'{"code":"ABC"}'
    with pytest.raises(ValidationError):
        keys("abc")
