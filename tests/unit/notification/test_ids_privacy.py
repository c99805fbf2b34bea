"""Deterministic ids, the petitioner's query code, and the accused guard."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.cases import MatterKind
from schemas.identifiers import QueryCodes, query_code, verify_query_code
from schemas.notices import NoticeKind
from schemas.notifications import FailureReason
from services.common.accused import names_match
from services.notification.ids import _b32_lower, _digest, notification_id
from services.notification.privacy import accused_guard

KEY = b"test-query-key"


def test_a_notification_id_depends_on_event_kind_and_recipient_only() -> None:
    first = notification_id("610302-housing-000981", "acceptance", "pr_abc")
    assert first == notification_id("610302-housing-000981", "acceptance", "pr_abc")
    assert first.startswith("NT-acceptance-")
    assert len(first) <= 128
    assert first != notification_id("610302-housing-000981", "acceptance", "pr_abd")
    assert first != notification_id("610302-housing-000982", "acceptance", "pr_abc")
    assert notification_id("a", "b", "cd") != notification_id("a", "bc", "d")


def test_the_query_code_is_short_keyed_and_forgiving() -> None:
    code = query_code("XF-7K2M9Q4T8W1Z", KEY)
    assert len(code) == 9
    assert code[4] == "-"
    assert code == query_code("XF-7K2M9Q4T8W1Z", KEY)
    assert code != query_code("XF-7K2M9Q4T8W1Z", b"another-key")
    assert code != query_code("XF-7K2M9Q4T8W1Y", KEY)
    assert verify_query_code("XF-7K2M9Q4T8W1Z", code.lower().replace("-", " "), KEY)
    assert not verify_query_code("XF-2B8D6F0H3J5L", code, KEY)
    with pytest.raises(ValueError, match="empty"):
        query_code("XF-1", b"")


@pytest.mark.parametrize(
    ("accused", "name"),
    [
        ("渭滨区住房和城乡建设局", "渭滨区住房和城乡建设局"),
        ("渭滨区住房和城乡建设局李某", "渭滨区住房和城乡建设局"),
        ("住房和城乡建设局", "渭滨区住房和城乡建设局"),
        ("渭滨区 住房和城乡建设局。", "渭滨区住房和城乡建设局"),
        ("610302-HOUSING", "610302-housing"),
    ],
)
def test_names_that_designate_the_same_body_match(accused: str, name: str) -> None:
    assert names_match(accused, name)


@pytest.mark.parametrize(
    ("accused", "name"),
    [("金台区住房和城乡建设局", "渭滨区住房和城乡建设局"), ("局", "渭滨区住房和城乡建设局")],
)
def test_other_bodies_do_not_match(accused: str, name: str) -> None:
    assert not names_match(accused, name)


def test_only_accusations_are_guarded() -> None:
    names = ("610302-housing", "渭滨区住房和城乡建设局")
    suppression = accused_guard(MatterKind.ACCUSATION, "渭滨区住房和城乡建设局", names)
    assert suppression is not None
    assert suppression.reason is FailureReason.SUPPRESSED_ACCUSED
    assert accused_guard(MatterKind.COMPLAINT, "渭滨区住房和城乡建设局", names) is None
    assert accused_guard(MatterKind.ACCUSATION, None, names) is None


@settings(max_examples=2000, deadline=None)
@given(st.binary(min_size=15, max_size=15))
def test_the_id_letters_are_base32_of_the_digest(raw: bytes) -> None:
    assert _b32_lower(raw) == base64.b32encode(raw).decode().lower()


@settings(max_examples=500, deadline=None)
@given(st.text(), st.sampled_from(list(NoticeKind)), st.text())
def test_a_notification_id_is_the_digests_base32(event: str, kind: NoticeKind, to: str) -> None:
    # As it was written before its letters were made without the base64 module.
    token = base64.b32encode(_digest((event, kind, to))[:15]).decode().lower()
    assert notification_id(event, kind, to) == f"NT-{kind}-{token}"


def test_the_id_letters_of_the_edges_and_of_other_lengths() -> None:
    for raw in (bytes(15), b"\xff" * 15, b"\x80" + bytes(14), bytes(14) + b"\x01"):
        assert _b32_lower(raw) == base64.b32encode(raw).decode().lower()
    for length in (0, 14, 16):
        with pytest.raises(ValueError, match="15 bytes"):
            _b32_lower(bytes(length))


@settings(max_examples=1000, deadline=None)
@given(st.binary(min_size=1, max_size=100), st.text())
def test_query_codes_under_one_key_are_the_query_codes(key: bytes, case_id: str) -> None:
    codes = QueryCodes(key)
    assert codes(case_id) == query_code(case_id, key)
    # The prepared key is copied, never changed by a code made with it.
    assert codes(case_id + "x") == query_code(case_id + "x", key)
    assert codes(case_id) == query_code(case_id, key)


def test_query_codes_need_a_key() -> None:
    with pytest.raises(ValueError, match="empty"):
        QueryCodes(b"")
