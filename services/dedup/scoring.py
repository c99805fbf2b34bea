"""Scoring a case's candidates: which earlier cases may link to it or be suggested."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Final, NamedTuple

from services.common.places import DEVELOPER_BRANDS, without_developer
from services.dedup import (
    aboutness,
    claim_words,
    estate_kinds,
    names,
    organisations,
    policies,
    questions,
    text,
    towns,
)
from services.dedup import sketch as sk
from services.dedup.areas import may_share_matter
from services.dedup.config import DedupConfig
from services.dedup.facts import DAY, UNCLASSIFIED, CaseFacts
from services.dedup.features import CaseFeatures, opening_clause
from services.dedup.habit import own_cases, without_habit
from services.dedup.place_agreement import (
    ROUTE_WORDS,
    facility_of_either_title,
    kept_subject,
    place_of_either_title,
    places_reading,
    same_place,
    same_places,
    same_subject,
    shared_by_area_only,
    subjects_all_agree,
    title_places_compared,
    titles_alike,
    titles_share_place,
)
from services.dedup.records import CaseDetails, CaseRecord, case_details
from services.dedup.state import MatchState, read_matter


class Scored(NamedTuple):
    # A NamedTuple: made for every candidate looked at, at a third of a dataclass's cost.
    case_id: str
    matter_id: str
    received_at: int
    score: float
    exact: bool
    linkable: bool
    same_petitioner: bool
    place_conflict: bool
    #: Linked by its text score (or an exact copy), not by its title alone, and naming a
    #: place this case names: enough to show that its matter and another candidate's so
    #: linked are one (``deciding``). A letter naming no place links a template's
    #: letters about different places, and must not merge their matters.
    strong: bool
    #: The candidate's title's topic (``text.topic``).
    topic: str
    #: Linkable as one kind of problem so narrow it is one matter at the estate both
    #: titles name (``text.one_matter_kind``: an unnamed mixing plant beside it, parking
    #: spaces forced on buyers), "" if not: two matters so linked by one letter, as the
    #: same such kind, are one (``deciding``).
    one_matter: str = ""
    #: The candidate's subject (``features.letter_subject``) when it is this case's, one
    #: object at one estate, and links so: two matters so linked by one letter are one
    #: when their subjects are (``deciding``); "" if not.
    subject: str = ""

    @property
    def rank(self) -> tuple[bool, float, bool, int]:
        """Which linkable candidate decides: an exact copy, then score, then the same
        petitioner, then the most recent."""
        return (self.exact, self.score, self.same_petitioner, self.received_at)


def score_candidates(
    state: MatchState,
    case: CaseFacts,
    features: CaseFeatures,
    config: DedupConfig,
    now: int,
    *,
    exhaustive: bool = False,
) -> tuple[list[Scored], float]:
    """The candidates that may link or be suggested, best score first, and the best score.

    ``now`` is the case's time of receipt (``received_epoch``).

    Every candidate is scored at once from the index's sketches; only those scoring at
    least ``related_threshold`` can link or be suggested, and they are looked at one by
    one, best first, until the rest can change neither: the link is settled (a linkable
    candidate scores higher than any left, or none left can link) and so are the
    suggestions (``related_suggestions`` other matters score higher than any left).
    ``exhaustive`` looks at all of them.
    """
    ours = features.sketch
    if not ours.shingle_count:
        # A text without shingles matches nothing.
        return [], 0.0
    index = state.index
    our_claims = text.claims(features.topic)
    sequences = index.candidates(
        case.region_code,
        ours.fingerprint,
        case.petitioner_refs,
        sorted(features.places),
        features.bands,
        config,
        # The words of the title that may be an estate's bare name: only a title naming a
        # kind of problem joins a letter by one (``titled``).
        # And the estate its opening names bare, of a title naming no place (``opened_by``).
        (
            *(
                (*names.probes(features.topic, sorted(features.places)), *_opening_probe(features))
                if our_claims
                else ()
            ),
            # And the policy it asks about (``policies``), whatever its claims.
            *policies.lookup_keys(features.topic),
        ),
    )
    if not sequences:
        return [], 0.0
    sketches = index.sketches(sequences)
    scores = sk.scores(
        ours.signature,
        ours.shingle_count,
        sketches.signatures,
        sketches.shingle_counts,
        config.containment_min_shingles,
    )
    related_threshold = config.related_threshold
    # Lazy expiry: the sweep may not have caught up with some candidates.
    horizon = now - config.horizon_days * DAY
    place_only_before = now - config.place_only_after_days * DAY
    worth: list[int] = []
    top = 0.0
    for i, (score, received) in enumerate(zip(scores, sketches.received_at, strict=True)):
        if received >= horizon:
            if score > top:
                top = score
            # Below related_threshold a candidate neither links (every linking threshold
            # is higher) nor is suggested; an exact copy has every shingle, so its score
            # is 1.
            if score >= related_threshold:
                worth.append(i)
    # Best first; stable, so equal scores keep the candidates' order.
    worth.sort(key=scores.__getitem__, reverse=True)
    lowest_link = min(config.repeat_threshold, config.joint_threshold_same_place)
    # The lowest bar ``_same_kind_at_place`` may set, narrow, opened or agreed.
    lowest_kind_bar = min(
        config.joint_threshold_narrow_kind,
        config.joint_threshold_opening_place,
        config.joint_threshold_same_kind,
        config.joint_threshold_kinds_agree,
    )
    merge_threshold = config.merge_threshold
    region = case.region_code
    refs = set(case.petitioner_refs)
    places = features.places
    fingerprint = ours.fingerprint
    # A field mismatch raises the threshold when both cases are classified.
    field = case.field if case.field != UNCLASSIFIED else None
    scored: list[Scored] = []
    best: Scored | None = None
    suggested: dict[str, float] = {}
    received_at = sketches.received_at
    cases = state.cases
    # The petitioner's own earlier cases (matter, signature), read once when needed.
    own: list[tuple[str, sk.U16]] | None = None
    topic_grams = features.topic_grams
    our_facets = features.facets
    says_repeat = aboutness.says_repeat(text.fold(case.title))
    our_plain_topic = aboutness.without_kept(features.topic)
    # The content folded as its places are, read by ``place_of_either_title``.
    folded_content = text.fold(case.content)
    judged: set[int] = set()

    # The places this letter is about: its title's, else the estate its opening names
    # (``_opening_estate``; or named bare, ``features.opening_name``).
    our_estate = (
        features.title_places
        or _opening_estate(features)
        or (frozenset((features.opening_name,)) if features.opening_name else frozenset())
    )
    our_subject = features.subject
    # The kinds most letters of a matter name (``_matter_kinds``), read once per matter.
    matter_kinds: dict[str, frozenset[str]] = {}
    # The candidates that link by the subject alone (``judge``).
    by_subject_only: set[str] = set()
    # Whether this letter's subject agrees with every subject of a matter, once per matter.
    subject_fits: dict[str, bool] = {}

    learns_names = bool(our_claims) and len(our_claims) <= _LEARNED_NAME_KINDS
    # The estates this title names whole, by which a title naming one bare is its place.
    our_wholes = (
        names.named_whole(tuple(sorted(features.places)), features.topic) if learns_names else ()
    )

    # Whether every place ``place_of_either_title`` compares of this letter is one
    # ``places_reading`` compares (``title_places_compared``), read once.
    titles_compared = title_places_compared(features)

    def titled_by(details: CaseDetails, same_petitioner: bool, apart: bool) -> bool:
        # Whether the place either title is about is named in the other letter
        # (``place_of_either_title``), or an estate one names whole the other's title
        # names bare (``names.shares_learned_name``: "佳园星城小区", "佳园星城垃圾站"),
        # both titles naming one kind of problem and few (``_LEARNED_NAME_KINDS``): a
        # bare name may be a word of another matter's title.
        # Speed: not asked of a candidate ``apart`` (``places_reading``: no place of its is
        # one of this letter's, every pair compared) when this letter's title places, their
        # full names and its opening's places are all among those (``titles_compared``):
        # ``place_of_either_title`` is True only of a pair of one place among them and the
        # candidate's (``_named_as_titled``, ``_opening_names_titled``), of the same
        # leniency (``same_petitioner``; ``_same_place`` is symmetric). Most candidates
        # judged are apart.
        if not (apart and titles_compared) and place_of_either_title(
            features, details.places, details.topic, same_petitioner, folded_content
        ):
            return True
        if not learns_names:
            return False
        their_claims = _claims(details.topic)
        shared = our_claims & their_claims
        if (
            not shared
            or len(their_claims) > _LEARNED_NAME_KINDS
            # A building's lift named by one title and not the other may be two buildings'.
            or (
                shared <= text.PART_KINDS and not text.same_buildings(features.topic, details.topic)
            )
        ):
            # The three ways below are of titles naming one kind of problem and few, of
            # one building (``named_each_other`` is asked only past this test). Speed:
            # most candidates share no kind with this title.
            return False
        return (
            named_each_other(details.places, details.topic, shared)
            or names.shares_learned_name(features.topic, our_wholes, details.topic, details.places)
            or by_bare_place(details.places, details.topic)
        )

    # Whether this title names an estate or the like and nothing that holds more
    # (``named_each_other``), read once.
    our_titled_estate = _object_beside_an_estate(features.title_places)

    def named_each_other(
        their_places: tuple[str, ...], their_topic: str, shared: frozenset[str]
    ) -> bool:
        # Whether each title names a place the other letter names too, two places of one
        # matter ("咨询月塘学校划片范围" from a resident of 澄园小区, "澄园小区学区被调整"
        # about its place in 月塘学校's zone), both titles naming one kind of problem and
        # few (``titled_by``), of one source (``_sources_agree``; a fee both say is for one
        # thing). An estate, a school or the like on each side: a road, a village or a
        # town holds many matters, a plant many neighbours'.
        # Asked by ``titled_by`` only, of the kinds both titles name (``shared``) once it
        # has found them one and few, of one building: what this asked first before.
        # Speed: this title's estate first (read once per lookup), the places after.
        if not our_titled_estate:
            return False
        mine = features.title_places
        theirs = _estate_of(their_places, their_topic)
        if not _object_beside_an_estate(theirs):
            return False
        if not _sources_agree(features, their_topic, their_places, shared):
            return False
        if "fees" in shared:
            # A fee only when both titles say what it is paid for, the same: a school's
            # canteen fees and the estate's property fees are two matters.
            ours_, theirs_ = (
                _fee_grams(_without_places(topic, mine, their_places))
                for topic in (features.topic, their_topic)
            )
            if ours_.isdisjoint(theirs_):
                return False
        return all(_named_in(place, their_places) for place in mine) and all(
            _named_in(place, features.places) for place in theirs
        )

    def opened_by(their_places: tuple[str, ...], their_topic: str) -> bool:
        # Whether this title names no place and the estate its opening names
        # (``features.opening_name``: "我们是滨江天著3栋的住户") is the one the other
        # title is about (an estate it names, or its bare place: "万润滨江天著3栋电梯三天
        # 两头坏"), both titles naming one kind of problem and few (``titled_by``).
        name = features.opening_name
        if not name or not learns_names:
            return False
        bare = names.bare_place(their_topic)
        if not (
            any(
                name in place and _object_beside_an_estate((place,))
                for place in _estate_of(their_places, their_topic)
            )
            or (bare and (name in bare or (len(bare) >= names.MIN_NAME_CHARS and bare in name)))
        ):
            return False
        their_claims = _claims(their_topic)
        shared = our_claims & their_claims
        return (
            bool(shared)
            and len(their_claims) <= _LEARNED_NAME_KINDS
            and not (
                shared <= text.PART_KINDS and not text.same_buildings(features.topic, their_topic)
            )
        )

    # Whether a candidate is titled (``titled_by``) or opened (``opened_by``), per reading
    # of a candidate: the title pass below reads a row so before judging it (``judge``),
    # which reads it again, and letters of one matter may share their places and title
    # (a writer's repeats: some 2% of the bench's readings).
    # Speed: keyed by what the two readings read of a candidate, its places, its topic and
    # whether it is this petitioner's (``lenient``), not by its row: ``titled_by`` and
    # ``opened_by`` read nothing else of it (``details.places``, ``details.topic``,
    # ``same_petitioner``; the rest is this letter's, fixed for the lookup), and every
    # function they call is pure in its arguments. Bounded by the lookup's candidates.
    titled_rows: dict[tuple[tuple[str, ...], str, bool], tuple[bool, bool]] = {}

    def titled_or_opened(
        details: CaseDetails, same_petitioner: bool, apart: bool = False
    ) -> tuple[bool, bool]:
        # Whether a candidate is titled by the place either title is about (``titled_by``),
        # and if not, opened by this letter's opening estate (``opened_by``); once per
        # candidate reading (``details`` and ``same_petitioner`` are the candidate's;
        # ``apart``, when known, only spares ``titled_by`` a reading, not its answer).
        key = (details.places, details.topic, same_petitioner)
        found = titled_rows.get(key)
        if found is None:
            titled = titled_by(details, same_petitioner, apart)
            opened = not titled and opened_by(details.places, details.topic)
            found = titled_rows[key] = (titled, opened)
        return found

    # This title's own bare place (``names.bare_place``), read when no place is.
    our_bare = "" if features.title_places or not learns_names else names.bare_place(features.topic)

    def by_bare_place(their_places: tuple[str, ...], their_topic: str) -> bool:
        # Whether the name either title (naming no place it is read to) has before its
        # kind of problem is named by the other letter (``names.bare_place_agrees``):
        # "新城国际花都物业费乱涨" and a letter naming "新城国际花都" in its title or text.
        # A place of the two letters only: a bare run may be a word of the sentence.
        return (
            not features.title_places
            and not _estate_of(their_places, their_topic)
            and names.bare_place_agrees(
                our_bare, features.topic, folded_content, features.places, their_topic, their_places
            )
        )

    def fits_matter(matter_id: str) -> bool:
        # An unsided plant agrees with either side: a letter links through one to its
        # matter only when no letter of the matter is of another side or name.
        fits = subject_fits.get(matter_id)
        if fits is None:
            fits = subject_fits[matter_id] = subjects_all_agree(
                (our_subject, *matter_subjects(state, matter_id))
            )
        return fits

    def one_estate_narrow(
        ours: frozenset[str],
        theirs: frozenset[str],
        their_places: tuple[str, ...],
        their_topic: str,
        titled: bool,
    ) -> bool:
        # A narrow kind of problem in common (``estate_kinds.NARROW_KINDS``: one object or
        # want of a whole estate, its gas, its kindergarten, its certificates, which the
        # estate has once) at one estate: both titles name it (and nothing that holds more
        # than one: a road, a village, a town), or one title names it, the other none, and
        # the other letter names it as what it is about (``titled``).
        narrow = (ours & theirs) & estate_kinds.NARROW_KINDS
        if not narrow:
            return False
        if narrow <= text.PART_KINDS and not text.same_buildings(features.topic, their_topic):
            # A building's lift: a title naming its building and one naming none may be
            # about two buildings' lifts (the other's building may be in its content).
            return False
        mine = features.title_places
        their_titled = _estate_of(their_places, their_topic)
        if mine and their_titled:
            # An estate named with its road ("金霞路锦汀府"): the road is its address.
            return (
                _object_beside_an_estate(_without_address(mine))
                and _object_beside_an_estate(_without_address(their_titled))
                and titles_share_place(mine, their_places, their_topic, False)
            )
        if not mine and not their_titled:
            # Neither title names a place read as one: the name both give the estate
            # (``by_bare_place``, or this letter's opening: ``opened_by``), its narrow kind
            # in common.
            return (
                titled
                and learns_names
                and (
                    by_bare_place(their_places, their_topic) or opened_by(their_places, their_topic)
                )
            )
        return titled and _object_beside_an_estate(mine or their_titled)

    def kinds(
        their_places: tuple[str, ...], their_topic: str, same_petitioner: bool, matter_id: str
    ) -> tuple[frozenset[str], frozenset[str]]:
        # The kinds of problem this title and the other's name (the other's looked up only
        # when this title names one: most name none), a facility's nuisances as one kind
        # when both letters name the facility a title is about.
        if not our_claims:
            return our_claims, our_claims
        theirs = text.claims(their_topic)
        ours = our_claims
        shared = ours & theirs
        if shared and not theirs <= ours:
            # The other title names a kind this one does not besides the one in common
            # ("滨江御景园不买车位就不给办房产证": parking and certificates): its letter is
            # in a matter about one of them, and it is the matter's kind that counts, so
            # such a letter does not bridge a matter of one problem to a letter of the
            # other ("滨江御景园交房两年仍未办理房产证" to the forced parking sales).
            main = matter_kinds.get(matter_id)
            if main is None:
                main = matter_kinds[matter_id] = _matter_kinds(state, matter_id)
            if main and shared.isdisjoint(main):
                theirs = theirs - shared
        if (
            shared
            and not ours <= theirs
            and text.main_claim(features.topic) not in shared
            and (shared <= text.NUISANCES or shared <= features.main_clause_claims)
        ):
            # This title names besides the kind in common another it is mainly about (the
            # one it names first, "油烟、污水、噪音，楼下餐馆让我们苦不堪言": the fumes): it
            # is not the other letter's matter (a KTV's noise) by what it adds, a nuisance
            # or what the clause of its main kind ties to it ("不买车位就不给办房产证").
            # A clause of its own is a second problem the title raises, and its matter's
            # too: a market's stalls ("金桥市场停车难，商贩占道经营").
            ours = ours - shared
        objects = ours & theirs & text.OBJECTS
        if objects:
            # The estate each letter is about: its title's, else (a title naming no
            # place: "搅拌站粉尘影响孩子健康，恳请关停") the one its opening names, where a
            # writer says who writes ("我们家住A6区丽景新苑12栋": ``_opening_estate``); of
            # an earlier letter, whose opening is not kept, its title's alone.
            their_titled = _estate_of(their_places, their_topic)
            if _object_beside_an_estate(our_estate) and _object_beside_an_estate(their_titled):
                # The plant by the estate both are about: one object, whatever else each
                # title says of it, unless each names a wrong of its own (its workers'
                # wages are not its noise; its noise is not its dust either).
                if text.claims_differ(ours - objects, theirs - objects):
                    return ours - objects, theirs - objects
                return ours, theirs
            ours, theirs = ours - objects, theirs - objects
        shared = ours & theirs
        if shared and shared <= text.PART_KINDS and text.parts_differ(features.topic, their_topic):
            # One kind of problem of two buildings or parts of an estate (8栋's lift and
            # 3栋's, the garage's leak and a wall's): two objects, as two kinds are.
            return (ours - shared) | {"part:ours"}, (theirs - shared) | {"part:theirs"}
        if (
            ours.isdisjoint(theirs)
            and not ours.isdisjoint(text.NUISANCES)
            and not theirs.isdisjoint(text.NUISANCES)
            and facility_of_either_title(features, their_places, their_topic, same_petitioner)
        ):
            return text.as_one_nuisance(ours), text.as_one_nuisance(theirs)
        return ours, theirs

    # The kinds of problem this letter's opening names, of a title naming a place and no
    # kind (``features.opening_kinds``): what its title would have said.
    our_opening_kinds = (
        aboutness.opening_kinds(features.topic)
        if features.title_places and not our_claims
        else frozenset()
    )

    # What the content says first is wrong, of a title naming no kind of problem ("请领导
    # 关注湘府华庭业主的诉求", "还东湖新村居民一个安静的夜晚"): what its title would have
    # named of the object the letter is about ("楼后正在建设的变电站…", "万家丽高架桥离我们
    # 东湖新村住宅楼只有十多米"; ``features.opening_clause``). A letter whose subject is that
    # object (``their_subject``) is not "about another problem of the estate" for a title
    # that names nothing of any.
    our_opening = "" if our_claims else opening_clause(folded_content)

    def read_kinds(
        their_places: tuple[str, ...], their_topic: str
    ) -> tuple[frozenset[str], frozenset[str]]:
        # The kinds two letters are about when one title or both name a place and no kind
        # of problem, and its opening names some (``features.opening_kinds``): as if its
        # title had named them. Empty when neither is read so, or either names none.
        theirs = _claims(their_topic)
        ours = our_claims or our_opening_kinds
        if not theirs and _estate_of(their_places, their_topic):
            theirs = aboutness.opening_kinds(their_topic)
        elif not our_opening_kinds:
            return frozenset(), frozenset()
        if not theirs or not ours:
            return frozenset(), frozenset()
        return ours, theirs

    def opening_kinds(
        their_places: tuple[str, ...], their_topic: str
    ) -> tuple[frozenset[str], frozenset[str]]:
        # The kinds read so (``read_kinds``) when they share one: compared as if the
        # titles had named them ("枫桥湾的问题", opening "小区南门垃圾站臭气熏天", and
        # "枫桥湾垃圾站臭味"). Empty when they share none. Not a building's or a part's
        # problem (``text.PART_KINDS``): which building's lift an opening names is not read.
        ours, theirs = read_kinds(their_places, their_topic)
        shared = ours & theirs
        if not shared or shared <= text.PART_KINDS:
            return frozenset(), frozenset()
        # Of an estate or the like, or at a higher bar a village (``_village``: one bus
        # line to the town, one water supply, one quarry beside it): a road or a town
        # holds many problems of one kind (a road's broken surface at one end, its works at
        # the other: "东六路沿线改造泉塘公园的问题", its opening on the surface, and
        # "东六路路面破损").
        their_titled = _estate_of(their_places, their_topic)
        if not (
            _object_beside_an_estate(features.title_places)
            and _object_beside_an_estate(their_titled)
        ) and not _village(features.title_places, their_titled):
            return frozenset(), frozenset()
        # A fee a title names ("湘丰村自来水安装费太高") is its matter, whatever its opening
        # names as the setting ("要接自来水"): one kind in common besides is another matter,
        # and two fees are one only when paid for the same (``_sources_agree``).
        our_fees = _fee_grams(_without_places(features.topic, features.title_places, their_places))
        their_fees = _fee_grams(_without_places(their_topic, features.title_places, their_places))
        if (our_fees or their_fees) and (
            "fees" not in shared or (our_fees and their_fees and our_fees.isdisjoint(their_fees))
        ):
            return frozenset(), frozenset()
        return ours, theirs

    # What this title asks (``questions``), and the writer's letters', once when needed.
    our_question: questions.Asked | None = None
    own_questions: list[tuple[str, questions.Asked]] | None = None

    def asked_again(
        i: int, their_topic: str, their_places: tuple[str, ...], matter_id: str
    ) -> bool:
        # The writer's question asked again in other words (``questions``): within
        # ``questions.MAX_DAYS``, the titles naming no two different places. A title
        # saying it is a repeat ("再次咨询…") asks again within the horizon, and all it
        # asks asked in the other title is enough however much more that says.
        nonlocal our_question, own_questions
        if not says_repeat and abs(now - received_at[i]) > questions.MAX_DAYS * DAY:
            return False
        their_titled = {p for p in their_places if p in their_topic}
        if (
            features.title_places
            and their_titled
            and features.title_places.isdisjoint(their_titled)
        ):
            return False
        if questions.same_procedure(features.topic, their_topic):
            # One procedure on the writer's case both name ("工伤认定"): followed up.
            return True
        if our_question is None:
            our_question = questions.asked_grams(features.topic, features.title_places)
        theirs = questions.asked_grams(their_topic, their_places)
        # The share waived only when this title's question is all in the other's: a title
        # saying more than the earlier one ("再次咨询护林员补贴标准") asks something new.
        share = not (says_repeat and our_question.grams <= theirs.grams)
        if not questions.same_question(our_question, theirs, (), share=share):
            return False
        if own_questions is None:
            own_questions = questions.own_questions(state, case, config)
        return questions.same_question(
            our_question, theirs, (g for m, g in own_questions if m != matter_id), share=share
        )

    def asks_policy(details: CaseDetails) -> bool:
        # One policy asked about by both (``policies``), neither title naming a place
        # besides its county or city: many residents' one question. Not its level asked
        # and a writer's own payment not made (``aboutness.level_and_own_payment``).
        if features.title_places or any(p in details.topic for p in details.places if p):
            return False
        their_facets = aboutness.kept_facets(details.topic)
        return policies.same_policy(
            our_facets, their_facets, region, details.region_code
        ) and not aboutness.level_and_own_payment(our_facets, their_facets)

    def judge(i: int, score: float) -> Scored | None:
        # The candidate in row `i`, text score `score`: None when it cannot be this
        # case's matter (gone, or a region that is another place).
        nonlocal own
        judged.add(i)
        sequence = sequences[i]
        case_id = index.case_id(sequence)
        if case_id is None:
            return None
        raw = cases.get(case_id)
        if raw is None:
            return None
        details = index.details(sequence, raw)
        if details.region_code != region and not may_share_matter(region, details.region_code):
            return None
        exact = details.fingerprint == fingerprint
        if exact:
            score = 1.0
        same_petitioner = not refs.isdisjoint(details.petitioner_refs)
        if same_petitioner and not exact:
            if own is None:
                own = own_cases(state, case, config, our_plain_topic)
            score = without_habit(
                score,
                ours.signature,
                sketches.signatures[i],
                details.matter_id,
                own,
                config.habit_discount_below,
            )
        agree, apart = places_reading(places, details.places, same_petitioner)
        # One policy asked about (``policies``): the places its letters' stories name (a
        # writer's former employer, their hospital) are not what it is about.
        policy = asks_policy(details)
        if policy and agree is False:
            agree = None
        # Or by the estate this letter's opening names (``opened_by``), at its own bar.
        titled, opened = titled_or_opened(details, same_petitioner, apart)
        titled = titled or opened
        their_subject = kept_subject(details.places)
        subject = same_subject(our_subject, details.places) if our_subject else ""
        if subject and not fits_matter(details.matter_id):
            subject = ""
        if subject and agree is False and organisations.is_employer(subject):
            # One employer's wages at two sites the letters name (two estates, a school's
            # works): two matters, however alike their subject.
            subject = ""
        if (
            subject
            and organisations.is_employer(subject)
            and abs(now - received_at[i]) > organisations.EMPLOYER_DAYS * DAY
        ):
            # One builder's wages years apart are other crews' (2017's, 2020's): its name
            # links letters of one season only; later, the text and places must.
            subject = ""
        if agree is False and (titled or subject):
            # The place this letter's title is about is named in the other: the places
            # the two do not share are others the letters mention, or no places at all.
            # So is the estate both letters are mainly about (their subject).
            agree = True
        if agree is False:
            # The places contradict each other (``conflict`` below): whatever its score,
            # the candidate links by nothing, is not strong, and keeps no one-matter kind
            # nor subject. Speed: nothing below can change that, so nothing below is read
            # (nine candidates judged in ten, in the bench, are another place's).
            return Scored(
                case_id,
                details.matter_id,
                received_at[i],
                score,
                exact,
                False,
                same_petitioner,
                True,
                False,
                details.topic,
                "",
                "",
            )
        # One letter about an object at the estate the other's title is about too, the
        # other's title naming nothing of that object (another object, or another problem
        # of the estate: its property company's parking fees, not the developer's forced
        # sales; its property fees, not the plant): different problems of one place, as
        # far apart as two titles naming different kinds.
        subject_differs = (
            titled
            and not subject
            and not same_petitioner
            and (
                (bool(our_subject) and not text.names_subject_object(our_subject, details.topic))
                or (
                    bool(their_subject)
                    and (
                        not (
                            text.names_subject_object(their_subject, features.topic, case.content)
                            or (
                                bool(our_opening)
                                and text.names_subject_object(their_subject, our_opening)
                            )
                        )
                        # Or this letter names their plant and none of its neighbours'
                        # wrongs: it is about something else of it (its jobs, its land).
                        or (
                            not our_subject
                            and f"〔{text.SUBJECT_PLANT}" in their_subject
                            and text.plant_not_complaint(
                                features.topic, case.content, by_its_words=True
                            )
                        )
                        # So of their site or station ("青秀城旁工地拖欠工资").
                        or (
                            not our_subject
                            and text.facility_not_complaint(
                                their_subject, features.topic, case.content
                            )
                        )
                    )
                )
                or (
                    # The other way round: theirs names our plant, has no subject and its
                    # title none of its neighbours' wrongs ("丽景新苑旁搅拌站招工").
                    f"〔{text.SUBJECT_PLANT}" in our_subject
                    and not their_subject
                    and text.plant_not_complaint(details.topic, "", by_its_words=True)
                )
                or (
                    not their_subject
                    and text.facility_not_complaint(our_subject, details.topic, "", title_only=True)
                )
            )
        )
        if titled:
            # The place this letter is about (its title names it) is in the other letter:
            # what the matter is about, whoever wrote it. Residents reword one problem
            # about their estate far more than a text score alone would allow.
            threshold = config.joint_threshold_same_place
            title_threshold = config.title_joint_threshold
        elif same_petitioner:
            # The place weighs what the matter is about: a person's own style makes their
            # different letters alike, a place in common does not come from style.
            threshold = config.repeat_threshold if agree else config.repeat_threshold_no_place
            title_threshold = config.title_repeat_threshold
            if says_repeat:
                # The writer says it is a repeat ("再次咨询…"): of one of their own earlier
                # letters, the one alike in text or title (best text first), at a lower bar
                # than without their word; never another writer's by the word alone.
                threshold = min(threshold, config.repeat_threshold)
                title_threshold = min(title_threshold, SAID_REPEAT_TITLE_THRESHOLD)
        else:
            # Two strangers' titles alike without a place in common: the same kind of
            # question ("咨询公积金贷款问题"), not one concrete problem.
            threshold = config.joint_threshold
            title_threshold = 2.0
        ours_here, their_claims = kinds(
            details.places, details.topic, same_petitioner, details.matter_id
        )
        opened_kinds = (
            opening_kinds(details.places, details.topic)
            if titled and not exact and ours_here.isdisjoint(their_claims)
            else (frozenset(), frozenset())
        )
        if (
            titled
            and not exact
            and not opened_kinds[0]
            and bool(our_claims) != bool(_claims(details.topic))
        ):
            read = read_kinds(details.places, details.topic)
            if text.claims_differ(*read) and text.OBJECTS.isdisjoint(read[0] | read[1]):
                # A title naming no kind alike to one naming a kind by the object both
                # name ("招商雍景湾车库问题", "招商雍景湾地下车库漏水"), its opening naming
                # another (the garage's spaces forced on buyers): not one matter by the
                # titles alone. Not of two openings: an opening lists a place's problems
                # ("小摊…堵住了消防通道，污水横流"), the next letter's another of them.
                title_threshold = 2.0
        if subject_differs:
            threshold = max(threshold, config.joint_threshold)
            title_threshold = 2.0
        # (Speed: a letter without a subject is of no facility: asked only of two.)
        if (
            not exact
            and our_subject
            and their_subject
            and text.two_facilities(our_subject, their_subject)
        ):
            # Two facilities (an estate's substation, its base station): two objects,
            # however alike their neighbours' words; only an exact copy links them.
            threshold = title_threshold = 2.0
        if ours_here and not exact and text.claims_differ(ours_here, their_claims):
            # The two titles name different problems (a market's encroaching stalls, a
            # stall's illegal extension): a place or a person in common does not make
            # them one matter, only a text alike as a stranger's must be, or alike
            # titles (which they cannot be much).
            threshold = max(
                threshold,
                config.repeat_threshold_no_place if same_petitioner else config.joint_threshold,
            )
        # One writer's letters whose contents are about different things (their father's
        # pension and their mother's, a site's wages and a restaurant's, their unpaid
        # subsidy and the county's level: ``aboutness``): their titles, however alike,
        # and a place or kind in common do not make them one matter; only a text alike as
        # their letters with no place in common must be.
        # Not of titles sharing the place they are about (``titled``: that place is the
        # matter), nor by what is claimed of a payment when the title says it is a repeat
        # and the titles are alike ("再次反映护林员补贴" naming the subsidy's level as it
        # asks again for the unpaid months).
        their_facets = aboutness.kept_facets(details.topic)
        # The estate where one writes from is no other matter when the other letter names
        # it too (the site beside one's estate, the mother's estate one visits).
        if (
            same_petitioner
            and our_facets
            and their_facets
            and aboutness.estates_shared(our_facets, their_facets, features.places, details.places)
        ):
            our_facets_here = aboutness.without_estates(our_facets)
            their_facets = aboutness.without_estates(their_facets)
        else:
            our_facets_here = our_facets
        facets_differ = (
            same_petitioner
            and not exact
            and not titled
            and bool(our_facets_here)
            and aboutness.differ(our_facets_here, their_facets)
        )
        if (
            facets_differ
            and says_repeat
            and not aboutness.differ(our_facets_here, their_facets, claims=False)
            and titles_alike(features, details.topic, details.places, titled)
            >= config.title_repeat_threshold
        ):
            facets_differ = False
        if facets_differ:
            threshold = max(threshold, config.repeat_threshold_no_place)
            title_threshold = 2.0
        elif (
            same_petitioner
            and titled
            # Only where the lower bar links what the usual one does not.
            and config.joint_threshold_same_kind <= score < threshold
            and not subject_differs
            and not (ours_here and text.claims_differ(ours_here, their_claims))
            and _follows_up(features, details.places, details.topic, says_repeat)
        ):
            # One writer's two titles both about one place, saying something alike of
            # it besides ("罗巷集镇规划方案", "公开罗巷集镇规划图"), no two kinds of problem:
            # the writer following up their matter of the place, however afresh they tell
            # it; linked at the bar of one kind of problem at a title's place.
            threshold = min(threshold, config.joint_threshold_same_kind)
        # A town's plan and a named project of the town (a road line's resettlement land):
        # two matters however alike the letters (one writer's copying the first's question
        # into the second: ``towns``).
        apart = not exact and towns.plan_and_project(
            our_plain_topic, aboutness.without_kept(details.topic)
        )
        if (
            field is not None
            and details.field not in (field, UNCLASSIFIED)
            # The same kind of problem named by both titles about the place they share
            # ("医学院污水直排农田", "医学院污染环境": pollution) says more than two
            # keyword fields told apart by the words around it (land, environment).
            and not (titled and not ours_here.isdisjoint(their_claims))
        ):
            threshold += config.field_mismatch_penalty
            # Not on titles that share the place they are about: a keyword field of a
            # letter about one village's road ("硬化道路") may say transport or rural
            # affairs, and titles saying the same of the same place are one matter.
            if not titled:
                title_threshold += config.field_mismatch_penalty
        # Two letters each mainly about one object of one kind, as two objects (two
        # estates, "锦绣花园" and "东方锦绣花园"; two sides of one estate): two matters,
        # whatever places or words they share (the subject's lookup key finds them).
        # So are one writer's two letters on two platforms' or colleges' one wrong (a
        # victim of two platforms, a near copy of the first letter naming the second), when
        # their brands differ ("惠民金服", "鑫盛理财"; not "鑫盛理财", "鑫盛财富": one
        # brand written two ways). Two employers' subjects block nothing: one crew names
        # the main contractor in one letter, its labour subcontractor in the next, and the
        # text and places link them as they would without a subject. (Places that
        # contradict each other are a conflict too, returned above.)
        conflict = (
            not subject
            and bool(our_subject)
            and text.same_object(our_subject, their_subject)
            and (
                not organisations.is_organisation(our_subject)
                or (
                    not organisations.is_employer(our_subject)
                    and organisations.brands_differ(our_subject, their_subject)
                )
            )
            and (not same_petitioner or organisations.is_organisation(our_subject))
        )
        # Years later, only the place the title names (or a copy) still says it is the
        # same matter: words and titles alike are too often another matter by then.
        current = exact or titled or bool(subject) or received_at[i] >= place_only_before
        by_others = (
            exact
            or score >= threshold
            # A title is the writer's own summary of the matter: two that say the same
            # (once the words every title uses are gone) are one matter however
            # differently the letters go on; the threshold asks for the same person or
            # the same place besides.
            # (Speed: no two titles are more alike than 1.0, so a title threshold above it,
            # 2.0 when titles cannot link, is not asked.)
            or (
                title_threshold <= 1.0
                and titles_alike(features, details.topic, details.places, titled) >= title_threshold
            )
            or (
                same_petitioner
                and not titled
                and not subject_differs
                and not facets_differ
                and not (ours_here and text.claims_differ(ours_here, their_claims))
                and asked_again(i, details.topic, details.places, details.matter_id)
            )
            # One policy asked about (``policies``), whatever the text score: its letters
            # score 0.10 to 0.46, as letters on different matters do.
            or (policy and not subject_differs and not facets_differ)
            or (
                not subject_differs
                and not facets_differ
                # Speed: what ``_same_kind_at_place`` asks whatever its bar (never below
                # ``lowest_kind_bar``), before the readings that only choose the bar.
                and titled
                and score >= lowest_kind_bar
                and not ours_here.isdisjoint(their_claims)
                and _same_kind_at_place(
                    titled,
                    score,
                    ours_here,
                    their_claims,
                    config,
                    narrow=one_estate_narrow(
                        ours_here, their_claims, details.places, details.topic, titled
                    ),
                    opened=opened,
                    agreed=kinds_agree(features, ours_here, their_claims, details)
                    or (
                        abs(now - received_at[i]) <= ONE_KIND_DAYS * DAY
                        and one_kind_named(features, ours_here, their_claims, details)
                    ),
                )
                # Not between strangers' titles sharing only an area (a subdistrict, a
                # town): one kind of problem there is of many sources, a bar's noise and
                # a night market's; only a text alike as a shared place asks links them.
                and (
                    same_petitioner
                    or text.area_wide(ours_here & their_claims)
                    or not shared_by_area_only(features, details.places, details.topic)
                )
            )
            or (
                # One title or both naming the place and no kind, their openings' kinds in
                # common (``opening_kinds``): as if the titles had named them.
                not subject_differs
                and not facets_differ
                and bool(opened_kinds[0])
                and _by_opening_kinds(
                    score,
                    *opened_kinds,
                    config,
                    village=_village(
                        features.title_places, _estate_of(details.places, details.topic)
                    ),
                )
                and (
                    same_petitioner
                    or text.area_wide(opened_kinds[0] & opened_kinds[1])
                    or not shared_by_area_only(features, details.places, details.topic)
                )
            )
        )
        linkable = (
            not conflict
            and not apart
            and current
            and (
                by_others
                # One object at one estate, what both letters are mainly about: residents'
                # letters on one plant, one building's fumes, one developer's forced
                # parking sales share few words, and their kinds of problem differ as
                # their words do (the plant's trucks parked at the gate, its dust, its
                # noise).
                or (bool(subject) and score >= config.joint_threshold_same_subject)
            )
        )
        if linkable and not (
            by_others and (exact or titled or received_at[i] >= place_only_before)
        ):
            by_subject_only.add(case_id)
        strong = agree is True and not apart and (exact or score >= max(threshold, merge_threshold))
        one_matter = (
            text.one_matter_kind(ours_here & their_claims, (features.topic, details.topic))
            if linkable
            and titled
            and not ours_here.isdisjoint(their_claims)
            and same_places(our_estate, _estate_of(details.places, details.topic))
            else ""
        )
        # Positional: a NamedTuple built from keywords costs twice as much.
        return Scored(
            case_id,
            details.matter_id,
            received_at[i],
            score,
            exact,
            linkable,
            same_petitioner,
            conflict,
            strong,
            details.topic,
            one_matter,
            subject if linkable else "",
        )

    for i in worth:
        score = scores[i]
        # Another matter's candidate that links strongly as well shows the two matters
        # are one (``deciding``): those that may are judged even when the link is settled.
        if (
            not exhaustive
            and score < merge_threshold
            and _settled(best, suggested, score, lowest_link, config)
        ):
            break
        candidate = judge(i, score)
        if candidate is None:
            continue
        scored.append(candidate)
        if candidate.linkable:
            if best is None or candidate.rank > best.rank:
                best = candidate
        elif candidate.score > suggested.get(candidate.matter_id, -1.0):
            suggested[candidate.matter_id] = candidate.score
    if our_subject and config.max_subject_candidates:
        # The letters of this case's subject (one object at one estate) that the text
        # scores left unjudged: they link whatever their words (``judge``), and two
        # matters so linked are one (``deciding``). Best text score first, a bounded few.
        left = config.max_subject_candidates
        for i in sorted(range(len(sequences)), key=scores.__getitem__, reverse=True):
            if not left:
                break
            if i in judged or received_at[i] < horizon:
                continue
            case_id = index.case_id(sequences[i])
            raw = cases.get(case_id) if case_id is not None else None
            if raw is None or not same_subject(
                our_subject, index.details(sequences[i], raw).places
            ):
                continue
            left -= 1
            candidate = judge(i, scores[i])
            if candidate is None:
                continue
            scored.append(candidate)
            if candidate.linkable and (best is None or candidate.rank > best.rank):
                best = candidate
    if best is None and topic_grams:
        # No text score links: the others (the petitioner's letters, the place's) may
        # still link by their titles, however little else their words share.
        # Most are not alike in title at all: those are set aside before judging, on the
        # titles as `judge` compares them (a shared place left out can make two titles
        # more alike: "大新村爱花冲组硬化道路", "大新村15组(爱花冲)道路硬化").
        alike = min(config.title_repeat_threshold, config.title_joint_threshold)
        said_alike = min(alike, SAID_REPEAT_TITLE_THRESHOLD) if says_repeat else alike
        left = config.max_title_candidates
        for i in sorted(range(len(sequences)), key=scores.__getitem__, reverse=True):
            if i in judged or received_at[i] < horizon:
                continue
            if not left:
                break
            left -= 1
            case_id = index.case_id(sequences[i])
            raw = cases.get(case_id) if case_id is not None else None
            if raw is None:
                continue
            details = index.details(sequences[i], raw)
            same_petitioner = not refs.isdisjoint(details.petitioner_refs)
            titled, opened = titled_or_opened(details, same_petitioner)
            titled = titled or opened
            alike_titles = titles_alike(features, details.topic, details.places, titled) >= (
                said_alike if same_petitioner else alike
            )
            if (
                not alike_titles
                and same_petitioner
                and not titled
                and asked_again(i, details.topic, details.places, details.matter_id)
            ):
                alike_titles = True
            if not alike_titles and asks_policy(details):
                alike_titles = True
            if not alike_titles and same_petitioner and titled:
                # One writer's follow-up on their matter of one place (``_follows_up``).
                alike_titles = scores[i] >= config.joint_threshold_same_kind and _follows_up(
                    features, details.places, details.topic, says_repeat
                )
            if (
                not alike_titles
                and not (
                    titled
                    and _by_opening_kinds(
                        scores[i], *opening_kinds(details.places, details.topic), config
                    )
                )
                and not (
                    titled
                    and _same_kind_at_place(
                        titled,
                        scores[i],
                        *(
                            here := kinds(
                                details.places, details.topic, same_petitioner, details.matter_id
                            )
                        ),
                        config,
                        narrow=one_estate_narrow(*here, details.places, details.topic, titled),
                        opened=opened,
                        agreed=kinds_agree(features, *here, details)
                        or (
                            abs(now - received_at[i]) <= ONE_KIND_DAYS * DAY
                            and one_kind_named(features, *here, details)
                        ),
                    )
                )
            ):
                if not same_petitioner and config.matter_join_min_letters:
                    # Not linkable, but of another petitioner, found by this letter's
                    # places or words: its matter's letters, as a whole, may show this
                    # letter is of it (``deciding._joined_by_matter``).
                    candidate = judge(i, scores[i])
                    if candidate is not None and not candidate.place_conflict:
                        scored.append(candidate)
                continue
            candidate = judge(i, scores[i])
            if candidate is not None and candidate.linkable:
                scored.append(candidate)
    if by_subject_only:
        # This letter's subject agrees with matters whose subjects disagree (an unsided
        # plant, and one matter on each side of the estate): which plant it is about is
        # unsaid, so it links to none by its subject alone.
        subject_matters = sorted({c.matter_id for c in scored if c.subject})
        if len(subject_matters) > 1 and not subjects_all_agree(
            (our_subject, *(s for m in subject_matters for s in matter_subjects(state, m)))
        ):
            scored = [
                c._replace(linkable=False, subject="") if c.case_id in by_subject_only else c
                for c in scored
            ]
    return scored, top


#: The most kinds of problem (``text.CLAIM_KINDS``) either title may name for an estate's
#: bare name one names (``names``) to be the other's place: a letter of many problems is
#: not the matter of one of them by a name in common.
_LEARNED_NAME_KINDS: Final = 2


@lru_cache(maxsize=16_384)
def _claims(topic: str) -> frozenset[str]:
    # ``text.claims`` of a candidate's topic: the same few topics are read again and again.
    return text.claims(topic)


#: How alike (``titles_alike``) a title saying it is a repeat ("再次咨询…",
#: ``aboutness.says_repeat``) must be to one of its writer's earlier titles to link to it
#: (``title_repeat_threshold`` without the word).
SAID_REPEAT_TITLE_THRESHOLD: Final = 0.4


#: The words of a place that holds more than one plant or names one itself (``places``):
#: a road (long), a subdistrict, town, village or new district, a named plant or works.
_NOT_AN_ESTATE: Final = (
    *ROUTE_WORDS, "街道", "镇", "乡", "村", "社区", "新区", "集镇",
    "搅拌站", "厂", "工地", "项目", "公司",
)  # fmt: skip


def _matter_kinds(state: MatchState, matter_id: str) -> frozenset[str]:
    """The kinds of problem (``text.CLAIM_KINDS``) most titles of a matter's named cases
    (``MatterRecord.case_ids``) are mainly about (``text.main_claim``: a title naming two
    is about the first): what the matter is about. Empty when none of its titles names a
    kind, or the matter is gone."""
    counts: Counter[str] = Counter()
    for topic in _matter_topics(state, matter_id):
        main = text.main_claim(topic)
        if main:
            counts[main] += 1
    if not counts:
        return frozenset()
    most = max(counts.values())
    return frozenset(kind for kind, count in counts.items() if count == most)


def matter_claims(state: MatchState, matter_id: str) -> frozenset[str]:
    """Every kind of problem (``text.claims``) any title of a matter's named cases
    (``MatterRecord.case_ids``) names; empty when none names one, or the matter is gone."""
    found: set[str] = set()
    for topic in _matter_topics(state, matter_id):
        found |= text.claims(topic)
    return frozenset(found)


def matter_subjects(state: MatchState, matter_id: str) -> Iterator[str]:
    """The subjects (``features.letter_subject``) kept among the places of a matter's
    named cases still in the state; none when the matter is gone."""
    matter = read_matter(state.matters, matter_id)
    if matter is None:
        return
    cases = state.cases
    for case_id in matter.case_ids:
        raw = cases.get(case_id)
        # Only the places are read, of a record that holds a subject at all: a big matter
        # (a platform's victims, hundreds of letters) is read whole for every letter of it.
        if raw is not None and _SUBJECT_END in raw:
            subject = kept_subject(case_details(raw).places)
            if subject:
                yield subject


#: What every kept subject ends with, as a record's bytes hold it.
_SUBJECT_END: Final = "〕".encode()


def _matter_topics(state: MatchState, matter_id: str) -> Iterator[str]:
    """The topics (titles) of a matter's named cases (``MatterRecord.case_ids``) still in
    the state; none when the matter is gone."""
    for record in matter_records(state, matter_id):
        yield record.topic


def matter_records(
    state: MatchState, matter_id: str, most: int | None = None
) -> Iterator[CaseRecord]:
    """The records of a matter's named cases (``MatterRecord.case_ids``) still in the
    state; none when the matter is gone, or when it names more than ``most`` cases (a
    bound on what one candidate may cost to read: none rather than some)."""
    matter = read_matter(state.matters, matter_id)
    if matter is None or (most is not None and len(matter.case_ids) > most):
        return
    for case_id in matter.case_ids:
        raw = state.cases.get(case_id)
        if raw is not None:
            yield CaseRecord.decode(case_id, raw)


def matter_details(
    state: MatchState, matter_id: str, most: int | None = None
) -> Iterator[CaseDetails]:
    """The text parts (``records.case_details``: places, topic) of a matter's named cases
    still in the state, as ``matter_records`` reads them whole, at a fraction of the cost;
    none when the matter is gone or names more than ``most`` cases."""
    matter = read_matter(state.matters, matter_id)
    if matter is None or (most is not None and len(matter.case_ids) > most):
        return
    cases = state.cases
    for case_id in matter.case_ids:
        raw = cases.get(case_id)
        if raw is not None:
            yield case_details(raw)


@lru_cache(maxsize=16_384)
def title_kinds(topic: str) -> frozenset[str]:
    """The kinds of problem a title names (``text.claims``), their families left out, and
    the narrow kind it names (``text.one_matter_kind``: parking forced on buyers) as a
    kind of its own: what a matter's titles are compared by as a whole."""
    claims = text.without_families(_claims(topic))
    narrow = text.one_matter_kind(claims, (topic,))
    return claims | {narrow} if narrow else claims


def _opening_estate(features: CaseFeatures) -> frozenset[str]:
    """The estate a letter whose title names no place is about: the one place its opening
    names ("我们家住A6区丽景新苑12栋"), an estate (``_object_beside_an_estate``), when
    the content before its plant names no other place it could be by
    (``CaseFeatures.opening_elsewhere``: "我单位附近有一搅拌站"); else none. An opening
    naming two places ("我家住锦绣花园，隔壁丽景新苑的业主也在反映") says none."""
    opening = features.opening_places
    if len(opening) != 1 or features.opening_elsewhere or not _object_beside_an_estate(opening):
        return frozenset()
    return opening


def _opening_probe(features: CaseFeatures) -> tuple[str, ...]:
    """The estate a title naming no place has in its opening (``features.opening_name``),
    looked up as a bare name (``names``) besides its title's words; none if it has none.
    With each developer's brand before it as well: a writer leaves off the brand
    ("我们集美郡的业主") that a title holding the estate's name keeps ("金科集美郡燃气开通"),
    a name held as written."""
    return _brand_probes(features.opening_name) if features.opening_name else ()


@lru_cache(maxsize=4_096)
def _brand_probes(name: str) -> tuple[str, ...]:
    # ``name``, then each developer's brand before it; of a name beginning with one, the
    # name without it ("万科紫台": "紫台") instead.
    if name.startswith(DEVELOPER_BRANDS):
        return tuple(dict.fromkeys((name, without_developer(name))))
    return (name, *(brand + name for brand in DEVELOPER_BRANDS))


def _estate_of(places: tuple[str, ...], topic: str) -> tuple[str, ...]:
    """The places an earlier letter is about: those its title (``topic``) names. Not, of
    a title naming none, the places its text names: its opening is not kept, and what
    puts its plant elsewhere (``CaseFeatures.opening_elsewhere``) cannot be read."""
    return tuple(p for p in places if p in topic)


def _named_in(place: str, places: Iterable[str]) -> bool:
    """Whether a letter naming ``places`` names ``place`` (``titles_share_place``, as
    strangers name it)."""
    # Speed: ``titles_share_place`` of one place against another place as its own title
    # is ``same_place`` of the two (a place is in a title that is itself), without the
    # frozenset and the list it makes of each.
    return any(same_place(place, other) for other in places)


def _without_address(title_places: Iterable[str]) -> tuple[str, ...]:
    """A title's places without the roads it names besides an estate or the like
    ("金霞路锦汀府": the estate at its address); as they are when it names none, or
    names another place that holds more than one (a town, a village, a plant)."""
    places = tuple(title_places)
    estates = tuple(p for p in places if not p.endswith(_NOT_AN_ESTATE))
    if not estates or any(p not in estates and not p.endswith(ROUTE_WORDS) for p in places):
        return places
    return estates


def _object_beside_an_estate(title_places: Iterable[str]) -> bool:
    """Whether a title's places name an estate or the like and nothing that holds more
    than one plant or names one (``_NOT_AN_ESTATE``): an unnamed plant beside it is one."""
    # Speed: a loop, not a tuple and a generator in ``any`` (asked of most candidates).
    named = False
    for place in title_places:
        if place.endswith(_NOT_AN_ESTATE):
            return False
        named = True
    return named


def _follows_up(
    features: CaseFeatures, their_places: tuple[str, ...], their_topic: str, says_repeat: bool
) -> bool:
    """Whether one writer's two titles are both about one place and say something alike of
    it besides (a character pair in common once the places are left out: "罗巷集镇规划方案"
    and "公开罗巷集镇规划图"): the writer following up their matter of that place.

    Of a town (a 集镇, a 乡) however they ask of it: its plan and growth are one matter to
    its writer. Of another place only when the title says it is a repeat ("第二次请求在萍州
    小学正大门设置人行横道线"): an estate's, a village's, a school's or a market's writer has
    many matters there (its parking fees and its spaces for sale, a village road's repair
    and the land it took, a school's canteen and its bus), whose titles share the object's
    word ("停车"/"车位", "村道", "学校")."""
    ours = (
        features.title_places
        if says_repeat
        else frozenset(p for p in features.title_places if _TOWN_RE.search(p))
    )
    return titles_share_place(ours, their_places, their_topic) and (
        titles_alike(features, their_topic, their_places, True) > 0.0
    )


#: A town by its unit word: the one place a writer's follow-up lowers the bar at.
_TOWN_RE: Final = re.compile("(?:集镇|镇|乡)$")


def kinds_agree(
    features: CaseFeatures,
    ours: frozenset[str],
    theirs: frozenset[str],
    details: CaseDetails,
) -> bool:
    """Whether two titles name one place as written and agree on what is wrong there:
    one problem of one place, linked at ``joint_threshold_kinds_agree``.

    ``ours`` and ``theirs`` are the kinds ``kinds`` reads (a facility's nuisances as one,
    two buildings' lifts as two). Agreeing is:

    * both titles name the place, one holding the other's name as written ("楚天御园",
      "招商雍景湾" and "雍景湾"): not a name told by its sound or one typed wrong, which
      two villages or roads may share ("枫林路", "丰林路");
    * the same kinds of problem, read alike from both titles as they are, and no other:
      a kind one title adds is another problem ("溪岸里停车费上涨" is parking, not the
      estate's property fees);
    * the same buildings, where either title names one ("滨江天著电梯关人" may be about
      another building than "滨江天著7栋电梯异响"), and no two parts of it;
    * of a nuisance its source ("夜色酒吧噪音扰民", "酒吧噪音": the bar; not "火车站广播"
      and "公交总站"), of a fee the same fee ("物业费", not "摊位费"; ``_sources_agree``).

    Not that the titles share a word besides the place (``titles_alike``): residents name
    one kind of problem in words of their own ("公交站被撤", "站点取消不合理"; "村道烂",
    "道路修复"), and the kind both name is what they say alike.
    """
    # Compared without the families the kinds are of (``text.claims``): a title naming a
    # family's word besides its kind names no other problem.
    ours, theirs = text.without_families(ours), text.without_families(theirs)
    if not ours or ours != theirs or not features.title_places:
        return False
    their_topic = details.topic
    our_kinds = text.without_families(text.claims(features.topic))
    if our_kinds != text.without_families(text.claims(their_topic)) or ours != our_kinds:
        return False
    if not text.same_buildings(features.topic, their_topic) or text.parts_differ(
        features.topic, their_topic
    ):
        return False
    their_titled = [p for p in details.places if p in their_topic]
    if not any(
        mine in other or other in mine for mine in features.title_places for other in their_titled
    ):
        return False
    return _sources_agree(features, their_topic, details.places, our_kinds)


def one_kind_named(
    features: CaseFeatures,
    ours: frozenset[str],
    theirs: frozenset[str],
    details: CaseDetails,
) -> bool:
    """Whether one title names a place and one kind of problem, and the other title, naming
    no place, the same kind and no other, its letter naming the place as written in its
    text ("融科东南海物业费上涨不合理", "物业费涨了服务没跟上" from an owner there): one
    problem of one place, as ``kinds_agree`` is of two titles naming it, linked at
    ``joint_threshold_kinds_agree`` when the letters are at most ``ONE_KIND_DAYS`` apart.

    Not a nuisance (its source is what the titles would say: a bar or a building site on
    one street), a building's part (which building's lift) nor a plant beside an estate
    (``_NOT_ONE_SOURCE``); of a fee the same fee (``_sources_agree``)."""
    # The kind itself, one: the families it is of (``text.claims``: "family:gas") are
    # not a second kind.
    if (
        len(text.without_families(ours)) != 1
        or ours != theirs
        or not ours.isdisjoint(_NOT_ONE_SOURCE)
    ):
        return False
    their_topic = details.topic
    if text.claims(features.topic) != ours or text.claims(their_topic) != ours:
        return False
    if not text.same_buildings(features.topic, their_topic):
        return False
    mine = features.title_places
    their_titled = [p for p in details.places if p in their_topic]
    if bool(mine) == bool(their_titled):
        # Both titles name places (``kinds_agree``), or neither does.
        return False
    if mine:
        named = any(m in other or other in m for m in mine for other in details.places)
    else:
        named = any(t in other or other in t for t in their_titled for other in features.places)
    return named and _sources_agree(features, their_topic, details.places, ours)


#: How many days apart two letters may be for one kind of problem of one place named by
#: both to be one matter (``one_kind_named``): residents write of it while it is current;
#: the same kind there later is another time's (a school's extra classes each holiday).
ONE_KIND_DAYS: Final = 120


#: The kinds of problem of many sources at one place, or of one of its parts or objects:
#: not one problem by the kind alone (``one_kind_named``).
_NOT_ONE_SOURCE: Final = text.NUISANCES | text.PART_KINDS | text.OBJECTS


#: The words around a nuisance's kind that name no source: who suffers it, how much,
#: where and when ("楼下酒吧" and "楼下健身房" are two sources under one window).
_NUISANCE_FILLER: Final = (
    "扰民", "严重", "太大", "影响", "居民", "业主", "住户", "小区",
    "楼下", "楼上", "隔壁", "旁边", "附近", "门口", "对面", "周边", "周围",
    "晚上", "夜间", "夜里", "半夜", "深夜", "凌晨", "每天", "天天",
)  # fmt: skip

#: A fee as a title names it: what is paid for, in the few characters before "费".
_FEE_RE: Final = re.compile("([\u4e00-\u9fff]{1,4})费")

#: What is done with a fee, not what it is for ("乱收费", "退费", "交物业费").
_FEE_VERBS: Final = frozenset("收退缴交涨付免减扣乱")


def _sources_agree(
    features: CaseFeatures, their_topic: str, their_places: tuple[str, ...], kinds: frozenset[str]
) -> bool:
    """Whether two titles of the same kinds of problem at one place (``kinds_agree``) name
    one source of it: of a nuisance (``text.NUISANCES``) something in common besides the
    place and the kind's words (its bar, its site, its restaurant), of a fee one paid for
    the same thing when both say what for ("物业费", "物业服务费"; not "摊位费")."""
    ours = _without_places(features.topic, features.title_places, their_places)
    theirs = _without_places(their_topic, features.title_places, their_places)
    if not kinds.isdisjoint(text.NUISANCES):
        our_grams = text.topic_grams(_without_kind_words(ours))
        if our_grams.isdisjoint(text.topic_grams(_without_kind_words(theirs))):
            return False
    if "fees" in kinds:
        our_fees, their_fees = _fee_grams(ours), _fee_grams(theirs)
        if our_fees and their_fees and our_fees.isdisjoint(their_fees):
            return False
    return True


def _without_places(topic: str, ours: frozenset[str], theirs: tuple[str, ...]) -> str:
    # A topic without the places either letter names, longest first.
    for place in sorted({*ours, *theirs}, key=lambda p: (-len(p), p)):
        topic = topic.replace(place, " ")
    return topic


def _without_kind_words(topic: str) -> str:
    # A topic without the words of a kind of problem and of who suffers it.
    for word in _KIND_WORDS:
        topic = topic.replace(word, " ")
    return topic


def _fee_grams(topic: str) -> frozenset[str]:
    # What each fee a topic names is paid for, as characters and pairs of them.
    found: set[str] = set()
    for match in _FEE_RE.finditer(topic):
        what = match.group(1)
        cut = max((what.rfind(v) for v in _FEE_VERBS), default=-1)
        what = what[cut + 1 :]
        if what:
            found.update(what[i : i + 2] for i in range(max(len(what) - 1, 1)))
    return frozenset(found)


#: Every word of a kind of problem as a topic holds it, longest first, and the nuisance's
#: filler words (``_NUISANCE_FILLER``).
_KIND_WORDS: Final = tuple(
    sorted(
        {
            *(text.fold(w) for words in text.CLAIM_KINDS.values() for w in words),
            *(text.fold(w) for w in claim_words.KIND_OF_WORD),
            *_NUISANCE_FILLER,
        },
        key=lambda w: (-len(w), w),
    )
)


def _same_kind_at_place(
    titled: bool,
    score: float,
    ours: frozenset[str],
    theirs: frozenset[str],
    config: DedupConfig,
    *,
    narrow: bool = False,
    opened: bool = False,
    agreed: bool = False,
) -> bool:
    """Whether two letters are about the same kind of problem of the place a title names.

    The place the title is about named in the other letter (``titled``), and a kind of
    problem both titles name (``text.CLAIM_KINDS``): the domain's matter itself, the same
    concrete problem of the same place, when the texts are not unlike
    (``joint_threshold_same_kind``). ``ours`` and ``theirs`` are the titles' kinds, a
    facility's nuisances one kind between letters about it (``kinds`` above).

    ``narrow``: the kind in common is one an estate has once (``estate_kinds.NARROW_KINDS``:
    its gas, its certificates) and the place is one estate (``one_estate_narrow`` above),
    linked at the lower ``joint_threshold_narrow_kind``: its residents' letters on it are
    one matter however they word it.

    ``opened``: the place is the estate a title naming none has in its opening
    (``features.opening_name``), linked at ``joint_threshold_opening_place`` unless narrow.

    ``agreed``: both titles name the place and agree on what is wrong there
    (``kinds_agree``), linked at ``joint_threshold_kinds_agree`` unless narrow.
    """
    bar = (
        config.joint_threshold_narrow_kind
        if narrow
        else config.joint_threshold_opening_place
        if opened
        else config.joint_threshold_same_kind
    )
    if agreed:
        bar = min(bar, config.joint_threshold_kinds_agree)
    return titled and bool(ours) and score >= bar and not ours.isdisjoint(theirs)


def _by_opening_kinds(
    score: float,
    ours: frozenset[str],
    theirs: frozenset[str],
    config: DedupConfig,
    *,
    village: bool = False,
) -> bool:
    """Whether two letters, one title or both naming the place the other names and no
    kind of problem, are about one kind the openings name (``opening_kinds`` in
    ``score_candidates``), linked at ``joint_threshold_opening_kinds``. A narrow kind
    (``estate_kinds.NARROW_KINDS``) keeps that bar: an opening names an estate's
    committee or its certificates as the story's setting as often as its problem.

    ``village``: a title names a village or a road (``_village_or_road``), linked at the
    higher ``joint_threshold_opening_kinds_village``."""
    bar = config.joint_threshold_opening_kinds
    if village:
        bar = max(bar, config.joint_threshold_opening_kinds_village)
    return bool(ours & theirs) and score >= bar


def _village(ours: Iterable[str], theirs: Iterable[str]) -> bool:
    """Whether each of two titles names places that are estates or the like or villages,
    one of them a village (``_VILLAGE``): not a road, a town, a subdistrict nor a plant
    (``_NOT_AN_ESTATE``), which hold many problems of one kind."""
    places = (tuple(ours), tuple(theirs))
    if not all(places):
        return False
    village = False
    for side in places:
        for place in side:
            if place.endswith(_VILLAGE):
                village = True
            elif not _object_beside_an_estate((place,)):
                return False
    return village


#: A village or one of its groups by its unit word.
_VILLAGE: Final = ("村", "组")


def _settled(
    best: Scored | None,
    suggested: dict[str, float],
    next_score: float,
    lowest_link: float,
    config: DedupConfig,
) -> bool:
    # Whether no candidate scoring `next_score` or less can change the verdict: see _score.
    if best is not None:
        if next_score >= best.score:
            return False
    elif next_score >= lowest_link:
        return False
    wanted = config.related_suggestions
    if not wanted:
        return True
    if len(suggested) < wanted:
        return False
    exclude = best.matter_id if best is not None else None
    ahead = sorted((s for m, s in suggested.items() if m != exclude), reverse=True)
    return len(ahead) >= wanted and ahead[wanted - 1] > next_score
