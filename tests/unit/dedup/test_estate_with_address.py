"""An estate named with its road in a title ("金霞路锦汀府", issue 13).

A title giving an estate with its road names the estate at its address: a narrow kind of
problem of the estate (``estate_kinds.NARROW_KINDS``: its gas, its late hand-over) in two
strangers' titles naming it so is one matter at ``joint_threshold_narrow_kind``, as it is
when neither names the road. The same narrow kind at two estates of one road stays two
matters, and a title naming a town or a village besides keeps its place as it is.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup.config import DedupConfig
from services.dedup.scoring import _without_address
from tests.unit.dedup.letters import strangers_pair

START = datetime(2020, 3, 2, 9, tzinfo=UTC)
REGION = "430104"


def _pair(first: tuple[str, str], second: tuple[str, str]) -> tuple[bool, float]:
    """Whether a stranger's second letter joins the first's matter, and its score."""
    return strangers_pair(first, second, start=START, region=REGION)


FIRST = (
    "关于金霞路锦汀府项目长期停工烂尾的反映",
    "我们是锦汀府的购房业主，合同约定去年底交房，但项目从前年起就基本停工，工地上只剩"
    "一个看门的。大家每月还着房贷又付着房租，压力很大，恳请政府督促开发商尽快复工。",
)
SECOND = (
    "金霞路锦汀府楼盘迟迟不能交房",
    "2019年签的合同，首付六十万，到现在钥匙都拿不到。售楼处早就人去楼空，销售电话"
    "打过去是空号。老人还在租房住，孩子转学也办不了，一家人挤在出租屋里，心里很着急，"
    "盼望能早日搬进新家。",
)
OTHER_ESTATE = (
    "金霞路枫林苑楼盘迟迟不能交房",
    "买了枫林苑的房子三年了，钥匙还没拿到，售楼部早就关门，电话也打不通。孩子上学的"
    "事情都耽误了，请领导关注一下这个楼盘，给我们一个交房的时间表。",
)


def test_one_estate_named_with_its_road_in_both_titles_is_one_matter() -> None:
    linked, score = _pair(FIRST, SECOND)
    # Below the bar of two titles agreeing on the kind: only the narrow kind's links it.
    assert score < DedupConfig().joint_threshold_kinds_agree
    assert linked


def test_two_estates_of_one_road_stay_apart() -> None:
    linked, _ = _pair(FIRST, OTHER_ESTATE)
    assert not linked


def test_the_road_of_an_estate_is_its_address() -> None:
    assert _without_address(("金霞路", "锦汀府")) == ("锦汀府",)
    assert _without_address(("金霞路",)) == ("金霞路",)
    # A village or a town besides: the places as they are.
    assert _without_address(("湘丰村", "金霞路", "锦汀府")) == ("湘丰村", "金霞路", "锦汀府")
