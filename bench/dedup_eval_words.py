"""The words the dedup evaluation set is made of: counties, places, problems, people.

Per-problem sentence templates with paraphrase variants, in Chinese and in English, the
places they happen at, and what rewording adds (operator boilerplate, typos, personal
details). ``bench.make_dedup_eval`` draws from them with one seeded generator.
"""

from __future__ import annotations

from typing import Any, Final

REGIONS: Final = {
    "610302": "渭滨区",
    "610303": "金台区",
    "110105": "朝阳区",
    "440305": "南山区",
    "330106": "西湖区",
    "510107": "武侯区",
}
ESTATE_HEADS: Final = [
    "阳光",
    "锦绣",
    "翠湖",
    "金色",
    "幸福",
    "和谐",
    "碧水",
    "绿地",
    "东方",
    "星河",
    "盛世",
    "滨江",
    "紫荆",
    "桂花",
    "枫林",
    "华府",
    "龙湖",
    "雅居",
    "康乐",
    "泰和",
    "书香",
    "御景",
    "丽都",
    "怡景",
    "馨园",
    "天悦",
    "明珠",
    "兴华",
    "安居",
    "万福",
]
ESTATE_TAILS: Final = ("小区", "花园", "家园", "新村", "苑")
ROADS: Final = [
    "人民路",
    "建设路",
    "解放路",
    "滨河路",
    "文化路",
    "胜利路",
    "和平路",
    "长安路",
    "科技路",
    "清姜路",
    "宝光路",
    "经二路",
    "红旗路",
    "新华路",
    "光明路",
    "公园路",
    "迎宾大道",
    "高新大道",
]
COMPANIES: Final = [
    "宏达建筑工程有限公司",
    "顺发物流有限公司",
    "华盛服装厂",
    "鑫源食品有限公司",
    "恒通机械厂",
    "永兴建材有限公司",
    "金鹏装饰工程有限公司",
    "远航电子有限公司",
    "天成劳务有限公司",
    "瑞丰纺织厂",
]
SCHOOLS: Final = [
    "实验小学",
    "第一中学",
    "育才小学",
    "明德中学",
    "阳光幼儿园",
    "第二中学",
    "希望小学",
    "新华中学",
]

# Each problem: field, kind of place, titles, and sentences each with paraphrase variants.
PROBLEMS: Final[dict[str, dict[str, Any]]] = {
    "basement_water": {
        "place": "estate",
        "titles": ["{place}地下室长期积水", "反映{place}地下室积水问题", "{place}地库积水无人处理"],
        "sentences": [
            [
                "{place}{b}号楼地下室长期积水",
                "我们{place}{b}号楼的地下室常年积水",
                "{place}{b}号楼地下室一直有积水",
            ],
            ["水深已超过{n}厘米", "积水最深处有{n}厘米左右", "积水深度达到{n}厘米"],
            ["物业公司一直不处理", "物业对此置之不理", "找了物业多次都没人管"],
            ["蚊虫滋生气味难闻", "夏天蚊子很多而且臭气熏天", "滋生大量蚊虫，味道刺鼻"],
            [
                "请求有关部门督促物业尽快排水维修",
                "希望相关部门责令物业马上抽水修好",
                "恳请政府部门督促物业解决积水",
            ],
        ],
    },
    "elevator": {
        "place": "estate",
        "titles": ["{place}电梯频繁故障", "{place}{b}号楼电梯经常坏", "反映{place}电梯安全隐患"],
        "sentences": [
            [
                "{place}{b}号楼电梯经常出现故障",
                "{place}{b}号楼的电梯三天两头坏",
                "我住的{place}{b}号楼电梯老是停运",
            ],
            [
                "上个月有居民被困电梯{n}分钟",
                "前段时间有老人被关在电梯里{n}分钟",
                "曾经发生过困人事故，被困{n}分钟",
            ],
            ["物业只是简单维修", "物业每次都是敷衍了事随便修一下", "物业维修不彻底"],
            ["楼里老人多，上下楼非常困难", "高层住户和老人出行很不方便", "老年人上下楼十分不便"],
            [
                "请求市场监管部门检查电梯安全",
                "希望特种设备监管部门对电梯进行安全检测",
                "要求有关部门彻底排查电梯隐患",
            ],
        ],
    },
    "property_fee": {
        "place": "estate",
        "titles": ["{place}物业擅自上涨物业费", "投诉{place}物业乱收费", "{place}物业费违规涨价"],
        "sentences": [
            [
                "{place}物业公司从{year}年起把物业费从每平方米{m}元涨到{n}元",
                "{year}年开始{place}物业费由每平米{m}元提高到{n}元",
                "{place}物业在{year}年擅自将物业费从{m}元每平方米上调至{n}元",
            ],
            ["涨价没有经过业主大会同意", "这次涨价业主大会根本没有表决", "未召开业主大会征求意见"],
            ["服务质量却越来越差", "小区卫生和安保反而变差了", "服务水平不升反降"],
            ["请求价格主管部门查处", "希望发改部门依法查处乱收费行为", "要求有关部门制止违规涨价"],
        ],
    },
    "title_certificate": {
        "place": "estate",
        "titles": [
            "{place}购房多年无法办理产权证",
            "{place}房产证迟迟办不下来",
            "反映{place}不动产权证办理问题",
        ],
        "sentences": [
            [
                "本人于{year}年在{place}购房",
                "我{year}年在{place}买了房子",
                "{year}年我购买了{place}的商品房",
            ],
            [
                "开发商至今未办理产权证",
                "到现在开发商还没有给办房产证",
                "开发商一直拖着不给办理不动产权证",
            ],
            ["多次催促无果", "找开发商很多次都没有结果", "反复催办均无回应"],
            ["孩子上学落户都受到影响", "影响了小孩入学和户口迁移", "导致无法落户，孩子上学受影响"],
            [
                "请求住建部门督促开发商尽快办证",
                "希望住建局责令开发商限期办理",
                "恳请有关部门协调尽快办理产权证",
            ],
        ],
    },
    "wage_arrears": {
        "place": "company",
        "titles": ["{place}拖欠工人工资", "讨要{place}拖欠的工资", "{place}欠薪{m}个月"],
        "sentences": [
            [
                "{place}拖欠我们{n}名工人{m}个月工资",
                "我们{n}个工人在{place}干活，被拖欠了{m}个月的工资",
                "{place}已经{m}个月没有给{n}名工人发工资",
            ],
            ["共计约{amount}万元", "欠款总额大概{amount}万元", "总共欠了{amount}万元左右"],
            ["老板一直以资金困难为由推脱", "公司负责人总说没钱拖着不给", "老板找各种理由不付工资"],
            ["工人们生活非常困难", "大家家里都等着这笔钱生活", "工人们家庭生活难以为继"],
            [
                "请求劳动监察部门帮助追讨工资",
                "希望人社部门依法责令公司支付欠薪",
                "恳请劳动保障监察大队介入处理",
            ],
        ],
    },
    "construction_noise": {
        "place": "road",
        "titles": ["{place}工地夜间施工扰民", "投诉{place}夜间施工噪音", "{place}工地半夜施工"],
        "sentences": [
            [
                "{place}的建筑工地每天晚上施工到凌晨{n}点",
                "{place}那个工地天天夜里施工到凌晨{n}点",
                "{place}工地夜间施工一直持续到凌晨{n}点",
            ],
            [
                "噪音非常大，周边居民无法休息",
                "机器轰鸣声严重影响附近居民睡觉",
                "噪声扰民，附近住户根本睡不着",
            ],
            [
                "没有看到夜间施工许可公示",
                "现场没有公示夜间施工许可证",
                "不知道有没有办夜间施工许可",
            ],
            [
                "请求城管部门依法查处",
                "希望城市管理执法部门进行处理",
                "要求有关部门责令工地停止夜间施工",
            ],
        ],
    },
    "road_damage": {
        "place": "road",
        "titles": ["{place}路面破损严重", "{place}坑洼不平急需维修", "反映{place}道路塌陷"],
        "sentences": [
            [
                "{place}靠近{b}号路段路面破损严重",
                "{place}{b}号附近的路面坑坑洼洼",
                "{place}{b}号门口的路段出现大面积破损",
            ],
            ["最大的坑有{n}厘米深", "有的坑深达{n}厘米", "路面坑洞深约{n}厘米"],
            ["已经发生多起电动车摔倒事故", "不少骑电动车的人在这里摔倒", "经常有车辆在此发生事故"],
            ["下雨天积水更加危险", "雨天坑里积水看不清路面", "一下雨就全是积水"],
            ["请求交通或市政部门尽快修复", "希望市政部门尽快修补路面", "恳请相关部门及时维修"],
        ],
    },
    "factory_pollution": {
        "place": "factory",
        "titles": ["{place}排放刺鼻废气", "投诉{place}污染环境", "{place}偷排污水"],
        "sentences": [
            [
                "{place}每天夜间排放刺鼻废气",
                "{place}经常在晚上偷偷排放废气",
                "{place}一到晚上就排出难闻的气体",
            ],
            ["还向附近河道排放污水", "污水直接排到旁边的河里", "并且偷排污水进入河道"],
            ["周边{n}多户居民深受其害", "附近{n}多户人家受到影响", "周围{n}余户群众饱受困扰"],
            ["不少居民出现咳嗽头晕症状", "很多人出现头晕咳嗽等不适", "居民身体健康受到威胁"],
            ["请求生态环境部门调查处理", "希望环保部门对该厂进行检查", "要求环境执法部门依法查处"],
        ],
    },
    "school_place": {
        "place": "school",
        "titles": ["{place}学位分配不公", "反映{place}招生问题", "孩子无法在{place}入学"],
        "sentences": [
            [
                "我家孩子今年应在{place}就近入学",
                "我的孩子今年应当划片到{place}上学",
                "按照学区划分孩子应该进入{place}",
            ],
            ["但学校以学位已满为由拒绝接收", "学校说学位满了不收", "{place}称名额已满拒绝报名"],
            [
                "而一些不在片区的学生却被录取",
                "但有不少片区外的孩子却入学了",
                "片区外的学生反而能进",
            ],
            [
                "请求教育局公开学位分配情况",
                "希望教育部门调查招生中的问题",
                "恳请教育主管部门依法处理",
            ],
        ],
    },
    "parking": {
        "place": "estate",
        "titles": ["{place}车位只售不租", "{place}开发商强制捆绑销售车位", "投诉{place}停车位问题"],
        "sentences": [
            [
                "{place}开发商车位只卖不租",
                "{place}的开发商只出售车位不出租",
                "{place}车位开发商拒绝出租只肯卖",
            ],
            [
                "每个车位售价高达{amount}万元",
                "一个车位要价{amount}万元",
                "车位价格达到{amount}万元",
            ],
            ["业主只能把车停在路边", "很多业主被迫路边停车", "大量车辆停在小区外道路上"],
            ["请求有关部门规范车位租售", "希望住建部门督促开发商出租车位", "要求相关部门依法处理"],
        ],
    },
    "heating": {
        "place": "estate",
        "titles": ["{place}冬季供暖不达标", "{place}暖气不热", "反映{place}供暖问题"],
        "sentences": [
            [
                "今年入冬以来{place}室内温度只有{n}度左右",
                "{place}供暖后家里温度才{n}度",
                "入冬后{place}室温一直在{n}度上下",
            ],
            ["远远达不到18度的标准", "低于规定的18度", "没有达到供暖标准"],
            [
                "供热公司多次上门都没有解决",
                "热力公司来看过几次也没修好",
                "找了供热单位多次仍然不热",
            ],
            ["家里老人孩子冻得生病", "老人和小孩都冻感冒了", "家中老人小孩受冻"],
            [
                "请求供热主管部门督促整改",
                "希望城管部门督促供热企业解决",
                "恳请有关部门帮助解决供暖问题",
            ],
        ],
    },
    "demolition": {
        "place": "road",
        "titles": ["{place}拆迁补偿不合理", "反映{place}征收补偿问题", "{place}片区拆迁安置问题"],
        "sentences": [
            [
                "我家位于{place}{b}号，属于{year}年征收范围",
                "我家房子在{place}{b}号，{year}年被列入拆迁",
                "{year}年{place}{b}号的房屋被征收",
            ],
            [
                "补偿标准每平方米只有{m}千元",
                "给的补偿只有每平米{m}千元",
                "补偿价格仅为{m}千元每平方米",
            ],
            ["远低于周边房价", "比周围房价低很多", "与市场价格相差太大"],
            ["安置房至今没有交付", "回迁房到现在也没交房", "安置房迟迟不能入住"],
            [
                "请求征收部门重新评估补偿",
                "希望有关部门依法重新核定补偿标准",
                "恳请政府妥善解决安置补偿问题",
            ],
        ],
    },
}
EN_PROBLEMS: Final[dict[str, dict[str, Any]]] = {
    "en_wages": {
        "place": "en_company",
        "titles": [
            "Unpaid wages at {place}",
            "{place} owes workers wages",
            "Wage arrears at {place}",
        ],
        "sentences": [
            [
                "{place} has not paid {n} workers for {m} months",
                "{n} of us who work for {place} have not been paid for {m} months",
                "For {m} months {place} has paid nothing to its {n} workers",
            ],
            [
                "The total owed is about {amount}0,000 yuan",
                "They owe roughly {amount}0,000 yuan in total",
                "Around {amount}0,000 yuan is outstanding",
            ],
            [
                "The boss keeps saying there is no money",
                "The owner always claims the company has no cash",
                "Management keeps promising to pay next month",
            ],
            [
                "Please ask the labour inspectors to recover our wages",
                "We request the labour bureau to order the company to pay",
                "We ask the authorities to help us get paid",
            ],
        ],
    },
    "en_noise": {
        "place": "en_road",
        "titles": [
            "Night construction noise on {place}",
            "Construction site on {place} works all night",
            "Noise complaint about {place} site",
        ],
        "sentences": [
            [
                "The construction site on {place} works until {n} in the morning every night",
                "Every night the building site on {place} keeps working until {n} am",
                "Work at the {place} construction site goes on until {n} am",
            ],
            [
                "The noise keeps the whole neighbourhood awake",
                "Nobody nearby can sleep because of the noise",
                "Residents around it cannot get any rest",
            ],
            [
                "There is no night work permit posted",
                "We have never seen a permit for night work",
                "No permit for night construction is displayed",
            ],
            [
                "Please order the site to stop working at night",
                "We ask the city management bureau to stop the night work",
                "Please investigate and stop the noise",
            ],
        ],
    },
    "en_pothole": {
        "place": "en_road",
        "titles": [
            "Dangerous potholes on {place}",
            "{place} road surface badly damaged",
            "Repair the road on {place}",
        ],
        "sentences": [
            [
                "The road surface on {place} near number {b} is badly broken",
                "Near number {b} {place} is full of potholes",
                "The stretch of {place} outside number {b} has collapsed",
            ],
            [
                "Some holes are {n} centimetres deep",
                "The deepest pothole is about {n} cm",
                "Holes up to {n} centimetres deep",
            ],
            [
                "Several scooter riders have fallen there",
                "People on e-bikes keep crashing there",
                "There have been a number of accidents",
            ],
            [
                "Please repair it as soon as possible",
                "We ask the municipal works department to fix it",
                "Please send someone to mend the road",
            ],
        ],
    },
}
EN_ROADS: Final = [
    "Maple Road",
    "Riverside Avenue",
    "Harbour Street",
    "Station Road",
    "Park Lane",
    "Hill Street",
]
EN_COMPANIES: Final = [
    "Golden Star Construction Company",
    "Bright Future Logistics Company",
    "Harmony Garment Factory",
    "Evergreen Tools Factory",
]
EXTRA_ZH: Final = (
    "此事已经反映多次，一直没有得到解决",
    "希望领导高度重视",
    "如果再不解决我们将继续向上级反映",
    "相关部门一直推诿扯皮",
    "我们已经等了很久",
    "请尽快给予答复",
)
EXTRA_EN: Final = (
    "We have complained many times without any result",
    "Please take this seriously",
    "If nothing is done we will go to the higher authorities",
    "Please reply as soon as possible",
)
PERSONAL_ZH: Final = (
    "我是{place}的业主",
    "本人住在{place}{b}号楼{u}单元",
    "我家就在{place}附近",
    "我是受害者之一",
    "我在这里住了{y}年",
)
PERSONAL_EN: Final = (
    "I live at number {b}",
    "I am one of the people affected",
    "I have lived here for {y} years",
)
BOILERPLATE_ZH: Final = ("来电反映：", "来电人称：", "市民来电反映：", "网友留言：", "来电人反映，")
BOILERPLATE_EN: Final = ("The caller reports that ", "A citizen reports that ")
TYPOS: Final = dict(
    zip(
        "的在已做反映求决理无果问题处及工资多次严重请督",
        "得再以作返应球绝里吴过文提除即公姿夺此研众清都",
        strict=True,
    )
)
SURNAMES: Final = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN: Final = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国红梅志强海燕"
EN_NAMES: Final = [
    "Li Wei",
    "Zhang Min",
    "Wang Fang",
    "Chen Jie",
    "Liu Yang",
    "Zhao Lei",
    "Sun Li",
    "Zhou Tao",
]
