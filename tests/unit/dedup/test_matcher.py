"""The matcher's verdicts: rewordings that must match, look-alikes that must not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from schemas.cases import Verdict
from schemas.petitions import Language
from services.dedup.config import DedupConfig
from services.dedup.decision import DedupDecision
from services.dedup.facts import CaseFacts
from services.dedup.matcher import Matcher
from services.dedup.records import MatchReason, MatterStatus
from services.dedup.state import InMemoryMatchState

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
REGION = "610302"
TITLE = "阳光小区地下室长期积水"
SENTENCES = [
    "阳光小区3号楼地下室长期积水",
    "水深已超过30厘米",
    "物业公司一直不处理",
    "夏天蚊虫滋生气味难闻",
    "请求有关部门督促物业尽快排水维修",
]
CONTENT = "，".join(SENTENCES) + "。"
ENGLISH = (
    "The construction site on Maple Road works until 3 in the morning every night. "
    "The noise keeps the whole neighbourhood awake. There is no night work permit posted. "
    "Please order the site to stop working at night."
)

_counter = iter(range(1_000_000))


def facts(
    content: str,
    *refs: str,
    title: str = TITLE,
    days: float = 0,
    region: str = REGION,
    language: Language = Language.ZH,
) -> CaseFacts:
    return CaseFacts(
        case_id=f"XF-{next(_counter):06d}",
        received_at=T0 + timedelta(days=days),
        region_code=region,
        petitioner_refs=refs or ("pr_alice",),
        title=title,
        content=content,
        language=language,
    )


@pytest.fixture
def matcher() -> Matcher:
    return Matcher(InMemoryMatchState(), DedupConfig())


def first_then(
    matcher: Matcher, later: CaseFacts, first: CaseFacts | None = None
) -> tuple[DedupDecision, DedupDecision]:
    original = matcher.match(first or facts(CONTENT))
    return original, matcher.match(later)


def assert_repeat(original: DedupDecision, repeat: DedupDecision) -> None:
    assert repeat.verdict is Verdict.REPEAT
    assert repeat.matter_id == original.matter_id
    assert repeat.first_case_id == original.case_id
    assert repeat.repeat_count == 1


def test_first_petition_opens_a_matter(matcher: Matcher) -> None:
    decision = matcher.match(facts(CONTENT))
    assert decision.verdict is Verdict.NEW
    assert decision.reason is MatchReason.FIRST_OF_MATTER
    assert decision.matter_id == f"MT-{decision.case_id}"
    assert decision.open_case_id == decision.case_id


def test_exact_copy_is_an_exact_repeat(matcher: Matcher) -> None:
    original, repeat = first_then(matcher, facts(CONTENT, days=10))
    assert_repeat(original, repeat)
    assert repeat.reason is MatchReason.EXACT_REPEAT
    assert repeat.score == 1.0


TRADITIONAL = (
    "陽光小區3號樓地下室長期積水，水深已超過30釐米，物業公司一直不處理，"
    "夏天蚊蟲滋生氣味難聞，請求有關部門督促物業儘快排水維修。"
)
REWORDINGS = {
    "traditional script": (TRADITIONAL, "陽光小區地下室長期積水"),
    "full width": (CONTENT.replace("3", "３").replace("30", "３０"), TITLE),
    "punctuation": ("！".join(SENTENCES) + "……", TITLE),
    "hotline boilerplate": ("市民来电反映：" + CONTENT, "来电人称" + TITLE),
    "reordered sentences": ("。".join(reversed(SENTENCES)) + "。", TITLE),
    "trimmed": ("，".join(SENTENCES[:3]) + "。", TITLE),
    "extended": (
        CONTENT + "此事已经反映多次，一直没有得到解决。如果再不解决我们将继续向上级反映。"
        "小区里还有很多老人和孩子，环境卫生问题十分严重。",
        TITLE,
    ),
    "typos": (CONTENT.replace("处理", "除里").replace("督促", "都促"), TITLE),
}


@pytest.mark.parametrize("rewording", sorted(REWORDINGS))
def test_a_reworded_petition_by_the_same_person_is_a_repeat(
    matcher: Matcher, rewording: str
) -> None:
    content, title = REWORDINGS[rewording]
    original, repeat = first_then(matcher, facts(content, title=title, days=20))
    assert_repeat(original, repeat)


def test_reworded_english_petition_is_a_repeat(matcher: Matcher) -> None:
    reworded = (
        "The caller reports that there is no night work permit posted! the construction "
        "site on maple road works until 3 in the mornign every night; please order the "
        "site to stop working at night"
    )
    title = "Night construction noise on Maple Road"
    original, repeat = first_then(
        matcher,
        facts(reworded, title=title, days=5, language=Language.EN),
        facts(ENGLISH, title=title, language=Language.EN),
    )
    assert_repeat(original, repeat)


def test_a_co_petitioner_coming_back_alone_is_a_repeat(matcher: Matcher) -> None:
    original, repeat = first_then(
        matcher, facts(CONTENT, "pr_bob", days=3), facts(CONTENT, "pr_alice", "pr_bob")
    )
    assert_repeat(original, repeat)


def test_the_same_template_about_another_estate_is_not_linked(matcher: Matcher) -> None:
    other = CONTENT.replace("阳光小区", "翠湖花园")
    original, twin = first_then(
        matcher, facts(other, "pr_bob", title=TITLE.replace("阳光小区", "翠湖花园"))
    )
    assert twin.matter_id != original.matter_id
    assert twin.verdict is Verdict.RELATED
    assert twin.reason is MatchReason.DIFFERENT_PLACE
    assert twin.related[0].matter_id == original.matter_id


def test_the_same_template_from_the_same_person_about_another_estate_is_not_linked(
    matcher: Matcher,
) -> None:
    other = CONTENT.replace("阳光小区", "锦绣家园")
    original, twin = first_then(matcher, facts(other, title=TITLE.replace("阳光小区", "锦绣家园")))
    assert twin.matter_id != original.matter_id


def test_one_wrong_character_in_a_place_is_a_typo_for_the_same_person_only(
    matcher: Matcher,
) -> None:
    # The trade-off of places._same_place: from the petitioner who wrote "阳光小区"
    # before, "阳光小去" is a typo; from a stranger, "月光小区" is another estate.
    original = matcher.match(facts(CONTENT))
    typo = matcher.match(
        facts(CONTENT.replace("阳光小区", "阳光小去"), title="阳光小去地下室积水", days=1)
    )
    stranger = matcher.match(
        facts(CONTENT.replace("阳光小区", "月光小区"), "pr_bob", title="月光小区地下室积水", days=2)
    )
    assert typo.matter_id == original.matter_id
    assert stranger.matter_id != original.matter_id


def test_the_same_estate_with_another_problem_is_not_linked(matcher: Matcher) -> None:
    elevator = (
        "阳光小区3号楼电梯经常出现故障，上个月有居民被困电梯20分钟，物业只是简单维修，"
        "楼里老人多上下楼非常困难，请求市场监管部门检查电梯安全。"
    )
    for refs in (("pr_alice",), ("pr_bob",)):
        state_matcher = Matcher(InMemoryMatchState())
        original, other = first_then(
            state_matcher, facts(elevator, *refs, title="阳光小区电梯频繁故障")
        )
        assert other.matter_id != original.matter_id
        assert other.verdict in (Verdict.NEW, Verdict.RELATED)


def test_another_region_is_another_matter(matcher: Matcher) -> None:
    original, other = first_then(matcher, facts(CONTENT, region="610303"))
    assert other.verdict is Verdict.NEW
    assert other.matter_id != original.matter_id


NEIGHBOURS = [
    "我是阳光小区的业主，我们阳光小区3号楼的地下室常年积水，积水最深处有30厘米左右，"
    "找了物业多次都没人管，希望相关部门责令物业马上抽水修好。",
    "阳光小区3号楼地下室一直有积水，积水深度达到30厘米，物业对此置之不理，滋生大量蚊虫，"
    "味道刺鼻，恳请政府部门督促物业解决积水。",
    "本人住在阳光小区3号楼2单元，地下室长期积水，水深已超过30厘米，物业公司一直不处理，"
    "请求有关部门督促物业尽快排水维修。",
    "反映阳光小区地下室积水问题：阳光小区3号楼的地下室常年积水，物业对此置之不理，"
    "夏天蚊子很多而且臭气熏天。",
    "阳光小区3号楼地下室一直有积水，找了物业多次都没人管，蚊虫滋生气味难闻，"
    "希望相关部门责令物业马上抽水修好。",
]


def test_neighbours_on_the_same_matter_are_joint_and_five_are_collective(
    matcher: Matcher,
) -> None:
    original = matcher.match(facts(CONTENT))
    decisions = [
        matcher.match(facts(text, f"pr_neighbour_{i}", days=i + 1))
        for i, text in enumerate(NEIGHBOURS)
    ]
    assert [d.verdict for d in decisions] == [Verdict.JOINT] * len(NEIGHBOURS)
    assert {d.matter_id for d in decisions} == {original.matter_id}
    assert all(d.reason is MatchReason.JOINT_MATTER for d in decisions)
    assert [d.matter_petitioners for d in decisions] == [2, 3, 4, 5, 6]
    assert [d.collective for d in decisions] == [False, False, False, True, True]
    again = matcher.match(facts(NEIGHBOURS[0], "pr_neighbour_0", days=30))
    assert again.verdict is Verdict.REPEAT
    assert again.matter_petitions == 7
    assert again.matter_petitioners == 6


def test_a_similar_matter_below_the_threshold_is_suggested_as_related() -> None:
    matcher = Matcher(InMemoryMatchState(), DedupConfig(joint_threshold=0.95))
    original = matcher.match(facts(CONTENT))
    vague = matcher.match(
        facts(
            "小区地下室长期积水，水深超过30厘米，物业公司一直不处理，请求督促。",
            "pr_bob",
            title="地下室积水",
        )
    )
    assert vague.verdict is Verdict.RELATED
    assert vague.reason is MatchReason.SIMILAR_BELOW_THRESHOLD
    assert vague.matter_id != original.matter_id
    assert vague.related[0].matter_id == original.matter_id
    assert 0.25 <= vague.score < 0.95


def test_a_repeat_within_the_time_limit_is_not_accepted_again(matcher: Matcher) -> None:
    original, repeat = first_then(matcher, facts(CONTENT, days=30))
    assert repeat.matter_status is MatterStatus.HANDLING
    assert repeat.open_case_id == original.case_id
    assert not repeat.accept_anew
    late = matcher.match(facts(CONTENT, days=200))
    assert late.matter_status is MatterStatus.LIMIT_ELAPSED
    assert late.open_case_id == original.case_id


def test_a_redelivered_case_gets_its_first_decision_and_counts_once(matcher: Matcher) -> None:
    matcher.match(facts(CONTENT))
    repeat = facts(CONTENT, days=1)
    first = matcher.match(repeat)
    again = matcher.match(repeat)
    assert (again.verdict, again.reason, again.matter_id) == (
        first.verdict,
        first.reason,
        first.matter_id,
    )
    assert again.repeat_count == first.repeat_count == 1
    assert again.matter_petitions == 2


def test_a_matter_lost_in_a_crash_is_written_again_by_the_redelivery() -> None:
    # Killed between the two writes: the case's record reached its changelog, its
    # matter's did not. The redelivered case mends the matter; the repeat then joins it.
    state = InMemoryMatchState()
    matcher = Matcher(state, DedupConfig())
    first = facts(CONTENT)
    decided = matcher.match(first)
    state.matters.delete(decided.matter_id)
    again = matcher.match(first)
    assert (again.verdict, again.matter_id) == (decided.verdict, decided.matter_id)
    assert again.matter_petitions == 1
    assert_repeat(decided, matcher.match(facts(CONTENT, days=1)))


def test_a_repeat_whose_matter_was_lost_in_a_crash_rejoins_it() -> None:
    state = InMemoryMatchState()
    matcher = Matcher(state, DedupConfig())
    original = matcher.match(facts(CONTENT))
    repeat = facts(CONTENT, days=1)
    matter_before = state.matters.get(original.matter_id)
    decided = matcher.match(repeat)
    assert matter_before is not None
    state.matters.set(original.matter_id, matter_before)  # the repeat's matter write lost
    again = matcher.match(repeat)
    assert (again.verdict, again.matter_id, again.repeat_count) == (
        decided.verdict, decided.matter_id, decided.repeat_count
    )  # fmt: skip
    assert again.matter_petitions == 2
    third = matcher.match(facts(CONTENT, days=2))
    assert (third.matter_id, third.repeat_count, third.matter_petitions) == (
        original.matter_id, 2, 3
    )  # fmt: skip


def test_a_case_whose_record_was_lost_in_a_crash_is_counted_once() -> None:
    # The other way round: the matter's write landed (it counts the repeat), the case's
    # did not. The redelivered repeat is decided again and counted once.
    original, repeat = facts(CONTENT), facts(CONTENT, days=1)
    complete = Matcher(InMemoryMatchState(), DedupConfig())
    complete.match(original)
    decided = complete.match(repeat)
    torn = Matcher(InMemoryMatchState(), DedupConfig())
    torn.match(original)
    counted = complete.state.matters.get(decided.matter_id)
    assert counted is not None
    torn.state.matters.set(decided.matter_id, counted)
    again = torn.match(repeat)
    assert (again.verdict, again.matter_id) == (decided.verdict, decided.matter_id)
    assert torn.state.matters.get(decided.matter_id) == counted
    assert torn.match(facts(CONTENT, days=2)).matter_petitions == 3


def test_case_deduplicated_event_carries_the_verdict(matcher: Matcher) -> None:
    from schemas.cases import CaseRegistered, DedupReason
    from schemas.examples import REGISTERED

    registered = CaseRegistered.model_validate(REGISTERED[0].value)
    decision = matcher.match(CaseFacts.from_registered(registered))
    event = decision.to_case_deduplicated(registered, decided_at=T0)
    assert event.verdict is Verdict.NEW
    assert event.reason is DedupReason.FIRST_OF_MATTER
    assert event.matter_id == decision.matter_id
    assert event.case == registered


def test_a_letter_about_two_matters_worded_apart_merges_them(matcher: Matcher) -> None:
    # Two residents word one problem of their estate so differently that neither letter
    # links the other (neither title names the estate); a third resident's letter says
    # what both say, and shows the two matters to be one: they are merged, the earlier
    # matters' cases with them.
    basement = "阳光小区3号楼地下室长期积水，水深已超过30厘米，夏天蚊虫滋生气味难闻。"
    reworded = "阳光小区物业不管，楼下的水一直排不出去，已经泡了两个月，楼道里全是臭味。"
    first = matcher.match(facts(basement, "pr_a", title="地下室积水"))
    second = matcher.match(facts(reworded, "pr_b", title="地下室积水问题", days=1))
    assert second.matter_id != first.matter_id
    both = matcher.match(facts(basement + reworded, "pr_c", title="地下室积水", days=2))
    assert both.verdict is Verdict.JOINT
    assert {both.matter_id, *(m.matter_id for m in both.merged)} == {
        first.matter_id,
        second.matter_id,
    }
    assert [m.case_ids for m in both.merged] in ([(first.case_id,)], [(second.case_id,)])
    assert (both.matter_petitions, both.matter_petitioners) == (3, 3)
    assert both.first_case_id == first.case_id
    # Later letters like either first one join the merged matter.
    later = matcher.match(facts(reworded, "pr_b", title="地下室积水", days=3))
    assert later.matter_id == both.matter_id
    assert later.verdict is Verdict.REPEAT
    assert later.matter_petitions == 4


def test_a_letter_about_one_estates_other_problem_merges_nothing(matcher: Matcher) -> None:
    # The same estate's different problems: a letter naming both links (weakly) to each,
    # and that is no evidence the two are one matter.
    basement = "阳光小区3号楼地下室长期积水，水深已超过30厘米，夏天蚊虫滋生气味难闻。"
    parking = "阳光小区开发商车位只售不租，每个车位售价高达30万元，业主只能停在路边。"
    first = matcher.match(facts(basement, "pr_a", title="阳光小区地下室积水"))
    second = matcher.match(facts(parking, "pr_b", title="阳光小区车位只售不租", days=1))
    assert second.matter_id != first.matter_id
    third = matcher.match(facts(basement + "另外" + parking, "pr_c", title="阳光小区", days=2))
    assert third.merged == ()
