"""Generated, realistic petitions for the demo, the tests and the benchmarks.

Seeded and deterministic. Every channel, Chinese and English, with planted repeats (the
same person re-submitting the same matter), channel retries (the same submission twice)
and a share of invalid messages of every kind.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Final

from schemas.petitions import Channel

CHINA: Final = timezone(timedelta(hours=8))
START: Final = datetime(2026, 11, 2, 8, 30, tzinfo=CHINA)

SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN: Final = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
                "娟", "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建国", "国强", "志红"]  # fmt: skip
EN_NAMES: Final = ["Li Wei", "Wang Fang", "Zhang Min", "Chen Jie", "Liu Yang", "Anna Schmidt",
                   "John Carter", "Maria Lopez", "Zhao Lei", "Sun Hui"]  # fmt: skip

#: County-level regions with the estates, roads and employers petitions name.
REGIONS: Final = {
    "610302": ("宝鸡市渭滨区", ["清姜路", "经二路", "姜谭路"], ["金渭湾小区", "清姜花园", "渭水名居"]),
    "610303": ("宝鸡市金台区", ["宝平路", "东风路", "卧龙寺路"], ["金台华府", "东岭小区", "蟠龙新苑"]),
    "110105": ("北京市朝阳区", ["望京街", "朝阳北路", "东三环中路"], ["望京花园", "阳光上东", "双井小区"]),
    "110108": ("北京市海淀区", ["中关村大街", "学院路", "西三环北路"], ["万柳小区", "学院派公寓", "锦秋家园"]),
    "440305": ("深圳市南山区", ["科技园路", "南海大道", "沙河西路"], ["蛇口花园", "桃源村", "科技园公寓"]),
    "510104": ("成都市锦江区", ["春熙路", "东大街", "静安路"], ["锦江城市花园", "东湖小区", "水井坊小区"]),
}  # fmt: skip

#: The first petitions of a batch whose petitioners keep coming back.
PERSISTENT: Final = 4
EMPLOYERS: Final = ["某建筑劳务公司", "某电子厂", "某物流公司", "某餐饮连锁店", "某装修公司"]

ZH_MATTERS: Final = [
    ("购房多年无法办理产权证", "本人于{year}年在{district}{estate}购房，开发商至今未办理产权证，多次催促无果，请求有关部门督促开发商尽快办理。"),
    ("小区物业乱收费", "{district}{estate}物业公司今年起擅自上调物业费，且公共区域长期无人打扫，业主多次投诉未果。"),
    ("房屋漏水质量问题", "我家位于{district}{estate}，新房交付不到两年，卫生间和外墙多处渗水，开发商拒不维修。"),
    ("拆迁补偿款未到位", "{district}{road}片区旧城改造，我家房屋于{year}年被拆除，至今安置补偿款仍未足额发放。"),
    ("期房逾期交付", "{district}{estate}项目合同约定{year}年交房，现已逾期一年多，工地停工，购房者每月还贷压力巨大。"),
    ("拖欠农民工工资", "我们在{district}{employer}工地干活，老板拖欠三十多名工人四个月工资共计约四十万元，讨要无果。"),
    ("道路破损坑洼", "{district}{road}路面多处塌陷坑洼，雨天积水严重，已有电动车摔倒，请求尽快修复。"),
    ("夜间施工噪音扰民", "{district}{road}附近工地每天夜里十一点后仍在施工，噪音很大，影响周边居民休息。"),
    ("工厂排放异味", "{district}{road}附近一家工厂长期排放刺鼻气味，疑似污染空气，周边居民身体不适。"),
    ("孩子入学难", "我家住{district}{estate}，孩子今年适龄入学，但被告知学区已满，无法在就近学校入学。"),
    ("医院乱收费", "本人在{district}某医院住院期间被重复收取检查费，多次与医院沟通未果，请求核查。"),
    ("低保申请被拒", "本人家庭困难，在{district}申请最低生活保障被拒，理由不清楚，请求重新审核。"),
    ("举报村干部侵占集体资金", "{district}某村村干部多年来虚报冒领、侵占集体土地补偿款，群众反映强烈，请求纪检部门调查。"),
    ("法院判决执行难", "本人与某公司的合同纠纷经{district}人民法院判决胜诉，但至今未执行到位，请求督促执行。"),
    ("建议增设公交线路", "建议在{district}{road}至{estate}之间增设一条公交线路，方便周边居民出行。"),
    ("占道经营", "{district}{road}人行道长期被摊贩占用，行人只能走机动车道，存在安全隐患。"),
]  # fmt: skip
EN_MATTERS: Final = [
    ("Unpaid wages at a construction site", "Workers at {employer_en} in {district_en} have not been paid for four months; about thirty people are owed wages."),
    ("Property title certificate delayed", "I bought a flat in {estate_en}, {district_en}, in {year}; the developer has still not issued the title certificate."),
    ("Noise from night construction", "A building site near {road_en}, {district_en}, works after 11 pm every night and residents cannot sleep."),
    ("Potholes on the road", "The road surface on {road_en} in {district_en} is broken with deep potholes; a cyclist fell last week."),
    ("Suggestion: a new bus line", "I suggest a bus line between {road_en} and {estate_en} in {district_en} for the residents of the area."),
]  # fmt: skip


@dataclass
class GeneratedBatch:
    """Lines to publish and what the pipeline should make of them."""

    lines: list[bytes] = field(default_factory=list)
    valid: int = 0
    invalid: int = 0
    retries: int = 0
    planted_repeats: int = 0


def _person(rng: random.Random, english: bool) -> dict[str, Any]:
    name = rng.choice(EN_NAMES) if english else rng.choice(SURNAMES) + rng.choice(GIVEN)
    person: dict[str, Any] = {"name": name}
    roll = rng.random()
    if roll < 0.75:
        person["phone"] = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
    if roll > 0.6:
        person["email"] = f"user{rng.randrange(10**6)}@example.cn"
    if roll < 0.3:
        person["address"] = "某市某区某路" + str(rng.randrange(1, 300)) + "号"
    return person


def _petition(rng: random.Random, serial: int, received_at: datetime) -> dict[str, Any]:
    region = rng.choice(sorted(REGIONS))
    district, roads, estates = REGIONS[region]
    english = rng.random() < 0.15
    channel = rng.choice(list(Channel))
    values = {
        "district": district,
        "road": rng.choice(roads),
        "estate": rng.choice(estates),
        "employer": rng.choice(EMPLOYERS),
        "year": str(rng.randrange(2015, 2025)),
        "district_en": f"district {region}",
        "road_en": f"Road No. {rng.randrange(1, 40)}",
        "estate_en": f"Garden Estate {rng.randrange(1, 20)}",
        "employer_en": f"Construction Co. {rng.randrange(1, 9)}",
    }
    title, content = rng.choice(EN_MATTERS if english else ZH_MATTERS)
    person = _person(rng, english)
    # What each channel always records (intake refuses a channel message without it).
    if channel in (Channel.PHONE, Channel.HOTLINE):
        person.setdefault("phone", f"1{rng.choice('3578')}{rng.randrange(10**9):09d}")
    elif channel is Channel.EMAIL:
        person.setdefault("email", f"user{rng.randrange(10**6)}@example.cn")
    elif channel is Channel.LETTER:
        person.setdefault("address", f"{district}{rng.choice(roads)}{rng.randrange(1, 300)}号")
    petition: dict[str, Any] = {
        "submission_id": f"{channel.value}-{serial:06d}",
        "channel": channel.value,
        "received_at": received_at.isoformat(),
        "petitioner": person,
        "region_code": region,
        "title": title,
        "content": content.format(**values),
        "language": "en" if english else "zh",
    }
    if channel is Channel.HOTLINE:
        petition["content"] = ("The caller reports: " if english else "来电反映：") + petition[
            "content"
        ]
        petition["hotline_call"] = {
            "call_id": f"C-{serial:07d}",
            "duration_seconds": rng.randrange(60, 900),
            "operator_id": f"op-{rng.randrange(1, 40)}",
        }
    if channel is Channel.VISIT:
        size = rng.choice([1, 1, 2, 3, 6, 12])
        petition["group_size"] = size
        if size > 1:
            petition["representatives"] = [
                _person(rng, english) for _ in range(min(size, rng.randrange(1, 6)))
            ]
    if "举报" in title:
        petition["accused"] = "某村村民委员会"
    return petition


def _invalid(rng: random.Random, serial: int, base: dict[str, Any]) -> bytes:
    kind = serial % 5
    if kind == 0:
        return b'{"submission_id": "broken-' + str(serial).encode() + b'", "channel": '
    if kind == 1:
        broken = dict(base)
        broken.pop("region_code")
        return json.dumps(broken, ensure_ascii=False).encode()
    if kind == 2:
        broken = dict(base)
        broken["received_at"] = 20261120
        return json.dumps(broken, ensure_ascii=False).encode()
    if kind == 3:
        broken = dict(base)
        broken["channel"] = "carrier_pigeon"
        return json.dumps(broken, ensure_ascii=False).encode()
    return b"\xff\xfe not utf-8 \x00"


def generate(
    count: int, seed: int = 2026, invalid_share: float = 0.04, start: datetime = START
) -> GeneratedBatch:
    """``count`` lines: fresh petitions, planted repeats, channel retries, invalid input.

    Petitions are received from ``start`` on, a few minutes apart (about 10 hours per
    1,000 petitions): the demo starts them a day ago, so no legal clock has run out yet.
    """
    rng = random.Random(seed)
    batch = GeneratedBatch()
    originals: list[dict[str, Any]] = []
    moment = start
    serial = 0
    while len(batch.lines) < count:
        serial += 1
        moment += timedelta(seconds=rng.randrange(6, 66))
        roll = rng.random()
        if roll < invalid_share:
            batch.lines.append(_invalid(rng, serial, _petition(rng, serial, moment)))
            batch.invalid += 1
        elif roll < invalid_share + 0.02 and originals:
            # The channel sends the same submission again (a retry): one case, not a repeat.
            batch.lines.append(json.dumps(rng.choice(originals), ensure_ascii=False).encode())
            batch.retries += 1
        elif roll < invalid_share + 0.22 and originals:
            # The same person raises the same matter again, word for word; a few persistent
            # petitioners come back again and again (a leadership package case at repeat 3).
            pool = originals[:PERSISTENT] if rng.random() < 0.3 else originals[-200:]
            again = dict(rng.choice(pool))
            again["submission_id"] = f"{again['channel']}-r{serial:06d}"
            again["received_at"] = moment.isoformat()
            batch.lines.append(json.dumps(again, ensure_ascii=False).encode())
            batch.valid += 1
            batch.planted_repeats += 1
        else:
            petition = _petition(rng, serial, moment)
            originals.append(petition)
            batch.lines.append(json.dumps(petition, ensure_ascii=False).encode())
            batch.valid += 1
    return batch
