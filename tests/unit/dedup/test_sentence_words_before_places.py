"""A sentence's words read into the name of the place after them, and an estate named
with a local developer's brand (issue 13: residents' short letters about one hot matter)."""

from __future__ import annotations

from services.common.places import places
from services.dedup.config import DedupConfig
from services.dedup.index_keys import looked_up_places
from tests.unit.dedup.letters import NO_BANDS, indexed

#: The region of ``letters.a_record``.
RECORD_REGION = "610302"


def test_a_bus_route_is_read_without_the_sentence_before_its_number() -> None:
    for said in ("以前坐318路去医院", "原来有318路公交", "撤销318路公交", "早晚高峰318路很挤",
                 "问318路何时恢复", "反映过318路", "改乘318路", "不调整318路", "很多318路",
                 "跟着一辆又一辆318路", "10月1日起318路停运"):  # fmt: skip
        assert places(said) == {"318路"}, said
    # The town whose lines are numbered so is still the route's name.
    assert places("强烈反对星沙204路调整线路") == {"星沙204路"}
    assert places("长株潭101路") == {"长株潭101路"}


def test_a_request_or_a_report_inside_a_name_is_no_part_of_it() -> None:
    assert places("希望尽快搬迁澜岸家园附近垃圾站") == {"澜岸家园"}
    assert places("请求彻底整治杉木冲路铁路桥下积水") >= {"杉木冲路"}
    assert places("我们代表澜岸家园的业主") == {"澜岸家园"}
    assert places("北面紧邻栖凤路") == {"栖凤路"}
    assert places("由国企接手锦汀府") == {"锦汀府"}
    assert places("再次请求保护锦汀府业主征信") == {"锦汀府"}
    assert places("垃圾车就开进栖凤路站里") == {"栖凤路"}
    assert places("每次下雨杉木冲路就淹") == {"杉木冲路"}
    assert places("我3月份反映过锦亭府停工") == {"锦亭府"}
    assert places("已经投诉过阳光小区物业") == {"阳光小区"}
    assert places("要保护好五一桥") == {"五一桥"}
    assert places("挪用资金导致楼霞新村停工") == {"楼霞新村"}


def test_a_project_named_by_what_befell_it_or_its_developer_is_no_place() -> None:
    for said in ("挪用预售资金导致项目停工", "列入保交楼项目", "鼎泰置业项目烂尾"):
        assert places(said) == frozenset(), said
    # Nor does the next name run back into it.
    assert places("旗下地产项目汇金中央广场") == {"汇金中央广场"}
    # A project by its name still is.
    assert places("投诉山水城项目拖欠工资") == {"山水城项目"}


def test_an_estate_is_looked_up_by_its_name_after_a_local_brand_too() -> None:
    assert looked_up_places(["鼎泰锦汀府"]) == ["鼎泰锦汀府", "锦汀府"]
    assert looked_up_places(["锦汀府", "金霞路"]) == ["锦汀府", "金霞路"]
    config = DedupConfig()
    index, _ = indexed(("鼎泰锦汀府",), config=config)
    assert index.candidates(RECORD_REGION, None, (), ("锦汀府",), NO_BANDS, config) == [0]
