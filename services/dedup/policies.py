"""One policy asked about by many people: strangers' questions on the same benefit of the
same group of residents in the same county or city (issue 13).

A city's mailbox gets the same question from many residents, each in their own words and
with their own story ("咨询灵活就业人员社保补贴申请条件", "灵活就业社保补贴怎么申请",
"大龄灵活就业人员能否享受社保补贴"). Their letters name no place in common, their texts
tell different lives, and yet they are one matter: one policy for one group. What a title
asks of such a policy is *who* it is for (a group of residents: 灵活就业人员, 退役士兵,
乡村教师, 多子女家庭, 新生儿, 投靠子女的老人, 异地人员, ...) and *what* (a subsidy, a
loan's amount, a withdrawal, registering a household, settling a medical bill, ...), and
*where* (the county the letter names, or the city): a county's subsidy for its rural
teachers is not the next county's. Two policies of one group and one kind are told apart
by the fund or purpose the title names beside them (``_QUALIFIERS``: the housing fund's
withdrawal for rent is not its withdrawal for a purchase).

*Where* is the county (or county-level city) the title names, else the first its content
names ("我在A7县一所乡镇中学任教" to the city's mailbox), else the letter's region: the
city's code for a city letter naming none. So a county's letter and a city letter naming no
county are two policies: the county's rural teachers' subsidy is the county's own (A7县's is
not A8县's), and a city letter naming no county may be either county's or the city's.

Both titles must name a group and a benefit (a fund's use for renting or a business counts
as its group: "租房提取公积金"), and no place besides their county or city (a letter about
an estate is about the estate). The text score plays no part: the letters of one policy in
the probes and the real letters score 0.10 to 0.46, as letters of different matters do.

The policy a title asks about is kept as a facet of the letter (``aboutness``: ``p.``), so
that a case recorded holds it without its content, and the case is indexed by its group
and benefit (``lookup_keys``): strangers' letters on it share too few words to meet by
their texts' bands.
"""

from __future__ import annotations

import re
import zlib
from typing import Final, NamedTuple

#: Groups of residents a policy is for, each as one word whichever way it is written.
_GROUPS: Final = (
    ("flex", "灵活就业"),
    ("veteran", "退役士兵|退役军人|退伍军人|退伍士兵|退伍兵"),
    ("ruralteacher", "乡村教师|农村教师|乡村老师|农村老师|乡村学校教师"),
    ("multichild", "(?:多子女|多孩|二孩|三孩|二胎|三胎|两孩)家庭"),
    ("newborn", "新生儿|新生婴儿|刚出生的孩子|新生宝宝"),
    ("elderjoin", "(?:老人|父母|老年人)(?:投靠|随)|投靠子女"),
    ("onlychild", "独生子女"),
    ("outsider", "异地人员|外地人员|外来人员|外地户籍人员|异地户籍人员"),
    ("chronic", "慢特病|慢性病|特殊病|特殊门诊"),
    ("talent", "人才"),
    ("graduate", "高校毕业生|大学毕业生|应届毕业生|大学生"),
    ("migrant", "农民工|外来务工人员|进城务工人员"),
    ("unemployed", "失业人员|下岗职工|下岗工人"),
    ("migrantchild", "随迁子女"),
    ("bereaved", "失独家庭|失独老人|计生特殊家庭"),
    ("aged", "高龄老人|八十岁以上老人|80岁以上老人"),
    ("landless", "被征地农民|失地农民"),
    ("lowincome", "低保户|低保家庭|特困人员|五保户"),
)
_GROUP_RES: Final = tuple((name, re.compile(words)) for name, words in _GROUPS)

#: What a policy gives or asks, each as one word whichever way it is written.
_BENEFITS: Final = (
    ("loan", "贷款"),
    ("withdraw", "提取"),
    ("subsidy", "补贴|补助|津贴|奖励金|扶助金"),
    ("hukou", "落户|迁户口|户口迁|入户|上户口|迁入户口"),
    ("settle", "结算|报销"),
    ("card", "优待证"),
    ("drive", "驾校|驾驶证|驾照"),
    ("pension", "养老金|退休金"),
    ("school", "入学|上学|就读"),
    ("house", "公租房|保障房|廉租房|人才公寓|驿站"),
)
_BENEFIT_RES: Final = tuple((name, re.compile(words)) for name, words in _BENEFITS)

#: The fund or purpose a title names beside its benefit: two titles naming one each and
#: none in common ask about two policies ("租房提取公积金", "购房提取公积金").
_QUALIFIERS: Final = (
    ("social", "社保|社会保险"),
    ("medical", "医保|医疗保险"),
    ("pensionins", "养老保险"),
    ("fund", "公积金"),
    ("rent", "租房|房租|租金"),
    ("buy", "购房|买房"),
    ("business", "创业"),
    ("living", "生活补"),
    ("traffic", "交通补"),
)
_QUALIFIER_RES: Final = tuple((name, re.compile(words)) for name, words in _QUALIFIERS)
#: Of ``_QUALIFIERS``, the funds, and the purposes a fund is used for besides what it is
#: for (not a purchase: the housing fund's loan to buy a home is every question on it).
_FUNDS: Final = frozenset({"social", "medical", "pensionins", "fund"})
_PURPOSES: Final = frozenset({"rent", "business"})

#: The county, district or county-level city a letter names (``A7县``, ``A5区``, ``M5市``;
#: not the prefecture's ``A市``), as the city's mailbox letters write it.
_COUNTY_RE: Final = re.compile("[A-Z](?:[0-9]{1,2}[县区市]|[县区])")

#: How the policy is kept among a letter's facets (``aboutness``): ASCII only.
POLICY: Final = "p."


class Policy(NamedTuple):
    """The policy a title asks about."""

    #: The groups and the benefits the title names (names of ``_GROUPS``, ``_BENEFITS``).
    who: frozenset[str]
    what: frozenset[str]
    #: The funds or purposes it names (``_QUALIFIERS``).
    qualifiers: frozenset[str]
    #: The county it or its content names (a checksum of the name), "" for none.
    where: str


def _found(patterns: tuple[tuple[str, re.Pattern[str]], ...], title: str) -> frozenset[str]:
    return frozenset(name for name, pattern in patterns if pattern.search(title))


def policy_facet(title: str, content: str) -> str:
    """The facet (``POLICY``) of the policy a folded title asks about: a group and a benefit
    it names, the county it names (else its content's first), "" when it names no group
    or no benefit."""
    what = _found(_BENEFIT_RES, title)
    if not what:
        # No benefit, no policy (most titles): the groups and funds not searched for.
        return ""
    who = _found(_GROUP_RES, title)
    quals = _found(_QUALIFIER_RES, title)
    if not who:
        # A fund's use for one purpose is a policy for whoever has that purpose (the
        # housing fund withdrawn to pay rent: "租房提取公积金").
        who = frozenset(f"for{q}" for q in quals & _PURPOSES) if quals & _FUNDS else who
    if not who or not what:
        return ""
    county = _COUNTY_RE.search(title) or _COUNTY_RE.search(content)
    where = f"{zlib.crc32(county.group(0).encode()):08x}" if county else ""
    parts = ("+".join(sorted(names)) for names in (who, what, quals))
    return POLICY + "/".join((*parts, where))


def read(facets: frozenset[str]) -> Policy | None:
    """The policy kept among a letter's facets (``policy_facet``), None for none."""
    for facet in facets:
        if facet.startswith(POLICY):
            who, what, quals, where = facet[len(POLICY) :].split("/")
            return Policy(
                frozenset(who.split("+")),
                frozenset(what.split("+")),
                frozenset(quals.split("+")) - {""},
                where,
            )
    return None


def _where(policy: Policy, region_code: str) -> str:
    # The county a letter names, else its region: a county's code, or the city's.
    if policy.where:
        return policy.where
    return f"code:{region_code}"


def same_policy(
    ours: frozenset[str], theirs: frozenset[str], our_region: str, their_region: str
) -> bool:
    """Whether two letters ask about one policy: the same groups and benefits, no two
    different funds or purposes, of the same county (named, or its code) or both of the
    city."""
    a, b = read(ours), read(theirs)
    if a is None or b is None:
        return False
    if a.who != b.who or a.what != b.what:
        return False
    if a.qualifiers and b.qualifiers and a.qualifiers.isdisjoint(b.qualifiers):
        return False
    return _where(a, our_region) == _where(b, their_region)


#: A policy facet (``policy_facet``) kept in a case record's topic (``aboutness.with_kept``).
_KEPT_POLICY_RE: Final = re.compile(re.escape(POLICY) + "([^,〕/]*)/([^,〕/]*)/")


def lookup_keys(topic: str) -> tuple[str, ...]:
    """The names a case asking about a policy is indexed and looked up by (``index_keys``):
    its groups and benefits ("p.veteran/subsidy"), whatever fund, purpose or county it
    names besides (``same_policy`` tells those apart). None for a topic asking none.
    ASCII and dotted: no estate's bare name is written so."""
    found = _KEPT_POLICY_RE.search(topic)
    return (f"{POLICY}{found.group(1)}/{found.group(2)}",) if found else ()
