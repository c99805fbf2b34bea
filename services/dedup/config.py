"""Thresholds and limits of the dedup matcher, validated at start-up.

The trade-off: every threshold moves errors between two kinds that cost differently.

* Linking too eagerly (thresholds low) merges different matters: a petitioner's new
  problem is filed as a repeat of an old one and "not accepted again" (Art. 19), or a
  letter about one estate joins a matter about another. That is the worse error: it
  denies a citizen a hearing. Hence ``joint_threshold`` > ``repeat_threshold`` (a second
  person's identity is no evidence of sameness) and a veto when the named places differ.
* Linking too timidly (thresholds high) opens a second case for one matter: duplicate
  work, repeat counts and collective petitions (>= 5 people) go unseen, and escalation
  misses leadership-package cases. ``related_threshold`` softens this: pairs between it
  and the linking thresholds reach a caseworker as suggestions, not as links.

Scores are estimated Jaccard similarity of character shingles, or containment (how much
of the shorter text is in the longer one) when both texts are long enough for it to mean
something; MinHash estimates have a standard error of about sqrt(J(1-J)/sketch_size),
0.044 at J = 0.5 with 128 bins, which is why thresholds closer than ~0.1 to the typical
scores of true or false pairs are not advised.

Changing ``shingle_size_*`` or ``sketch_size`` changes the stored sketches: the state must
be rebuilt (replay the input topic). ``lsh_bands``, ``lsh_rows`` and the ``max_*`` limits
only shape the index, which a worker builds from the case records whenever it starts or
takes over a partition: they apply from the next start.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class DedupConfig(BaseSettings):
    """The dedup matcher's settings; environment variables ``XINFANG_DEDUP_<NAME>``."""

    # extra="ignore": the service's own settings (DedupSettings in app.py) share the prefix.
    model_config = SettingsConfigDict(env_prefix="XINFANG_DEDUP_", frozen=True, extra="ignore")

    horizon_days: int = Field(
        default=5 * 365,
        ge=1,
        description=(
            "How long a case stays matchable after it was received. A matter stays "
            "matchable while any of its cases does; older state is swept away. Longer "
            "keeps more state (cases at a steady rate grow with it) and finds repeats "
            "after a longer silence: residents write again about one estate's problem "
            "after three and four years."
        ),
    )
    place_only_after_days: int = Field(
        default=3 * 365,
        ge=1,
        description=(
            "Past this many days an earlier case links only by the place the new "
            "letter's title names (named in the earlier one), or as an exact copy: "
            "after years, a letter alike in words or title but about no place both name "
            "is a new matter more often than the old one again. At or above "
            "horizon_days it has no effect."
        ),
    )
    repeat_threshold: float = Field(
        default=0.35,
        ge=0.0,
        le=1.0,
        description=(
            "Lowest text score that links a petition to an earlier case of the same "
            "petitioner. Lower finds more reworded repeats, and more of a person's "
            "different problems wrongly filed as repeats."
        ),
    )
    repeat_threshold_no_place: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description=(
            "The repeat threshold when the two petitions share no named place or "
            "organisation (one or both name none). A prolific petitioner writes about many "
            "matters in one style: without a place in common, the text must be close."
        ),
    )
    habit_discount_below: float = Field(
        default=0.7,
        ge=0.0,
        le=1.0,
        description=(
            "Below this score a petitioner's letter is compared with their earlier one "
            "without what it shares with their other letters (their habitual phrases). "
            "Higher protects writers with a heavier style, and loses more reworded "
            "repeats of petitioners who write often about one matter."
        ),
    )
    joint_threshold: float = Field(
        default=0.65,
        ge=0.0,
        le=1.0,
        description=(
            "Lowest text score that links a petition to another petitioner's matter when "
            "no named place is shared. Higher than repeat_threshold: a stranger's letter "
            "has no identity in common to support the link."
        ),
    )
    joint_threshold_same_place: float = Field(
        default=0.25,
        ge=0.0,
        le=1.0,
        description=(
            "The linking threshold, for the same petitioner or another, when the place or "
            "organisation a petition's title names (what the matter is about) is named in "
            "the other petition. Residents of one estate word the same problem "
            "differently; too low and the same estate's different problems merge."
        ),
    )
    joint_threshold_same_kind: float = Field(
        default=0.15,
        ge=0.0,
        le=1.0,
        description=(
            "The linking threshold, for the same petitioner or another, when the place a "
            "petition's title names is named in the other petition and both titles name "
            "the same kind of problem (noise, fees, parking, pollution, ...): the same "
            "concrete problem of the same place. Lower links more letters about one "
            "place's problem worded apart, and more of its different problems of one kind "
            "(of the real development letters' different matters sharing a title's place, "
            "three quarters score below 0.16)."
        ),
    )
    joint_threshold_narrow_kind: float = Field(
        default=0.05,
        ge=0.0,
        le=1.0,
        description=(
            "joint_threshold_same_kind for a narrow kind of problem (its gas, its "
            "broadband, its kindergarten, its certificates, its lifts: "
            "estate_kinds.NARROW_KINDS) at one estate: both titles name the estate, or one "
            "names it and the other, naming no place, names it in its letter. An estate "
            "has such a problem once, so its residents' letters naming it are one matter "
            "however they word it (a review set's reworded letters on one estate's gas "
            "score 0.08-0.13); a broad kind (noise, fees, parking) is many matters of one "
            "estate and keeps the usual bar. None of the 2,781 real letters is linked by "
            "it down to 0. Not above joint_threshold_same_kind."
        ),
    )
    joint_threshold_kinds_agree: float = Field(
        default=0.10,
        ge=0.0,
        le=1.0,
        description=(
            "joint_threshold_same_kind when both titles name the place as written (one "
            "holds the other's name) and agree on what is wrong there: the same kinds of "
            "problem and no other (a lift and the fees at one estate are two matters), "
            "the same building where either names one, something said alike besides the "
            "place, and for a nuisance its source ('夜色酒吧噪音' and '酒吧噪音', not a "
            "bar's noise and a site's), for a fee the same fee (property fees, not stall "
            "or parking fees): one problem of one place, worded apart by residents or "
            "told again by its writer ('再次反映楚天御园9栋漏水', 0.148 to the first). Of "
            "the probes' and the development letters' pairs so agreed and not told apart "
            "otherwise (a subject, places in conflict), none of different matters scores "
            "below 0.25, and 55 of one matter score below 0.15 (15 below 0.10); below "
            "0.10 the text says too little to stand for the guards' misses (one estate's "
            "forced parking sales and its want of spaces agree on their kinds at 0.05 to "
            "0.23, told apart by their subjects). So, within 120 days, when one title "
            "names the place and one kind, and the other the same kind alone, its letter "
            "naming the place as written (not a nuisance, a building's part nor a plant): "
            "13 such pairs of one matter from 0.10 to 0.15 and none of different matters "
            "(a school's extra classes two years apart, 0.10, is another time's). A narrow "
            "kind keeps joint_threshold_narrow_kind. Not below joint_threshold_narrow_kind "
            "nor above joint_threshold_same_kind."
        ),
    )
    joint_threshold_opening_place: float = Field(
        default=0.15,
        ge=0.0,
        le=1.0,
        description=(
            "joint_threshold_same_kind for a petition whose title names no place, by the "
            'estate its writer names where the content begins ("我们是滨江天著3栋的住户", '
            '"碧水云天南边那个变电站": features.opening_name), when the other petition\'s '
            "title names that estate and both titles name one kind of problem. A narrow "
            "kind keeps joint_threshold_narrow_kind. Not below joint_threshold_narrow_kind "
            "nor above joint_threshold_same_place."
        ),
    )
    joint_threshold_opening_kinds: float = Field(
        default=0.15,
        ge=0.0,
        le=1.0,
        description=(
            "The linking threshold when one petition's title or both name the place the "
            "other petition names and no kind of problem, and the kinds their openings "
            "name (the first sentences of the content saying what is wrong) are one the "
            "other title, or the other's opening, names: compared as if the titles had "
            "named them (a title naming a kind counts its own alone). Of the probes' and "
            "the development letters' pairs so read and not told apart otherwise, 43 of "
            "one matter score 0.15 or more and 1 of different matters (0.30, linked by the "
            "place alone); from 0.10 to 0.15, 13 of one matter and 2 of different ones "
            "(up to 0.138: a septic tank's smell and a restaurant's fumes). A narrow kind "
            "keeps this bar: an opening names an estate's committee as the setting as "
            "often as its problem. Not below joint_threshold_narrow_kind nor above "
            "joint_threshold_same_place."
        ),
    )
    joint_threshold_opening_kinds_village: float = Field(
        default=0.18,
        ge=0.0,
        le=1.0,
        description=(
            "joint_threshold_opening_kinds when a title the two petitions share names a "
            "village (and the other an estate or the like, or the village: not a road, a "
            "town, a subdistrict nor a plant): its residents' one problem ('杏坛村到县城的"
            "公交一天只有四班', its opening on the bus timetable, and '建议增开杏坛村公交班次'),"
            " at a higher bar than an estate's, as a village has more problems of one kind "
            "(its several roads, its plants). Of the probes' and the development letters' "
            "pairs so read at a village, 5 of one matter score 0.18 or more (to 0.244), 5 "
            "of one matter less (0.065 to 0.12) and none of different matters; a road's "
            "pairs of different matters score up to 0.18 (its works and its surface), so "
            "a road keeps none. Never below joint_threshold_opening_kinds (the "
            "higher of the two is the bar); not below joint_threshold_narrow_kind nor "
            "above joint_threshold_same_place."
        ),
    )
    title_repeat_threshold: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description=(
            "Lowest similarity of two titles (character pairs, without the words every "
            "title uses: 反映, 咨询, 问题, the region's names) that links a petitioner's "
            "letter to their earlier one, whatever the text scores. A title is the "
            "writer's summary of the matter, written afresh: their different matters "
            "have different titles even when their letters share a style."
        ),
    )
    title_joint_threshold: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description=(
            "The same for another petitioner's letter, when the place its title names is "
            "named in the other letter: residents' titles about one problem of one place. "
            "Lower merges different problems of one estate or road."
        ),
    )
    merge_threshold: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description=(
            "Lowest text score, with a place in common, at which a letter linked to one "
            "open matter also merges another open matter of the region into it: the "
            "letter is about both, so they were one matter worded apart. Higher than the "
            "linking thresholds: a letter about one estate links, at a low score, to the "
            "estate's other problems too, and those are not merged. Above 1 merges none."
        ),
    )
    matter_merge_min_letters: int = Field(
        default=2,
        ge=1,
        description=(
            "Fewest letters each of two open matters must hold for their letters, as a "
            "whole, to show they are one (a letter linkable to one, at least "
            "joint_threshold_same_place with a letter of the other, no place conflict; at "
            "least half of each one's letters name one place, and the kinds of problem at "
            "least half of each one's titles name are the same; every subject agrees): "
            "what most of one letter names is that letter's, not a matter's. Measured on "
            "the blind4 probe (an estate's late handover, a plant, a developer's forced "
            "parking, 7 matters of 16-26 letters split greedily into parts): with 2, "
            "pairwise recall 0.494 -> 0.624 and no wrong pair on any probe nor among the "
            "2,781 real letters; with 1, 0.650, but blind3 precision 0.993 -> 0.966 (a "
            "one-letter part of another problem of the estate merged)."
        ),
    )
    matter_merge_max_letters: int = Field(
        default=40,
        ge=1,
        description=(
            "Most letters a matter may hold for its letters to be read as a whole when "
            "merging two matters (matter_merge_min_letters): a bound on the records read "
            "per candidate. The blind4 probe's biggest matter holds 26 letters, and the "
            "parts merged 10-12; a matter of hundreds (a platform's victims) is one "
            "already, and is not read for every letter of it."
        ),
    )
    matter_join_min_letters: int = Field(
        default=3,
        ge=0,
        description=(
            "Fewest letters an open matter must hold for a letter that links to no letter "
            "to join it by what the matter's letters say as a whole: the letter names a "
            "place at least half of the matter's letters name (as written, or by place "
            "agreement: a short name, a sound-alike), its title (or, of a title naming "
            "none, its opening) names a kind of problem at least half of the matter's "
            "titles name and no kind fewer than two of them name, of a lift or a leak no "
            "other building or part than the matter's titles, its subject agrees, and one "
            "of the matter's letters, of another petitioner and in no place conflict with "
            "it, was its candidate. A resident's "
            "short letter shares few words with each neighbour's, and what the many "
            "letters share is the place and the problem. "
            "With 2 a two-letter matter's reading joined another problem of the place "
            "(blind probe: a wrong link); 0 joins none."
        ),
    )
    related_threshold: float = Field(
        default=0.25,
        ge=0.0,
        le=1.0,
        description=(
            "Lowest score of a related-matter suggestion for a caseworker (no link). "
            "Lower gives caseworkers more, noisier suggestions."
        ),
    )
    field_mismatch_penalty: float = Field(
        default=0.15,
        ge=0.0,
        le=1.0,
        description=(
            "Added to the linking threshold when both cases are classified into "
            "different fields. Not a veto: intake's classifier may file a reworded "
            "repeat under another field."
        ),
    )
    containment_min_shingles: int = Field(
        default=30,
        ge=1,
        description=(
            "Both texts need this many distinct shingles before containment (trimmed or "
            "extended re-submissions) counts: a one-line text is 'contained' in many "
            "letters that are not about its matter. 30 character pairs is more than one "
            "line of Chinese: a one-line question about a school (some 20) is contained "
            "in every long letter about it."
        ),
    )
    collective_min_petitioners: int = Field(
        default=5,
        ge=2,
        description="Distinct petitioners from which a matter is a collective petition.",
    )
    handling_limit_days: int = Field(
        default=75,
        ge=1,
        description=(
            "Days from receipt within which a matter without status updates counts as "
            "being handled within its time limit (Art. 19): 15 days to accept (Art. 23) "
            "plus 60 to finish (Art. 34). Accept, extend and review updates move it."
        ),
    )
    max_cases_per_petitioner: int = Field(
        default=20,
        ge=1,
        description="Most recent cases per petitioner that are always compared (repeats).",
    )
    max_cases_per_place: int = Field(
        default=24,
        ge=1,
        description="Most recent cases per named place that are always compared (joint).",
    )
    max_band_candidates: int = Field(
        default=16,
        ge=1,
        description=(
            "Most recent LSH candidates compared per case. Bounds the work on a flood of "
            "near-identical texts (a template campaign). "
            "The petitioner and place indexes still find a matter's own cases; only a "
            "joint petition naming no place and sharing no person relies on this."
        ),
    )
    joint_threshold_same_subject: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description=(
            "The linking threshold when both petitions are mainly about one object at one "
            "estate (a mixing plant beside it, its restaurants' fumes, parking spaces "
            "forced on its buyers: ``features.letter_subject``), or one organisation's "
            "one wrong (a platform's collapse, a college's sending students to factories, "
            "an employer's unpaid wages: ``organisations.organisation_subject``). Residents "
            "and victims write about one such object in words that share almost nothing; "
            "the object and the place or the organisation are the evidence, so the text "
            "need add none."
        ),
    )
    max_subject_candidates: int = Field(
        default=64,
        ge=0,
        description=(
            "Most candidates looked at for one subject (one object at one estate, one "
            "organisation's one wrong) beyond those the text scores find (best text score "
            "first): bounds the work on a letter about a busy estate or a big platform's "
            "collapse. Fewer loses letters of their big joint matters."
        ),
    )
    max_title_candidates: int = Field(
        default=8,
        ge=0,
        description=(
            "Most candidates compared by title alone, best text score first, when no "
            "text score links a case: bounds the work on a case of a busy petitioner or "
            "place. Fewer loses letters about one matter whose words share little."
        ),
    )
    related_suggestions: int = Field(
        default=3, ge=0, description="How many related matters a verdict suggests at most."
    )
    shingle_size_zh: int = Field(
        default=2, ge=1, le=8, description="Characters per shingle in Chinese text."
    )
    shingle_size_latin: int = Field(
        default=5, ge=1, le=12, description="Characters per shingle in English text."
    )
    sketch_size: int = Field(
        default=128, description="MinHash bins per text (a power of two, 16 bits each)."
    )
    lsh_bands: int = Field(default=16, ge=1, description="LSH bands indexed per case.")
    lsh_rows: int = Field(
        default=3,
        ge=1,
        description=(
            "MinHashes per LSH band. A pair with Jaccard J becomes a candidate with "
            "probability 1 - (1 - J**rows)**bands: 0.65 at J=0.4, 0.88 at 0.5, 0.97 at "
            "0.6 with 16 x 3; repeats and same-place petitions are also found through "
            "the petitioner and place indexes, whatever their score."
        ),
    )

    @model_validator(mode="after")
    def _check_meaning(self) -> Self:
        if self.sketch_size < 16 or self.sketch_size & (self.sketch_size - 1):
            raise ValueError("sketch_size must be a power of two >= 16")
        if self.lsh_bands * self.lsh_rows > self.sketch_size:
            raise ValueError("lsh_bands * lsh_rows must not exceed sketch_size")
        if self.related_threshold > min(
            self.repeat_threshold, self.joint_threshold, self.joint_threshold_same_place
        ):
            raise ValueError("related_threshold must not exceed the linking thresholds")
        if self.repeat_threshold > self.repeat_threshold_no_place:
            raise ValueError("repeat_threshold must not exceed repeat_threshold_no_place")
        if self.joint_threshold_same_kind > self.joint_threshold_same_place:
            raise ValueError("joint_threshold_same_kind must not exceed joint_threshold_same_place")
        if self.joint_threshold_narrow_kind > self.joint_threshold_same_kind:
            raise ValueError(
                "joint_threshold_narrow_kind must not exceed joint_threshold_same_kind"
            )
        if not (
            self.joint_threshold_narrow_kind
            <= self.joint_threshold_kinds_agree
            <= self.joint_threshold_same_kind
        ):
            raise ValueError(
                "joint_threshold_kinds_agree must lie between joint_threshold_narrow_kind "
                "and joint_threshold_same_kind"
            )
        if not (
            self.joint_threshold_narrow_kind
            <= self.joint_threshold_opening_place
            <= self.joint_threshold_same_place
        ):
            raise ValueError(
                "joint_threshold_opening_place must lie between joint_threshold_narrow_kind "
                "and joint_threshold_same_place"
            )
        if not (
            self.joint_threshold_narrow_kind
            <= self.joint_threshold_opening_kinds
            <= self.joint_threshold_same_place
        ):
            raise ValueError(
                "joint_threshold_opening_kinds must lie between joint_threshold_narrow_kind "
                "and joint_threshold_same_place"
            )
        if not (
            self.joint_threshold_narrow_kind
            <= self.joint_threshold_opening_kinds_village
            <= self.joint_threshold_same_place
        ):
            raise ValueError(
                "joint_threshold_opening_kinds_village must lie between "
                "joint_threshold_narrow_kind and joint_threshold_same_place"
            )
        if self.joint_threshold_same_place > self.joint_threshold:
            raise ValueError("joint_threshold_same_place must not exceed joint_threshold")
        if self.matter_merge_min_letters > self.matter_merge_max_letters:
            raise ValueError("matter_merge_min_letters must not exceed matter_merge_max_letters")
        return self
