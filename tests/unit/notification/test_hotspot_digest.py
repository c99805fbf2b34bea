"""New hotspots from the ledger reach the supervising level's digest, each exactly once."""

from __future__ import annotations

import json
from datetime import timedelta

from schemas.ledger import HOTSPOT_EXAMPLES, HotspotDetected
from schemas.notices import NoticeKind
from schemas.notifications import DeliveryChannel, RecipientRole
from schemas.petitions import Language
from services.notification.grouping import RoutedAlert
from services.notification.plan import supervising_level
from services.notification.render import Renderer
from tests.unit.notification.test_engine import ScriptedSender, engine
from tests.unit.notification.test_plan import RECEIVED, planner


def hotspot(**changes: object) -> HotspotDetected:
    value = HOTSPOT_EXAMPLES[0].value
    assert value is not None
    return HotspotDetected.model_validate({**value, **changes})


#: A matter hotspot is in its county; a place hotspot is known to its city.
COUNTY_MATTER = hotspot(
    hotspot_id="HS-COUNTYMATTER", kind="matter", region_code="610302", group="MT-XF-1"
)
CITY_PLACE = hotspot(hotspot_id="HS-CITYPLACE", region_code="610300")


def test_the_supervising_level_is_the_one_above_the_hotspots_region() -> None:
    assert supervising_level("610302") == "city"
    assert supervising_level("610300") == "province"
    assert supervising_level("610000") == "national"


def test_the_default_policy_sends_a_county_hotspot_to_the_city_and_a_city_one_higher() -> None:
    county = planner().for_hotspot(COUNTY_MATTER)
    city = planner().for_hotspot(CITY_PLACE)
    assert [a.receiver for a in county.alerts] == ["city-supervision"]
    assert [a.receiver for a in city.alerts] == ["province-supervision"]
    assert [a.kind for a in county.alerts + city.alerts] == [NoticeKind.HOTSPOT_ALERT] * 2
    assert not county.notices
    assert not county.undeliverable


async def test_a_hotspot_republished_as_it_grows_is_in_one_digest_once() -> None:
    sender = ScriptedSender()
    notifier = engine(sender, {})
    grown = COUNTY_MATTER.model_copy(update={"petitions": 20, "petitioners": 15})
    alerts: list[RoutedAlert] = []
    for published in (COUNTY_MATTER, COUNTY_MATTER, grown):
        step = notifier.on_hotspot(published)
        assert not step.delivered
        assert not step.failed
        alerts += step.alerts
    assert len(alerts) == 3  # each publication is routed; the receiver's group holds one
    for alert in alerts:
        notifier.on_alert(alert, 0, RECEIVED).remember()

    waiting = await notifier.on_tick(0, RECEIVED + timedelta(seconds=30))
    assert not waiting.delivered  # the route's group_wait (1 minute) is not over
    due = await notifier.on_tick(0, RECEIVED + timedelta(minutes=1))
    due.remember()
    [record] = due.delivered
    assert record.kind is NoticeKind.HOTSPOT_ALERT
    assert record.recipient_role is RecipientRole.SUPERVISOR
    assert record.recipient == "city-supervision"
    assert record.channel is DeliveryChannel.EMAIL
    assert record.case_ids == [COUNTY_MATTER.case_ids[0]]
    assert len(sender.taken) == 1

    # Grown again after its digest went, and redelivered: no second notice, ever.
    for alert in notifier.on_hotspot(grown.model_copy(update={"petitions": 30})).alerts:
        notifier.on_alert(alert, 0, RECEIVED + timedelta(hours=2)).remember()
    later = await notifier.on_tick(0, RECEIVED + timedelta(hours=3))
    later.remember()
    assert not later.delivered
    assert len(sender.taken) == 1


async def test_new_hotspots_of_one_level_share_one_digest() -> None:
    sender = ScriptedSender()
    notifier = engine(sender, {})
    cooler = COUNTY_MATTER.model_copy(
        update={"hotspot_id": "HS-COOLER", "heat": 50.0, "description": "渭滨区: 工资拖欠"}
    )
    for published in (cooler, COUNTY_MATTER):
        for alert in notifier.on_hotspot(published).alerts:
            notifier.on_alert(alert, 0, RECEIVED).remember()
    due = await notifier.on_tick(0, RECEIVED + timedelta(minutes=2))
    [record] = due.delivered
    assert record.subject == "信访热点研判提醒：新发现2个热点"
    assert set(record.case_ids) == {COUNTY_MATTER.case_ids[0]}
    assert len(sender.taken) == 1


def _empty_tables() -> dict[str, dict[str, object]]:
    """The notifier's tables, empty and open to the test."""
    return {name: {} for name in ("cases", "sent", "retries", "waiting", "groups")}


async def test_more_hotspots_than_a_digest_holds_go_in_several_each_once() -> None:
    sender = ScriptedSender()
    tables = _empty_tables()
    notifier = engine(sender, {}, state=tables)
    published = [
        COUNTY_MATTER.model_copy(update={"hotspot_id": f"HS-MANY{n:03d}"}) for n in range(40)
    ]
    for found in published:
        for alert in notifier.on_hotspot(found).alerts:
            notifier.on_alert(alert, 0, RECEIVED).remember()
    assert len(tables["groups"]) == 3  # 16, 16 and 8 (MAX_DIGEST_HOTSPOTS)
    assert max(len(json.dumps(row)) for row in tables["groups"].values()) < 500_000
    due = await notifier.on_tick(0, RECEIVED + timedelta(minutes=2))
    due.remember()
    assert len(due.delivered) == len(sender.taken) == 3
    assert sorted(record.subject for record in due.delivered) == [
        "信访热点研判提醒：新发现16个热点",
        "信访热点研判提醒：新发现16个热点",
        "信访热点研判提醒：新发现8个热点",
    ]


def test_the_digest_names_each_hotspot_its_evidence_and_cases_in_both_languages() -> None:
    renderer = Renderer()
    cooler = COUNTY_MATTER.model_copy(update={"hotspot_id": "HS-COOLER", "heat": 50.0})
    for language in Language:
        rendered = renderer.render_digest(
            "hotspot_alert", "city-supervision", (), (cooler, COUNTY_MATTER), language
        )
        body = rendered.body_text
        assert body.index(COUNTY_MATTER.hotspot_id) < body.index("HS-COOLER")
        assert COUNTY_MATTER.description in body
        assert COUNTY_MATTER.case_ids[0] in body
        assert "201.3" in body
        assert rendered.sms_text


async def test_a_tick_with_nothing_due_leaves_each_group_its_model() -> None:
    # A tick reads every group of its partition; finding nothing due, it changes none and
    # writes none, and each group's model still stands for its row (``_GroupModels``): the
    # next alert takes it instead of validating the whole row again.
    sender = ScriptedSender()
    tables = _empty_tables()
    notifier = engine(sender, {}, state=tables)
    for found in (COUNTY_MATTER, COUNTY_MATTER.model_copy(update={"hotspot_id": "HS-OTHER"})):
        for alert in notifier.on_hotspot(found).alerts:
            notifier.on_alert(alert, 0, RECEIVED).remember()
    [key] = tables["groups"]
    # As read from the store once the batch has committed: decoded anew.
    tables["groups"][key] = json.loads(json.dumps(tables["groups"][key]))
    model = notifier._group_models._kept[key][1]
    waiting = await notifier.on_tick(0, RECEIVED + timedelta(seconds=30))
    assert not waiting.writes
    assert notifier._group_models.group(key, tables["groups"][key]) is model
    notifier._group_models.keep(key, tables["groups"][key], model)
    due = await notifier.on_tick(0, RECEIVED + timedelta(minutes=1))
    due.remember()
    [record] = due.delivered
    assert record.subject == "信访热点研判提醒：新发现2个热点"
    assert len(sender.taken) == 1


async def test_a_full_group_passed_over_keeps_its_model() -> None:
    # A group holds 16 hotspots at most: the 17th goes to an overflow group, and the full
    # group is read for every alert after it, unchanged. Its model still stands for its
    # row, read back from the store (decoded anew): not validated again.
    sender = ScriptedSender()
    tables = _empty_tables()
    notifier = engine(sender, {}, state=tables)
    published = [
        COUNTY_MATTER.model_copy(update={"hotspot_id": f"HS-FULL{n:03d}"}) for n in range(18)
    ]
    for found in published:
        for alert in notifier.on_hotspot(found).alerts:
            notifier.on_alert(alert, 0, RECEIVED).remember()
            for key, row in list(tables["groups"].items()):
                tables["groups"][key] = json.loads(json.dumps(row))  # committed, read back
    full, overflow = sorted(tables["groups"])
    assert overflow == f"{full}#1"
    model = notifier._group_models._kept[full][1]
    assert notifier._group_models.group(full, tables["groups"][full]) is model
    assert len(model.hotspots) == 16
