"""The cheaper document walk, key check and risk form against the careful ones they replaced.

``check_document`` encodes a level's strings joined, once; ``check_key`` takes a key written
as the expected key's own bytes without parsing it; ``risk_form`` joins its separator runs
with regular expressions instead of a Python callback per run. Each must
refuse (or write) exactly what the code before did: the reference versions below are that
code, verbatim, and hypothesis compares them on random and hostile documents and texts.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from schemas.base import Contract
from schemas.keys import CaseKey, PetitionerKey
from schemas.petitions import MAX_NESTING_DEPTH, RejectReason
from schemas.registry import PETITIONS_SUBMITTED
from services.common import submitted
from services.common.casework import risk
from services.common.casework.risk import risk_form
from services.common.dlq import Rejected
from services.common.documents import (
    _check_strings,
    check_document,
    check_key,
    read_json,
    too_deep,
)
from services.common.script import to_simplified


def careful_check_document(document: object, submission_id: str | None) -> None:
    """check_document as it was: one encode per string."""
    level: list[object] = [document]
    for depth in range(1, MAX_NESTING_DEPTH + 2):
        below: list[object] = []
        for node in level:
            if isinstance(node, dict):
                below.extend(node.values())
                _check_strings(node.keys(), submission_id)
            elif isinstance(node, list):
                below.extend(node)
            elif isinstance(node, str):
                _check_strings((node,), submission_id)
        containers = [node for node in below if isinstance(node, dict | list)]
        if containers and depth >= MAX_NESTING_DEPTH:
            raise too_deep(submission_id)
        level = below
        if not level:
            return


_RUN = re.compile("\x00+")


def _join(run: re.Match[str]) -> str:
    text, (start, end) = run.string, run.span()
    if start == 0 or end == len(text):
        return ""
    return " " if risk._latin(text[start - 1]) or risk._latin(text[end]) else ""


def careful_risk_form(text: str) -> str:
    """risk_form as it was: a Python callback per separator run."""
    folded = to_simplified(unicodedata.normalize("NFKC", text)).casefold()
    return _RUN.sub(_join, folded.translate(risk._SEPARATORS))


def outcome(check: Any, document: object) -> tuple[str, ...]:
    try:
        check(document, "S-1")
    except Rejected as exc:
        return ("rejected", str(exc.reason), exc.detail, str(exc.submission_id))
    return ("accepted",)


#: Strings with what hostile input holds: lone and paired surrogates (a "\ud800" escape
#: reads as one), a BOM, NUL, Chinese text, and the JSON syntax characters.
_HOSTILE_TEXT = st.text(
    alphabet=st.sampled_from(
        ["a", "Z", "0", " ", ".", "-", "\x00", "\ufeff", "\u200b", "跳", "樓", "楼", "自",
         "杀", "ｋ", "Ｉ", "\ud800", "\udc00", "\udbff", "\udfff", "\\", '"', "{", "[", ":"]
    ),
    max_size=12,
) | st.text(max_size=12)

_SCALARS = (
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True) | _HOSTILE_TEXT
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(_HOSTILE_TEXT, inner, max_size=4),
    max_leaves=40,
)


def _nested(depth: int, leaf: object) -> object:
    document = leaf
    for level in range(depth):
        document = {"a": document} if level % 2 else [document]
    return document


@settings(max_examples=600, deadline=None)
@given(_DOCUMENTS)
def test_check_document_refuses_what_the_careful_walk_refuses(document: object) -> None:
    assert outcome(check_document, document) == outcome(careful_check_document, document)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=MAX_NESTING_DEPTH + 3), _HOSTILE_TEXT, _DOCUMENTS)
def test_check_document_at_every_depth(depth: int, leaf: str, beside: object) -> None:
    # A surrogate and a nesting too deep in one document: which is refused first (the
    # level-by-level walk meets the shallower) must not change.
    document = [_nested(depth, leaf), beside]
    assert outcome(check_document, document) == outcome(careful_check_document, document)


@settings(max_examples=300, deadline=None)
@given(
    _DOCUMENTS, st.sampled_from(["", "\ufeff", " ", "\n"]), st.sampled_from(["", " x", "]", "\x00"])
)
def test_check_document_on_what_read_json_reads(document: object, before: str, after: str) -> None:
    # Through the reader, as intake runs them: escapes of surrogates, NaN, a BOM, trailing
    # garbage; read_json's refusal is unchanged code, check_document's must match.
    raw = (before + json.dumps(document) + after).encode("utf-8", "surrogatepass")
    try:
        read = read_json(raw, max_bytes=1_000_000, what="a petition")
    except Rejected:
        return
    assert outcome(check_document, read) == outcome(careful_check_document, read)


def test_a_surrogate_pair_split_across_two_strings_is_still_refused() -> None:
    # Joined, "\ud800" and "\udc00" stand side by side: Python keeps them two code points,
    # and UTF-8 refuses both, as it refused each alone.
    document = read_json(b'["\\ud800", "\\udc00"]', max_bytes=100, what="a petition")
    assert outcome(check_document, document)[:2] == ("rejected", "invalid_encoding")
    assert outcome(check_document, document) == outcome(careful_check_document, document)


_RISK_TEXT = st.text(
    alphabet=st.sampled_from(
        ["a", "K", "9", "ｋ", "Ａ", " ", "　", ".", "·", "-", "\x00", "\u200b", "\ufeff", "\n",
         "跳", "樓", "楼", "自", "殺", "杀", "é", "ß", "ﬁ", "İ", "²", "①", "!", "*"]
    ),
    max_size=30,
) | st.text(max_size=30)


@settings(max_examples=1500, deadline=None)
@given(_RISK_TEXT)
def test_risk_form_writes_what_the_callback_wrote(text: str) -> None:
    assert risk_form(text) == careful_risk_form(text)


def test_risk_form_examples() -> None:
    examples = ["跳 楼", " 跳.楼 ", "kill  myself", "kill 跳", "跳..kill", "..", "", "a", "a\x00b"]
    for text in examples:
        assert risk_form(text) == careful_risk_form(text)
    assert risk_form("我要 跳. 楼!") == "我要跳楼"
    assert risk_form(" ｋｉｌｌ  ｍｙｓｅｌｆ. ") == "kill myself"


def careful_check_key(key: bytes | None, expected: Contract, whose: str, why: str) -> None:
    """check_key as it was: every key parsed and compared."""
    try:
        given = type(expected).model_validate_json(key or b"")
    except ValidationError:
        given = None
    if given != expected:
        shown = "none" if key is None else repr(key[:200].decode("utf-8", "replace"))
        raise Rejected(
            RejectReason.SCHEMA_VIOLATION,
            f"the key is {shown}, not {whose} {expected.to_json_bytes().decode()}: {why}",
        )


def key_outcome(check: Any, key: bytes | None, expected: Contract) -> tuple[str, ...]:
    try:
        check(key, expected, "the case's", "why")
    except Rejected as exc:
        return ("rejected", str(exc.reason), exc.detail)
    return ("accepted",)


_KEY_TEXT = st.text(
    alphabet=st.sampled_from(["a", "1", "-", "案", " ", '"', "\\", "/", "\x00", "\u2028", "é"]),
    min_size=1,
    max_size=10,
)


@settings(max_examples=400, deadline=None)
@given(_KEY_TEXT, _KEY_TEXT, st.sampled_from(["canonical", "spaced", "ascii", "other", "raw"]))
def test_check_key_refuses_what_the_careful_check_refused(
    case_id: str, other: str, how: str
) -> None:
    expected = CaseKey(case_id=case_id)
    key: bytes | None = {
        "canonical": expected.to_json_bytes(),
        "spaced": json.dumps({"case_id": case_id}, ensure_ascii=False).encode(),
        "ascii": json.dumps({"case_id": case_id}).encode(),
        "other": CaseKey(case_id=other).to_json_bytes(),
        "raw": case_id.encode(),
    }[how]
    assert key_outcome(check_key, key, expected) == key_outcome(careful_check_key, key, expected)
    assert key_outcome(check_key, None, expected) == key_outcome(careful_check_key, None, expected)
    petitioner = PetitionerKey(petitioner_ref="pr_" + case_id.ljust(8, "0"))
    key = petitioner.to_json_bytes()
    assert key_outcome(check_key, key, petitioner) == ("accepted",)
    assert key_outcome(check_key, key, expected) == key_outcome(careful_check_key, key, expected)


_PETITION: dict[str, Any] = PETITIONS_SUBMITTED.examples[0].value or {}
_HOSTILE_VALUES = st.sampled_from(
    ["\ud800", "a\udc00", "\ufeff", None, True, 1, "__HUGE__", 1.5, [], {}, [[[[[[[[[1]]]]]]]]],
     {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": 1}}}}}}}}, "2026-13-40T00:00:00Z",
     "1999-12-31T23:59:59+08:00", "2099-01-01T00:00:00+08:00", "x" * 300]
) | _SCALARS  # fmt: skip


def _with(document: Any, path: list[str | int], value: Any) -> Any:
    """``document`` with the node at ``path`` (as far as it leads) set to ``value``."""
    copy = json.loads(json.dumps(document))
    holder = copy
    for step in path[:-1]:
        inside_dict = isinstance(holder, dict) and isinstance(holder.get(str(step)), dict | list)
        if inside_dict:
            holder = holder[str(step)]
        elif isinstance(holder, list) and isinstance(step, int) and step < len(holder):
            holder = holder[step]
    if isinstance(holder, dict):
        holder[str(path[-1])] = value
    elif isinstance(holder, list) and holder:
        holder[int(path[-1]) % len(holder) if isinstance(path[-1], int) else 0] = value
    return copy


_PATHS = st.lists(
    st.sampled_from([*_PETITION, "petitioner", "name", "phone", "extra", 0, 1]),
    min_size=1,
    max_size=4,
)


def petition_outcome(raw: bytes) -> tuple[str, ...]:
    try:
        petition = submitted.parse(raw)
        submitted.check_received_at(petition, datetime(2026, 12, 6, tzinfo=UTC))
    except Rejected as exc:
        return ("rejected", str(exc.reason), exc.detail, str(exc.submission_id))
    return ("accepted", petition.to_json_bytes().decode())


def careful_check_received_at(petition: Any, now: datetime) -> None:
    """check_received_at as it was: the isoformat strings built first."""
    received = petition.received_at.isoformat()
    if petition.received_at < submitted.EARLIEST_RECEIVED_AT:
        raise Rejected(
            RejectReason.RECEIVED_TOO_EARLY,
            f"received_at {received} is before {submitted.EARLIEST_RECEIVED_AT.isoformat()}, "
            "when no channel of this system could have received it",
            petition.submission_id,
        )
    if petition.received_at > now + submitted.CLOCK_SKEW:
        raise Rejected(
            RejectReason.RECEIVED_IN_FUTURE,
            f"received_at {received} is after now ({now.isoformat()}) by more than the "
            f"{submitted.CLOCK_SKEW.total_seconds() / 60:.0f} minutes clocks may differ",
            petition.submission_id,
        )


@settings(max_examples=400, deadline=None)
@given(
    _PATHS,
    _HOSTILE_VALUES,
    st.sampled_from(["", "dup", "bom", "tail", "badutf8", "nan", "deep"]),
)
def test_a_petition_is_refused_as_the_careful_checks_refused_it(
    path: list[str | int], value: Any, damage: str
) -> None:
    # The whole parse, as intake and the gateway run it, on a real petition with one
    # hostile change: new checks and the code they replaced give the same petition or
    # the same reason, detail and submission_id.
    text = json.dumps(_with(_PETITION, path, value), ensure_ascii=damage != "badutf8")
    text = text.replace('"__HUGE__"', "9" * 5000)  # more digits than Python converts
    if damage == "dup":  # a field twice, at the top or inside the petitioner
        text = text.replace('"name":', '"name": 1, "name":', 1) if '"name":' in text else (
            text.replace("{", '{"k": 1, "k": 2, ', 1)
        )
    raw = {
        "": text.encode("utf-8", "surrogatepass"),
        "dup": text.encode("utf-8", "surrogatepass"),
        "bom": b"\xef\xbb\xbf" + text.encode("utf-8", "surrogatepass"),
        "tail": text.encode("utf-8", "surrogatepass") + b" }",
        "badutf8": text.encode("utf-8", "surrogatepass") + b"\xff",
        "nan": text.replace("1", "NaN", 1).encode("utf-8", "surrogatepass"),
        "deep": text.replace("{", '{"deep": ' + "[" * 9 + "]" * 9 + ", ", 1).encode(
            "utf-8", "surrogatepass"
        ),
    }[damage]
    new = petition_outcome(raw)
    with (
        mock.patch.object(submitted, "check_document", careful_check_document),
        mock.patch.object(submitted, "check_received_at", careful_check_received_at),
    ):
        careful = petition_outcome(raw)
    assert new == careful


def test_the_petition_examples_are_read_alike() -> None:
    # The example petition itself is accepted (the test above compares more than refusals).
    assert petition_outcome(json.dumps(_PETITION).encode())[0] == "accepted"
