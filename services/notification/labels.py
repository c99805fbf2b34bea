"""The labels of an event to notify about, and matchers on them in Alertmanager's syntax.

Every event becomes a set of labels (``labels_of``); the policy's routes select events with
matchers on them (``Matcher``), as Alertmanager's routes select alerts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from schemas.cases import AgencyLevel, EscalationReason, MatterKind, Verdict
from schemas.notices import NoticeKind

#: The labels an event carries; a matcher on any other name is a mistake in the policy.
LABELS: Final = ("kind", "matter_kind", "field", "region", "level", "agency", "reason", "verdict")

#: Labels with a closed set of values: an equality matcher on another value is a typo.
_CLOSED_LABELS: Final[Mapping[str, type[StrEnum]]] = {
    "kind": NoticeKind,
    "matter_kind": MatterKind,
    "level": AgencyLevel,
    "reason": EscalationReason,
    "verdict": Verdict,
}


class MatchOp(StrEnum):
    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


_MATCHER = re.compile(r'^\s*([a-z_]+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$')


@dataclass(frozen=True)
class Matcher:
    """One label matcher in Alertmanager's syntax: ``level="city"``, ``region=~"6103.*"``.

    Regular expressions are anchored at both ends, as in Alertmanager.
    """

    label: str
    op: MatchOp
    value: str
    pattern: re.Pattern[str] | None

    @classmethod
    def parse(cls, text: str) -> Matcher:
        match = _MATCHER.match(text)
        if match is None:
            raise ValueError(f'not a matcher: {text!r} (write e.g. level="city" or region=~"61.*")')
        label, op_text, raw = match.groups()
        if label not in LABELS:
            raise ValueError(f"unknown label {label!r}; labels are {', '.join(LABELS)}")
        value = re.sub(r"\\(.)", r"\1", raw)
        op = MatchOp(op_text)
        closed = _CLOSED_LABELS.get(label)
        if closed is not None and op in (MatchOp.EQUAL, MatchOp.NOT_EQUAL) and value:
            allowed = [member.value for member in closed]
            if value not in allowed:
                raise ValueError(f"{label} is never {value!r}; it is one of {', '.join(allowed)}")
        pattern = None
        if op in (MatchOp.REGEX, MatchOp.NOT_REGEX):
            try:
                pattern = re.compile(f"(?:{value})")
            except re.error as exc:
                raise ValueError(f"bad regular expression {value!r}: {exc}") from None
        return cls(label, op, value, pattern)

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.label, "")
        if self.op is MatchOp.EQUAL:
            return actual == self.value
        if self.op is MatchOp.NOT_EQUAL:
            return actual != self.value
        assert self.pattern is not None
        found = self.pattern.fullmatch(actual) is not None
        return found if self.op is MatchOp.REGEX else not found

    def __str__(self) -> str:
        return f'{self.label}{self.op.value}"{self.value}"'


def labels_of(**values: str | None) -> dict[str, str]:
    """An event's routing labels; None becomes the empty string, as in Alertmanager."""
    unknown = set(values) - set(LABELS)
    if unknown:
        raise ValueError(f"unknown labels {sorted(unknown)}")
    return {name: values.get(name) or "" for name in LABELS}
