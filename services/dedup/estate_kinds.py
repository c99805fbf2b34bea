"""Kinds of an estate's ordinary problems, and their words, read from real letters.

Issue 13 (dedup on real petitions). Residents of one estate write of its gas, its broadband,
its kindergarten, its stalled building, its power resold, its owners' committee, its school
gate, its resettlement homes, its metro exit, its e-bike charging, its market, its square
dancers, its water, its hand-over, its certificates, its school places, its floods and its
dark streets, each in their own words; a title naming none of ``text.CLAIM_KINDS`` says
nothing of its kind, so two strangers' letters on one of these are linked only at the text
bar, and a letter on another problem of the estate is not told apart from them. The words
were counted in the titles and opening sentences of the real messages of ``../shared/data``
(the held-out letters of ``tests/data/dedup_mailbox_labels.csv`` left out unread); each is
kept when a reader of petitions would say it names that problem and one remedy, as
``CLAIM_KINDS`` asks. The titles and openings quoted are real (places as the source
anonymised them); a word no real title holds yet is one residents use of the problem, said
so where it is.

``claim_words`` merges these into its exports (``KIND_OF_WORD``, ``NOT_BEFORE``,
``NOT_AFTER``), which ``text`` reads; a word is in one kind only, in none of
``CLAIM_KINDS``' and none of ``claim_words.CLAIM_WORDS``' (a test says so).
"""

from __future__ import annotations

from typing import Final

#: A food market's names.
_MARKETS: Final = ("菜市场", "农贸市场", "菜场")
#: The gas, as residents name it.
_GASES: Final = ("燃气", "天然气", "天燃气")
#: A gas charge's words after the gas ("燃气开户费", "天然气初装费").
_GAS_FEES: Final = ("费", "开户费", "初装费", "安装费", "开通费", "配套费", "接驳费", "入户费")

#: New kinds, and new words for kinds of ``text.CLAIM_KINDS`` or ``claim_words.CLAIM_WORDS``
#: (their kind names), by their words.
CLAIM_WORDS: Final[dict[str, tuple[str, ...]]] = {
    # Gas piped to homes, asked for, never connected or too weak ("请求解决A5区左家塘桂花村
    # 天燃气安装问题", "希望A市步行街附近的老城区居民能用上天然气", "A7县龙华安置区二期居民
    # 咨询天然气接入问题", "反映I1区燃气压力严重不足的事宜"; "天然气交钱交了几年一直没有通",
    # "天然气进户一直未能兑现"): the supply connected. Not the gas firm's charges ("B市油中
    # 燃气乱收费", "非法收取燃气开户费", "天然气消费价格的质疑": fees, ``NOT_BEFORE``).
    # "通气" (the gas turned on) is how residents say it ("通燃气"); not a briefing ("通气会").
    # Not "煤气": a gas works' or a bottle's ("投诉M5市汇源煤气排放有毒气体工业废水").
    "gas_supply": ("燃气", "天然气", "天燃气", "通气"),
    # An estate's or a village's broadband: one provider let in, or none reaching it ("咨询
    # G市花岩溪镇荆树湾村宽带资源覆盖一事", "L5县低庄牌子田学校教育专线宽带网中断了请求
    # 修复"): other providers let in, the line laid or mended. "网络" alone is a television
    # station's or a forum's ("A7县网络电视台", "网络问政"); its monopoly is the broadband's.
    "broadband": ("宽带", "网络垄断", "光纤"),
    # The line down for days ("宽带三天没网", "网断了没人修"): a breakdown to mend, not the
    # provider kept out that "宽带" letters of the estate mostly write about.
    "broadband_outage": ("没网", "断网", "网断了", "宽带断了"),
    # An estate's own kindergarten, built and standing idle or never opened ("请求A市政府
    # 及时接收“恒大城”小区配套幼儿园并开办公立园", "关于A4区珠江郦城公园幼儿园拖延一年多
    # 未开园招生的投诉"; "小区附近的幼儿园也一直没开工"): handed over and opened. Not "配套
    # 幼儿园" or "公办幼儿园" alone: read as a place, they are every estate's ("咨询A5区新城
    # 新世界小区配套幼儿园的问题", on its private kindergarten's fees, is not "恒大城"'s
    # kindergarten kept from opening). Not a kindergarten's fees, its admission ("入园",
    # "招生": ``school_admission``) or its licence ("晨光幼儿园无证办学").
    "estate_kindergarten": (
        *(
            f"幼儿园{when}{done}"
            for when in ("", "一直", "迟迟", "至今")
            for done in ("未开办", "没开办", "没有开办", "闲置", "空置")
        ),
        "未开园",
        "没开园",
        # Said as residents say it ("配套幼儿园迟迟不开园", "小区配套园问题"): not an
        # industrial park's services ("产业工人生活配套园PPP项目", ``NOT_BEFORE``).
        "不开园",
        "配套园",
        # Asked to open ("希望A7县恒大翡翠华庭幼儿园早日开学", "投诉A5区教育局拖延恒大城
        # 公立幼儿园开办"). Not an estate's kindergarten said missing ("反映A市阳光100小区
        # 没有公办幼儿园的问题", on a private one let out): its estate is not read, and it
        # linked to another estate's kindergarten kept from opening.
        "幼儿园早日开学",
        "幼儿园尽快开学",
        "幼儿园早日开园",
        "幼儿园尽快开园",
        "幼儿园开办",
        "开办公立园",
        "开办公办园",
    ),
    # An estate's power not supplied by the grid to each home: resold by the owner or the
    # property firm at a markup or a business rate ("水表电表是开发商自己安装，没有经过水电
    # 有关部门校正，水电表度数比普通小区高出将近一倍"; "转供电", "电费加价"), or still on the
    # builders' temporary supply ("反映A8县木水清华二期临时用电与住房物业问题", "请求解决A8县
    # 市水木天成朝庭小区正式用电的报告"): the grid's own supply and price, metered per home.
    "power_resale": (
        "转供电",
        "电费加价",
        "加价收电费",
        "电价加价",
        "商业电价",
        "高价电",
        "临时用电",
        # Said short ("湘江豪庭一直用临时电"; "虽然有临时电可用，但我们的生活从来都没有
        # 安心过", "水电都是临时施工用的临时电").
        "临时电",
        "正式用电",
        "抄表到户",
        "直供电",
        # The property firm's charging more than the grid ("万象新天物业多收电费", "物业乱收
        # 电费"): the resale's markup.
        "多收电费",
        "乱收电费",
        # The developer's unpaid bill the grid cuts the estate's power for ("星辰湾小区开发商
        # 拖欠电费导致停电"): not a wage owed (``text``'s "拖欠").
        "拖欠电费",
        "欠缴电费",
        "欠交电费",
    ),
    # An estate's owners' committee, to be formed or blocked ("希望A7县有关部门推动成立恒广
    # 国际景园小区业委会", "希望A市新星小区能成立业主委员会", "投诉中国铁建国际城业委会成立
    # 相关违章事宜"; "A7县楚龙街道不作为，导致恒广国际景园小区一直成立不了业主委员会"): the
    # committee elected. Not a committee's head spending the repair fund ("投诉L1区湖天一色
    # 东苑楼业委会主任非法使用维修基金", ``NOT_BEFORE``).
    "owners_committee": ("业委会", "业主委员会", "业主大会"),
    # Traffic at a school's gate at its opening and closing ("反映A7县泉塘小学校门口的交通
    # 问题"; "学校门口的车辆过多，车速也很…", "经常性堵车主要原因是尚格小学上…"): the
    # gate's traffic managed. Not its speed bumps ("东校门马路上设置减速装置") nor a school
    # bus ("校车接送": another remedy).
    # (A title's "的" is read as a break: ``text.topic``.)
    "school_traffic": (
        "校门口交通",
        "校门口 交通",
        "校门口拥堵",
        "校门口 拥堵",
        "校门口堵车",
        "上学高峰",
        "放学高峰",
        # Said of the gate's jams ("请求整治A8县春城路城北中学春城校区段放学前后交通堵塞
        # 问题").
        "放学前后交通",
        "上下学拥堵",
        "上下学高峰",
        "上学拥堵",
        "放学拥堵",
        "接送拥堵",
        "学周边交通",
        "学门口交通",
    ),
    # A moved household's new home, late or not built ("反映A8县金洲新区高新安置房分配问题"):
    # the homes built and handed over, the households moved back ("回迁"). Not the homes'
    # sale, transfer or certificates ("咨询L10县县永平路安置房过户交易问题", "咨询L市榆园
    # 安置房购买事宜", "咨询西地省信息学院安置房建房证的事情", ``NOT_BEFORE``). Not the
    # resettlement estate (``claim_words``: "安置小区" is a place).
    "resettlement_housing": ("安置房", "回迁", "还建房"),
    # An exit of a metro station asked for ("恳请在A7县榔梨街道请求增加一个地铁口").
    # A station's exit, its line's named before it ("咨询A市地铁3号线烈士公园东站出入口的规划",
    # "A市地铁4号线罐子岭站出入口咨询"); not a bus's or a train's station (``NOT_AFTER``).
    "metro_exit": ("地铁口", "地铁出口", "地铁站出口", "地铁出入口", "地铁站口", "站出入口"),
    # Charging points for e-bikes or cars asked for ("残疾人希望A4区福泽园物业增设电动车
    # 充电桩"): the points installed.
    "ebike_charging": ("充电桩", "充电站", "充电设施", "电动车充电", "充电难", "飞线充电"),
    # A food market wanted where none is, or its building finished and opened ("希望A市政府
    # 新建一个菜市场", "希望A7县东三路与望仙路口的公众菜市场赶快建成使用", "请求启用K4县石期
    # 市镇石星停车场和石星农贸市场"). A market itself names no kind: its stalls in the road,
    # its noise and its management are its problems ("F5县工农桥菜市场占道经营，造成噪音
    # 扰民": encroachment and noise).
    "market_wanted": (
        *(f"{verb}{market}" for market in _MARKETS for verb in ("建", "建个", "建一个")),
        *(f"{verb}{market}" for market in _MARKETS for verb in ("没有", "缺少", "启用")),
        *(f"{market}{done}" for market in _MARKETS for done in ("赶快建成", "建成", "开业")),
    ),
    # Square dancers' music ("关于A7县封刀岭社区广场舞扰民的投诉和建议", "建议J市广场舞客
    # 星期一到星期五实行静音跳舞"): their hours and volume kept. Noise, but one source's, as
    # a site's works are (``claim_words``): a title naming their noise names both.
    "square_dancing": ("广场舞",),
    # Noise said as residents say it ("再次投诉M3县上渡街道办祥和街有机食府厨房大型抽风机
    # 噪音吵人"; "晚上特别是半晚吵闹令人…", "歌声…太吵").
    # And the sleep it breaks ("吵得根本没法睡", "经常在睡梦中被吵醒"); not a quarrel
    # ("车上争吵得很厉害", ``NOT_AFTER``).
    "noise": ("吵人", "吵死", "太吵", "吵闹", "吵得", "吵醒"),
    # A property firm not doing its work ("投诉A4区威尔士春天物业管理混乱", "A市世景华庭
    # 物业管理混乱，业主反映问题无人管"; "物业不作为"): the service done or the firm
    # replaced. Not its fee (``fees``: "物业费上涨"); "物业" alone names every problem of an
    # estate.
    "property_service": (
        "物业不作为",
        "物业管理混乱",
        "物业服务差",
        "物业服务质量差",
        "物业不管事",
        "物业管理不到位",
        # Its service, plainly ("海外滩物业服务问题"); not its fee, its contract, its office
        # (``NOT_BEFORE``).
        "物业服务",
    ),
    # Rubbish not cleared ("垃圾没人清", as "A3区锦绣家园小区垃圾泛滥无人管理" says it).
    "rubbish": ("垃圾没人清", "垃圾无人清", "垃圾没人收", "垃圾无人收"),
    # Water not reaching homes that have it: cut, none coming or too weak ("投诉B9市B9市大道
    # 旗滨公园里小区长期停水", "J1区自来水公司频繁停水问题无人解决，投诉无门", "投诉F3区
    # 达兴水厂乱收费，还直接断水！", "B2区江南世家水改后，水压不正常", "请求解决C市易俗河
    # 松香苑小区的水压问题"; "所有住户自三楼以上就出现停水现象"): the water company's
    # supply restored. A power cut is another (``CLAIM_KINDS["supply_cut"]``: the grid's or
    # the property firm's, another remedy), though a title may name both ("物业恶意断水断电").
    "water_cut": ("停水", "断水", "水压", "没有水", "没水"),
    # A developer's late hand-over, said without "逾期" ("投诉K市东海家园拖延交房且停工",
    # "投诉L9县县巴黎春天未按合同时间交房、办证").
    "late_handover": (
        "拖延交房",
        "未按时交房",
        "未按期交房",
        "没有按时交房",
        "不按时交房",
        "时间交房",
        "迟迟不交房",
        "迟迟未交房",
        "无法交房",
        "不能交房",
        "未交房",
        "没交房",
        "没有交房",
        "不交房",
        "交房遥遥无期",
        "何时交房",
        "何时能交房",
        "时候能交房",
        "什么时候交房",
        "交房时间",
        # A building project stalled or abandoned ("投诉A5区泰英汇景豪庭烂尾", "投诉J1区下眉桥
        # 五牛城烂尾楼的问题", "反映A市美麓阳光住宅楼无故停工以及质量问题", "B市海洋公园停工
        # 一事希望政府能介入调查"): the works resumed. At an estate its buyers' homes are
        # late because its works stopped, and its buyers write of both as one matter ("投诉
        # K市东海家园拖延交房且停工"; "宏图南园逾期交房", "宏图南园3栋5栋停工", "烂尾了吗",
        # "保交楼": the homes delivered, the slogan of 2022 on), so the stalled works are
        # this kind, not one of their own that would tell the buyers' letters apart. Not
        # works ordered to stop ("请求政府勒令停工停产整顿": the factory's pollution,
        # ``NOT_AFTER``, ``NOT_BEFORE``); the workers' wages on the site are ``wages``.
        "烂尾",
        "停工",
        "保交楼",
        "保交房",
        # The works asked to resume ("鼎泰锦汀府什么时候复工", "锦汀府复工是假复工"), and the
        # buyers' mortgages and credit records hurt while the homes are not delivered ("关于
        # 锦汀府业主房贷征信问题", "再次请求保护锦汀府业主征信"): the same stalled homes.
        # Not a firm's works and production resumed ("复工复产", of 2020: ``NOT_BEFORE``);
        # "征信" alone is a credit office's ("征信窗口"). No real title holds these yet.
        "复工",
        "房贷征信",
        "业主征信",
    ),
    # An estate's common income, from its lifts' adverts, its car parks or its leased rooms
    # ("桂香苑小区电梯广告收益去向不明"): accounted for to its owners. Not a rise in the
    # property fee (``fees``), which the same estate's owners write of apart. No real
    # letter (dev and unlabelled) names it yet.
    "common_income": (
        "公共收益",
        "共有收益",
        "公共收入",
        "广告收益",
        "广告收入",
        "广告费收入",
        "电梯广告",
    ),
    # A home's certificates, however typed ("L4县文昌商贸城小区全体业主请求办证", "投诉L9县
    # 县巴黎春天未按合同时间交房、办证"; "房产正"): not a licence or a card ("希望A市工商局
    # 能精简办证手续", "希望G市残疾人办证能方便点", ``NOT_AFTER``), nor its fee ("违规收取
    # 办证费": fees).
    # Also the registration certificate and the mortgage one ("投诉L3县樱花小区没有办理
    # 不动产登记证", "A4区恒大雅苑房产他项权证迟迟办不下来").
    "property_certificate": ("办证", "房产正", "房产证书", "房本", "不动产登记证", "他项权证"),
    # A school's catchment ("A市梨子山居民质疑学区划分问题", "咨询A7县山水湾小区学区划分的
    # 问题", "投诉C市翰林咀承诺的学区房不能兑现") and a kindergarten's places ("希望A4区北辰
    # 第一幼儿园不要通过抽签方式决定入园资格", "咨询A7县公立幼儿园入园问题").
    # And a child's school place, said plainly ("C市万达华府业主咨询小孩读书问题", "A7县
    # 榔梨镇居民希望解决女儿读书问题", "A市梅溪青秀业主子女就近就读长郡梅溪湖中学的请求").
    # Not "小孩上学": as often the way to school ("小孩上学不便", "小孩上学无公车").
    "school_admission": (
        "学区",
        # A child placed at a school ("锑都家园一期被划到了学士睿哲希望小学", "只有莲花新村
        # 的生源被划到德源小学上学"): only with the school or its going there in the clause
        # (``NOT_BEFORE``), not a parking space or a district drawn ("划到停车位").
        "划到",
        # A child who cannot get a place ("桐木村孩子上不了丁字湾小学", "孩子上不了学"), only
        # with a school's words after it as "划到".
        "上不了",
        "入园",
        "对口学校",
        "小孩读书",
        "孩子读书",
        "女儿读书",
        "儿子读书",
        "子女读书",
        "就近就读",
        # A child without a school place, said as parents say it ("希望解决檀悦孩子上学难",
        # as "关于J市小孩入学难问题的反映" says it with ``CLAIM_KINDS``' word).
        "上学难",
        "读书难",
    ),
    # A road or a home under water ("淹了", "倒灌": a drain's water backing up; "一下雨就积水"
    # is ``flooding``'s own). And water come in ("车库再次进水", "家里进水"): not an inlet
    # or its pipe ("进水口", "进水管", ``NOT_BEFORE``).
    "flooding": ("淹了", "倒灌", "进水"),
    # A street left dark ("东沙路新天地段和双拥路这两段路，前后都是亮堂堂，唯独这一带居住
    # 人口多的，黑灯瞎火", "M2县新公安局路段晚上漆黑一片"): its lights lit.
    # A street's or an underpass's lights out ("劳动路下穿隧道里的灯不亮"): not a traffic
    # light's (``CLAIM_KINDS["traffic_lights"]`` reads "红绿灯不亮" first), nor a stairwell's
    # or a lift's (``NOT_AFTER``).
    "street_lights": ("黑灯瞎火", "漆黑", "灯不亮"),
    # An estate's fire lane blocked ("请求强制拆除楚天中苑封堵消防通道的铁门", "关于请求A7县
    # 疏通天楚中苑小区消防通道的报告", "请求恢复A5区樱园小区北大门消防主通道"): cleared.
    "fire_lane": ("消防通道", "消防主通道"),
    # Homes turned into shops ("G市万达B区业主坚决反对住改商行为！", "投诉A市北辰三角洲业主
    # 非法住改商扰民"): stopped.
    "home_to_shop": ("住改商",),
    # A mobile mast by homes ("B2区经世皇城小区业主反对建违法基站", "咨询A7县移动手机信号塔
    # 的设立问题", "投诉L市铁塔公司非法占用农用土地修建信号塔"): moved or not built.
    "mast": ("基站", "信号塔", "发射塔"),
    # A substation by homes ("投诉F9市富豪名城小区违规安装变电站", "星沙文化公园要建大型的
    # 变电站，居民强烈反对！", "请求给C4市中沙镇红河村新建变电站变址"): moved or not built.
    "substation": ("变电站", "变电所"),
    # Cars abandoned in an estate ("请求处理L10县尚都花园车库里的两台僵尸车"): towed.
    "abandoned_cars": ("僵尸车",),
    # A developer's homes badly built ("反映A7县海伦春天小区房屋质量问题", "投诉K7县瑶城鑫都
    # 房屋质量不合格"): repaired or compensated.
    # And its walls or floors cracked ("反映A7县榔梨城市花园小区电梯、楼房开裂和停车位问题";
    # "锦麟府二期墙体开裂"): not a wall round a site ("C4市人民医院围墙开裂") nor homes a
    # quarry's blasting cracked ("采石场炸药震坏村民房屋致开裂": the quarry's nuisance).
    "build_quality": (
        "房屋质量",
        "房子质量",
        "墙体开裂",
        "楼房开裂",
        "墙面开裂",
        "楼板开裂",
        "墙体裂缝",
        # Said of the home ("新垅村房屋裂缝问题"; "内墙开裂", "顶棚裂缝，渗水") and its check
        # asked for ("请求对德润园小区进行房屋安全鉴定").
        "房屋裂缝",
        "房子裂缝",
        "墙面裂缝",
        "房屋安全鉴定",
        "房屋鉴定",
    ),
    # The property firm changed: the old one not leaving, the new one chosen ("请求A2区政府
    # 督促彩虹都小区新老物业顺利交接工作！", "请求指导监督A市景香苑小区选聘物业公司", "投诉
    # M9县星城小区一天物业合同到期拒绝交接").
    # An old estate's or a road's renovation ("建议将星沙圆梦花园小区纳入老旧社区提质改造
    # 计划", "咨询A1区东方新城小区提质提档的改造进度", "强烈呼吁宁朱公路拓宽提质改造").
    # Said plainly of an estate ("水竹小区改造工程拖延", "再次反映水竹小区改造问题").
    "renovation": ("提质改造", "提质提档", "老旧小区改造", "小区改造"),
    # Gambling ("举报A市A1区北路金霞苑13栋一楼电游戏聚众赌博", "请求查处A1区荷花园东方银座
    # 东友邻茶楼暗藏赌博机室", "希望A3区严厉打击麓山才苑周边的打鱼机"): raided.
    "gambling": ("赌博", "赌场", "打鱼机", "老虎机"),
    # An estate's heating: district heating or its radiators not warm, not on, below the
    # standard ("澄湖壹号集中供暖不热", "暖气交了钱不热", "暖气温度不达标"): the heating
    # firm's supply brought up to it. No real title of ``../shared/data`` (a southern
    # province's) names it; northern residents write of it every winter.
    "heating": ("供暖", "暖气", "采暖", "供热"),
    # A road's surface broken, potholed, sunk ("A7县东六路有较大的路面破损问题，希望尽快
    # 修复", "反映A7县开元东路路面沉坑的问题", "呼吁A市楚府中学教工宿舍区路面修复！",
    # "K11县县大圩镇第一小圩右上二百米路段损坏严重，请求修复", "A3区附三医院西面的双塘路
    # 路窄坑多"; "黄泥塘路坑坑洼洼", "谷丰村道路修复", "我们村的路没法走了"): the surface
    # mended. Not a village's road to be paved (``claim_words``' ``road_paving``: "硬化路面",
    # ``NOT_AFTER``, ``NOT_BEFORE``), nor what is on it (its speed bumps, its standing
    # water, its parking and stalls).
    "road_repair": (
        "路面",
        "坑洼",
        "沉坑",
        "坑多",
        "路段损坏",
        "道路损坏",
        "道路破损",
        "道路修复",
        "路没法走",
        "村道烂",
        "路烂",
    ),
    # A developer's or a shop's advertising untrue ("投诉L市岳鹿欧城开发商虚假宣传", "投诉
    # B市绿地城际空间站虚假宣传欺骗业主", "中梁香榭里虚假宣传"): what was advertised delivered
    # or paid for. Not a promise not kept ("不兑现"): its kind is what was promised ("锦绣
    # 江南开发商承诺的高压线迁改没兑现": the power line by the estate, its object).
    "false_advertising": ("虚假宣传", "宣传不实"),
    # Students sent by their college to work as interns ("投诉L市职业技术学院强制学生进厂顶岗
    # 实习", "反映J市技师学院实习安排不合理的问题"): the placements stopped or paid. Not a
    # worker's probation ("实习期工资", ``NOT_BEFORE``).
    "internship": ("实习",),
    # A school's diploma held back ("麓南商贸职业学院扣发毕业证", "毕业证被学校扣押"; "咨询
    # 应届生如果毕业证推迟发放对于领取教师资格证书有什么影响吗？"): issued. Another wrong of a
    # college than its internships, though one letter may tie them ("不去不颁发毕业证").
    "diploma": ("毕业证",),
    # An estate left without a property firm: the old one gone, none come ("金辉优步花园物业
    # 撤场", "小区没有物业了"): a firm chosen, as ``property_change``'s are. No real title
    # names it yet.
    "property_change": (
        "新老物业",
        "选聘物业",
        "更换物业",
        "物业交接",
        "拒绝交接",
        "拒不交接",
        "物业撤场",
        "物业撤离",
        "物业撤出",
        "物业退出",
        "没有物业",
        "无物业",
    ),
    # An estate's common green taken ("举报L9县县心萌芽幼儿园侵占小区公共绿地"): returned.
    "common_land": ("公共绿地", "侵占绿地", "占用绿地", "小区绿地"),
    # The gas charges of an estate's homes, its connection and its fees ("投诉E12市和润置业
    # 开发商非法收取燃气开户费299万元", "反映J3县金皇燃气收费问题": "我们燃气开户费是1800元
    # 一户。应该包括开通费用算在一起"): what the developer or the gas firm asks for the gas
    # it has not yet brought, one problem with the supply (``FAMILIES["gas"]``). Not the gas
    # firm's charging at large ("B市油中燃气乱收费": ``fees``), nor its bills paid online,
    # nor its level (``NOT_BEFORE``: "燃气开户费太高" is the price, a fee of ``fees``).
    "gas_fees": tuple(f"{gas}{fee}" for gas in _GASES for fee in _GAS_FEES),
    # A quarry's blasting ("投诉L2县下坪乡壮稻村采石场炸药震坏村民房屋致开裂"; "一爆破时
    # 全村都在震动，晚上碎石粉尘到处都是"): the blasting stopped, the homes it cracked made
    # good (``FAMILIES["quarry"]``).
    "blasting": ("爆破", "放炮", "炸石", "炸药", "震裂", "震坏"),
    # A developer's changing an estate's approved plan ("强烈反对A市绿地香树花城项目变更规划"):
    # the plan kept; with the green land it builds on (``FAMILIES["estate_plan"]``).
    "plan_change": ("变更规划", "规划变更", "擅改规划", "擅自更改规划", "更改规划", "私改规划"),
    # The homes of a moved household late, and the transitional allowance paid while they
    # wait ("过渡费", "过渡安置费": "东旭村拆迁过渡费停发", "请求恢复东旭村过渡安置费"): the
    # allowance resumed until the homes are handed over (``FAMILIES["resettlement"]``).
    "transition_fees": ("过渡费", "过渡安置费", "临时安置费", "周转费", "过渡补助", "过渡补贴"),
}
#: A word is not its kind before what makes it another's (``text._NOT_BEFORE``).
NOT_BEFORE: Final[dict[str, str]] = {
    # A firm's works and production resumed ("复工复产") are no stalled estate's.
    "复工": "复产",
    # The gas firm's charges are fees ("燃气乱收费", "燃气开户费", "天然气消费价格").
    # Nor the firm's own doing ("举报L市地区民中燃气公司严重偷税"), nor a gas bottle's deposit
    # ("咨询L10县永安燃气液化气罐押金收取及押金退还问题").
    # Nor paying its bills online in the clause ("希望K市奥新燃气能在网上缴费", "咨询A市奥新
    # 燃气在麓谷和沁园什么时候能够支持网上缴费").
    "燃气": "公司|[^，。！？、]{0,3}(?:费|价|押金|液化气)|[^，。！？、]{0,20}(?:缴费|交费)",
    "天然气": "公司|[^，。！？、]{0,3}(?:费|价|押金)",
    "天燃气": "公司|[^，。！？、]{0,3}(?:费|价|押金)",
    "通气": "会",
    # A gas charge's level ("保利香槟国际燃气开户费太高": "比别的小区高很多，有没有收费依据，
    # 请求物价局核查"; "关于K2区天然气消费价格的质疑"): its price checked, not the gas withheld
    # until it is paid (``fees``, as "开户费" reads).
    **dict.fromkeys(
        (f"{gas}{fee}" for gas in _GASES for fee in _GAS_FEES),
        "[^，。！？、]{0,4}(?:太高|过高|偏高|高于|贵|涨|标准|依据|价格)",
    ),
    # Works ordered to stop are the wrong they stop ("勒令停工停产整顿").
    "停工": "停产|整顿",
    # A path beside a stalled building is the path ("请求给L1区玉溪路华夏湖天烂尾楼旁修一条
    # 便道").
    "烂尾": "楼?(?:旁|边|附近)",
    # An industrial park's services or its project ("生活配套园PPP项目").
    "配套园": "[^，。！？、]{0,4}(?:项目|区)",
    # An inlet, its pipe or its valve.
    "进水": "口|管|阀|闸|渠",
    # A road's surface and what is on it or done to it: its paving, its speed bumps, its
    # standing water, its parking, stalls and rubbish ("路面硬化高低不平易积水" is the
    # paving; "路面减速带"; "路面停车").
    "路面": "硬化|减速|积水|停车|摆|占|垃圾|清扫|保洁|撒|洒|抛|扬尘",
    # A road's works stalled ("路烂尾"): the stalled works (``late_handover``'s "烂尾").
    "路烂": "尾",
    # A worker's probation ("实习期工资").
    "实习": "期",
    # The committee's head and its use of the repair fund ("业委会主任非法使用维修基金").
    # Nor what a committee once founded does ("业委会私自续签物业合同", "业委会挪用公共收益"):
    # its conduct, not the estate's one want of a committee.
    "业委会": "主任|[^，。！？、]{0,6}(?:基金|资金|合同|续签|收益|账目|挪用|私自)",
    "业主委员会": "主任|[^，。！？、]{0,6}(?:基金|资金|合同|续签|收益|账目|挪用|私自)",
    # A line down ("宽带三天没网", "宽带断了"): a repair, not the estate's providers.
    "宽带": "[^，。！？、]{0,4}(?:没网|断网|断了|故障|坏了|维修|报修)",
    # Resettlement homes sold, transferred or certified ("安置房过户交易", "安置房购买").
    "安置房": "[^，。！？、]{0,2}(?:过户|购买|交易|买卖|证|出租)",
    # A certificate's fee ("办证费"), or a licence's procedure ("办证手续").
    "办证": "费|手续|大厅",
    # "房产正在…", "房产正式…".
    "房产正": "在|式|常",
    # Water's bill or meter ("没有水表"), or its utilities together ("没有水电").
    "没有水": "[表费电]",
    "没水": "[表费电喝]",
    # A child's way to school is not its place ("J2区爱莲湖片区小孩读书的交通问题希望能
    # 解决一下").
    **dict.fromkeys(
        ("小孩读书", "孩子读书", "女儿读书", "儿子读书", "子女读书"), "[^，。！？、]{0,3}交通"
    ),
    # A placement is of a school ("划到", above): the lookahead the guard makes negative is
    # itself negative, so the word is read only with a school's words after it.
    **dict.fromkeys(
        ("划到", "上不了"),
        "(?![^，。！？、]{0,12}(?:上学|读书|就读|入学|小学|中学|学校|学区|初中|高中|学(?!费)|幼儿园))",
    ),
    "物业服务": "费|合同|中心|企业|公司|站|收费",
    # A park's or a zoo's tickets ("入园门票").
    "入园": "[^，。！？、]{0,2}(?:票|费)",
}
#: A word is not its kind after what makes it another's (``text._NOT_AFTER``: what comes
#: right before it, of a fixed width).
NOT_AFTER: Final[dict[str, tuple[str, ...]]] = {
    # Works ordered or asked to stop ("勒令停工", "责令停工", "要求停工", "立即停工"), or to
    # stop at night ("请求金桥北路工程晚上停工", "夜间停工": its works at night,
    # ``claim_words``).
    "停工": ("[令求即上间里夜]",),
    # A card or a licence, not a home's ("残疾人办证", "精简办证手续").
    "办证": ("[人者简]",),
    # A lift switched off is not a power cut ("开发商擅自关停电梯"): ``CLAIM_KINDS``' word.
    "停电": ("关",),
    # A road paved is its paving ("硬化路面").
    "路面": ("硬化",),
    # A coach's or a train's station ("汽车站出入口", "火车站出入口").
    "站出入口": ("车",),
    # A quarrel is no noise ("车上争吵得很厉害").
    "吵得": ("争",),
    # A building's own lights ("楼道灯不亮", "声控灯不亮", "电梯灯不亮").
    "灯不亮": ("[道控应梯廊库内]",),
    # A road's or a site's works restored ("路面恢复工程": "复工" inside "恢复工程"), or a
    # site resuming against an order ("停止施工后，又偷偷私自复工": its works), are no
    # stalled estate's (real letters' contents).
    "复工": ("恢", "私自", "擅自", "偷偷"),
    # A thing done without the owners' assembly ("投诉物业未经业主大会涨物业费", "物业费上涨
    # 没开业主大会"): the thing's problem (the fee raised), not the committee to be founded.
    "业主大会": ("[未没不][经开]", "[未没]召开"),
}
#: Families of kinds, each one problem when its kinds meet at one place (issue 13, the
#: twenty-second session): residents of one estate or village write of one problem by its
#: different symptoms, and a title naming one kind of a family is not another matter than a
#: title naming another of it at the same place. By family, its kinds and its words of other
#: kinds (a word whose kind is broader than the family: "临时用电" is of ``power_resale``,
#: whose markups are not the cuts). Read from the real letters of ``../shared/data``:
#:
#: * gas: the supply and its charges ("反映J3县金皇燃气收费问题": "我们燃气开户费是1800元
#:   一户。应该包括开通费用算在一起"; "天然气交钱交了几年一直没有通").
#: * power: an estate's power cut and the temporary supply or unpaid bill that causes it
#:   ("请求解决A8县市水木天成朝庭小区正式用电的报告": "最大的问题就是电了"; "水电都是临时
#:   施工用的临时电，存在很大的隐患").
#: * quality: a building's quality and its leaks and cracks ("美麓阳光住宅楼……质量问题":
#:   "115户出现顶棚裂缝，渗水"; "交房半年就出现房子漏水，内墙开裂"; "反映A8县市星河弯房屋
#:   质量问题": "楼板地面,严重开裂.漏水"; "外墙渗水和房屋开裂的现象").
#: * quarry: a quarry and its blasting ("采石场炸药震坏村民房屋致开裂"; "一爆破时全村都在
#:   震动，晚上碎石粉尘到处都是"). Not homes cracked, said alone ("新垅村房屋裂缝问题"): as
#:   often a building's quality (``build_quality``), and a title is read as one family.
#: * resettlement: a moved household's homes and the allowance paid while it waits.
#: * estate_plan: an estate's plan changed and the green land built on ("反对在小区公共绿地
#:   建设停车场", "强烈反对A市绿地香树花城项目变更规划").
#: * estate_accounts: an estate's common income and the owners' committee that should hold
#:   it to account ("小区公共收益去哪了谁也不知道，业委会主任和物业关系暧昧", under a title
#:   "关于…业委会的投诉"): the owners asking where their income goes write of either. No
#:   real title names the income yet; a property fee raised (``fees``) is none of it.
FAMILIES: Final[dict[str, tuple[frozenset[str], frozenset[str]]]] = {
    "gas": (frozenset({"gas_supply", "gas_fees"}), frozenset()),
    "power": (
        frozenset({"supply_cut"}),
        frozenset({"临时用电", "临时电", "正式用电", "拖欠电费", "欠缴电费", "欠交电费"}),
    ),
    "quality": (frozenset({"build_quality", "leaks"}), frozenset()),
    "quarry": (frozenset({"quarry", "blasting"}), frozenset()),
    "resettlement": (frozenset({"resettlement_housing", "transition_fees"}), frozenset()),
    "estate_plan": (frozenset({"plan_change", "common_land"}), frozenset()),
    "estate_accounts": (frozenset({"common_income", "owners_committee"}), frozenset()),
}

#: Every word's kind.
KIND_OF_WORD: Final[dict[str, str]] = {
    word: kind for kind, words in CLAIM_WORDS.items() for word in words
}


#: The narrow kinds: each names one object or one want of a whole estate (its gas connected,
#: its heating warm, its broadband opened to other providers, its kindergarten opened, its
#: power no longer resold, its owners' committee founded, its metro exit, its e-bike
#: charging, its homes finished and handed over, its certificates issued, its lifts and a
#: building's leak, a lift added,
#: its resettlement homes, its property company changed, a market for it), which an estate
#: has once: strangers' letters naming one at one estate are one matter however they word it
#: (``scoring``, ``joint_threshold_narrow_kind``). Not the broad kinds an estate has many
#: of (noise, fees, parking, pollution, rubbish, its property company's service), nor those
#: of an area (a water or power cut: one burst pipe is not the next), nor those of a school
#: (its admissions: each child's). A lift or a leak (one building's roof or walls: "楚天御园
#: 9栋顶楼漏水", "再次反映楚天御园9栋漏水") is one per building or part
#: (``text.parts_differ``: "8栋电梯", "3栋电梯" stay two).
NARROW_KINDS: Final = frozenset(
    {
        "gas_supply",
        "broadband",
        "estate_kindergarten",
        "heating",
        "power_resale",
        "owners_committee",
        "metro_exit",
        "ebike_charging",
        "late_handover",
        "property_certificate",
        "lifts",
        "leaks",
        "lift_addition",
        "resettlement_housing",
        "property_change",
        "market_wanted",
        "gas_fees",
        # The families of an estate's gas and of its homes' quality (``FAMILIES``), as
        # ``text.claims`` names them.
        "family:gas",
        "family:quality",
    }
)
