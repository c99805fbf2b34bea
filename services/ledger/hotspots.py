"""Hotspots (分析研判): a matter or a class of problems rising well above its own baseline.

Pure functions, no Kafka: the ``ledger`` service and ``xinfang hotspots-batch`` both call
:func:`evaluate` and :func:`scan`.

**Groups.** Each petition (a :class:`Sighting`) belongs to several groups, of three kinds:

* ``matter``: dedup's matter (many petitions about one matter);
* ``place``: a place or organisation the title names (an estate, a road, a school, a
  company) within its prefecture-level city: one class of problems at one place. The
  field is evidence, not part of the key (the hotspot reports its most common field):
  intake classifies letters about one problem at one place into different fields often
  enough that field x place split the real mailbox's clusters ("反对拆除五一桥": 5 letters
  in one group, 3 when split by field).

A field in a whole county ("housing in Weibin district") is a ledger's question, not a
hotspot: on the real mailbox messages its surges were grab-bags of unrelated problems.

**Surge.** A group surges at time ``t`` when, in the window ``(t - window, t]``, it has at
least ``min_petitions`` petitions from at least ``min_petitioners`` distinct petitioners,
and its growth ``g = (v + 1) / (e + 1)`` is at least ``min_growth``, where ``v`` is the
petitions of the window and ``e`` the number the group's own baseline predicts: its
petitions in the ``baseline`` before the window, scaled to the window's length. A steady
stream, however large, has ``g`` near 1 and never surges. Only the part of the baseline
that was observed counts (a stream starts somewhere): until at least one window's length
of history precedes the window, nothing is judged, since everything would look new.

**Heat index** of a surge, documented because analysts rank by it::

    heat = 10 * (2 ln(1 + p) + ln(1 + v) + ln(1 + x)) * (1 + ln g)
              * (0.5 + min(c, 0.5)) * 0.5 ** (age / half_life)

``p`` distinct petitioners (people weigh twice: many people are a class of problems, one
person writing often is a repeat), ``v`` petitions, ``x`` escalated petitions of the window,
``g`` growth as above, ``c`` coherence: the mean overlap (Jaccard) of the members' titles'
character pairs, the group's own name left out (letters that only share a place name are
not one problem: on the real mailbox messages such groups had c < 0.1, letters about one
problem c > 0.3), ``age`` the time from the latest petition to the evaluation (recency; 0
when evaluated as the petition arrives).
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.base import Contract
from services.common.refs import stored_ref
from services.common.script import occurrences


class GroupKind(StrEnum):
    """What ties the petitions of a hotspot together."""

    MATTER = "matter"
    PLACE = "place"


class HotspotRules(BaseModel):
    """The thresholds and weights of hotspot detection (defaults documented above)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    window_days: int = Field(default=30, ge=1, le=365)
    baseline_days: int = Field(default=180, ge=1, le=3650)
    min_petitions: int = Field(default=3, ge=2)
    min_petitioners: int = Field(default=2, ge=1)
    min_growth: float = Field(default=3.0, ge=1.0)
    half_life_days: float = Field(default=7.0, gt=0)
    #: A hotspot mostly made of another, hotter one's petitions is the same problem.
    max_overlap: float = Field(default=0.5, gt=0, le=1)

    @model_validator(mode="after")
    def _people_within_petitions(self) -> HotspotRules:
        if self.min_petitioners > self.min_petitions:
            raise ValueError("min_petitioners cannot exceed min_petitions")
        return self

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.window_days)

    @property
    def baseline(self) -> timedelta:
        return timedelta(days=self.baseline_days)

    @property
    def half_life(self) -> timedelta:
        return timedelta(days=self.half_life_days)


class Sighting(Contract):
    """What hotspot detection needs of one petition."""

    case_id: str
    received_at: datetime
    region_code: str
    #: The prefecture-level city (or the province for counties without one): places are
    #: named within it.
    city_code: str
    field: str
    matter_id: str
    petitioner_refs: tuple[str, ...]
    title: str
    places: tuple[str, ...] = ()
    escalated: bool = False


@dataclass(frozen=True, slots=True, order=True)
class GroupKey:
    kind: GroupKind
    #: Where: the city for ``place``, the county for a matter.
    region_code: str
    #: What: the matter id, or the place's name.
    name: str

    def text(self) -> str:
        return f"{self.kind.value}:{self.region_code}:{self.name}"


def groups_of(sighting: Sighting) -> tuple[GroupKey, ...]:
    """Every group a petition belongs to."""
    matter = GroupKey(GroupKind.MATTER, sighting.region_code, sighting.matter_id)
    return (
        matter,
        *(GroupKey(GroupKind.PLACE, sighting.city_code, p) for p in sighting.places),
    )


_DAY: Final = timedelta(days=1)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def day_of(at: datetime) -> int:
    """Days since 1970-01-01 UTC: the key of :class:`Earlier`'s buckets."""
    return (at - _EPOCH) // _DAY


def day_start(day: int) -> datetime:
    return _EPOCH + day * _DAY


class Earlier(Contract):
    """A group's older petitions that its record no longer holds one by one, as counts.

    The ledger keeps a group's newest petitions whole, within a byte budget (``engine``);
    the older ones of its history are kept here, so a mass campaign's record stays bounded.
    Their times are known to the day only, counted so as never to make a surge of their
    rounding: a day's petitions count in a window only when the whole day is in it, and
    in a baseline when any part of the day is. So the window's count is exact while the
    window's petitions are all held whole, and otherwise lower by at most the held-back
    petitions of the one day the window's start cuts; the baseline's is never lower.
    """

    #: Day (``day_of``) -> [petitions, escalated petitions, petitioners let go whose last
    #: petition was that day].
    days: dict[int, tuple[int, int, int]] = Field(default_factory=dict)
    #: Petitioners of these petitions still named: ref -> their latest petition's time
    #: (epoch seconds). The least recently seen are let go past the engine's budget.
    people: dict[str, int] = Field(default_factory=dict)

    def petitions_in(self, start: datetime, end: datetime, *, whole_days: bool) -> int:
        """Petitions of the days that start in ``(start, end]`` (``whole_days``), or of
        every day that touches it."""
        return sum(counts[0] for day, counts in self.days.items()
                   if self._in(day, start, end, whole_days))  # fmt: skip

    def escalated_in(self, start: datetime, end: datetime) -> int:
        return sum(c[1] for day, c in self.days.items() if self._in(day, start, end, True))

    def people_in(self, start: datetime, end: datetime, known: set[str]) -> int:
        """Petitioners last seen in ``(start, end]`` besides ``known``: the named exactly,
        those let go by whole days (one let go who wrote again counts twice: an upper
        bound, only past the names' budget)."""
        if not self.people and not self.days:
            return 0
        known = {stored_ref(ref) for ref in known}
        since, until = start.timestamp(), end.timestamp()
        named = sum(1 for ref, seen in self.people.items()
                    if since < seen <= until and ref not in known)  # fmt: skip
        return named + sum(c[2] for day, c in self.days.items() if self._in(day, start, end, True))

    @staticmethod
    def _in(day: int, start: datetime, end: datetime, whole_days: bool) -> bool:
        # Every day that counts starts by ``end`` (no petition is later than the window).
        first = day_start(day)
        if whole_days:
            return start < first <= end
        return start < first + _DAY and first <= end


@dataclass(frozen=True, slots=True)
class Surge:
    """One evaluation of a group that found it well above its baseline."""

    group: GroupKey
    at: datetime
    #: The window's petitions the group holds whole (all of them but in a mass campaign).
    members: tuple[Sighting, ...]
    #: All petitions of the window.
    petitions: int
    petitioners: int
    escalated: int
    baseline_petitions: int
    expected: float
    growth: float
    heat: float


def heat_index(petitioners: int, petitions: int, escalated: int, growth: float,
               coherence: float, age: timedelta, half_life: timedelta) -> float:  # fmt: skip
    """The documented heat index (module docstring), rounded to one decimal."""
    size = 2 * math.log1p(petitioners) + math.log1p(petitions) + math.log1p(escalated)
    size *= 0.5 + min(coherence, 0.5)
    recency: float = 0.5 ** (age / half_life)
    return round(10 * size * (1 + math.log(growth)) * recency, 1)


def evaluate(
    group: GroupKey,
    history: Sequence[Sighting],
    at: datetime,
    rules: HotspotRules,
    observed_from: datetime,
    earlier: Earlier | None = None,
) -> Surge | None:
    """Whether ``group`` surges at ``at``, given its petitions (any order, any age), the
    older ones it holds only as counts (``earlier``), and when observation began."""
    window_start = at - rules.window
    baseline_start = max(window_start - rules.baseline, observed_from)
    if window_start - baseline_start < rules.window:
        return None
    members = tuple(
        sorted((s for s in history if window_start < s.received_at <= at), key=by_time)
    )
    earlier = earlier or Earlier()
    petitions = len(members) + earlier.petitions_in(window_start, at, whole_days=True)
    if petitions < rules.min_petitions:
        return None
    people = {ref for s in members for ref in s.petitioner_refs}
    petitioners = len(people) + earlier.people_in(window_start, at, people)
    if petitioners < rules.min_petitioners:
        return None
    before = sum(1 for s in history if baseline_start < s.received_at <= window_start)
    before += earlier.petitions_in(baseline_start, window_start, whole_days=False)
    expected = before * rules.window / (window_start - baseline_start)
    growth = (petitions + 1) / (expected + 1)
    if growth < rules.min_growth or not members:
        return None
    escalated = sum(1 for s in members if s.escalated) + earlier.escalated_in(window_start, at)
    age = at - members[-1].received_at
    coherence = title_coherence([s.title for s in members[-COHERENCE_SAMPLE:]], group.name)
    heat = heat_index(petitioners, petitions, escalated, growth, coherence, age, rules.half_life)
    return Surge(
        group, at, members, petitions, petitioners, escalated, before, expected, growth, heat
    )


#: Coherence is measured on a group's latest petitions only: it is quadratic in them.
COHERENCE_SAMPLE: Final = 40


def title_coherence(titles: Sequence[str], name: str) -> float:
    """Mean Jaccard overlap of the titles' character pairs, ``name`` and form words left out."""
    pairs = [
        {gram for gram in _grams(title.replace(name, " ")) if len(gram) == 2} for title in titles
    ]
    overlaps = [
        len(a & b) / len(a | b) if a | b else 0.0
        for i, a in enumerate(pairs)
        for b in pairs[i + 1 :]
    ]
    return sum(overlaps) / len(overlaps) if overlaps else 0.0


def by_time(sighting: Sighting) -> tuple[datetime, str]:
    return (sighting.received_at, sighting.case_id)


@dataclass(frozen=True, slots=True)
class Hotspot:
    """A run of surges of one group: what analysts read, with its evidence."""

    group: GroupKey
    heat: float
    first_at: datetime
    last_at: datetime
    members: tuple[Sighting, ...]
    #: Its petitions: ``members`` but in a mass campaign, whose oldest are only counted.
    petitions: int
    petitioners: int
    escalated: int
    #: At the hottest evaluation: petitions in the baseline and the window's expected count.
    baseline_petitions: int
    expected: float
    growth: float
    key_terms: tuple[str, ...] = field(default=())
    description: str = ""

    @property
    def field(self) -> str:
        """The most common field of its petitions (the first in order of receipt on a tie)."""
        return Counter(s.field for s in self.members).most_common(1)[0][0]


def _episode(surges: Sequence[Surge]) -> Hotspot:
    hottest = max(surges, key=lambda surge: (surge.heat, surge.at))
    members = {s.case_id: s for surge in surges for s in surge.members}
    ordered = tuple(sorted(members.values(), key=by_time))
    return Hotspot(
        group=hottest.group,
        heat=hottest.heat,
        first_at=ordered[0].received_at,
        last_at=ordered[-1].received_at,
        members=ordered,
        petitions=len(ordered),
        petitioners=len({ref for s in ordered for ref in s.petitioner_refs}),
        escalated=sum(1 for s in ordered if s.escalated),
        baseline_petitions=hottest.baseline_petitions,
        expected=hottest.expected,
        growth=hottest.growth,
    )


def scan(sightings: Iterable[Sighting], rules: HotspotRules) -> list[Hotspot]:
    """Every hotspot of a body of petitions, hottest first, evaluated as each arrived.

    Consecutive surges of a group whose windows overlap are one hotspot (its time range is
    its petitions'). A hotspot mostly made of a hotter one's petitions is left out: an
    estate's surge is usually also its matter's and its county's.
    """
    by_group: dict[GroupKey, list[Sighting]] = defaultdict(list)
    ordered = sorted(sightings, key=by_time)
    if not ordered:
        return []
    for sighting in ordered:
        for key in groups_of(sighting):
            by_group[key].append(sighting)
    found: list[Hotspot] = []
    for key, history in sorted(by_group.items()):
        if len(history) < rules.min_petitions:
            continue
        run: list[Surge] = []
        for sighting in history:
            surge = evaluate(key, history, sighting.received_at, rules, ordered[0].received_at)
            if surge is None:
                continue
            if run and surge.at - run[-1].at > rules.window:
                found.append(_episode(run))
                run = []
            run.append(surge)
        if run:
            found.append(_episode(run))
    return without_overlaps(found, rules.max_overlap)


def without_overlaps(hotspots: Iterable[Hotspot], max_overlap: float) -> list[Hotspot]:
    """The hotspots, hottest first, without those mostly made of a hotter one's petitions."""
    # On a tie the place names the problem better than a matter id.
    ranked = sorted(
        hotspots,
        key=lambda h: (-h.heat, h.group.kind is not GroupKind.PLACE, h.first_at, h.group),
    )
    kept: list[Hotspot] = []
    for candidate in ranked:
        ids = {s.case_id for s in candidate.members}
        if any(
            len(ids & {s.case_id for s in other.members}) > max_overlap * len(ids) for other in kept
        ):
            continue
        kept.append(candidate)
    return kept


# Key terms: the words petitioners use, without the words every petition uses.
_NOT_TEXT: Final = re.compile(r"[^\u4e00-\u9fffA-Za-z]+")
#: Words of the board's form, of any petition: they say nothing about the problem.
_FORM_WORDS: Final = re.compile(
    r"[A-Z]\d*[市区县]|关于|反映|投诉|举报|咨询|建议|请求|希望|要求|问题|请问|领导|政府|相关部门"
    r"|尽快|解决|处理|为什么|怎么|如何|能否|是否|我们|本人|情况|一下|有关"
)


def _grams(title: str) -> set[str]:
    text = _FORM_WORDS.sub(" ", title)
    grams: set[str] = set()
    for chunk in _NOT_TEXT.split(text):
        for size in (2, 3, 4):
            grams.update(chunk[i : i + size] for i in range(len(chunk) - size + 1))
    return grams


@dataclass
class TermIndex:
    """How many petitions of a body use each word (2 to 4 characters of a title)."""

    documents: int = 0
    frequency: Counter[str] = field(default_factory=Counter)

    def add(self, title: str) -> None:
        self.documents += 1
        self.frequency.update(_grams(title))

    def key_terms(self, titles: Sequence[str], limit: int = 4) -> tuple[str, ...]:
        """The words most particular to these titles: used by many of them, rare elsewhere.

        A word inside a better one is left out ("油烟" when "油烟扰民" is kept).
        """
        used = Counter(gram for title in titles for gram in _grams(title))
        quorum = max(2, math.ceil(len(titles) / 3))

        def weight(gram: str) -> float:
            # +2: in a small body a word every title uses still weighs something.
            rarity = math.log((self.documents + 2) / (self.frequency[gram] + 1))
            return used[gram] * rarity * len(gram)

        candidates = sorted(
            (gram for gram, n in used.items() if n >= min(quorum, len(titles))),
            key=lambda gram: (-weight(gram), gram),
        )
        texts = [_FORM_WORDS.sub(" ", title) for title in titles]
        chosen: list[str] = []
        for gram in candidates:
            term = _widened(gram, texts, used[gram])
            if any(term in other or other in term for other in chosen):
                continue
            chosen.append(term)
            if len(chosen) == limit:
                break
        return tuple(chosen)


def _widened(term: str, texts: Sequence[str], quorum: int) -> str:
    """The longest string around ``term`` as many texts hold ("官公路拓" -> "醴官公路拓宽建设")."""
    while True:
        holders = [text for text in texts if term in text]
        longer = Counter(
            text[i - 1 : i + len(term)] if side == 0 else text[i : i + len(term) + 1]
            for text in holders
            for side in (0, 1)
            for i in occurrences(term, text)
            if (i > 0 if side == 0 else i + len(term) < len(text))
        )
        best = [
            wider
            for wider, n in longer.most_common()
            if n >= quorum and not _NOT_TEXT.search(wider)
        ]
        if not best:
            return term
        term = best[0]


#: Key terms are read in a hotspot's latest petitions only: widening them costs time in
#: every title, and a campaign's latest hundred say what it is about.
KEY_TERMS_SAMPLE: Final = 100


def described(hotspot: Hotspot, terms: TermIndex, place_name: Callable[[str], str]) -> Hotspot:
    """The hotspot with its key terms and a short description for analysts.

    The description names the place or group (``place_name`` of the region code), the
    problem's key terms, and how many people raised it.
    """
    key_terms = terms.key_terms([s.title for s in hotspot.members[-KEY_TERMS_SAMPLE:]])
    group = hotspot.group
    where = place_name(group.region_code)
    # A matter's id says nothing to a reader: its place and terms do.
    what = f"{where}{group.name}" if group.kind is GroupKind.PLACE else where
    about = "、".join(key_terms) if key_terms else hotspot.members[0].title
    description = (
        f"{what}: {about} ({hotspot.petitions} petitions, {hotspot.petitioners} people)"
    )
    return replace(hotspot, key_terms=key_terms, description=description)
