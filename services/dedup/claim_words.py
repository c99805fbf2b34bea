"""Kinds of problem, and words for the kinds ``text.CLAIM_KINDS`` has, read from real letters.

Issue 13 (dedup on real petitions). ``text.CLAIM_KINDS`` names the kinds of wrong or want a
title may name; a title naming none says nothing of its kind, so two residents' letters on
one estate's resettlement, its rubbish or its lifts are linked only at the text bar, and a
title of another kind at the place is not told apart from them. The words here were counted
in the titles and opening sentences of the real messages of ``../shared/data`` (the held-out
letters of ``tests/data/dedup_mailbox_labels.csv`` left out unread): the frequent problems of
titles that named no kind, each kept when a reader of petitions would say the word names that
problem and one remedy, as ``CLAIM_KINDS`` asks. The titles quoted are real (places as the
source anonymised them).

``text`` merges these into its lookup (``KIND_OF_WORD``, ``NOT_BEFORE``, ``NOT_AFTER``); a
word is in one kind only, and in none of ``CLAIM_KINDS``' (a test says so).
"""

from __future__ import annotations

from typing import Final

from services.dedup import estate_kinds

#: The words of a site's works (``CLAIM_WORDS["building_works"]``).
_WORKS: Final = (
    "夜间施工",
    "夜晚施工",
    "晚上施工",
    "深夜施工",
    "半夜施工",
    "凌晨施工",
    "通宵施工",
    "每晚施工",
    "夜间开工",
    # Said so too ("南托新居旁工地夜里施工").
    "夜里施工",
    "晚间施工",
    "施工扰民",
    "工地扰民",
)
#: The words of a mixing plant (``text.CLAIM_KINDS["mixing_plant"]``: a test says they are
#: the same; not imported, as ``text`` reads this module).
_PLANTS: Final = ("搅拌站", "搅伴站", "搅拌厂", "搅拌场", "商砼站", "砼站", "混凝土站")

#: New words for kinds of ``CLAIM_KINDS`` (its kind names), and new kinds, by their words.
CLAIM_WORDS: Final[dict[str, tuple[str, ...]]] = {
    # A building site's works disturbing its neighbours, at night above all ("A7县泉塘电力
    # 职院夜间施工扰民投诉无门", "投诉A3区楚腾琴岛夜间施工扰名", "强烈投诉A7县镁镁工程
    # 夜间开工扰民", "每晚施工泵车咚咚作响让人神经崩溃，请求管一管", "投诉K4县K4县府工地
    # 施工扰民", "再次投诉G市A1区新城施工扰民"): the works kept to their hours. Noise, but
    # one source's: a kind of its own, so that a road's night works are not its square
    # dancers or its bar (noise at one road is of many sources: ``place_agreement``), and a
    # title naming the works' noise ("工地半夜施工噪音太大") names both. A nuisance
    # (``text.NUISANCES``): the works, the noise and the dust of one site a title names are
    # one matter. Not "野蛮施工" (rough works: their damage as often as their noise).
    # And a breaker's hammering, what residents hear of a road's works at night ("道路施工
    # 破碎锤半夜响"), works said as work at night ("投诉道路改造夜间作业"), and asked to
    # stop at night ("请求金桥北路工程晚上停工").
    "building_works": (
        *_WORKS,
        "破碎锤",
        "夜间作业",
        "深夜作业",
        "半夜作业",
        "凌晨作业",
        "晚上停工",
        "夜间停工",
        "夜里停工",
        "晚间停工",
    ),
    # Noise said without its word, of a place of music or games or a loudspeaker: "扰民"
    # after it ("第二次投诉泉星社区飞歌KTV和海阔天空KTV扰民" beside the same writers'
    # "投诉泉星社区“海阔天空KTV”和“飞歌KTV”噪声扰民", "A8县罗桓安置区居民反映歌厅扰民",
    # "再次举报G市永安东路附近一麻将馆扰民", "L4县城东大市场酒吧扰民严重"). "扰民" alone
    # stays no kind (``CLAIM_KINDS``).
    "noise": (
        "ktv扰民",
        "歌厅扰民",
        "酒吧扰民",
        "麻将馆扰民",
        "喇叭扰民",
        "音响扰民",
        "广播扰民",
        # A train's whistle and the barrier asked against a line's noise ("投诉石长铁路火车
        # 夜晚鸣笛扰民", "希望L市火车在晚上禁止鸣笛", "请求加装高铁声屏障").
        "鸣笛扰民",
        "火车鸣笛",
        "禁止鸣笛",
        "声屏障",
    ),
    # Smoke of burning: rubbish or straw burnt in the open ("投诉A7县安沙镇水塘垸村露天焚烧
    # 生活垃圾现象严重", "K2区十里江湾焚烧垃圾", "临G5县合口镇中学违规焚烧塑料垃圾",
    # "投诉D7县泉溪镇围着学校烧垃圾"): stopped, whatever burns.
    "pollution": (
        "焚烧",
        "烧垃圾",
        # A smell said without "臭" ("请求解决C4市燕兴华城三期违建和油烟味刺鼻的问题";
        # "牛头村化工厂刺鼻气味", "小区周边有异味").
        "刺鼻",
        "异味",
        "气味",
    ),
    # A village's or a household's land or home taken: its demolition, its expropriation,
    # what is paid for them ("反映A9市北盛镇对泉水村塘下组土地征收存在的违规行为", "请求
    # 政府解决彻查A市咸嘉村拆迁历史遗留问题", "投诉D3区五一街道和合江街道征地拆迁不合理",
    # "C1区国土和拆迁事务所拆迁不合理", "咨询L4县火马冲镇燕子洞村的农村土地补偿标准").
    # Not the resettlement estate ("安置小区", "安置区": a place whose residents write of its
    # noise, its water, its market), nor a household that was moved ("拆迁户", "征收户":
    # who writes, of their purchase, their children's school), nor the demolition office's
    # own doing ("拆迁办随意停我家水电": the supply), nor a tax or a fee levied ("征收").
    # And a shanty town's redevelopment, its homes taken and paid for ("反映B2区麻纺厂大园村
    # 将军楼棚改补偿问题", "反映A4区新码头路农机公司宿舍棚改遗留问题", "A市轴承厂工矿棚户区
    # 改造项目问题的举报", "K8县棚户区改造问题的咨询").
    "expropriation": (
        "拆迁",
        "征收",
        "征地",
        "征拆",
        "土地补偿",
        "青苗补偿",
        "棚改",
        "棚户区改造",
        "棚户改造",
    ),
    # A refuse station by an estate, opposed or asked moved ("A5区佳园星城小区居民反对附近
    # 修建垃圾中转站", "反映A7县龙塘小区垃圾站恶臭问题", "请求撤掉K4县九龙时代广场小区的
    # 生活垃圾收集站", "请求搬迁飞山新城11号楼大门前垃圾站的报告", "关于A6区桥驿镇沙田村
    # 垃圾填埋场问题的反映", "对K6县垃圾焚烧发电厂选址的质疑"): the station's place,
    # not the rubbish of the streets.
    "refuse_station": (
        "垃圾站",
        "垃圾中转站",
        "垃圾收集站",
        "垃圾处理房",
        "垃圾处理站",
        "垃圾填埋场",
        "垃圾场",
        "垃圾焚烧发电厂",
        "垃圾焚烧厂",
        "垃圾转运站",
        "压缩站",
        # Said as the sanitation department's station ("栖凤路环卫站噪音和臭味", "澜岸家园北侧
        # 环卫转运站", "栖凤路转运站整改进展"); not a parcel firm's or a freight depot
        # (``NOT_AFTER``). No real title holds them yet (dev and unlabelled letters).
        "环卫站",
        "环卫转运站",
        "转运站",
    ),
    # Rubbish left lying or dumped, to be cleared ("请求解决A2区克拉美丽山庄垃圾成堆问题",
    # "A3区锦绣家园小区垃圾泛滥无人管理", "投诉A7县黄花镇隆兴砖厂乱倒垃圾", "请求制止C4市
    # 壶天镇百姓在河边乱扔垃圾的陋习", "反映A市园康星都荟建筑垃圾问题", "请求严厉查处L1区
    # 阳塘村擅自消纳建筑垃圾的行为").
    "rubbish": (
        "垃圾成堆",
        "垃圾泛滥",
        "垃圾堆积",
        "垃圾乱堆",
        "乱倒垃圾",
        "乱扔垃圾",
        "乱丢垃圾",
        "倾倒垃圾",
        "建筑垃圾",
        "垃圾清运",
        "清理垃圾",
    ),
    # A junction's traffic lights, asked for, mended or retimed ("希望能在A4区栖凤路与佳园路
    # 交叉路口设置交通信号灯装置", "反映A市万家丽南路与港子河路交叉路口红绿灯设置问题",
    # "呼吁B2区千亿大道和机场大道早点启用红绿灯", "请求维修D12市水口山镇红绿灯").
    "traffic_lights": ("红绿灯", "信号灯"),
    # Speed bumps on a road, asked for or complained of ("A7县星沙东七路睿城小区东门口长期
    # 事故不断，建议双向增加减速带", "请求在暮云街道云塘社区A市理工大学东校门马路上设置减速
    # 装置", "再次反映A5区曲塘路红墅湾路段的减速带严重扰民": its noise, one bump).
    "speed_bumps": ("减速带", "减速装置", "减速垄", "减速坎"),
    # A village's road to be paved ("反映A7县北山镇石常村村级公路硬化问题", "B7县界首镇
    # 大新村爱花冲组请求硬化道路", "L5县原增加寨村村级道路请求硬化").
    # A village's concrete road ("希望A7县政府协助在黄花村吴家田土地庙旁修水泥路", "A7县北山镇
    # 狮山村红星组水泥路到户的问题咨询"): the road paved.
    "road_paving": ("硬化", "修路", "水泥路"),
    # A school's or a course's fee ("投诉J5县五星学校乱收学费", "对D12市泉峰中学九年级学费
    # 的质疑", "投诉A市福桥驾校退学后不退学费", "咨询幼儿园学费的标准").
    # And a fee refused back ("反映D12市红黄蓝亲子园早教课程退费的问题"; "收费退费争议无法
    # 解决", "水电开户费也一并不退费"): the fee's dispute, whoever owes it.
    # A price raised ("举报F市金色摇篮幼儿园乱涨价！", "投诉B市到B9市的客车肆意涨价",
    # "东方新城物业擅自涨价").
    # A market's stall fee ("枣园市场摊位费大幅上涨"), as its other fees.
    "fees": ("学费", "开户费", "初装费", "接驳费", "退费", "涨价", "摊位费"),
    # Wages asked for ("C4市农民工年底讨薪无处求助"): ``text.CLAIM_KINDS["wages"]``.
    # And pay for a job said plainly ("讨要宏图南园项目工钱").
    # And overtime pay ("关于政府部门普通聘用人员加班（值班）发放加班费问题的咨询",
    # "栖凤路转运站环卫工人加班费被克扣").
    "wages": ("讨薪", "工钱", "加班费"),
    # A home sold only with a parking space, "房位一体" ("雨桐路某楼盘房位一体销售"): the
    # parking spaces forced on buyers (``text.FORCED_SALE_WORDS``).
    "parking": ("房位一体",),
    # A building's leaking walls or roofs ("再次反映A市利保麓谷林语存在严重漏水的问题",
    # "小区外墙漏水民不能安居，榔梨豪庭业主盼望解决"): repaired.
    # And its waterproofing to be redone ("我们9栋屋顶防水要重做").
    "leaks": ("漏水", "渗水", "渗漏", "漏雨", "防水"),
    # An estate's power failing short of a cut: its lines old, its transformer overloaded,
    # its voltage low, its breakers tripping ("锦程雅郡变压器负荷不足", "锦程华苑老旧线路";
    # "电压不稳", "一用空调就跳闸"): the grid's supply brought up to the estate's load, as a
    # cut is restored (``text.CLAIM_KINDS["supply_cut"]``).
    "supply_cut": ("负荷不足", "电压不稳", "电压低", "电压不足", "跳闸", "线路老化", "老旧线路"),
    # Drinking water unsafe, said of its quality ("投诉B9市公园里小区自来水水质问题", "L4县
    # 安坪镇龙泉岩乡的自来水水质差"; "小区的水不敢喝"): ``text.CLAIM_KINDS["drinking_water"]``.
    # Not a river's or a lake's (``NOT_AFTER``: its pollution).
    "drinking_water": ("水质", "不敢喝", "喝水", "没水喝", "喝不上水"),
    # A road under water ("请求有关部门处理L5县哑桥战备公路哑塘分路处淹水路段").
    # Cars drowned in it ("桥洞又淹车了") and its drainage asked for ("杉木冲路排涝问题的
    # 建议"): the same road's water, drained (no real title holds these two yet).
    "flooding": ("淹水", "水淹", "淹车", "排涝"),
    # An estate's lifts, unsafe, stopped or tampered with ("请求解决北京御园小区电梯安全的
    # 问题", "A7县未来漫城电梯整改过后还是掉层，请求更换！", "关于地王大厦电梯停运的再投诉",
    # "投诉B9市财富铭城小区物业非法改装电梯"); not a kind of building ("高层电梯房"), nor
    # the adverts in the lifts.
    "lifts": ("电梯",),
    # A lift to be added to an old walk-up building ("老旧小区加装电梯审批太慢", "3栋加装
    # 电梯被一楼住户阻挠"): a want with its own remedy (the approval, the neighbours' consent,
    # the subsidy), not a lift out of order.
    "lift_addition": ("加装电梯", "增设电梯", "电梯加装", "加梯"),
    # A scrap yard by an estate ("希望取缔A3区左栗路尽端南方职业学院斜对面废品站"): its dirt,
    # its fire risk, its stalls in the road are one object's, as a plant's noise and dust
    # are (``text.OBJECTS``: one kind between two titles beside an estate both name).
    "scrap_yard": ("废品站", "废品回收站", "废品收购站", "废品回收点", "废旧物资回收站"),
    # A bus route asked where none runs ("希望给B2区枫溪学校通公交车", "希望早日开通B市西站
    # 到B3区的直通公交车", "希望能在A1区南路开通公交车直达长大"; "同仁村没有公交车"): a
    # route's course (``text.CLAIM_KINDS["bus_course"]``), not its stops (``NOT_BEFORE``).
    # Said as none running ("反映A7县蝴蝶谷小区无公交车的问题"), or longed for ("居民盼公交").
    "bus_course": ("通公交", "没有公交", "无公交", "无公车", "盼公交", "微循环公交"),
    # A junction's turns, allowed or forbidden ("对A市万芙北路由南往北右转至迎新路的右转道
    # 标线设置的建议"): the lanes and the signal set right. Not the junction's lights at
    # large (``traffic_lights``), its crossing or its jams.
    "turns": ("左转", "右转", "掉头", "调头", "禁左"),
    # A route run too seldom ("A市128公交车次太少，希望能增加车次"): its timetable
    # (``text.CLAIM_KINDS["bus_timetable"]``).
    "bus_timetable": ("车次",),
    # A person's household registration: moving it, settling in a city, a child's first
    # entry ("咨询A市户口迁移问题", "咨询外省人落户A市的相关问题", "咨询二胎政策与户籍上户
    # 问题"): one resident's papers, not a place's problem.
    "household_registration": ("户口", "落户", "户籍"),
    # Social insurance and pensions paid in, moved or owed by an employer ("咨询E12市社保补缴
    # 及转接的问题", "投诉L3县鑫汇丽景酒店不给员工买社保", "咨询C4市农村养老保险").
    "social_insurance": ("社保", "养老保险", "农保", "生育津贴", "生育险", "退休手续", "退休待遇"),
    # Medical insurance and its refunds ("咨询A市医保异地报销政策", "投诉G市德才科技学校不给
    # 教师买医保"): another fund, another office.
    # Said in full ("咨询F5县农村医疗保险缴费的相关问题", "咨询L市合作医疗的相关问题").
    # Not a newborn's insurance ("咨询B市新生儿落地险问题", "反映异地新生儿落地保险问题"):
    # each family's question where its child was born, as alike as two such questions are.
    "medical_insurance": ("医保", "农合", "医疗保险", "合作医疗"),
    # An only child's certificate and the allowance it brings ("A8县独生子女证领取金的咨询",
    # "请求解决L1区独生子女费待遇问题", "G4县档案局退休干部独生子女补贴多年不发"): each
    # family's, the allowance paid.
    "only_child_benefit": ("独生子女",),
    # A subsidy for buying or building a home ("关于A市人才app办理人才购房补贴事宜的咨询",
    # "C市购房补贴二年多时间了，没有下文", "咨询残疾病人建房补贴政策"): one household's
    # grant, not a home's problem.
    "housing_subsidy": ("购房补贴", "买房补贴", "建房补贴", "住房补贴", "租房补贴"),
    # The housing provident fund: its loans and withdrawals ("咨询公积金贷款买房问题",
    # "投诉J市公积金管理中心无理拒办公积金贷款").
    "housing_fund": ("公积金",),
    # A quarry, opposed or asked closed ("请求关闭F5县东山镇关山村采石场", "投诉F市锦绣华程
    # 小区东边碎石场扰民", "坚决反对在M5市拖坪村办石场"): its blasting, dust and noise are
    # one object's, as a mixing plant's are.
    "quarry": ("石场", "采石"),
    # A teacher's or an employee's professional title and its assessment ("投诉D7县栗江镇
    # 檀市中学职称评定不公平").
    "professional_title": ("职称",),
    # A public employer's recruitment, its rules and its fairness ("质疑A5区教师招聘的
    # 真实性", "对K2区卫计系统招聘质疑").
    "recruitment": ("招聘",),
    # A person's personnel file, where it is kept or moved ("咨询C市学生档案问题", "关于M市
    # 乡村医生档案托管问题的咨询"); not the archives bureau (``NOT_BEFORE``).
    "personnel_file": ("档案",),
    # A driving licence changed, checked or moved ("K市人异地驾驶证换发问题的咨询").
    "driving_licence": ("驾驶证", "驾照"),
    # A road to be widened ("希望将A7县棠坡路拓宽", "希望加快推进B9市醴官公路拓宽建设").
    "road_widening": ("拓宽",),
    # Dogs kept without rules ("希望G市城区养狗规定早日出台", "请求规范K9县塔下寺教师村的
    # 养狗问题").
    "dogs": ("养狗", "遛狗", "犬只"),
    # A household's minimum living allowance, granted or refused ("L3县火场乡低保评选问题
    # 咨询", "投诉D1区民政局工作人员审核低保不公正").
    "minimum_living": ("低保",),
    # A driving school's conduct and charges ("投诉G市金冠驾校乱收补考费", "关于A市国安驾校
    # 退学问题的咨询").
    "driving_school": ("驾校",),
    # An identity card made, renewed or corrected ("咨询L市身份证到期换新事宜").
    "identity_card": ("身份证",),
    # A vehicle's registration plates ("咨询G市电动车上牌照等相关问题", "关于外地购车本地上牌
    # 问题的咨询"); not a village group named so (``NOT_BEFORE``).
    "vehicle_plate": ("上牌",),
    # A village's households moved out of poverty or the mountains ("咨询L3县大坪乡余家村
    # 异地搬迁的相关问题", "咨询K11县县两岔河乡苗竹村高寒搬迁问题").
    "poverty_relocation": ("异地搬迁", "易地搬迁", "扶贫搬迁", "高寒搬迁"),
    # A business or a school run without its licence ("举报A1区斯佩斯酒吧无证经营", "举报A3区
    # 教育局包庇无证办学机构继续办学"): closed or licensed.
    "unlicensed_business": ("无证经营", "无照经营", "无证无照", "无证办学"),
    # A driving test, its rounds, its fees and its cars ("强烈投诉G市交管局科目三考试太难",
    # "请求更换K市科目二部分破旧考试车", "咨询M市科二科三补考费"): the test's, not a school's.
    "driving_test": ("科目二", "科目三", "科二", "科三", "驾考"),
    # Who may buy a home ("咨询A市买房资格有关问题", "关于购房资格的相关咨询").
    "purchase_eligibility": ("购房资格", "买房资格"),
    # A plant's works at night are its nuisance, what its other titles call noise or dust
    # ("伊景园滨和苑旁边搅拌站晚上施工", "搅拌站夜间施工扰民"): the plant's, not a site's
    # works (``text._SUBJECT_TITLE_KINDS``). Read as one word, the plant's, before the
    # works' (longest first).
    "mixing_plant": tuple(plant + works for plant in _PLANTS for works in _WORKS),
}
#: A word is not its kind before what makes it another's (``text._NOT_BEFORE``).
NOT_BEFORE: Final[dict[str, str]] = {
    # A moved household's compensation is the expropriation's ("拆迁户补偿款拖欠"); its
    # transition pay is its resettlement's ("拆迁户过渡费被停发", "东旭村拆迁过渡费停发":
    # ``estate_kinds.FAMILIES["resettlement"]``), paid while its new homes are built.
    "拆迁": "户(?![^，。！？、]{0,2}补偿)|办|过渡",
    "征收": "户|[^，。！？、]{0,4}(?:费|税)",
    # Nor a lift's adverts and their income ("电梯广告收入去向": the estate's common income).
    "电梯": "房|广告|里的广告|内广告",
    # A fee's refund owed by the state ("编制学费补偿") is a subsidy asked, not a fee (a fee
    # waived for the poor, "减免学费", is of the fee).
    "学费": "补偿",
    # A stop, not a route ("没有公交站台").
    "通公交": "车?站",
    "没有公交": "车?站",
    "无公交": "车?站",
    # A concrete road's surface broken is its repair (``road_repair``: "水泥路面破损").
    "水泥路": "面",
    # The archives bureau is an office, not a person's file ("G4县档案局退休干部...").
    "档案": "局|馆",
    # A place named for a quarry ("石场村") is a place.
    "石场": "[镇村乡路街组]",
    "上牌": "组",
}
# A refuse station whose workers' pay or jobs a title names ("栖凤路转运站环卫工人加班费被
# 克扣") is their employer, not the object its neighbours write about (as a mixing plant's:
# ``text._PLANT_EMPLOYS``); its neighbours' titles name the station, its smell or its noise.
NOT_BEFORE.update(
    dict.fromkeys(
        CLAIM_WORDS["refuse_station"],
        "[^，。！？、 ]{0,4}(?:环卫工|工人|员工|职工|司机|工资|加班|讨薪|欠薪|工钱|社保|招工|招聘)",
    )
)
#: A word is not its kind after what makes it another's (``text._NOT_AFTER``: what comes
#: right before it, of a fixed width); a word that is another kind's after something is
#: read with it as one word.
NOT_AFTER: Final[dict[str, tuple[str, ...]]] = {
    # A river's, a lake's or a pond's water is its pollution ("湘江水质").
    "水质": ("[河江湖塘库]",),
    # A parcel firm's or a freight depot is no refuse station ("快递转运站").
    "转运站": ("物流", "快递", "货运", "邮政"),
}
#: Every word's kind.
KIND_OF_WORD: Final[dict[str, str]] = {
    word: kind for kind, words in CLAIM_WORDS.items() for word in words
}
# The kinds of an estate's ordinary problems (``estate_kinds``), with their guards.
KIND_OF_WORD.update(estate_kinds.KIND_OF_WORD)
#: Families of kinds, one problem when they meet at one place (``estate_kinds.FAMILIES``).
FAMILIES: Final = estate_kinds.FAMILIES
NOT_BEFORE.update(estate_kinds.NOT_BEFORE)
NOT_AFTER.update(estate_kinds.NOT_AFTER)
