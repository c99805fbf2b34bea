"""The escalation rule file: time limits, clocks, targets and rule-based escalations.

The file is YAML (``services/common/casework/rules/escalation.yaml`` ships the defaults of the
Regulations on Letters and Calls Work). It is parsed strictly at start-up: an unknown key,
a missing key or a value out of range stops the service with ``RuleFileError``, whose
message names the file, the line and the path of every problem.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from schemas.cases import AgencyLevel
from services.common.automaton import Automaton, build_automaton
from services.common.casework.risk import RiskHit, occurrences, risk_form
from services.common.rulefile import load_rule_file, read_rule_text

#: The rule file shipped with the service.
DEFAULT_RULES_PATH: Final = Path(__file__).with_name("rules") / "escalation.yaml"

#: Levels lowest first, as ``AgencyLevel`` declares them.
LEVELS: Final[tuple[AgencyLevel, ...]] = tuple(AgencyLevel)

Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DayLimit(_Strict):
    """A limit in calendar days, counted from the day after the triggering event."""

    days: int = Field(ge=1, le=366, description="calendar days")
    article: str = Field(min_length=1, description="where the limit comes from, e.g. 'Art. 22'")


class WorkingDayLimit(_Strict):
    """A limit in working days of the national holiday calendar (adjusted weekends count)."""

    working_days: int = Field(ge=1, le=60)
    article: str = Field(min_length=1)
    reason_prefixes: tuple[Keyword, ...] = Field(
        min_length=1,
        description=(
            "a not_accepted update whose reason starts with one of these is an objection "
            "to competence (the body hands the matter back to the petition bureau), "
            "not a refusal of the matter"
        ),
    )


class ExtensionLimit(_Strict):
    """How far handling may be extended for a complex matter (Art. 34)."""

    max_days: int = Field(ge=1, le=30, description="Art. 34 allows at most 30 more days")
    max_count: int = Field(ge=0, le=1, description="Art. 34 allows one extension")
    article: str = Field(min_length=1)


class TimeLimits(_Strict):
    """The statutory time limits (DOMAIN.md, "Time limits")."""

    #: The petition bureau transfers or assigns the matter (Art. 22).
    transfer: DayLimit
    #: The competent body decides on acceptance, from receiving the transfer (Art. 23).
    acceptance: DayLimit
    #: The competent body may object that the matter is outside its competence (Art. 23).
    competence_objection: WorkingDayLimit
    #: Handling finished with a written opinion, from acceptance (Art. 34).
    handling: DayLimit
    #: One extension of handling with a reason (Art. 34).
    extension: ExtensionLimit
    #: The petitioner's window to request a review, from the reply (Art. 35).
    review_request: DayLimit
    #: The review opinion, from the request (Art. 35).
    review_decision: DayLimit
    #: The petitioner's window to request a re-review, from the review opinion (Art. 36).
    re_review_request: DayLimit
    #: The re-review opinion, from the request (Art. 36).
    re_review_decision: DayLimit
    #: The petitioner's window to rate an opinion; after it: "overdue, not rated".
    rating: DayLimit


class Clocks(_Strict):
    """How every running deadline warns, breaches and escalates again."""

    warn_share: float = Field(
        gt=0.0,
        lt=1.0,
        description=(
            "warn when this share of a limit has been used: of the time that counts, from "
            "the start to the deadline in force (after a rest-day roll-over), the hearing "
            "days not counted"
        ),
    )
    roll_over_rest_days: bool = Field(
        strict=True,
        description=(
            "a calendar-day limit whose last day is a rest day (a public holiday or a "
            "weekend that is not an adjusted working day) ends at the end of the first "
            "working day after it (PRC Civil Code Art. 203); working-day limits never "
            "end on a rest day"
        ),
    )
    rebreach_days: int = Field(
        ge=1,
        le=365,
        description=(
            "a deadline still missed this many days after its last breach escalates "
            "one more level, up to the national level"
        ),
    )
    timer_grace_minutes: int = Field(
        ge=0,
        le=7 * 24 * 60,
        description=(
            "a warning or breach fires only this long after its time, so an update that "
            "stops the clock in time but reaches us a little late still wins"
        ),
    )
    reorder_tolerance_hours: int = Field(
        ge=0,
        le=30 * 24,
        description=(
            "an update older than the case's latest event by at most this much is applied "
            "in event-time order; an older one is rejected as too late"
        ),
    )

    @property
    def rebreach_interval(self) -> timedelta:
        return timedelta(days=self.rebreach_days)

    @property
    def timer_grace(self) -> timedelta:
        return timedelta(minutes=self.timer_grace_minutes)

    @property
    def reorder_tolerance(self) -> timedelta:
        return timedelta(hours=self.reorder_tolerance_hours)


class Targets(_Strict):
    """Who receives an escalation: the petition bureau of the region one level up."""

    default_level: AgencyLevel = Field(description="level of a case routed to no agency")
    bureau_code: str = Field(
        pattern=r"\{region\}",
        description="agency code of a region's petition bureau; {region} is the 6-digit code",
    )
    national_bureau: str = Field(min_length=1, description="agency code of the national bureau")
    bureau_routing_rules: tuple[Keyword, ...] = Field(
        min_length=1,
        description=(
            "a case whose agency was chosen by a routing rule starting with one of these is "
            "with the region's petition bureau, which transfers or assigns it (Art. 22); any "
            "other routed case went straight to the competent body, which owes the "
            "acceptance notice itself (Art. 23)"
        ),
    )

    def bureau(self, region_code: str, level: AgencyLevel) -> str:
        """The petition bureau at ``level`` above the county-level region ``region_code``.

        610302 is the county; its city is 610300, its province 610000 (GB/T 2260).
        """
        if level is AgencyLevel.NATIONAL:
            return self.national_bureau
        if level is AgencyLevel.PROVINCE:
            region = region_code[:2] + "0000"
        elif level is AgencyLevel.CITY:
            region = region_code[:4] + "00"
        else:
            region = region_code
        return self.bureau_code.format(region=region)


def level_above(level: AgencyLevel, steps: int) -> AgencyLevel:
    """``steps`` levels above ``level``, at most national."""
    return LEVELS[min(LEVELS.index(level) + steps, len(LEVELS) - 1)]


class _RuleTarget(_Strict):
    levels_up: int = Field(ge=0, le=4, description="target level above the case's level")


class LeadershipPackageRule(_RuleTarget):
    """A matter raised again and again gets a named leader (包案, DOMAIN.md)."""

    min_repeat_count: int = Field(
        ge=1,
        description=(
            "a verdict whose repeat_count (earlier petitions of the same petitioner(s) on "
            "the matter: 0 for the first petition, 1 for the first repeat) reaches this "
            "makes a leadership package case; it fires once, on the petition that reaches "
            "it, and later repeats join the package case without escalating again"
        ),
    )
    due_days: int = Field(ge=1, le=365)


class CollectivePetitionRule(_RuleTarget):
    """Many petitioners about one matter are a collective petition, treated as urgent."""

    min_petitioners: int = Field(ge=2, description="distinct petitioners on the matter")
    due_hours: int = Field(ge=1, le=24 * 30)


@dataclass(frozen=True)
class _RiskForms:
    words: tuple[tuple[str, str], ...]
    companions: tuple[tuple[str, str], ...]
    excludes: tuple[str, ...]


RuleName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class RiskRule(_Strict):
    """One kind of risk to life: its words, and the context that makes a word count.

    Words, companions and exclusions are matched on the normalised text (``risk.risk_form``:
    either script, either width, spacing and punctuation between Chinese characters
    ignored). A word counts unless an exclusion that contains it covers it ("杀人案" is a
    case, not a threat); when ``requires_any`` is given it counts only with one of those
    companions within ``window`` characters before or after it ("汽油" with "泼", not in a
    complaint about fuel prices).
    """

    name: RuleName
    words: tuple[Keyword, ...] = Field(min_length=1)
    requires_any: tuple[Keyword, ...] = Field(
        default=(), description="companions, one of which must be near the word"
    )
    window: int = Field(
        default=12, ge=1, le=200, description="characters either side searched for a companion"
    )
    excludes: tuple[Keyword, ...] = Field(
        default=(), description="phrases containing a word, in which the word is ordinary"
    )

    @model_validator(mode="after")
    def _exclusions_contain_a_word(self) -> RiskRule:
        words = [risk_form(word) for word in self.words]
        useless = [e for e in self.excludes if not any(w in risk_form(e) for w in words)]
        if useless:
            raise ValueError(f"exclusions {useless} contain none of the rule's words")
        return self

    @functools.cached_property
    def forms(self) -> _RiskForms:
        """Words, companions and exclusions in risk form, computed once per rule file."""
        return _RiskForms(
            words=tuple((word, risk_form(word)) for word in self.words),
            companions=tuple((c, risk_form(c)) for c in self.requires_any),
            excludes=tuple(risk_form(phrase) for phrase in self.excludes),
        )

    def _companion(self, form: str, start: int, end: int) -> str | None:
        """The first companion found within the window around ``form[start:end]``."""
        near = form[max(0, start - self.window) : end + self.window]
        return next(
            (c for c, c_form in self.forms.companions if next(occurrences(near, c_form), None)),
            None,
        )

    def hits(self, form: str) -> list[RiskHit]:
        """The words of this rule that count in ``form`` (a text in risk form), in file
        order, each once."""
        found: list[RiskHit] = []
        excluded = [
            (start, start + len(phrase))
            for phrase in self.forms.excludes
            for start in occurrences(form, phrase)
        ]
        for word, target in self.forms.words:
            for start in occurrences(form, target):
                end = start + len(target)
                if any(a <= start and end <= b for a, b in excluded):
                    continue
                if not self.requires_any:
                    found.append(RiskHit(rule=self.name, word=word))
                    break
                companion = self._companion(form, start, end)
                if companion is not None:
                    found.append(RiskHit(rule=self.name, word=word, companion=companion))
                    break
        return found


class RiskToLifeRule(_RuleTarget):
    """Content signalling a risk to life or safety escalates at once (Art. 25)."""

    due_hours: int = Field(ge=1, le=24 * 30)
    rules: tuple[RiskRule, ...] = Field(
        min_length=1, description="matched on title and content, in every language"
    )

    @model_validator(mode="after")
    def _names_unique(self) -> RiskToLifeRule:
        names = [rule.name for rule in self.rules]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"rule names must be unique; repeated: {repeated}")
        return self

    @functools.cached_property
    def _words(self) -> tuple[Automaton[tuple[int, ...]], frozenset[int]]:
        """Every rule's words in risk form, each naming the rules it is a word of; and the
        rules with a word that has no risk form (all punctuation), which are always read."""
        rules_of: dict[str, tuple[int, ...]] = {}
        always: set[int] = set()
        for index, rule in enumerate(self.rules):
            for _, form in rule.forms.words:
                if not form:
                    always.add(index)
                elif index not in rules_of.get(form, ()):
                    rules_of[form] = (*rules_of.get(form, ()), index)
        return build_automaton(rules_of), frozenset(always)

    def hits(self, text: str) -> tuple[RiskHit, ...]:
        """Every rule's words that count in ``text``, in file order."""
        form = risk_form(text)
        # A rule counts only a word that occurs: one pass finds the rules that have one
        # (for most petitions, none), and only those are read word by word.
        automaton, always = self._words
        candidates = set(always)
        for _, indices in automaton.iter(form):
            candidates.update(indices)
        return tuple(
            hit
            for index, rule in enumerate(self.rules)
            if index in candidates
            for hit in rule.hits(form)
        )


class DissatisfiedRatingRule(_RuleTarget):
    """A dissatisfied rating prompts the supervising level to review the handling."""

    due_days: int = Field(ge=1, le=365)


class OpenStage(StrEnum):
    """A stage in which a matter waits for an opinion; left too long it is a backlog case
    (积案, DOMAIN.md). A reply, a refusal, an opinion, termination or closing ends it."""

    #: From receipt to the reply (办结, Art. 34) or a refusal to accept (Art. 23).
    HANDLING = "handling"
    #: From the review request to the review opinion (Art. 35).
    REVIEW = "review"
    #: From the re-review request to the re-review opinion (Art. 36).
    RE_REVIEW = "re_review"


class BacklogDays(_Strict):
    """Days a matter may wait in each open stage before it is a backlog case."""

    handling: int = Field(ge=1, le=3650, description="from receipt, until the reply or a refusal")
    review: int = Field(ge=1, le=3650, description="from the review request, until its opinion")
    re_review: int = Field(
        ge=1, le=3650, description="from the re-review request, until its opinion"
    )

    def of(self, stage: OpenStage) -> int:
        days: int = getattr(self, stage.value)
        return days


class BacklogRule(_RuleTarget):
    """A matter left unresolved this long in one stage is a backlog case (积案).

    A replied case is handled (办结): only a stage still waiting for its opinion counts.
    The target is ``levels_up`` above the body that owes the opinion (the case's level
    for handling, one up for a review, two for a re-review).
    """

    open_days: BacklogDays
    due_days: int = Field(ge=1, le=365)


class EscalationRules(_Strict):
    """The whole rule file."""

    version: Literal[2] = Field(
        description="2: risk_to_life holds named rules (was: keywords per language); "
        "backlog.open_days is per open stage (was: one number)"
    )
    time_limits: TimeLimits
    clocks: Clocks
    targets: Targets
    leadership_package: LeadershipPackageRule
    collective_petition: CollectivePetitionRule
    risk_to_life: RiskToLifeRule
    dissatisfied_rating: DissatisfiedRatingRule
    backlog: BacklogRule


def parse_rules(text: str, source: str = "<rules>") -> EscalationRules:
    """Parse and validate a rule file's text; raises ``RuleFileError``."""
    return load_rule_file(text, EscalationRules, source)


def load_rules(path: Path = DEFAULT_RULES_PATH) -> EscalationRules:
    """Read and validate a rule file; raises ``RuleFileError`` naming line and path (a file
    that is not UTF-8 too), ``UnreadableRuleFileError`` (an OSError) when it cannot be read."""
    return parse_rules(read_rule_text(path), str(path))
