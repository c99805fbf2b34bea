"""One market or plant whichever word of its kind a writer puts after its name (issue 13).

Residents name their market a "市场", a "菜市场", a "农贸市场" or a "菜场" ("侯家塘市场喇叭
太吵", "侯家塘农贸市场噪音"), and a sewage plant a "污水厂" or a "污水处理厂", as they put
"路" or "大道" after one road's name. The two names were two places: a letter whose title
names the market one way was about no place the other letter names, and met it only as a
stranger's letter with nothing in common. The name before the kind's word says which one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup.place_agreement import same_place
from tests.unit.dedup.letters import strangers_matters

START = datetime(2022, 9, 1, 9, tzinfo=UTC)
DISTRICT = "430102"


def test_a_markets_or_plants_name_with_either_word_of_its_kind_is_one_place() -> None:
    for mine, other in (
        ("侯家塘市场", "侯家塘农贸市场"),
        ("东塘菜市场", "东塘农贸市场"),
        ("侯家塘菜场", "侯家塘集贸市场"),
        ("滨江污水厂", "滨江污水处理厂"),
    ):
        assert same_place(mine, other), (mine, other)
        assert same_place(other, mine), (other, mine)


def test_other_names_or_kinds_are_other_places() -> None:
    for mine, other in (
        # Another name; no name at all; a market's and a plant's.
        ("东塘菜市场", "西塘菜市场"),
        ("农贸市场", "菜市场"),
        ("滨江市场", "滨江污水厂"),
    ):
        assert not same_place(mine, other), (mine, other)


NOISE = (
    "侯家塘农贸市场噪音",
    "尊敬的领导：侯家塘农贸市场每天早上五点就开始用大喇叭叫卖，声音很大，周边居民根本睡不"
    "好觉。请城管部门管一管，规定喇叭的使用时间。",
)
NOISE_AGAIN = (
    "侯家塘市场喇叭太吵",
    "我家就在侯家塘市场旁边，天不亮市场里的商户就放录音喇叭，一遍一遍地喊，老人小孩都被吵"
    "醒。希望有关部门禁止使用高音喇叭。",
)


def test_neighbours_letters_on_the_markets_noise_meet() -> None:
    first, second = strangers_matters(NOISE, NOISE_AGAIN, start=START, region=DISTRICT)
    assert first == second
