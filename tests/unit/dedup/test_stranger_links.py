"""Strangers' letters linked as one matter though about different problems (issue 13).

Two strangers' letters are one matter only when they share the concrete problem and the
place or object it is of. A road, a bus line, a subdistrict or a bus company one title
names and the other letter names only in passing (a dozen roads of the city's traffic, the
subdistrict its writer lives in), one school's two problems, one subdistrict's two noisy
businesses: not one matter. Residents of one estate, the students of one college and one
subdistrict's letters asking for one metro station still are.
"""

from __future__ import annotations

from datetime import UTC, datetime

from services.dedup.facts import CaseFacts
from tests.unit.dedup.letters import letter, run

START = datetime(2019, 3, 1, 9, tzinfo=UTC)
CITY, COUNTY, DISTRICT = "430100", "430121", "430112"


def _facts(n: int, region: str, title: str, content: str) -> CaseFacts:
    # Every letter its own writer's: these are strangers' letters.
    return letter(n, title, content, start=START, region=region, ref=f"pr_{n}")


_run = run


#: What many writers say around their problem, whatever it is: a text alike only on it is
#: no evidence of one matter.
POLITE = (
    "尊敬的领导您好！我是本地的一名普通市民，这个问题已经困扰我们很久了，多次反映都没有结果，"
    "希望有关部门高度重视，尽快调查处理，给老百姓一个满意的答复，谢谢！"
)
CITY_TRAFFIC = (
    "尊敬的书记：高德地图最近发布的交通分析报告显示，A市本季在全国主要城市拥堵排15名，"
    "堵车的环节仅仅是C5市路沿线，人民路口和松桂园路口段，以及八一路的车站路口和人民路的"
    "杨家山路口。如果先解决C5市路，两边的车站路、二环线都可以减压。现在却拼命去搞万家丽路，"
    "五一路在火车站断头过不去，八一路、人民路、劳动路路口都堵塞也不行。而现在马上要搞的却是"
    "楚府路和潇楚路，一个是二环线以外的东西向，一个在楚江以西，都不堵，实在没有优先的必要！"
)
TRAFFIC_LIGHT = (
    "楚府路大桥从河西方向，楚府路下桥后的洋湖大道和和顺路的丁字交叉路口东侧的人行道，"
    "下桥第一个红绿灯设置不合理。早晨有一些上班人员过红绿灯，每次都走到路中间，就变红灯了，"
    "给行人带来很大的不便和危险。建议优化此处红绿灯。"
)


def test_a_road_a_long_letter_names_in_passing_is_not_its_matter() -> None:
    # A letter on the city's traffic names a dozen roads; a letter on a traffic light under
    # one road's bridge (its title naming the road) is not its matter.
    decisions = _run(
        [
            _facts(0, CITY, "A市几十万城区居民呼吁解决C5市路拥堵问题", CITY_TRAFFIC + POLITE),
            _facts(1, CITY, "建议优化楚府路大桥下第一个红绿灯", POLITE + TRAFFIC_LIGHT),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_the_road_a_writer_lives_on_is_not_the_matter_of_that_roads_letters() -> None:
    # "我是时代阳光大道新兴小区的住户": where the writer lives; a pedestrian bridge over the
    # avenue is not the motorway exit's noise barrier, whichever comes first: the letter
    # matched knows its own text (its writer's home), the one kept only its title's kind.
    letters = [
        _facts(
            0,
            CITY,
            "希望A市时代阳光大道省质监局段加人行天桥！",
            "我是A5区桃花塅路上的居民。我们这里的居民小孩上学和日常出行都要穿过时代阳光大道，"
            "在省质监局站坐车。每天需要多次穿过时代阳光大道和中间的危桥！时代阳光没有红绿灯，"
            "车速极快！恳请在省质监局段加一座人行天桥。",
        ),
        _facts(
            1,
            CITY,
            "希望A5区李塘家高速出口能设立隔音带",
            "领导你好，我是A5区时代阳光大道新兴小区的住户，我们小区紧挨着李塘家高速出口，"
            "每天车流量非常大，且以大车居多，一到晚上大车货车更多，喇叭声刺耳。"
            "严重影响了我们的生活。望有关部门在高速出口设立隔音带。",
        ),
    ]
    for cases in (letters, letters[::-1]):
        decisions = _run(cases)
        assert decisions[1].matter_id != decisions[0].matter_id


def test_the_subdistrict_a_writer_lives_in_is_not_the_matter_of_its_letters() -> None:
    decisions = _run(
        [
            _facts(
                0,
                DISTRICT,
                "咨询A6区就业失业登记证办理事宜",
                "我家住A6区月亮岛街道桑梓社区，请问办理就业失业登记证在什么地方加理。",
            ),
            _facts(
                1,
                DISTRICT,
                "请求取缔A6区月亮岛街道恒大名都慧乐幼儿园旁污染环境的洗车店",
                "请求取缔A6区月亮岛街道恒大名都慧乐幼儿园旁污染环境的洗车店。离幼儿园不到50米，"
                "有四家洗车店，没有任何环保措施，严重污染环境。幼儿园外面墙壁是厚厚的灰。",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


BAR_NOISE = (
    "我只想问一下，2016年5月投诉的低音炮噪音污染到目前为什么没人管，这里到底是住宅区还是商业区啊！"
)


def test_the_subdistrict_a_long_letter_names_is_not_the_matter_of_its_bars_noise() -> None:
    decisions = _run(
        [
            _facts(
                0,
                COUNTY,
                "投诉A7县政府相关部门不作为，A1区国里开发商无良",
                "工作和生活都在A7县泉塘街道，但相关部门的做法着实令我失望！政府相关部门在A1区国里"
                "楼盘纠纷未彻底解决前，为什么会发五证？开发商在纠纷未解决之前，为什么要进行销售，"
                "开盘后纠纷出现，不积极解决，一再借口说在打官司。" + POLITE,
            ),
            _facts(1, COUNTY, "投诉A7县泉塘街道魅惑酒吧深夜噪音扰民", BAR_NOISE + POLITE),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_one_subdistricts_two_noisy_businesses_are_two_matters() -> None:
    # A bar's bass and a night-market street's diners, in the subdistrict both titles name:
    # two sources of noise, two matters.
    decisions = _run(
        [
            _facts(
                0,
                COUNTY,
                "反映A7县星沙镇泉塘街道板桥小区夜宵一条街噪音扰民、店外占道经营",
                "我多次反映位于A7县星沙镇泉塘街道板桥小区内夜宵一条街存在噪音扰民、店外占道经营"
                "的现象，迟迟得不到解决。一到晚上就是划拳、大吼大叫、摆桌子椅子的声音、啤酒瓶子"
                "倒地的声音，让人整夜无法入睡。整个小区内的马路被占用，每天晚上都是几十桌。",
            ),
            _facts(
                1,
                COUNTY,
                "投诉A7县泉塘街道魅惑酒吧深夜噪音扰民",
                BAR_NOISE + "低音炮吵得整夜无法入睡。",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


ROUTE_PROPOSAL = (
    "建议809路公交车从电力职院经过后，沿盼盼路直走，拐东七路经过泉塘二小站停，然后走阳高路、"
    "小塘路停佳美紫郡门口，再停中国铁建南门口，再到原路线的方略肖邦。此建议路线可以充分兼容"
    "考虑到爵士楚、高林仕家、康桥长郡、楚水湾的小区出行人口和泉塘二小等中小学生出行。"
)


def test_a_bus_line_a_letter_on_the_areas_lines_names_in_passing_is_not_its_matter() -> None:
    # A letter asking to extend the area's lines east names 809路 among them; two letters
    # asking to route 809路 by 盼盼路 and 东七路 are one matter, not the extension's.
    decisions = _run(
        [
            _facts(
                0,
                COUNTY,
                "希望A7县能往东延长泉塘地区公交线路",
                "随着A7县城东扩，公交车都开始往东面延伸。但是泉塘地区，很多公交车的始发点却还"
                "都是在东六路上的中国铁建国际城，如809路，但是东六路以东还有很多新建的居民区与"
                "企业，建议这些线路沿着漓楚路往东延长至新扩的居民与企业集中区域，这些线路可由原"
                "中国铁建始发站延着螺丝塘路、东七路、漓楚路往东延伸。" + POLITE,
            ),
            _facts(
                1,
                CITY,
                "我妈妈每天早上5点多就要起床上班，希望能优化A市809路公交线路",
                "我们家住高林仕家，每天妈妈早上5点多就起床走20分钟的路，坐809公交转2次地铁上班。"
                "希望交通运输局的领导优化809公交。809到电力职院后延盼盼路直行到东七路左拐延东七路"
                "阳高路到小塘路右拐延小塘到社塘路接原来路线。优化后康桥长郡小区，高林仕家小区，"
                "泉塘二小，爵士楚小区，楚水湾小区几万市民出行得到方便。" + POLITE,
            ),
            _facts(2, CITY, "对调整A市809路公交车星城国际区域路线的建议", ROUTE_PROPOSAL),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id
    assert decisions[2].matter_id == decisions[1].matter_id


def test_the_bus_company_is_not_the_matter_of_its_every_line() -> None:
    decisions = _run(
        [
            _facts(
                0,
                COUNTY,
                "请求B9市公交公司调整6路公交车的运行路线",
                "B9市6路公交车5月19日正式开通了，全体市民感到非常高兴，请求B9市公交公司调整6路"
                "公交车的运行路线，由现在的宏达驾校调整到B9市西收费站，方便该地区居民出行。",
            ),
            _facts(
                1,
                CITY,
                "希望早日开通B市西站到B3区的直通公交车",
                "希望公交公司早日开通B市西站到B3区的直通公交车。有计划安排吗？",
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


def test_one_schools_extra_classes_are_not_its_unsafe_building() -> None:
    decisions = _run(
        [
            _facts(
                0,
                COUNTY,
                "K8县三中危房问题7年无处理结果，盼望领导给于关注解决！",
                "李书记您好！请您能在百忙之中看看三中危房的问题。一家人辛辛苦苦十几年在县城三中"
                "E栋买了套房，可这新房住了不到一年就出问题了！现全家借住在娘家。E栋代表们七年来"
                "都在为房子的事奔跑，方案一大堆到后面都以各种理由推倒重来！三中每年的学生成千上万，"
                "恳请李书记帮帮我们这些老实本分的人民教师！" + POLITE,
            ),
            _facts(
                1,
                COUNTY,
                "投诉K8县三中假期强制补课",
                "在这炎热的夏天，许多学校都不上课，而三中却要求学生上课，收取补课费450元，这严重"
                "违法了教育部的规定，还影响了学生的假期时间。" + POLITE,
            ),
        ]
    )
    assert decisions[1].matter_id != decisions[0].matter_id


# What must stay one matter.


def test_residents_letters_on_one_roads_building_site_are_one_matter() -> None:
    # The road both titles name, one building site's night work on it, in other words.
    decisions = _run(
        [
            _facts(
                0,
                CITY,
                "和平路工地夜间施工扰民",
                "和平路工地夜间施工一直持续到凌晨三点，噪声扰民，附近住户根本睡不着，现场没有"
                "公示夜间施工许可证。希望城市管理执法部门进行处理。",
            ),
            _facts(
                1,
                CITY,
                "投诉和平路夜间施工噪音",
                "我家就在和平路附近，那个工地天天夜里施工到凌晨三点。机器轰鸣声严重影响居民睡觉，"
                "没有看到夜间施工许可公示。请求城管部门依法查处。",
            ),
        ]
    )
    assert decisions[1].matter_id == decisions[0].matter_id


def test_residents_of_one_estate_are_one_matter_in_other_words() -> None:
    # The estate one title names, in the other's opening with its subdistrict: one plant.
    decisions = _run(
        [
            _facts(
                0,
                DISTRICT,
                "丽景新苑旁搅拌站夜间噪音扰民",
                "尊敬的领导：我是A6区月亮岛街道丽景新苑小区的业主，小区西侧建起了一个混凝土搅拌站，"
                "晚上十点以后还在生产，搅拌机和罐车的噪音吵得居民无法入睡，请求有关部门查处。",
            ),
            _facts(
                1,
                DISTRICT,
                "丽景新苑业主联名要求关停违规搅拌站",
                "尊敬的领导：我们是丽景新苑三百多户业主，联名反映小区西侧搅拌站违规生产的问题。"
                "该搅拌站没有环评手续，罐车进出带泥上路，晚上生产吵得居民无法入睡，请求关停。",
            ),
        ]
    )
    assert decisions[1].matter_id == decisions[0].matter_id


def test_one_colleges_forced_internships_are_one_matter() -> None:
    decisions = _run(
        [
            _facts(
                0,
                CITY,
                "投诉L市职业技术学院强制学生进厂顶岗实习",
                "L市职业技术学院强制17届信艺系学生进厂顶岗实习，不准自主实习，以不发毕业证和扣18"
                "学分要挟，已经找到工作的学生被迫递交辞职信。为何学校严禁自主实习，自主实习不是"
                "属于我们的权利么？学校给我们所谓的自主选择，就是11个厂里随便选一个。",
            ),
            _facts(
                1,
                CITY,
                "投诉L市职业技术学院强行要求学生去顶岗实习流水线，不去不颁发毕业证",
                "我们是L市职业技术学院2017届的毕业生，今年学校强制统一安排顶岗实习，进工厂进"
                "流水线。我们都有了想要去的实习企业，但是学校不准自己去实习，而是以不去不颁发"
                "毕业证的理由要我们强制去实习。实习的单位完全不对口，两班倒的实习。",
            ),
        ]
    )
    assert decisions[1].matter_id == decisions[0].matter_id


def test_one_subdistricts_letters_for_one_metro_station_are_one_matter() -> None:
    decisions = _run(
        [
            _facts(
                0,
                COUNTY,
                "希望A7县榔梨街道八字槽门附近增加地铁站",
                "现在规划的站点都是遥远的地方，东四线站在泉塘街道远大路一带，东八线站也在泉塘边缘，"
                "榔梨磁悬浮离东八线站也是十多里。榔梨的银行、国土所、学校、大众汽车、三一重工学校、"
                "榔梨工业园都在A市大道跟黄星大道交汇的八字槽门这边，恳请在八字槽门增加一个地铁站。",
            ),
            _facts(
                1,
                COUNTY,
                "恳请在A7县榔梨街道请求增加一个地铁口",
                "A市地铁规划贯穿南北，然而A7县星沙、榔梨、黄星作为A7县中心躯干，唯独从三一重工学校"
                "到榔梨磁悬浮一片是地铁空白区，请在六号线或者八号线的规划中，在黄星八字槽门或者"
                "榔梨磁悬浮一带增加一个地铁站。",
            ),
        ]
    )
    assert decisions[1].matter_id == decisions[0].matter_id


# A road named in one title and only in the other's text, where its problem is: one matter.

FOOTBRIDGE_TITLED = (
    COUNTY,
    "A7县滨湖路与松雅湖路口增设人行天桥",
    "滨湖路与松雅湖路口车流量很大，附近学校的学生和小区居民每天都要横穿马路，没有红绿灯，"
    "车速又快，已经发生过多起事故。恳请有关部门在滨湖路与松雅湖路口增设一座人行天桥。",
)
FOOTBRIDGE_UNTITLED = (
    COUNTY,
    "希望增设人行天桥",
    "滨湖路与松雅湖路口车多，车速快，学生和居民过马路十分危险，已经发生过几起事故。"
    "希望相关部门在这个路口增设人行天桥，保障行人安全。",
)


def test_residents_asking_for_one_footbridge_are_one_matter_whichever_names_its_road() -> None:
    # One title names the crossing's roads, the other asks for the footbridge and names
    # them in its text: one footbridge, whichever letter comes first.
    for first, second in (
        (FOOTBRIDGE_TITLED, FOOTBRIDGE_UNTITLED),
        (FOOTBRIDGE_UNTITLED, FOOTBRIDGE_TITLED),
    ):
        decisions = _run([_facts(0, *first), _facts(1, *second)])
        assert decisions[1].matter_id == decisions[0].matter_id


RACING_TITLED = (
    COUNTY,
    "A7县星沙大道夜间摩托车飙车扰民",
    "每天晚上十一点以后，星沙大道上就有一群年轻人骑着改装摩托车飙车，发动机轰鸣声震耳欲聋，"
    "一直持续到凌晨两三点，附近居民根本无法入睡，也非常危险。请交警部门加强夜间巡查整治。",
)
RACING_UNTITLED = (
    COUNTY,
    "半夜摩托车飙车，吵得睡不着",
    "一到晚上十一点，星沙大道就有人骑改装摩托车飙车，轰鸣声震耳欲聋，到凌晨两三点都不停，"
    "居民无法入睡，还很危险。恳请交警部门夜间巡查，严厉整治飙车行为。",
)


def test_residents_on_one_avenues_night_racing_are_one_matter() -> None:
    for first, second in ((RACING_TITLED, RACING_UNTITLED), (RACING_UNTITLED, RACING_TITLED)):
        decisions = _run([_facts(0, *first), _facts(1, *second)])
        assert decisions[1].matter_id == decisions[0].matter_id


NIGHT_WORK_TITLED = (
    CITY,
    "投诉望仙路夜间施工噪音扰民",
    "望仙路道路改造每天晚上施工到凌晨，挖掘机和破碎锤的声音非常大，附近居民无法休息，"
    "也没有看到夜间施工许可公示。希望城管部门依法查处。",
)
NIGHT_WORK_UNTITLED = (
    CITY,
    "晚上施工噪音太大",
    "领导好！望仙路这边修路，最近半个月每天夜里都在干活，机器响个不停，老人小孩整晚睡不好，"
    "白天上班没精神。夜间施工有没有审批？能不能管一管，让工人晚上十点以后停工。",
)


def test_residents_on_one_roads_night_work_are_one_matter_whichever_names_the_road() -> None:
    # "晚上施工噪音太大" names the road only in its text: the road's night work all the same.
    for first, second in (
        (NIGHT_WORK_TITLED, NIGHT_WORK_UNTITLED),
        (NIGHT_WORK_UNTITLED, NIGHT_WORK_TITLED),
    ):
        decisions = _run([_facts(0, *first), _facts(1, *second)])
        assert decisions[1].matter_id == decisions[0].matter_id


def test_one_bus_lines_rude_driver_is_not_its_pickpockets() -> None:
    # A line one title names and the other letter names in its text, titles naming no kind
    # of problem both share: as often two of its problems as one (review sl, f27).
    decisions = _run(
        [
            _facts(0, CITY, "投诉148路公交司机态度恶劣",
                   "尊敬的领导：148路公交车司机开车打电话，老人上车还没坐稳就猛起步，"
                   "乘客提醒还被骂，恳请公交公司严肃处理！"),
            _facts(1, CITY, "公交车上小偷猖獗",
                   "148路公交车上最近小偷特别多，早高峰很多乘客手机被偷，司机也不提醒乘客"
                   "看好财物，恳请公安部门严肃处理。"),
        ]
    )  # fmt: skip
    assert decisions[1].matter_id != decisions[0].matter_id


def test_residents_on_one_stretch_of_dark_streetlights_are_one_matter() -> None:
    # "远大二路从东四路到东六路这一段": one road's stretch between two others, not a list of
    # roads; "请求修复路灯" names no road (review sl, j02).
    decisions = _run(
        [
            _facts(0, COUNTY, "A7县远大二路路灯长期不亮",
                   "A7县远大二路从东四路到东六路这一段，路灯已经坏了三个多月，晚上黑灯瞎火，"
                   "行人和电动车经常摔倒，希望尽快维修。"),
            _facts(1, COUNTY, "路灯坏了几个月没人修",
                   "我们每天晚上下班都要经过远大二路东四路至东六路路段，整段路灯都不亮，"
                   "一片漆黑，非常不安全，前段时间还有人在这里被抢，请相关部门尽快修复路灯。"),
            _facts(2, COUNTY, "请求修复路灯",
                   "尊敬的领导：远大二路东五路口附近到东六路口整整一公里的路灯全部不亮，"
                   "已经好几个月了，附近小区居民晚上出门散步都害怕，请求尽快修好。"),
        ]
    )  # fmt: skip
    assert decisions[1].matter_id == decisions[0].matter_id
    assert decisions[2].matter_id == decisions[0].matter_id


def test_one_subdistricts_power_cuts_are_one_matter() -> None:
    # A whole area's power cut is one matter of the area, whoever writes (review sl, j17).
    decisions = _run(
        [
            _facts(0, COUNTY, "A7县泉塘街道频繁停电",
                   "泉塘街道这个月已经停电五六次了，每次停几个小时，没有任何通知，冰箱里的"
                   "东西都坏了，请求供电部门解决。"),
            _facts(1, COUNTY, "泉塘街道三天两头停电",
                   "最近泉塘街道三天两头停电，天气这么热，老人孩子受不了，供电所说是线路老化，"
                   "请问什么时候能改造？"),
            _facts(2, COUNTY, "泉塘街道停电问题何时解决",
                   "泉塘街道频繁停电的问题大家反映很多次了，这个月又停了好几次，请供电公司给个说法。"),
        ]
    )  # fmt: skip
    assert decisions[1].matter_id == decisions[0].matter_id
    assert decisions[2].matter_id == decisions[0].matter_id
