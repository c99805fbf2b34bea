"""The dedup decision: is a registered case a new matter, a repeat, a joint petition, related?

Message in, decision out: ``deciding.decide`` reads the state and returns a ``DedupDecision``;
``recording.record`` writes the case and the decision into the state; ``Matcher.match`` does both.
Time is the case's own ``received_at`` (event time), never the wall clock.

How a case is matched:

1. Features: the title and content are normalised (``text``), shingled per sentence and
   sketched (``sketch``); places and organisations are extracted from the text and the
   accused (what ``cases.registered`` carries: the service sees nothing else).
2. Candidates, from the index (``index.CaseIndex``), all keys scoped by the matching area
   (``areas``: the city): the exact fingerprint, the petitioner's recent cases (repeats,
   however reworded), the places' recent cases (joint petitions from one estate, road or
   employer), and the LSH bands (near-duplicates with no place or person in common).
   Candidates older than the horizon, or of a region that cannot be the same place (two
   different counties), are ignored; those older than ``place_only_after_days`` link only
   by the place this case's title names (or as an exact copy).
3. Each candidate gets a text score: estimated Jaccard similarity, or containment when
   both texts are long enough (trimmed and extended re-submissions); a candidate of the
   same petitioner is scored without the petitioner's habit (``habit.without_habit``).
4. A candidate links when its score reaches the threshold for what the two have in
   common: the place this case's title names (anyone), another place (same petitioner),
   nothing (same petitioner, a higher bar), or nothing but text (another petitioner);
   and the places named do not contradict each other: the same template about another
   place is never linked, whatever its score. A candidate also links by its title alone
   (``text.topic``): the same petitioner's alike title, or another's naming this title's
   place with an alike claim; when no text score links, the best ``max_title_candidates``
   of the rest are compared by title too.
5. The best link decides the matter; the verdict is ``repeat`` when a petitioner of this
   case already petitioned on that matter, else ``joint``. Without a link, the best
   scores above ``related_threshold`` become suggestions (``related``), else ``new``.
6. Another open matter of the region whose case links as strongly (a text score of
   ``merge_threshold`` or more, a place in common, an alike title) is merged into the
   matter the case joins (``deciding``, ``recording``): letters about one problem worded
   apart had opened two matters, and this one says what both say.
"""

from __future__ import annotations

from services.dedup.config import DedupConfig
from services.dedup.deciding import decide_with_matter
from services.dedup.decision import DedupDecision
from services.dedup.facts import CaseFacts
from services.dedup.features import extract_features, title_places_known
from services.dedup.recording import repair_matter, write_case
from services.dedup.state import MatchState


class Matcher:
    """Decides and records cases against one state: what the dedup agent calls per case."""

    def __init__(self, state: MatchState, config: DedupConfig | None = None) -> None:
        self.state = state
        self.config = config or DedupConfig()

    def match(self, case: CaseFacts) -> DedupDecision:
        """Decide a case and record it; a redelivered case gets its first decision again."""
        features = extract_features(case, self.config)
        # A title naming no place the reading finds, but one an earlier title of its area
        # named as its place: read with it (``features.title_places_known``).
        index = self.state.index
        named = title_places_known(
            features, lambda words: index.title_places_named(case.region_code, words)
        )
        if named:
            features = extract_features(case, self.config, named)
        now = case.received_epoch
        decision, matter, known = decide_with_matter(self.state, case, features, self.config, now)
        if not known:
            write_case(self.state, case, features, decision, self.config, matter, now)
        elif repair_matter(self.state, case, decision, self.config, now):
            decision = decide_with_matter(self.state, case, features, self.config, now)[0]
        return decision
