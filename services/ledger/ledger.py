"""Category ledger arithmetic (分类台账): pure functions, no Kafka.

A case's facts arrive on three topics (its verdict on ``cases.deduplicated``, the agencies'
steps on ``cases.updates``, supervision on ``cases.escalated``) in any order. They are folded
into one :class:`CaseEntry` per case. Each entry contributes one :class:`Tally` to every
ledger row it belongs to: its county, the city and province above it, for its own field and
for all fields, for the day, week and month in which it was received (+08:00). When a late
update changes an entry, the old tally is taken out of those rows and the new one put in,
so last week's ledger changes too; folding the same message twice changes nothing, which is
what makes a redelivery harmless.

Definitions (what each figure of a row counts, among the cases received in its period):

* ``petitions``: cases; ``new`` / ``repeat`` / ``joint``: by dedup's verdict (a petition
  only *related* to another below the linking threshold is a new matter, so it counts as new);
* ``petitioners``: distinct petitioner refs (co-petitioners and representatives included);
  ``matters``: distinct matters;
* ``collective``: petitions of a collective matter (5 or more people);
* ``accepted``: cases an agency accepted; ``accepted_within_limit``: of those, accepted before
  the deadline escalation enforces (:meth:`Lifecycle.accepted_in_time`: Art. 23, 00:00
  +08:00 after the 15th day from receipt or from a transfer to the body, rolled over rest
  days; Art. 22 when the petition bureau accepted itself). The ledger folds each case's
  updates through escalation's lifecycle (:func:`lifecycle_of`), so an update escalation
  refuses counts nowhere;
* ``overdue``: cases escalated for a missed time limit;
* ``replied``: cases with a written reply; ``backlog``: cases still waiting for an opinion
  (:attr:`Lifecycle.open_stage`, the stages escalation's backlog rule times: handling from
  receipt to the reply or a refusal, a review or re-review from its request to its
  opinion). A replied, refused (not accepted), terminated or closed case is not backlog,
  nor a repeat joined to an open case (Art. 19: the case it joined is what is owed, and
  counts) nor a repeat of a terminated matter (Art. 36: terminated from receipt); a review
  requested of a replied case makes it backlog again until its opinion;
* ``leadership_package``: cases escalated to a leader's personal ownership (包案), listed
  with their owner;
* ``satisfied`` / ``basically_satisfied`` / ``dissatisfied`` / ``not_rated``: the latest rating.

Key matters (清单管理): per matter of the row, its petitions, repeats, distinct petitioners
and open cases with when each was received, so :func:`key_matters` can list the largest
open matters by people, by repeats and by age.
"""

from __future__ import annotations

import functools
import heapq
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from pydantic import Field, PrivateAttr

from schemas.base import Contract
from schemas.cases import (
    CaseDeduplicated,
    CaseEscalated,
    CaseUpdate,
    EscalationReason,
    Rating,
    UpdateKind,
    Verdict,
)
from schemas.ledger import KeyMatter, PeriodKind
from services.common.casework.facts import CaseFacts, case_facts
from services.common.casework.fold import FoldFailure, fold
from services.common.casework.holidays import HolidayCalendar, shipped_calendar
from services.common.casework.lifecycle import Lifecycle
from services.common.casework.ruleset import EscalationRules, load_rules
from services.ledger.periods import Period, periods_of

#: The field of the rows that count every field together.
ALL_FIELDS: Final = "all"
#: The updates and escalations a case entry remembers (~200 bytes each at most: an id of
#: 128 characters and its fingerprint), the newest.
MAX_EVENTS: Final = 256
#: The longest id the ledger keeps in its rows (case id, matter id, petitioner ref, package
#: owner; intake's are 15 to 35 characters): what bounds every record of a row (``rows``).
MAX_ID_CHARS: Final = 64
#: The updates a case entry keeps for the lifecycle (a case's has a dozen or so): the first
#: by event time, so a flood of late ones cannot outgrow a changelog record.
MAX_STEPS: Final = 64
#: What an entry keeps of an update's reason: the lifecycle reads only whether it is given
#: (an extension's) and whether it begins with an objection's prefix (at most 50 characters,
#: ``ruleset.Keyword``).
STEP_REASON_CHARS: Final = 50

#: The units above a county, lowest first, the county itself included (county, city,
#: province). Injected so the arithmetic needs no region table.
Rollup = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class Casework:
    """The escalation service's rule file and holiday calendar, with which the ledger runs
    a case's updates through escalation's own lifecycle (``casework.fold``): its limits,
    deadlines (00:00 +08:00 after the last day, rolled over rest days, restarted by a
    transfer) and open stages are escalation's, so the two never disagree. The service
    reads the files escalation is given (``XINFANG_LEDGER_ESCALATION_RULES_PATH``,
    ``_CALENDAR_PATH``)."""

    rules: EscalationRules
    calendar: HolidayCalendar
    #: The lifecycles folded last, by facts and update ids (a case's update ids name their
    #: content: another content under a known id is refused): a case event folds the
    #: entry after it, and its entry before was folded at the case's previous event.
    folded: OrderedDict[tuple[CaseFacts, tuple[str, ...]], Lifecycle] = dataclass_field(
        default_factory=OrderedDict, compare=False, hash=False, repr=False
    )


#: The lifecycles a ``Casework`` remembers (a few hundred bytes each).
FOLDED_KEPT: Final = 4096


@functools.cache
def shipped_casework() -> Casework:
    """The shipped rule file and calendar (tests, offline tools), read once."""
    return Casework(load_rules(), shipped_calendar())


class Count(StrEnum):
    """The additive figures of a ledger row (see the module's definitions)."""

    PETITIONS = "petitions"
    NEW = "new"
    REPEAT = "repeat"
    JOINT = "joint"
    COLLECTIVE = "collective"
    ACCEPTED = "accepted"
    ACCEPTED_WITHIN_LIMIT = "accepted_within_limit"
    OVERDUE = "overdue"
    REPLIED = "replied"
    BACKLOG = "backlog"
    LEADERSHIP_PACKAGE = "leadership_package"
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"
    NOT_RATED = "not_rated"


_VERDICT_COUNT: Final = {
    Verdict.NEW: Count.NEW,
    Verdict.RELATED: Count.NEW,
    Verdict.REPEAT: Count.REPEAT,
    Verdict.JOINT: Count.JOINT,
}
_RATING_COUNT: Final = {
    Rating.SATISFIED: Count.SATISFIED,
    Rating.BASICALLY_SATISFIED: Count.BASICALLY_SATISFIED,
    Rating.DISSATISFIED: Count.DISSATISFIED,
}
_RESOLVING: Final = frozenset({UpdateKind.CLOSED, UpdateKind.TERMINATED})


class CaseEntry(Contract):
    """What the ledger knows of one case, folded from the three topics in any order.

    Every fold is idempotent (earliest acceptance, latest rating, flags only set), so a
    redelivered message leaves the entry as it was. The verdict's facts are None until the
    verdict has arrived: until then the case is in no row.
    """

    schema_version: int = 1
    case_id: str
    region_code: str | None = None
    field: str | None = None
    received_at: datetime | None = None
    petitioner_refs: list[str] = Field(default_factory=list)
    matter_id: str | None = None
    verdict: Verdict | None = None
    collective: bool = False
    #: The verdict's title (hotspots describe a matter by its letters' titles): a case that
    #: moves to another matter joins that matter's hotspot group with it. None in an entry
    #: stored before the ledger kept it.
    title: str | None = None
    #: The matter dedup moved the case to after its verdict (a merge of its matter into
    #: another, or the case split off into a new one, told on matters.changes), and when
    #: that change was applied; the latest change wins, whichever arrives first. The case
    #: counts in this matter rather than its verdict's: :func:`matter_of`.
    moved_to: str | None = None
    moved_at: datetime | None = None
    #: What escalation keeps of the verdict (``casework.case_facts``, its risk words left
    #: out), with which the lifecycle is folded; None until the verdict, and in an entry
    #: stored before the ledger kept it (such an entry counts by the flags below).
    facts: CaseFacts | None = None
    #: The case's updates in event-time order (reasons cut to ``STEP_REASON_CHARS``), the
    #: first ``MAX_STEPS``: :func:`lifecycle_of` folds them as escalation does.
    steps: list[CaseUpdate] = Field(default_factory=list)
    #: The flags an entry stored before ``facts`` counts by (kept up to date for it).
    accepted_at: datetime | None = None
    replied: bool = False
    resolved: bool = False
    overdue: bool = False
    package_owner: str | None = None
    rating: Rating | None = None
    rated_at: datetime | None = None
    #: Raised by one each time the case's tally or rows change: a row applies a change of
    #: a case only once, so a redelivered change is not counted twice.
    revision: int = 0
    #: The updates and escalations folded in: id -> fingerprint of their content, so the
    #: same id with other content is told from a redelivery (a few per case; the newest
    #: MAX_EVENTS).
    events: dict[str, str] = Field(default_factory=dict)


class ConflictingEventError(ValueError):
    """An event id the case has with other content, or a second, different verdict."""


class IdTooLongError(ValueError):
    """A case whose ids the rows cannot keep within their bounds (``MAX_ID_CHARS``)."""


def checked_ids(entry: CaseEntry) -> CaseEntry:
    """The entry, or IdTooLongError when an id it would put in a row is too long."""
    ids = (
        entry.case_id, entry.matter_id, entry.moved_to, entry.package_owner,
        *entry.petitioner_refs,
    )  # fmt: skip
    longest = max((len(i) for i in ids if i is not None), default=0)
    if longest > MAX_ID_CHARS:
        raise IdTooLongError(
            f"case {entry.case_id[:MAX_ID_CHARS]!r}: an id (case, matter, petitioner ref or "
            f"package owner) of {longest} characters, the ledger keeps at most {MAX_ID_CHARS}"
        )
    return entry


def with_event(entry: CaseEntry, event_id: str, content: str) -> CaseEntry:
    """The entry with an update or escalation noted; ConflictingEventError when the id is
    known with other content (the first stays in force)."""
    known = entry.events.get(event_id)
    if known is not None and known != content:
        raise ConflictingEventError(
            f"{event_id} of case {entry.case_id} was folded in already with other content: "
            "the first is kept"
        )
    if known:
        return entry
    # The oldest are forgotten past MAX_EVENTS, so a flood of updates for one case cannot
    # outgrow a changelog record; one forgotten and sent again is folded again, which every
    # fold allows (idempotent), and only its conflict with other content goes unseen.
    kept = list(entry.events.items())[-(MAX_EVENTS - 1) :]
    return entry.model_copy(update={"events": {**dict(kept), event_id: content}})


def checked_verdict(
    entry: CaseEntry | None, verdict: CaseDeduplicated, casework: Casework | None = None
) -> CaseEntry:
    """:func:`with_verdict`, or ConflictingEventError when the case has another verdict."""
    after = with_verdict(entry, verdict, casework)
    if entry is not None and entry.facts is not None:
        # The facts also follow from the rule file, which may change between deliveries
        # (as escalation, the first facts stay): the verdict's own fields tell a conflict.
        after = after.model_copy(update={"facts": entry.facts})
    # An entry stored before the ledger kept titles or facts has none: the same verdict
    # adds them.
    legacy: dict[str, object] = {}
    if entry is not None and entry.title is None:
        legacy["title"] = None
    if entry is not None and entry.facts is None:
        legacy["facts"] = None
    compared = after.model_copy(update=legacy) if legacy else after
    if entry is not None and entry.verdict is not None and compared != entry:
        raise ConflictingEventError(
            f"case {verdict.case_id} has a verdict already and this one says otherwise: "
            "the first is kept"
        )
    return after


def with_verdict(
    entry: CaseEntry | None, verdict: CaseDeduplicated, casework: Casework | None = None
) -> CaseEntry:
    """The entry with dedup's verdict (replacing an earlier one; the service refuses a
    second, different verdict before it gets here: :func:`checked_verdict`)."""
    case = verdict.case
    refs = dict.fromkeys((case.petitioner_ref, *case.co_petitioner_refs))
    base = entry or CaseEntry(case_id=verdict.case_id)
    rules = (casework or shipped_casework()).rules
    # The facts escalation opens the case with; the risk words are its rules' business, not
    # the clocks', so the text is not searched for them here.
    untexted = case.model_copy(update={"title": "", "content": ""})
    unread = verdict.model_copy(update={"case": untexted})
    facts = case_facts(unread, rules)
    return base.model_copy(
        update={
            "facts": facts,
            "region_code": case.region_code,
            "field": case.field,
            "received_at": case.received_at,
            "petitioner_refs": list(refs),
            "matter_id": verdict.matter_id,
            "verdict": verdict.verdict,
            "collective": verdict.collective,
            "title": case.title,
        }
    )


def matter_of(entry: CaseEntry) -> str | None:
    """The matter the case counts in: where dedup moved it last, else its verdict's."""
    return entry.moved_to or entry.matter_id


def with_move(entry: CaseEntry | None, case_id: str, matter_id: str, at: datetime) -> CaseEntry:
    """The entry with the case moved to ``matter_id`` by a change applied ``at``.

    Changes of one case come on matters.changes under the keys of the matters they make,
    so in no order: the one applied last (by ``at``, then matter id) stays in force,
    whether it comes first or last; the same change again changes nothing. A merge A into B,
    then B into C, moves A's cases to B and then, with B's, to C.
    """
    base = entry or CaseEntry(case_id=case_id)
    if base.moved_at is not None and (at, matter_id) <= (base.moved_at, base.moved_to or ""):
        return base
    return base.model_copy(update={"moved_to": matter_id, "moved_at": at})


def with_update(entry: CaseEntry | None, update: CaseUpdate) -> CaseEntry:
    """The entry with an agency's step: acceptance, reply, closing or a rating."""
    base = entry or CaseEntry(case_id=update.case_id)
    changes: dict[str, object] = {}
    if all(step.update_id != update.update_id for step in base.steps):
        reason = update.reason.strip()[:STEP_REASON_CHARS] if update.reason else update.reason
        step = update.model_copy(update={"reason": reason})
        steps = sorted([*base.steps, step], key=lambda u: (u.occurred_at, u.update_id))
        changes["steps"] = steps[:MAX_STEPS]
    if update.kind is UpdateKind.ACCEPTED and (
        base.accepted_at is None or update.occurred_at < base.accepted_at
    ):
        changes["accepted_at"] = update.occurred_at
    elif update.kind is UpdateKind.REPLIED:
        changes["replied"] = True
    elif update.kind in _RESOLVING:
        changes["resolved"] = True
    elif (
        update.kind is UpdateKind.RATED
        and update.rating is not None
        and (base.rated_at is None or update.occurred_at >= base.rated_at)
    ):
        changes["rating"] = update.rating
        changes["rated_at"] = update.occurred_at
    return base.model_copy(update=changes) if changes else base


def with_escalation(entry: CaseEntry | None, escalation: CaseEscalated) -> CaseEntry:
    """The entry with a supervision step: a missed limit, or a leadership package case."""
    base = entry or CaseEntry(case_id=escalation.case_id)
    if escalation.reason is EscalationReason.DEADLINE_BREACH:
        return base.model_copy(update={"overdue": True})
    if escalation.reason is EscalationReason.LEADERSHIP_PACKAGE and base.package_owner is None:
        owner = escalation.target_agency or f"{escalation.target_level.value} leadership"
        return base.model_copy(update={"package_owner": owner})
    return base


@dataclass(frozen=True, slots=True)
class RowKey:
    """A ledger row: region, field (or ``all``) and period."""

    region_code: str
    field: str
    period: Period

    def text(self) -> str:
        """The row's key on the snapshot topic, e.g. ``430102/housing/2026-W49``."""
        return f"{self.region_code}/{self.field}/{self.period.label}"


class Tally(Contract):
    """What one case adds to each of its rows."""

    case_id: str
    counts: tuple[Count, ...]
    petitioner_refs: tuple[str, ...]
    matter_id: str
    received_at: datetime
    package_owner: str | None = None


def lifecycle_of(entry: CaseEntry, casework: Casework | None = None) -> Lifecycle | None:
    """The case's lifecycle as escalation folds it (``casework.fold``), from the verdict's
    facts and the updates escalation takes; None before the verdict (or in an entry stored
    before the ledger kept the facts).

    Escalation refuses an update its lifecycle does not allow (it goes to the DLQ), any
    update of a repeat joined to an open case (Art. 19: the open case is updated) and one
    dated before the receipt; here such an update is left out the same way, whatever order
    the updates came in: they are folded by event time, each one refused left out. (An
    update escalation held past its reorder tolerance and refused, or refused as too late,
    still counts here once valid.)
    """
    facts = entry.facts
    if facts is None or entry.verdict is None:
        return None
    law = casework or shipped_casework()
    if facts.linked_to is not None:
        updates: list[CaseUpdate] = []
    else:
        updates = [u for u in entry.steps if u.occurred_at >= facts.received_at]
    key = (facts, tuple(u.update_id for u in updates))
    known = law.folded.get(key)
    if known is not None:
        law.folded.move_to_end(key)
        return known
    while True:
        result = fold(facts, updates, law.rules, law.calendar)
        if not isinstance(result, FoldFailure):
            break
        del updates[result.index]
    law.folded[key] = result
    if len(law.folded) > FOLDED_KEPT:
        law.folded.popitem(last=False)
    return result


def tally_of(entry: CaseEntry, casework: Casework | None = None) -> Tally | None:
    """The case's contribution, or None while its verdict has not arrived."""
    matter_id = matter_of(entry)
    if entry.verdict is None or matter_id is None or entry.received_at is None:
        return None
    counts = [Count.PETITIONS, _VERDICT_COUNT[entry.verdict]]
    if entry.collective:
        counts.append(Count.COLLECTIVE)
    lifecycle = lifecycle_of(entry, casework)
    if lifecycle is not None:
        in_time = lifecycle.accepted_in_time()
        if in_time is not None:
            counts.append(Count.ACCEPTED)
        # Art. 23 by escalation's own clock: the deadline in force when the acceptance
        # came (from receipt, or from a transfer to the body), rolled over rest days.
        if in_time:
            counts.append(Count.ACCEPTED_WITHIN_LIMIT)
    elif entry.accepted_at is not None:
        # An entry stored before the ledger kept the facts: counted as it was then, by
        # 15 x 24 hours from receipt, until the ledger is rebuilt from the case topics.
        counts.append(Count.ACCEPTED)
        if entry.accepted_at - entry.received_at <= timedelta(days=15):
            counts.append(Count.ACCEPTED_WITHIN_LIMIT)
    if entry.overdue:
        counts.append(Count.OVERDUE)
    if lifecycle is not None:
        if lifecycle.replied_at is not None:
            counts.append(Count.REPLIED)
        # Backlog as escalation has it: a stage still waiting for its opinion. A refused or
        # terminated case, a repeat joined to an open case and one of a terminated matter
        # wait for none.
        if lifecycle.open_stage is not None:
            counts.append(Count.BACKLOG)
    else:
        if entry.replied:
            counts.append(Count.REPLIED)
        if not (entry.replied or entry.resolved):
            counts.append(Count.BACKLOG)
    if entry.package_owner is not None:
        counts.append(Count.LEADERSHIP_PACKAGE)
    counts.append(_RATING_COUNT[entry.rating] if entry.rating else Count.NOT_RATED)
    return Tally(
        case_id=entry.case_id,
        counts=tuple(counts),
        petitioner_refs=tuple(entry.petitioner_refs),
        matter_id=matter_id,
        received_at=entry.received_at,
        package_owner=entry.package_owner,
    )


def rows_of(entry: CaseEntry, rollup: Rollup) -> tuple[RowKey, ...]:
    """Every row the case is counted in: 3 levels x 2 fields x 3 periods."""
    if entry.region_code is None or entry.field is None or entry.received_at is None:
        return ()
    fields = dict.fromkeys((entry.field, ALL_FIELDS))
    return tuple(
        RowKey(region, field, period)
        for region in rollup(entry.region_code)
        for field in fields
        for period in periods_of(entry.received_at)
    )


class MatterTally(Contract):
    """One matter's cases within a row."""

    petitions: int = 0
    repeats: int = 0
    #: Distinct petitioners, as counts of cases per ref.
    people: dict[str, int] = Field(default_factory=dict)
    #: The matter's open (backlog) cases of the row and when each was received.
    open_cases: dict[str, datetime] = Field(default_factory=dict)
    #: The oldest time of ``open_cases`` once asked (None: not known yet), kept by
    #: ``open_case`` and ``close_case``: a matter of thousands of open cases is not
    #: scanned at each change of it.
    _oldest: datetime | None = PrivateAttr(default=None)

    def oldest_open(self) -> datetime:
        """When the oldest open case was received (the tally has open cases)."""
        if self._oldest is None:
            self._oldest = min(self.open_cases.values())
        return self._oldest

    # The rows' links change their matters' entries in place (``rows``: a link is large),
    # through these three.
    def with_counts(self, petitions: int, repeats: int) -> MatterTally:
        """The tally with other counts, sharing its people and open cases."""
        changed = MatterTally.model_construct(
            petitions=petitions, repeats=repeats, people=self.people, open_cases=self.open_cases
        )
        changed._oldest = self._oldest
        return changed

    def open_case(self, case_id: str, received_at: datetime) -> None:
        if self.open_cases.get(case_id) == self._oldest:
            self._oldest = None
        self.open_cases[case_id] = received_at
        if self._oldest is not None and received_at < self._oldest:
            self._oldest = received_at

    def close_case(self, case_id: str) -> None:
        if self.open_cases.pop(case_id, None) == self._oldest:
            self._oldest = None


class LedgerRow(Contract):
    """The running figures of one row. Distinct petitioners and matters are kept as counts
    of cases per ref and per matter, so a case can be taken out again exactly."""

    schema_version: int = 1
    region_code: str
    field: str
    period_kind: PeriodKind
    period_label: str
    period_start: datetime
    period_end: datetime
    counts: dict[Count, int] = Field(default_factory=dict)
    petitioners: dict[str, int] = Field(default_factory=dict)
    matters: dict[str, MatterTally] = Field(default_factory=dict)
    #: Leadership package cases of the row: case id -> owner.
    packages: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def empty(cls, key: RowKey) -> LedgerRow:
        return cls(
            region_code=key.region_code,
            field=key.field,
            period_kind=key.period.kind,
            period_label=key.period.label,
            period_start=key.period.start,
            period_end=key.period.end,
        )

    def count(self, which: Count) -> int:
        return self.counts.get(which, 0)


def shift(counter: dict[str, int], keys: Iterable[str], sign: int) -> dict[str, int]:
    """Counts of cases per key with one case's keys added (sign +1) or taken out (-1)."""
    merged = Counter(counter)
    merged.update({key: sign for key in keys})
    return {key: n for key, n in merged.items() if n > 0}


def applied(row: LedgerRow, tally: Tally, sign: int) -> LedgerRow:
    """The row with a case's tally added (sign +1) or taken out (sign -1)."""
    counts = shift({c.value: n for c, n in row.counts.items()}, tally.counts, sign)
    packages = dict(row.packages)
    if tally.package_owner is not None:
        if sign > 0:
            packages[tally.case_id] = tally.package_owner
        else:
            packages.pop(tally.case_id, None)
    return row.model_copy(
        update={
            "counts": {Count(c): n for c, n in counts.items()},
            "petitioners": shift(row.petitioners, tally.petitioner_refs, sign),
            "matters": matters_with(row.matters, tally, sign),
            "packages": packages,
        }
    )


def matters_with(
    matters: dict[str, MatterTally], tally: Tally, sign: int
) -> dict[str, MatterTally]:
    """The matters with one case's tally added to (sign +1) or taken out of (-1) its own."""
    current = matters.get(tally.matter_id) or MatterTally()
    open_cases = dict(current.open_cases)
    if Count.BACKLOG in tally.counts:
        if sign > 0:
            open_cases[tally.case_id] = tally.received_at
        else:
            open_cases.pop(tally.case_id, None)
    changed = MatterTally(
        petitions=current.petitions + sign,
        repeats=current.repeats + (sign if Count.REPEAT in tally.counts else 0),
        people=shift(current.people, tally.petitioner_refs, sign),
        open_cases=open_cases,
    )
    result = dict(matters)
    if changed.petitions > 0:
        result[tally.matter_id] = changed
    else:
        result.pop(tally.matter_id, None)
    return result


#: The key-matter lists and their orders (ties broken by petitions, then matter id).
KEY_MATTER_ORDERS: Final[dict[str, Callable[[KeyMatter], tuple[object, ...]]]] = {
    "by_petitioners": lambda m: (-m.petitioners, -m.petitions, m.matter_id),
    "by_repeats": lambda m: (-m.repeats, -m.petitions, m.matter_id),
    "by_age": lambda m: (m.open_since, m.matter_id),
}


def open_matters(matters: Mapping[str, MatterTally]) -> list[KeyMatter]:
    """The matters with open cases, as key-matter entries."""
    # Built without validation (the figures are counts of a valid tally): a busy row has
    # thousands of open matters, and this runs at each change of one of them.
    return [
        KeyMatter.model_construct(
            matter_id=matter_id,
            petitions=tally.petitions,
            repeats=tally.repeats,
            petitioners=len(tally.people),
            open_cases=len(tally.open_cases),
            open_since=min(tally.open_cases.values()),
        )
        for matter_id, tally in matters.items()
        if tally.open_cases
    ]


def ranked(candidates: Iterable[KeyMatter], limit: int = 10) -> dict[str, list[KeyMatter]]:
    """The first ``limit`` of ``candidates`` in each key-matter order."""
    pool = list(candidates)
    return {
        name: heapq.nsmallest(limit, pool, key=order) for name, order in KEY_MATTER_ORDERS.items()
    }


def key_matters(row: LedgerRow, limit: int = 10) -> dict[str, list[KeyMatter]]:
    """The row's largest open matters by distinct petitioners, by repeats and by age."""
    return ranked(open_matters(row.matters), limit)


@dataclass(frozen=True, slots=True)
class RowChange:
    """Take ``tally`` out of (sign -1) or put it into (sign +1) the row ``key``."""

    key: RowKey
    tally: Tally
    sign: int


def changes(
    before: CaseEntry | None, after: CaseEntry, rollup: Rollup, casework: Casework | None = None
) -> list[RowChange]:
    """What moving a case from ``before`` to ``after`` does to the ledger.

    Nothing when its tally and rows are unchanged (a redelivery, or a step the ledger does
    not count); otherwise the old tally leaves its old rows and the new one enters the new.
    """
    old = tally_of(before, casework) if before is not None else None
    new = tally_of(after, casework)
    old_rows = rows_of(before, rollup) if before is not None and old is not None else ()
    new_rows = rows_of(after, rollup) if new is not None else ()
    if old == new and old_rows == new_rows:
        return []
    result = [RowChange(key, old, -1) for key in old_rows if old is not None]
    result += [RowChange(key, new, +1) for key in new_rows if new is not None]
    return result


class Ledger:
    """Rows in memory: what the service keeps in a table, for tests and offline use."""

    def __init__(self, rollup: Rollup, casework: Casework | None = None) -> None:
        self._rollup = rollup
        self._casework = casework
        self.entries: dict[str, CaseEntry] = {}
        self.rows: dict[str, LedgerRow] = {}

    def fold(self, after: CaseEntry) -> list[str]:
        """Record the case's new entry; the keys of the rows that changed."""
        touched = []
        before = self.entries.get(after.case_id)
        for change in changes(before, after, self._rollup, self._casework):
            text = change.key.text()
            row = self.rows.get(text) or LedgerRow.empty(change.key)
            self.rows[text] = applied(row, change.tally, change.sign)
            touched.append(text)
        self.entries[after.case_id] = after
        return list(dict.fromkeys(touched))

    def verdict(self, verdict: CaseDeduplicated) -> list[str]:
        return self.fold(with_verdict(self.entries.get(verdict.case_id), verdict, self._casework))

    def update(self, update: CaseUpdate) -> list[str]:
        return self.fold(with_update(self.entries.get(update.case_id), update))

    def escalation(self, escalation: CaseEscalated) -> list[str]:
        return self.fold(with_escalation(self.entries.get(escalation.case_id), escalation))

    def move(self, case_id: str, matter_id: str, at: datetime) -> list[str]:
        return self.fold(with_move(self.entries.get(case_id), case_id, matter_id, at))

    def row(self, region_code: str, field: str, period: Period) -> LedgerRow:
        """The row (empty when no case is in it)."""
        key = RowKey(region_code, field, period)
        return self.rows.get(key.text()) or LedgerRow.empty(key)
