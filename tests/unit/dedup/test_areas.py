"""Matching areas: where a case is keyed, and which regions may be one place."""

from __future__ import annotations

from services.dedup.areas import match_area, may_share_matter


def test_a_county_a_city_and_a_province_are_matched_in_their_city_or_province() -> None:
    assert match_area("610302") == "610300"  # 渭滨区 in 宝鸡市
    assert match_area("610300") == "610300"  # a letter to 宝鸡市's mailbox
    assert match_area("610000") == "610000"  # a letter to 陕西省's
    assert match_area("110105") == "110000"  # 朝阳区: Beijing has no prefecture level
    assert match_area("999999") == "999999"  # not in the table: its own area


def test_a_city_letter_may_share_a_matter_with_its_counties_but_two_counties_may_not() -> None:
    assert may_share_matter("610300", "610302")
    assert may_share_matter("610302", "610300")
    assert may_share_matter("610302", "610302")
    assert not may_share_matter("610302", "610303")
    assert not may_share_matter("610300", "610102")  # a county of another city
    assert not may_share_matter("999999", "610302")
