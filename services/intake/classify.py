"""Rule-based classification of a petition: its field and its kind (Art. 31).

The rules are data (``rules/classification.yaml``, described in its header): weighted
keywords per field and per kind, exclusions and required companions. One Aho-Corasick
automaton (``services.common.automaton``) holds every keyword of every rule, so a petition
is scanned once whatever the number of rules, in time linear in its length.

Every decision carries its evidence: which keyword matched, in the title or the content,
at which offset of the matching form, with what weight; and a named reason, which is also
the metric label.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.cases import MatterKind
from schemas.fields import UNCLASSIFIED, CaseField, FieldCode
from services.common.automaton import build_automaton
from services.common.rulefile import load_rule_file
from services.intake.normalise import matching_form

Where = Literal["title", "content"]
_RULES_FILE = "classification.yaml"


# --- the rule file ---------------------------------------------------------------------------


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    keywords: dict[str, float] = Field(min_length=1, description="keyword: weight")
    exclude: list[str] = Field(default_factory=list, description="any present: scores 0")
    requires_any: list[str] = Field(
        default_factory=list, description="if given, one must be present or the rule scores 0"
    )

    @field_validator("keywords")
    @classmethod
    def _weights_in_range(cls, keywords: dict[str, float]) -> dict[str, float]:
        for term, weight in keywords.items():
            if weight == 0 or abs(weight) > 10:
                raise ValueError(f"weight of {term!r} must be non-zero, between -10 and 10")
        return keywords

    @model_validator(mode="after")
    def _terms_match_something(self) -> _Rule:
        for term in [*self.keywords, *self.exclude, *self.requires_any]:
            if not matching_form(term.rstrip("*")):
                raise ValueError(f"keyword {term!r} is empty once punctuation is removed")
        return self


class FieldRule(_Rule):
    """The keywords of one field."""

    description: str


class KindRule(_Rule):
    """The keywords of one kind of matter; it applies at ``min_score`` or more."""

    min_score: float = Field(gt=0)


class ClassificationRules(BaseModel):
    """The whole rule file, as validated at start-up."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1]
    title_factor: float = Field(ge=1.0, le=5.0, description="weight multiplier in the title")
    min_score: float = Field(gt=0, description="a field needs this score to be chosen")
    fields: dict[FieldCode, FieldRule]
    kinds: dict[Literal["accusation", "suggestion"], KindRule]


def load_rules(text: str, source: str = _RULES_FILE) -> ClassificationRules:
    """Parse and validate a classification rule file; errors name the line (RuleFileError)."""
    return load_rule_file(text, ClassificationRules, source)


# --- decisions -------------------------------------------------------------------------------


class FieldReason(StrEnum):
    """Why the field was chosen. Also a metric label."""

    MATCHED = "matched"
    BELOW_MIN_SCORE = "below_min_score"
    NO_KEYWORD = "no_keyword"


class KindReason(StrEnum):
    """Why the kind was chosen. Also a metric label."""

    ACCUSATION_KEYWORDS = "accusation_keywords"
    SUGGESTION_KEYWORDS = "suggestion_keywords"
    DEFAULT_COMPLAINT = "default_complaint"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One keyword found: for which rule, where, at what offset of the matching form."""

    rule: str
    term: str
    where: Where
    offset: int
    weight: float


@dataclass(frozen=True, slots=True)
class Classification:
    """The field and kind of a petition, their scores, reasons and evidence."""

    field: CaseField
    field_score: float
    field_reason: FieldReason
    kind: MatterKind
    kind_score: float
    kind_reason: KindReason
    #: The keywords behind the chosen field and kind (none for defaults).
    evidence: tuple[Evidence, ...]
    #: Every field's score, so a near miss can be read in the event or a dashboard.
    field_scores: Mapping[str, float]


# --- matching --------------------------------------------------------------------------------

_Role = Literal["keyword", "exclude", "requires"]


@dataclass(frozen=True, slots=True)
class _Entry:
    rule: str
    term: str
    role: _Role
    weight: float
    #: Latin keywords match whole words; ``prefix`` lets them match any ending ("wage*").
    latin: bool
    prefix: bool


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


class Classifier:
    """Classifies petitions with one validated rule set. Immutable and thread-safe."""

    def __init__(self, rules: ClassificationRules) -> None:
        self.rules = rules
        entries: dict[str, list[_Entry]] = defaultdict(list)
        named: list[tuple[str, _Rule]] = [*rules.fields.items(), *rules.kinds.items()]
        for rule_name, rule in named:
            roles: list[tuple[_Role, Mapping[str, float]]] = [
                ("keyword", rule.keywords),
                ("exclude", dict.fromkeys(rule.exclude, 0.0)),
                ("requires", dict.fromkeys(rule.requires_any, 0.0)),
            ]
            for role, terms in roles:
                for term, weight in terms.items():
                    prefix = term.endswith("*")
                    key = matching_form(term.rstrip("*"))
                    latin = key.isascii()
                    entries[key].append(_Entry(rule_name, term, role, weight, latin, prefix))
        # Each key with its length: a hit's start is its end less the key's length.
        self._automaton = build_automaton(
            {key: (len(key), key_entries) for key, key_entries in entries.items()}
        )
        #: Every rule's score when none of its keywords is found, in file order.
        self._no_scores: dict[str, float] = {rule_name: 0.0 for rule_name, _ in named}
        #: The fields in file order (ties go to the first).
        self._field_names: tuple[FieldCode, ...] = tuple(rules.fields)
        #: The rules that count only with a companion word.
        self._requiring = frozenset(rule_name for rule_name, rule in named if rule.requires_any)

    def _scan(self, text: str) -> Iterator[tuple[_Entry, int]]:
        """Every keyword found in ``text`` (a matching form) and where it starts."""
        for end, (length, key_entries) in self._automaton.iter(text):
            start = end - length + 1
            for entry in key_entries:
                if entry.latin:
                    if start > 0 and _is_word_char(text[start - 1]):
                        continue
                    after = text[end + 1] if end + 1 < len(text) else " "
                    if not entry.prefix and _is_word_char(after):
                        continue
                yield entry, start

    def classify(self, title: str, content: str) -> Classification:
        """The field and kind of a petition from its title and content (as received)."""
        return self.classify_matching(matching_form(title), matching_form(content))

    def classify_matching(self, title: str, content: str) -> Classification:
        """:meth:`classify` of a title and content given in their matching forms
        (``normalise.matching_form``): intake has them from the forms it stores."""
        # The best hit of each (rule, term): a keyword counts once, in the title if it is there.
        # Kept as (weight, where, offset); only the chosen rules' hits become ``Evidence``.
        best: dict[tuple[str, str, _Role], tuple[float, Where, int]] = {}
        parts: tuple[tuple[Where, str, float], ...] = (
            ("title", title, self.rules.title_factor),
            ("content", content, 1.0),
        )
        for where, text, factor in parts:
            for entry, start in self._scan(text):
                weight = entry.weight * factor
                key = (entry.rule, entry.term, entry.role)
                kept = best.get(key)
                if kept is None or abs(weight) > abs(kept[0]):
                    best[key] = (weight, where, start)
        # A rule's score: the sum of its keywords' weights in the order found (0.0 with
        # none), 0.0 if one of its exclusions is there or it lacks its companion.
        support: dict[str, list[tuple[str, float, Where, int]]] = {}
        vetoed: set[str] = set()
        accompanied: set[str] = set()
        for (rule_name, term, role), (weight, where, start) in best.items():
            if role == "keyword":
                found = support.get(rule_name)
                if found is None:
                    support[rule_name] = [(term, weight, where, start)]
                else:
                    found.append((term, weight, where, start))
            elif role == "exclude":
                vetoed.add(rule_name)
            else:
                accompanied.add(rule_name)
        scores = dict(self._no_scores)
        for rule_name, found in support.items():
            if rule_name not in vetoed and (
                rule_name in accompanied or rule_name not in self._requiring
            ):
                scores[rule_name] = sum(weight for _, weight, _, _ in found)
        field, field_score, field_reason = self._field(scores)
        kind, kind_score, kind_reason = self._kind(scores)
        chosen = {field, kind.value}
        chosen_evidence = tuple(
            sorted(
                (
                    Evidence(name, term, where, start, weight)
                    for name in chosen
                    for term, weight, where, start in support.get(name, ())
                ),
                key=lambda e: (e.rule, e.where != "title", e.offset),
            )
        )
        return Classification(
            field=field,
            field_score=field_score,
            field_reason=field_reason,
            kind=kind,
            kind_score=kind_score,
            kind_reason=kind_reason,
            evidence=chosen_evidence,
            field_scores={name: scores[name] for name in self._field_names},
        )

    def _field(self, scores: Mapping[str, float]) -> tuple[CaseField, float, FieldReason]:
        # max() keeps the first of equal scores: ties go to the field listed first.
        best_field = max(self._field_names, key=scores.__getitem__)
        best_score = scores[best_field]
        if best_score >= self.rules.min_score:
            return best_field, best_score, FieldReason.MATCHED
        if best_score > 0:
            return UNCLASSIFIED, best_score, FieldReason.BELOW_MIN_SCORE
        return UNCLASSIFIED, 0.0, FieldReason.NO_KEYWORD

    def _kind(self, scores: Mapping[str, float]) -> tuple[MatterKind, float, KindReason]:
        # Art. 31: an accusation outranks a suggestion that comes with it, since it decides
        # who may see the case; anything else is a complaint or claim (申诉求决).
        accusation = self.rules.kinds.get("accusation")
        if accusation and scores["accusation"] >= accusation.min_score:
            return MatterKind.ACCUSATION, scores["accusation"], KindReason.ACCUSATION_KEYWORDS
        suggestion = self.rules.kinds.get("suggestion")
        if suggestion and scores["suggestion"] >= suggestion.min_score:
            return MatterKind.SUGGESTION, scores["suggestion"], KindReason.SUGGESTION_KEYWORDS
        return MatterKind.COMPLAINT, 0.0, KindReason.DEFAULT_COMPLAINT


@cache
def default_classifier() -> Classifier:
    """The classifier of the shipped ``rules/classification.yaml``, built once per process."""
    text = resources.files("services.intake").joinpath("rules", _RULES_FILE).read_text("utf-8")
    return Classifier(load_rules(text, _RULES_FILE))


def classify(title: str, content: str) -> Classification:
    """Classify with the shipped rules: field, kind, scores and evidence."""
    return default_classifier().classify(title, content)
