"""The places and organisations a text names: estates, roads, schools, companies, ...

Dedup links petitions that name the same place; the ledger groups titles into ``place``
hotspots by them. A pure function of the text, so every worker finds the same places.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Final

from services.common.regions import default_table
from services.common.script import fold_script_and_width

# Place and organisation names: the characters before a place word. The name stops at a
# character that cannot be part of it (a preposition, a verb, a higher-level place), so
# "本人在渭滨区阳光小区购房" yields "阳光小区", and "渭滨区" is not itself a place of the
# matter (every petition in the county names it).
_PLACE_SUFFIXES: Final = (
    "小区",
    "花园",
    "家园",
    "新村",
    # An estate named as a new town ("申华国际新城", "丽发新城"), with or without "小区".
    "新城",
    # An estate named as a city of something ("魅力之城", "梦想之城").
    "之城",
    "公寓",
    "大厦",
    "广场",
    "商场",
    "市场",
    "苑",
    # An estate named as a mansion ("悦江府", "芙蓉华府"), not a government ("区政府",
    # "人民政府"), an official's or a learned seat ("官府", "学府", "首府"), nor "王府井"
    # (``_ONLY_AFTER``, ``_NOT_BEFORE``).
    "府",
    # The same mansion typed by its sound ("悦江俯", "芙蓉华俯" for "悦江府", "芙蓉华府"),
    # read as it is meant; not bowing or looking down ("俯视", "俯瞰", "俯首").
    "俯",
    # An estate or a hamlet named as a bay ("翡翠湾", "山水湾", "刘家湾"), not a harbour,
    # a sea's or a river's bay, Taiwan, nor a bay area ("港湾", "海湾", "台湾", "大湾区").
    "湾",
    # Any other estate or park named with "园" ("滨江御景园", "碧桂园"; "伊景园滨河苑" is
    # two names, "伊景园" and "滨河苑", as a letter writing "伊景园.滨河苑" names them: a
    # letter's subject takes the two for one estate, ``features._joined``);
    # not the "园" of a road named after one ("芙蓉园路": the road).
    "园",
    "邸",
    "公馆",
    "雅筑",
    "华庭",
    # Other words residents name an estate with, alone as often as before "小区" (issue
    # 13): a grand court ("湘江豪庭", "汇景豪庭"), a prefecture ("集美郡", "美林水郡"), a
    # famous or a flowery city ("富豪名城", "新城国际花都", "楚谢丽都", "恒大名都", "融侨
    # 悦城", "凯乐国际城"), a country villa ("拉菲山庄"), a sky or a spring ("碧水云天",
    # "海伦春天"). Not the plain "城" of a town ("县城", "进城"), which names no estate
    # without a developer's brand before it (``_branded_estate``), nor a famous city of
    # history or culture, a school named after a prefecture ("长郡中学"), a season's spring
    # ("今年春天").
    "豪庭",
    "郡",
    "名城",
    "国际城",
    "悦城",
    "花都",
    "丽都",
    "名都",
    "华都",
    "山庄",
    "云天",
    "春天",
    "庄园",
    "社区",
    # A subdistrict: the street word in it ("泉塘街道") is no street, and the estate after
    # it ("泉塘街道板桥小区") is named without it.
    "街道",
    # A market town ("罗巷集镇"): the town word alone stops a name, as a higher level.
    "集镇",
    # A new district of a town ("城北新区", "星沙城北新区"): a planned area letters ask about.
    "新区",
    "村",
    "大道",
    # A named expressway or elevated road ("长永高速", "万家丽高架"), a numbered road or
    # ring ("东六线", "二环线": ``_ONLY_AFTER`` keeps "热线", "红线", "在线" out). (Not a
    # railway station: the words before "火车站" are a sentence's as often as a name,
    # "唯一设有火车站", "完善火车站".)
    "高速",
    "高架",
    "线",
    "路",
    "街",
    "巷",
    "桥",
    "有限公司",
    "公司",
    "集团",
    # A firm known by its trade ("同兴物流"): its letters name it so, not "...物流公司".
    "物流",
    "工厂",
    "厂",
    "工地",
    # A concrete or asphalt mixing plant ("东富搅拌站"), which its neighbours write about.
    "搅拌站",
    "项目",
    "中学",
    "小学",
    "大学",
    "学院",
    "幼儿园",
    "学校",
    "医院",
    "卫生院",
    "酒店",
    "饭店",
    "餐厅",
    "KTV",
    "网吧",
    "加油站",
    "停车场",
    "菜市场",
    "公园",
    "水库",
    "河",
)
_NAME_STOP: Final = frozenset(
    "在于是的了与及对向从到我你他她们住位该这那某其为被把将让给由往至离近旁边外内省市区县镇乡请称说买购租映诉报令号段"
    # Adverbs, conjunctions and particles: a name runs back into a sentence through them
    # ("也非常重视农村", "而且学校", "又没什幺小区").
    "也而且但就还没哪些什么幺吗呢吧最个"
    "，。、：；！？ ,.:;!?0123456789"
)
#: Names the heuristic finds that name no place of a matter, and words that make a
#: found name generic ("有关部门责令工地", "供热公司").
_GENERIC_PLACES: Final = frozenset(
    {
        "人民政府",
        "有关公司",
        "物业公司",
        "开发公司",
        "物流公司",
        "施工项目",
        "建筑工地",
        # Any expressway ("上高速公路"), not a named one.
        "高速",
        # A kind of park, not a named one.
        "工业园",
        "物流园",
        "科技园",
        "产业园",
        "软件园",
        "创业园",
        "生态园",
        # A kind of estate, school or road, not a named one: "老旧小区改造", "安置小区漏
        # 水", "配套幼儿园闲置", "打通断头路".
        "老旧小区",
        "安置小区",
        "回迁小区",
        "拆迁小区",
        "还建小区",
        "新建小区",
        "周边小区",
        "附近小区",
        "配套幼儿园",
        "配套学校",
        "配套小学",
        "配套中学",
        "断头路",
        # A developer's project, no named one ("长城水郡开发项目").
        "开发项目",
        # A programme a stalled estate is put on ("列入保交楼项目"), no estate's name.
        "保交楼项目",
        # An estate's central garden ("锦绣江南小区中心花园里"), not an estate of its own.
        "中心花园",
    }
)
#: Of ``_GENERIC_PLACES``, the kinds of estate, school and road that no other name runs
#: back into ("配套幼儿园和小学": no "配套幼儿园和小学").
_GENERIC_KINDS: Final = frozenset(
    {
        "老旧小区", "安置小区", "回迁小区", "拆迁小区", "还建小区", "新建小区", "周边小区",
        "附近小区", "配套幼儿园", "配套学校", "配套小学", "配套中学", "断头路",
    }
)  # fmt: skip
_GENERIC_WORDS: Final = (
    "部门",
    "有关",
    "相关",
    "供热",
    "热力",
    "物业",
    "开发商",
    "道路",
    # Any road, route or estate, not a named one: "马路" (the street), "半路" (half way),
    # "十字路" (a crossroads), "线路" (a bus route's course: "调整线路"), "居民小区",
    # "一个小区", "整个小区". Left in, they make letters about one matter look like
    # letters about different places.
    "马路",
    # Motorbikes' roaring ("飙车炸街", "晚上炸街"), slang, not a street's name.
    "炸街",
    "半路",
    "十字路",
    "线路",
    "居民",
    # What an estate is to have ("富力城配套幼儿园", "政府移交配套幼儿园", "配套公办幼儿
    # 园"): a kind of school or park, not its name (the estate before it is read alone:
    # ``_unworded_estates``). Not a park named so ("产业工人生活配套园").
    "配套(?!园)",
    # A child, who goes to a school or a kindergarten ("孩子明年上幼儿园", "小孩上小学"),
    # is no part of its name.
    "孩子",
    "小孩",
    "子女",
    "一个",
    "几个",
    "整个",
    "各个",
    # The countryside, not a village: "回农村", "拥有农村户口".
    "农村",
    # A crossroads ("交叉路口"), a kind of hospital ("综合医院", "专科医院"): any of them.
    "交叉",
    "综合",
    "专科",
    # What is done wrong at a place is no part of its name: a name running back into
    # "楼部违规建设医院", "私建医院" is a fragment of a sentence.
    "违规",
    "违法",
    "私建",
    "私自",
    # A developer's project, not which of its estates ("鼎泰置业项目烂尾"): its letters name
    # the estate elsewhere, and another letter naming it by its name is about the same.
    "(?:置业|地产)项目",
    # Any mixing plant, not a named one ("违规混凝土搅拌厂", "沥青搅拌站"), nor one to be
    # built ("在新城建设搅拌站", "新建搅拌站": a sentence, not a name).
    # Both banks of a river ("造福两岸居民"), no place's name.
    "两岸",
    "混凝土搅拌",
    # A plant by what it is or where it stands, not its name ("无证搅拌站", "要求搬迁搅拌
    # 站", "汀澜雅苑北面搅拌站").
    "(?:无证|非法|违建|黑|搬迁|[东西南北]面|旁边|附近|这个|那个)(?:混凝土)?搅拌",
    "沥青搅拌",
    "建设搅拌",
    "建搅拌",
    # A kindergarten by its kind, not its name ("公办园", "民办园"), and its opening
    # ("开园"): any of them.
    "开园",
    "入园",
    "办园",
    "转园",
    "全园",
    "校园",
    # A developer's brand, not one of its estates ("碧桂园威尼斯城", "碧桂园星钻").
    "碧桂园",
    "公办园",
    "公立园",
    "民办园",
    "私立园",
)
#: A works named by its kind alone ("化工厂", "橡胶厂", "污水处理厂", "垃圾焚烧发电厂",
#: "这家五金厂"), an elevated road or an intercity line named by theirs ("高架桥", "城际
#: 铁路"): no name, any of them. Letters about one works or line name it so as often as by
#: its name or its village's ("长塘化工厂", "长塘村化工厂"); read as a place, it would make
#: them look like letters about different places.
_UNNAMED_WORKS_RE: Final = re.compile(
    "(?:[家该]|这家|那家|一家)?(?:化工|橡胶|塑料|污水处理|污水|垃圾焚烧发电|垃圾焚烧|垃圾处理"
    "|垃圾发电|餐厨垃圾处理|餐厨垃圾|泔水|焚烧|铸造|喷漆|五金|电镀|有机肥|化肥|砖|石料|水泥|造纸"
    "|印染|家具|沥青|钢|铝材|石材|木材|皮革|制药|冶炼|饲料|陶瓷|玻璃|油漆|涂料|机械|板材|加工"
    "|处理|发电)+工?厂|高架桥|城际铁路"
)
#: Developers whose brand a writer puts before an estate's name or leaves off ("金地悦江府",
#: "悦江府"; "万科魅力之城", "魅力之城"): the country's large ones, whose brand names
#: estates in every city. (Not a name's own first words: "金色滨河苑" is another estate.)
DEVELOPER_BRANDS: Final = (
    "万科", "保利", "恒大", "碧桂园", "金地", "中海", "融创", "绿地", "龙湖", "华润", "招商",
    "世茂", "富力", "雅居乐", "旭辉", "金科", "中建", "中铁", "远洋", "绿城", "泰禾", "华侨城",
    "融科", "金茂", "美的", "阳光城", "蓝光", "中梁", "奥园", "佳兆业", "鲁能", "荣盛",
    # More of the country's large developers, whose brand residents write before an
    # estate's name ("建发央誉", "新希望锦麟府", "卓越浅水湾", "越秀琴湾", "康桥长郡").
    # Not those that are words more often than brands ("时代", "滨江", "当代", "建业",
    # "美好", "大华", "新力", "中交", "电建"): a word's sentence would be read an estate.
    "建发", "新希望", "卓越", "越秀", "华发", "中南", "正荣", "禹洲", "弘阳", "宝龙", "中骏",
    "金辉", "德信", "祥生", "龙光", "合景", "仁恒", "首开", "金隅", "华夏幸福", "联发",
    "象屿", "荣安", "朗诗", "景瑞", "俊发", "中洲", "康桥", "融信", "大悦城", "路劲", "万达",
)  # fmt: skip
_DEVELOPER_RE: Final = re.compile("^(?:" + "|".join(DEVELOPER_BRANDS) + ")")


def developer_brand(name: str) -> str:
    """The developer's brand an estate's name begins with ("建发" of "建发央誉"); "" if
    none."""
    brand = _DEVELOPER_RE.match(name)
    return "" if brand is None else brand.group()


def without_developer(name: str) -> str:
    """An estate's name without the developer's brand before it ("金地悦江府": "悦江府"),
    when three characters of name or more are left ("恒大华府" is the estate's name, not
    "华府"); the name itself otherwise."""
    brand = _DEVELOPER_RE.match(name)
    if brand is None or len(name) - brand.end() < 3:
        return name
    return name[brand.end() :]


# One search for any of them, instead of one `in` a word.
_GENERIC_WORD_RE: Final = re.compile("|".join(_GENERIC_WORDS))
# Of each place word, the characters before a shorter place word it ends with ("新" of
# "新村", "菜" of "菜市场"): the pattern finds the longer word first, and they count as
# part of the name, so "大新村" is the village "大新" + "村", not "大" + "新村".
# ("园" is a name's place word only: "幼儿园", "公园", "家园" are words of their own, and
# "上幼儿园", "A7县幼儿园" name no kindergarten.)
_NAME_IN_SUFFIX: Final = {
    suffix: max(
        (
            1
            for shorter in _PLACE_SUFFIXES
            if shorter not in (suffix, "园") and suffix.endswith(shorter)
        ),
        default=0,
    )
    for suffix in _PLACE_SUFFIXES
}
#: The estate words residents name an estate with alone, new in session 21.
_ALONE_ESTATE_WORDS: Final = (
    "豪庭", "郡", "名城", "国际城", "悦城", "花都", "丽都", "名都", "华都", "山庄", "云天",
    "春天",
)  # fmt: skip
#: What may not follow a place word for it to end a name. "园" ends none before a road word
#: (the road is named after the estate or park: "芙蓉园路"), a kindergarten's head
#: ("园长"), gardening's words ("水电和园林", "园艺"), or one character and an estate's word
#: ("北京园御小区" is one estate, whose "御" would be no name on its own).
_NOT_BEFORE: Final = {
    "园": "(?![长路街巷桥道林艺])(?!.(?:小区|花园|家园|苑|公寓|大厦|新村|新城))",
    # A streetlight ("请求修复路灯", "太阳能路灯"), not a road: "人民路路灯" is still 人民路.
    "路": "(?!灯)",
    **{
        # The estate words residents name an estate with alone (issue 13) end no name
        # before a longer one ("海伦春天小区", "恒大名都慧乐幼儿园", "富贵豪庭酒店",
        # "一中新华都学校"), nor before a road named after it ("东郡路"): the name is read
        # as before they were place words.
        word: "(?![路街巷桥道])(?!小区|幼儿园|小学|中学|学校|医院|酒店|大酒店|项目"
        "|花园|家园|公寓|大厦|广场|商场|市场)"
        for word in _ALONE_ESTATE_WORDS
    },
    # A palace's well ("王府井"), a land of plenty ("天府之国"), a government's office or
    # its papers ("府办", "府发〔2020〕3号").
    "府": "(?![井之办发字令])"
    # A mansion's word before an estate's word ("湘府华庭", "芙蓉府花园"): one estate's name,
    # ended by the latter.
    "(?!华庭|华苑|雅苑|名苑|花园|家园|公馆|雅筑)",
    # A bay area ("粤港澳大湾区"); a village or its group named as a bay ("刘家湾村",
    # "王家湾组"): the village, not an estate "刘家湾".
    "湾": "(?![区村组])",
    "俯": "(?![视瞰卧身首冲拾仰看])",
    # A river's name is an estate's first words before an estate's word ("中建滨河苑",
    # "星河湾" is the harbour rule's): the estate, not the river ("中建滨河").
    "河": "(?![苑园府邸湾])",
    # A village named after its bridge ("新桥村", "污染新桥村"): the village, not the bridge.
    # (Not a town: "青山桥镇" is read as "青山桥", as the town word ends no name.)
    "桥": "(?!村)",
    # A road word after a highway's name is the highway's ("长永高速公路").
    "高速": "(?!公路|路|发展|增长|运转|运行|行驶)",
}
#: What must come before a place word for it to end a name: a numbered road or ring
#: ("东六线", "S207线", "二环线"), not a hotline, a red line or a route's course, nor a
#: number's line ("一线城市", "二线", "第一线").
#: (A look behind after the word, not before it: one before it would keep the pattern
#: from skipping quickly to a place word's first character, and triple its cost.)
_ONLY_AFTER: Final = {
    "线": "(?:(?<=[东西南北][一二三四五六七八九十]线)|(?<=[0-9环]线))",
    # Shops facing the street ("魅力之城临街门面", "沿街商铺"), not a street's name.
    "街": "(?<![临沿]街)",
    "府": "(?<![政官学首幕知]府)",
    "俯": "(?<![政官学首幕知]俯)",
    # A river's bay only after no name ("河湾"), not an estate's ("星河湾").
    "湾": "(?<![台海港]湾)(?<![^\u3400-\u9fff]河湾)(?<!^河湾)",
    # Not a school named after the old prefecture ("长郡中学", "长郡双语", "就读长郡"), nor
    # a city's fame ("历史文化名城", "历史名城").
    "郡": "(?<!长郡)",
    "名城": "(?<!文化名城)(?<!历史名城)",
    # A season ("今年春天", "每年春天", "特别是春天"), not an estate.
    "春天": "(?<![年是的个到]春天)(?<!年初春天)",
    # Words of going ("跑路": absconding, "走路": walking, "上路": setting off), of a way
    # of thinking ("思路", "套路") or of mending a road ("修路"): no road's name.
    "路": "(?<![跑走思套修迷退让]路)(?<![车无证]上路)",
}
_PLACE_RE: Final = re.compile(
    "("
    + "|".join(
        re.escape(s) + _ONLY_AFTER.get(s, "") + _NOT_BEFORE.get(s, "")
        for s in sorted(_PLACE_SUFFIXES, key=len, reverse=True)
    )
    + ")"
)
_LATIN_PLACE_RE: Final = re.compile(
    r"((?:[A-Z][a-z]+\s+){1,3})"
    r"(?i:(road|street|avenue|lane|estate|gardens?|court|plaza|building|tower|village"
    r"|community|market|school|hospital|factory|company|ltd|group|park|bridge)\b)",
)
_MAX_NAME_CHARS: Final = 6
# A county's schools by number ("二中": its No. 2 middle school), which is how its people
# name them; not "中" of a word after a numeral ("一中年男子", "十中心").
_NUMBERED_SCHOOL_RE: Final = re.compile(
    # Not after a numeral or "第": looked behind from the first numeral (the character
    # before it and the numeral), so that the search skips to the numerals at once
    # rather than trying a look-behind at every character.
    "[一二三四五六七八九十](?<![一二三四五六七八九十第].)[一二三四五六七八九十]{0,2}"
    "中(?![学心国央间午期旬等级型专年部东西南北医文华])"
)
# Institutions every county or city has one of, named by their kind or number: "一中",
# "第三中学" ("三中"), "实验小学", "人民医院", "第一人民医院". Such a name is a place only
# with the county, city or town before it ("浏阳一中", "宁乡一中", "K9县二中", "洪桥镇
# 二中"): without it, letters about the schools of two counties look like letters about
# one. The qualifier is what comes before the institution's words in the name found.
_INSTITUTION_RE: Final = re.compile(
    "(.*?)(第?[一二三四五六七八九十]{1,3}(?:中学|小学|中|人民医院|医院)"
    "|实验(?:小学|中学|学校)|人民医院|中心医院|妇幼保健院|中心小学|中心学校)"
)
# "第三中学" is "三中" as its people say it, "第二小学" "二小".
_NUMBERED_FORM_RE: Final = re.compile("^第?([一二三四五六七八九十]{1,3})(中|小)学?$")
#: Words of a unit of administration a qualifier may end with ("浏阳市一中", "洪桥镇二中").
UNIT_CHARS: Final = "省市区县镇乡"
# A qualifier's name may hold a unit word ("宁乡": a county whose name ends with "乡").
_QUALIFIER_STOP: Final = _NAME_STOP - frozenset(UNIT_CHARS)
# Characters of a qualifier's name before its unit word: a county's or town's name has two
# or three ("浏阳", "清水塘"); more runs into the sentence ("我想转入九华一中").
_MAX_QUALIFIER_CHARS: Final = 3
# Words that join two names or ask about one ("浏阳一中和九华一中", "请问九华一中"): before
# two characters of a qualifier's name or more, the name starts after them. A town's name
# may hold one ("太和镇", "中和镇"), so one or no character after them is part of the name.
_QUALIFIER_JOINERS: Final = frozenset("问和同跟或")
# A region's name without the word of its kind ("宁乡" of "宁乡市", "城步" of "城步苗族
# 自治县", "神农架" of "神农架林区"): how letters name their county before its schools. The
# name left has two characters or more ("城区", a district, has no short form).
_REGION_SHORT_RE: Final = re.compile(
    "(.{2,}?)(?:(?:.{1,4}?族)*自治[县州旗区]|地区|林区|[市县区旗盟省])"
)
# An anonymised unit anywhere in a text ("K9县", "A市"): what a letter of published data
# names its county or city by.
_ANONYMISED_UNIT_RE: Final = re.compile(r"(?<![A-Za-z])[A-Za-z]\d*[市区县]")


@lru_cache(maxsize=16_384)
def institution(name: str) -> tuple[str, str] | None:
    """A generic institution's qualifier and kind ("浏阳市一中": "浏阳市", "一中"; "一中":
    "", "一中"), the kind in its short form ("第三中学": "三中"); None for another name.
    Cached: matching asks it of every place of every candidate judged."""
    match = _INSTITUTION_RE.fullmatch(name)
    if match is None:
        return None
    numbered = _NUMBERED_FORM_RE.match(match.group(2))
    kind = numbered.group(1) + numbered.group(2) if numbered is not None else match.group(2)
    return match.group(1), kind


# What a petitioner asks done to a place, and "原" (former), read as the start of its name
# when no stop character comes between ("拆除五一桥", "调整后走望仙路", "原杨家田农贸市场"):
# taken off the name's start when two characters of name are left, so the letter names
# the place as the others do.
_NAME_PREFIXES: Final = (
    "要求", "请求", "希望", "建议", "反对", "拆除", "拆迁", "修建", "修复", "新建", "扩建",
    "建设", "改造", "硬化", "安装", "开通",
    "设置", "取消", "搬迁", "治理", "整治", "恢复", "关闭", "开放", "解决", "处理", "查处",
    "公开", "上传", "擅自", "更改", "修改", "调整后", "调整", "经过", "直行", "再上", "日起", "走",
    "经", "去", "原", "关停", "取缔", "督促", "责令",
    # Asking back what is owed on a place's works ("讨要宏图南园项目工钱").
    "讨要", "追讨", "索要",
)  # fmt: skip
_NAME_PREFIX_ALTERNATIVES: Final = "|".join(
    sorted(map(re.escape, _NAME_PREFIXES), key=len, reverse=True)
)
# "请" stops a name, so "请求关停丽发新城" is read from "求": a "求" before what is asked
# done is the request's too ("求关停", "求整治").
_NAME_PREFIX_RE: Final = re.compile(
    f"(?:求(?=(?:{_NAME_PREFIX_ALTERNATIVES}))|{_NAME_PREFIX_ALTERNATIVES})+"
)
# What a name cannot start with: a word of the sentence before it (a conjunction, an
# adverb of time, a word for all or the local ones, an asking or a joining word) or a
# quantity ("一条路", "两个村"; not "家": "三家村" is a name). Read as a name's start
# when no stop character comes between ("虽然小区", "目前小区", "当地村", "全体村",
# "询问此路", "求协调铁路", "同开发干城嘉园"), it is cut off, and the name is dropped
# when less than two characters of it are left: "当地村" names no village. Words only,
# no single character that starts real names ("同兴物流", "全州路").
_NOT_NAME_STARTS: Final = (
    "虽然", "但是", "可是", "因为", "所以", "如果", "而是", "目前", "现在", "当时", "当地",
    "本地", "全体", "全部", "所有", "询问此", "询问", "咨询", "请问", "求协调", "协调",
    "同开发", "开发商", "此", "下穿", "上跨",
    # Where a home or a road lies by an expressway or a ring road ("紧邻高速",
    # "紧挨着李塘家高速", "跨京珠高速", "联通二环线").
    "紧邻", "紧挨着", "紧挨", "挨着", "毗邻", "临近", "跨", "连接着", "连接", "联通", "打通",
    # A sentence's words glued before a village, a road or a market: a helping, a refusing,
    # a having, a time of day ("帮洪山村", "招生不收桐木村", "附近有菜市场", "今天早上劳动
    # 路": "洪山村", "桐木村", "劳动路"; "有菜市场" names none).
    "帮助", "帮忙", "帮", "招生不收", "不收", "不让", "不准", "只有", "没有",
    "今天早上", "今天上午", "今天下午", "今天晚上", "昨天晚上", "昨天早上", "昨天",
    "今天", "明天", "每天", "早上", "上午", "下午", "晚上", "凌晨",
    # One of a kind, not a named one ("被一家公司垄断", "一家幼儿园"; not "三家村").
    "一家", "这家", "那家", "某家",
)  # fmt: skip
# A sentence's words inside what was read as a name, before the name itself: a demand, a
# plea, a harm done to the place, where a thing stands by it, its residents joined to it
# ("强烈要求湘府华庭", "领导关注湘府华庭", "臭味影响滨江新城", "电镀厂污染金溪河", "金桥嘉苑
# 门口银杉路", "村民和兴旺苑"): the name is what follows the last of them (two characters or
# more of it). Words no place's name holds.
_SENTENCE_IN_NAME_RE: Final = re.compile(
    "要求|关注|影响|污染|反对|投诉|举报|反映|反应|门口|(?:村民|居民|业主|住户)和"
    # A relocating, a cleaning up, a protecting, a taking over, a driving in, a speaking for
    # its residents, where it lies, the rain ("尽快搬迁澜岸家园", "彻底整治杉木冲路", "保护
    # 锦汀府业主", "国企接手锦汀府", "垃圾车开进栖凤路", "代表澜岸家园", "北面紧邻栖凤路",
    # "每次下雨杉木冲路").
    "|搬迁|整治|保护好?|接手|开进|代表|紧邻|下雨天?"
    # What a misuse caused, a programme it is put on ("挪用资金导致楼霞新村", "纳入荷塘小
    # 学"; "导致项目", "列入保交楼项目": none named, ``_NOTHING_LEFT_RE``).
    "|导致|列入|纳入"
    # A going or a mending that is no road ("走路去星沙一桥", "修路到", ``_ONLY_AFTER``;
    # its first character may be a request's, cut off already: "走").
    "|(?<=[跑走思套修迷退让])路[去到上]?"
    # What is done for or to an estate, where it stands and when ("保障凯乐国际城", "确定
    # 汇景豪庭", "开发建设泰山名城", "沿线经过湖景名城", "未经长丰星城", "隔壁太悦城",
    # "终点海伦春天", "春节期间拉菲山庄", "楼盘泰英汇景豪庭").
    # (Not a developer's firm: "房屋开发经营公司", "开发有限责任公司".)
    "|保障|保证|确定|处理好?|开发(?:建设)?(?!有限|经营|公司|集团|商|区)|经过|未经|隔壁|终点|期间|楼盘|前几天"
    # A child going to school ("孩子去萍洲小学", "小孩读泉塘幼儿园").
    "|(?:孩子|小孩子?|子女|儿女)(?:去|要|就|读|上|进)*"
    # A moving in, a checking, a rise or a coming and going before the estate or road it
    # is about ("年底搬进汀澜雅苑", "部门核查嘉禾丰园", "物业上涨嘉禾丰园", "罐车进出沩水东路").
    "|搬进|搬入|核查|核实|上涨|进出"
)
# A sentence's words ending right before a place's kind: a harm done to the estate's
# things ("还撞坏过小区的围栏"), a road dug or broken up ("晚上才开挖路", "破碎锤敲路"),
# all the way ("罐车一路走一路漏"): no place named.
_NOTHING_LEFT_RE: Final = re.compile("(?:导致|列入|纳入)$")
#: A developer's project, not which of its estates (``_GENERIC_WORDS``): no name runs
#: back into it ("旗下地产项目汇金中央广场": "汇金中央广场").
_DEVELOPERS_PROJECT: Final = ("置业项目", "地产项目")
_SENTENCE_BEFORE_KIND_RE: Final = re.compile("(?:撞坏过?|撞坏了|撞了)$")
_SENTENCE_BEFORE_ROAD_RE: Final = re.compile("(?:开挖|挖|敲|[走车]一)$")
#: The characters of a sentence's words that may stand alone between a sentence's word
#: and a place's kind: a having, a joining, a pointing at one ("有", "和", "本", "此").
_SENTENCE_CHARS: Final = frozenset("有和与及同本此该这那其全两各")
_QUANTITY: Final = "[一二两三几每][条个座所栋片处]"
_QUANTITY_RE: Final = re.compile(_QUANTITY + "$")
_NOT_NAME_START_RE: Final = re.compile(
    "(?:"
    + "|".join(sorted(map(re.escape, _NOT_NAME_STARTS), key=len, reverse=True))
    + "|"
    + _QUANTITY
    # A having ("附近有菜市场"), not a name's "有" ("有限公司", "有机食府", "有关部门").
    + "|有(?![限机色线关效])"
    + ")+"
)
# An anonymised city or county ("A市", "K1区"), as published data writes the name it
# stands for: "A市医学院" is the city's medical college ("长沙医学院" before anonymising).
_ANONYMISED_UNIT_BEFORE_RE: Final = re.compile(r"(?<![A-Za-z])[A-Za-z]\d*[市区县]$")
#: The most places one text yields: the first found. A letter names a handful (a long one
#: some dozens: the roads on the way); what one names beyond this tells nothing more of its
#: matter, and matching compares every place of one letter with every place of the other.
MAX_PLACES: Final = 64
# What every Latin place name starts with: a text without it (most Chinese petitions) need
# not be searched with _LATIN_PLACE_RE, a slower pattern.
_CAPITALISED_RE: Final = re.compile("[A-Z][a-z]")


def places(text: str) -> frozenset[str]:
    """Names of places and organisations in a text, folded (e.g. {"阳光小区", "maple road"}).

    A heuristic without a gazetteer: a name is the 2 to 6 characters before a place word,
    stopping at characters that cannot be part of a name (a numbered school's county is
    the one of the national table of regions named before it, ``region_name_start``).
    Generic words ("小区", "公司" alone, "某小区") yield nothing, so they never make two
    petitions look different.
    """
    return folded_places(fold_script_and_width(text))


#: The place words a number may stand before: a numbered bus route or road ("204路"), an
#: estate named with a number ("阳光100小区").
_NUMBERED_NAME_WORDS: Final = frozenset(
    {"路", "线", "小区", "花园", "家园", "公寓", "广场", "大厦"}
)
#: Words of a name holding a character that stops names ("海外滩小区": "外").
_WORDS_WITH_STOP: Final = frozenset({"海外", "中外"})
#: Words of a sentence whose first character stops names, and whose second is no name's
#: start ("对口实验小学": the school a home is assigned to, "实验小学"; "对面", "里面",
#: "外面", "旁边"; "请求电信公司": asked, "电信公司"; "反映过锦亭府", "投诉过", "举报过":
#: written about before).
_WORDS_AFTER_STOP: Final = frozenset(
    {"对口", "对面", "里面", "外面", "旁边", "边上", "请求", "映过", "诉过", "报过"}
)
#: What a school a child goes to is not named with: the going ("孩子明年上幼儿园", "星沙
#: 上小学", "K市读小学": none named).
_ATTENDING_RE: Final = re.compile("(?:上|读)$")
#: A child before a school or a kindergarten ("小孩自幼儿园进入小学"): the school is
#: none named, and no name runs back into it.
_CHILD_RE: Final = re.compile("孩子|小孩|子女")
_SCHOOL_WORDS: Final = frozenset({"幼儿园", "小学", "中学", "学校", "大学", "学院"})
_NUMBERED_ESTATE_RE: Final = re.compile("[\u3400-\u9fff]{2,}[0-9]{2,4}")


#: Characters of a sentence's words before a bus route's number that no town's or area's
#: name before its routes holds ("星沙204路", "长株潭101路"): a riding, a changing, a having,
#: an asking, a passing, a stopping or cancelling, a restoring, a time ("以前坐318路", "改乘
#: 16路", "南田坪有102路", "问318路", "过318路", "撤销318路", "恢复28路", "早晚高峰318路",
#: "难道28路", "增加32路" among real letters). The route is read from after the last of them.
_ROUTE_NAME_STOP: Final = _NAME_STOP | frozenset(
    "坐乘搭转换改有问过撤销消停复峰前后来道或和跟每很多辆着求加增开通延调整到把让被时天年月日起知"
)


def _route_start(folded: str, end: int, floor: int) -> int:
    # A numbered bus route or road ("星沙204路", "204路"): the digits before `end` and the
    # name before them, if any; `end` itself when no digit precedes it. A route number is
    # what a letter about a bus line names, and a digit stops every other name.
    start = end
    while start > floor and folded[start - 1].isascii() and folded[start - 1].isdigit():
        start -= 1
    if start == end:
        return end
    while (
        start > floor
        and end - start < _MAX_NAME_CHARS + 3
        and folded[start - 1] not in _ROUTE_NAME_STOP
        and "\u3400" <= folded[start - 1] <= "\u9fff"
    ):
        start -= 1
    return start


@cache
def _region_names() -> tuple[frozenset[str], int]:
    # The names of the national table's units (``regions``), full and short, and the
    # longest's length.
    names: set[str] = set()
    for region in default_table():
        names.add(region.name)
        short = _REGION_SHORT_RE.fullmatch(region.name)
        if short is not None:
            names.add(short.group(1))
    return frozenset(names), max(map(len, names))


def region_name_start(text: str, end: int, floor: int = 0) -> int | None:
    """Where the name of a province, city or county of the national table (``regions``)
    that ends at ``end`` of ``text`` begins, not before ``floor``; None when none does.

    The name is the unit's full one ("宁乡市", "长沙县") or its short one ("宁乡", "浏阳"),
    the longest that ends there ("长沙市", not "沙市"), or a short one with a unit word
    after it ("宁乡县": its name before 2017). What stands before it is no part of it:
    "宁乡" of "请问宁乡", "中和宁乡" ("浏阳一中和宁乡一中").
    """
    names, longest = _region_names()
    ends = (end, end - 1) if end - 1 > floor and text[end - 1] in UNIT_CHARS else (end,)
    for name_end in ends:
        for start in range(max(floor, name_end - longest), name_end - 1):
            if text[start:name_end] in names:
                return start
    return None


def _qualifier_start(folded: str, start: int, floor: int) -> int:
    # Where the county, city or town named before an institution's words at `start` begins
    # ("浏阳" of "浏阳一中", "浏阳市" of "浏阳市一中", "宁乡" of "宁乡一中", "K9县" of "K9县
    # 二中"); `start` when none is: what is asked done ("要求一中") or a unit word alone
    # ("在县一中") is none. A county or city of the national table is the qualifier, and
    # no word before it ("请问宁乡一中": "宁乡"); else a unit word ends the qualifier, or is
    # part of its name (a town's: "洪桥镇二中").
    known = region_name_start(folded, start, floor)
    if known is not None:
        return known
    ends = (start - 1, start) if start > floor and folded[start - 1] in UNIT_CHARS else (start,)
    for end in ends:
        name_start = end
        while name_start > floor and end - name_start < _MAX_QUALIFIER_CHARS:
            char = folded[name_start - 1]
            if char in _QUALIFIER_STOP or not "\u3400" <= char <= "\u9fff":
                break
            if char in _QUALIFIER_JOINERS and end - name_start >= 2:
                break
            # A unit word further back is another unit's ("A市浏阳市一中": "浏阳市").
            if char in UNIT_CHARS and end - name_start >= 1:
                break
            name_start -= 1
        prefix = _NAME_PREFIX_RE.match(folded, name_start, end)
        if prefix is not None:
            name_start = prefix.end()
        if end - name_start >= 2:
            return name_start
    unit = _ANONYMISED_UNIT_BEFORE_RE.search(folded, max(floor, start - 5), start)
    return unit.start() if unit is not None else start


def _qualified(folded: str, name_start: int, name: str, floor: int) -> str:
    # A found name, with the qualifier before it when it is a generic institution named
    # without one, and the institution's words in their short form.
    parts = institution(name)
    if parts is None:
        return name
    qualifier, kind = parts
    if not qualifier:
        qualifier = folded[_qualifier_start(folded, name_start, floor) : name_start].lower()
    return qualifier + kind


def _units_named(folded: str, units: tuple[str, ...]) -> set[str]:
    # The counties and cities a text names: anonymised ones ("K9县", "K市"; a city whose
    # county is named too is above it) and those of `units` (lowest first: the lowest named).
    named = {unit.lower() for unit in _ANONYMISED_UNIT_RE.findall(folded)}
    named -= {unit for unit in named if unit[1:] == "市" and any(
        other[0] == unit[0] and other[1:2].isdigit() for other in named
    )}  # fmt: skip
    lowest = next((unit for unit in units if unit in folded), None)
    if lowest is not None:
        named.add(lowest)
    return named


def with_qualifiers(found: frozenset[str], pool: frozenset[str]) -> frozenset[str]:
    """``found`` (places of part of a letter, its title) with each generic institution
    named there without its county (bare "二中") as the whole letter's places (``pool``)
    name it: its one qualified form there ("K9县二中"), dropped for several."""
    return frozenset(_qualify_bare(list(found), pool))


def _qualify_bare(found: list[str], pool: Iterable[str]) -> list[str]:
    # ``with_qualifiers``, keeping the order of ``found``. The qualified forms are mapped
    # by kind once: a letter may name thousands of institutions.
    bare = {name: parts[1] for name in found if (parts := institution(name)) and not parts[0]}
    if not bare:
        return found
    qualified: dict[str, list[str]] = {}
    for place in pool:
        parts = institution(place)
        if parts is not None and parts[0]:
            qualified.setdefault(parts[1], []).append(place)
    result: dict[str, None] = {}
    for name in found:
        kind = bare.get(name)
        forms = [name] if kind is None else qualified.get(kind, [])
        if len(forms) == 1:
            result[forms[0]] = None
        elif not forms:
            result[name] = None
    return list(result)


# A phase of an estate ("乾城嘉园二期", "乾城二期"; not "第二期", a round of something).
_PHASE_RE: Final = re.compile("(?<!第)[一二三四五六七八九十1-9]期(?!间)")
# The estate words a phase may follow: one estate is "乾城嘉园二期" to one writer and
# "乾城二期" to the next.
_ESTATE_WORDS: Final = ("嘉园", "花园", "家园", "小区", "新城", "华庭", "公馆", "公寓", "苑", "园")
# A phase's number as a writer types it in digits ("3期"), as others write it ("三期").
_PHASE_NUMERALS: Final = str.maketrans("123456789", "一二三四五六七八九")
# The characters of an estate's name before its phase, at most.
_MAX_STEM_CHARS: Final = 4
# What a phase follows that is no estate: a project's, a works', a resettlement's phases.
_NOT_A_STEM_RE: Final = re.compile("项目|工程|建设|安置|规划|改造|开发|计划|本期|预计")


# What an estate's name before its phase cannot hold: a stop character of any name, and
# another phase ("一期和二期": "和" alone is no name) or a word of the sentence before
# it ("何要用二期", "收楼时三期").
_STEM_STOP: Final = _NAME_STOP | frozenset("期与或时用要来再后比")


def _phases(folded: str) -> list[str]:
    # An estate's phases, each as its name without its estate word, and the phase
    # ("乾城二期" of "乾城嘉园二期" and of "乾城二期"): how both writers' letters meet.
    found: list[str] = []
    for match in _PHASE_RE.finditer(folded):
        end = match.start()
        for word in _ESTATE_WORDS:
            if folded.endswith(word, 0, end):
                end -= len(word)
                break
        start = end
        while (
            start > 0
            and end - start < _MAX_STEM_CHARS
            and folded[start - 1] not in _STEM_STOP
            and "\u3400" <= folded[start - 1] <= "\u9fff"
        ):
            start -= 1
        for cut in (_NAME_PREFIX_RE, _NOT_NAME_START_RE):
            prefix = cut.match(folded, start, end)
            if prefix is not None:
                start = prefix.end()
        stem = folded[start:end]
        if (
            len(stem) >= 2
            and _NOT_A_STEM_RE.search(stem) is None
            and _GENERIC_WORD_RE.search(stem) is None
        ):
            # One phase, however written: "燕兴华城3期" is "燕兴华城三期".
            found.append(stem + match.group().translate(_PHASE_NUMERALS))
    return found


# An estate named without an estate word (issue 13): residents write "融科东南海物业费",
# "碧桂园天玺逾期交房", "万科城12栋电梯", "美的城", "绿地海外滩" as its name alone. The
# reading above finds none of them; these rules read two kinds of them: a developer's
# brand with the name after it, and a name of an estate's kind directly before a
# building's number or a word only an estate's residents write about.
#: What ends an estate's name written without its estate word: a kind of problem its
#: residents write about, a building's or a phase's number, an estate word itself.
_ESTATE_PROBLEMS: Final = (
    "物业", "业主", "业委会", "电梯", "交房", "收房", "逾期", "延期", "延迟", "开发商", "开发",
    "楼盘", "项目", "车位", "车库", "停车", "地下室", "房产证", "产权证", "不动产", "产权",
    "办证", "两证", "网签", "备案", "房屋", "房子", "质量", "漏水", "渗水", "维修", "水电",
    "停水", "停电", "供水", "供电", "燃气", "天然气", "通气", "供暖", "暖气", "高层", "洋房",
    "别墅", "配套", "幼儿园", "学校", "小学", "噪音", "噪声", "垃圾", "违建", "违章", "绿化",
    "门禁", "快递", "外卖", "消防", "宽带", "网络", "管道", "下水", "排水", "污水", "装修",
    "规划", "围墙", "路灯", "售楼", "销售", "宣传", "虚假", "收费", "乱收", "费用", "问题",
    "居民", "住户", "什么", "怎么", "何时", "为何", "为什么", "能否", "是否", "一直", "至今",
    "迟迟", "小区", "花园", "家园", "公寓", "新城", "华庭", "公馆", "业户", "商铺", "门面",
    # Its children's schooling ("万科紫台入学问题", "万科紫台划片"), its power ("湘江豪庭
    # 用电").
    "入学", "划片", "学区", "上学", "就读", "读书", "用电", "电压", "跳闸", "抄表",
)  # fmt: skip
#: The words of an estate's residents' problems that are no estate word ("物业", "高层",
#: "开发商"; not "小区", "花园"), nor an institution's or a project's ("幼儿园", "学校":
#: "星摇篮幼儿园" is the kindergarten's name, "袜业项目" no estate's): a name before one
#: ends there (``problem_at``).
_PROBLEM_WORDS_RE: Final = re.compile(
    "|".join(
        sorted(
            (
                word
                for word in _ESTATE_PROBLEMS
                if word
                not in (
                    *("小区", "花园", "家园", "公寓", "新城", "华庭", "公馆", "开发"),
                    *("幼儿园", "学校", "小学", "项目"),
                )
            ),
            key=len,
            reverse=True,
        )
    )
)


def problem_at(run: str, start: int = 0) -> int:
    """Where in ``run``, from ``start``, the first word of an estate's residents' problems
    that is no estate word begins ("物业" of "翡翠湾物业", "高层" of "翡翠湾高层"); -1 if
    none."""
    found = _PROBLEM_WORDS_RE.search(run, start)
    return -1 if found is None else found.start()


_ESTATE_END_RE: Final = re.compile(
    "(?:"
    + "|".join(sorted(_ESTATE_PROBLEMS, key=len, reverse=True))
    + "|[0-9]{1,3}(?:栋|号楼|幢|单元|期|区)|[一二三四五六七八九十]{1,2}(?:栋|号楼|幢|期))"
)
#: Brands that are words as often ("招商引进", "中建三局", "中铁五局"): not read so.
_WORD_BRANDS: Final = frozenset({"招商", "中建", "中铁"})
_BRAND_RE: Final = re.compile(
    "(?:" + "|".join(b for b in DEVELOPER_BRANDS if b not in _WORD_BRANDS) + ")"
)
#: The brands that are words, read so only before a name ending with a word of an estate's
#: kind ("中建钰和城快递", "中铁国际城业主"; not "中建三局项目", "招商引资项目").
_WORD_BRAND_RE: Final = re.compile("(?:中建|中铁)")
#: The most characters of an estate's name after its developer's brand.
_MAX_BRANDED_CHARS: Final = 4
#: The one character an estate's name after its brand may be ("美的城", "金茂悦",
#: "万科城"): a word of an estate's kind.
_ESTATE_CHARS: Final = frozenset("城悦府园苑湾庭居台邸郡院里墅峰湖岸汇都轩阁岛")
#: What no estate's name after a brand holds: a word of the sentence ("绿地被占", "绿地面积
#: 少", "保利益得"), a company's words ("恒大地产", "万科集团"), a city's or a county's.
_NOT_IN_BRANDED_RE: Final = re.compile(
    "[不太很都已没少多改变占建种毁也就还又再才上下里内中旁边面积率益润利几千百第知]"
    "|地产|置地|集团|公司|置业|控股|实业|商业|物管|服务"
    # What a developer does, not an estate's name ("恒大施压业主", "万科承诺交房").
    "|拖|欠|骗|拒|承诺|答应|要求|施压|违|强|擅自|私自|未|通知|宣传|销售|出售|建设|交付|收取"
    "|虚假|故意|恶意|单方|一直|迟迟|至今|长期|多次|声称|表示|利用|采取|安排|告知|仍|却|竟|并"
)
#: A building's number after an estate's name ("万科城12栋"), or the words only its
#: residents write about after it ("湘江世纪城物业").
_NUMBERED_BUILDING_RE: Final = re.compile(
    "[0-9]{1,3}(?:栋|号楼|幢|单元)|[一二三四五六七八九十]{1,2}(?:栋|号楼|幢)"
    # Its residents and their blocks ("碧水云天住户", "碧水云天居民楼"; "业住" as residents
    # type "业主" by its sound).
    "|物业|业主|业住|业委会|交房|开发商|楼盘|住户|居民"
)
#: An institution's words, no estate's ("国务院", "人民医院", "法院"): a court's or a
#: ministry's rules are quoted before an estate's words ("国务院物业管理条例").
_INSTITUTION_END_RE: Final = re.compile(
    "(?:务院|医院|学院|法院|检察院|研究院|设计院|卫生院|剧院|影院)$"
)
#: The most characters of a name before a building's number ("万润滨江天著3栋", "新城国际
#: 花都业主").
_MAX_NUMBERED_CHARS: Final = 6
#: The characters an estate's name before a building's number or its residents may end
#: with: a word of an estate's kind (``_ESTATE_CHARS``), and the last of the other words
#: residents name estates with ("碧水云天", "海伦春天", "滨江天著", "水岸世景", "江山帝景",
#: "北辰三角洲", "云升山庄"). Not a day's ("前几天业主", "每天住户": ``_DAY_END_RE``).
#: ("滨江天著" is folded "滨江天着", whose "着" ends a verb as often: "困扰着居民"; it
#: ends an estate's name only after "天", ``_numbered_end``.)
_NUMBERED_END_CHARS: Final = _ESTATE_CHARS | frozenset("天景洲庄")
_DAY_END_RE: Final = re.compile("[今明昨前后每几当天整白半]天$")
#: A building's number or its residents' words (``_NUMBERED_BUILDING_RE``) right after a
#: character an estate's name may end with (``_NUMBERED_END_CHARS``, or "天着"): a text
#: without one (most letters, even those naming "业主" or "物业") names no estate so
#: (``_numbered_estate`` would refuse every match), and is not searched match by match.
#: (A looser pattern than the rule, "城着业主" too: it only rules texts out. Its first
#: character is one of a set, so the search skips to those at once.)
_NUMBERED_AFTER_END_RE: Final = re.compile(
    "[" + "".join(sorted(_NUMBERED_END_CHARS)) + "]着?(?:" + _NUMBERED_BUILDING_RE.pattern + ")"
)
#: A developer's name an estate's name may start with, though it is an estate word too
#: ("新城国际花都": 新城 the developer).
_ESTATE_WORD_BRANDS: Final = ("新城",)


_CLOSING_QUOTES: Final = frozenset("”’」』》\"'")
#: The words a request or a sentence puts before a name, one tuple: ``str.endswith`` tests
#: them all at once (a test of each, some ninety, cost more than the rest of the reading
#: of a brand).
_WORDS_BEFORE_NAMES: Final = (*_NAME_PREFIXES, *_NOT_NAME_STARTS)


def _estate_words_at(folded: str, at: int) -> bool:
    return _ESTATE_END_RE.match(folded, at) is not None


def _branded_estate(folded: str, brand: re.Match[str]) -> str | None:
    # A developer's brand and the estate's name after it ("融科东南海" of "融科东南海物业
    # 费"): the name ends where a word of its residents' problems, a building's number or
    # an estate word begins, or at a word that stops any name; None when no such end comes
    # within a name's length, or what is between is no name.
    before = brand.start() - 1
    if before >= 0 and "\u3400" <= folded[before] <= "\u9fff" and folded[before] not in _NAME_STOP:
        # Part of a word ("确保利益"), unless a request's words stand before it.
        head = folded[max(0, before - 3) : brand.start()]
        if not head.endswith(_WORDS_BEFORE_NAMES):
            return None
    end = brand.end()
    while True:
        if (
            end > brand.end()
            and (
                _estate_words_at(folded, end)
                # The name in quotes ("“恒大城”小区").
                or (folded[end : end + 1] in _CLOSING_QUOTES and _estate_words_at(folded, end + 1))
            )
        ):
            break
        if end == len(folded) or end - brand.end() > _MAX_BRANDED_CHARS:
            return None
        char = folded[end]
        if not "\u3400" <= char <= "\u9fff" or (
            char in _NAME_STOP
            and not (
                # "外" of a name ("绿地海外滩"), not outside a place ("外面", "外边").
                char == "外"
                and end > brand.end()
                and folded[end + 1 : end + 2] not in ("", "面", "边", "侧", "围", "部", "墙")
            )
        ):
            # Only a word of its residents' problems, a building's number or an estate word
            # ends such a name: a name ending otherwise is as often a sentence ("恒大施压",
            # "绿地环境").
            return None
        end += 1
    name = folded[brand.end() : end]
    if (
        not name
        or len(name) > _MAX_BRANDED_CHARS
        or (len(name) == 1 and name not in _ESTATE_CHARS)
        or _NOT_IN_BRANDED_RE.search(_without_lane_end(name)) is not None
        or _ESTATE_END_RE.search(name) is not None
    ):
        return None
    return folded[brand.start() : end].lower()


#: What a "里" ends an estate's name after ("溪岸里"), not where a thing is in a place
#: ("广场里", "家里", "小区里").
_NOT_BEFORE_LANE_END: Final = frozenset("家场城村院园区店楼屋房")


def _without_lane_end(name: str) -> str:
    # ``name`` without the "里" an estate's name of three characters ends with ("万达溪岸
    # 里": "溪岸"), where it is no word for "in" ("万达广场里"): the rest is read for a
    # sentence's words.
    if len(name) == 3 and name[-1] == "里" and name[-2] not in _NOT_BEFORE_LANE_END:
        return name[:-1]
    return name


def _numbered_estate(folded: str, number: re.Match[str]) -> str | None:
    # The name of an estate's kind directly before a building's number ("万科城12栋") or
    # its residents' words ("湘江世纪城物业"): two to five characters ending with a word of
    # an estate's kind, not a sentence's words.
    end = number.start()
    if end == 0 or not (folded[end - 1] in _NUMBERED_END_CHARS or folded.endswith("天着", 0, end)):
        return None
    start = end
    while (
        start > 0
        and folded[start - 1] not in _NAME_STOP
        and "\u3400" <= folded[start - 1] <= "\u9fff"
    ):
        if end - start == _MAX_NUMBERED_CHARS:
            # A longer run: where its name begins is not known ("中国铁建国际城").
            return None
        start -= 1
    if any(
        word.start() < start < word.end()
        for word in _PLACE_RE.finditer(folded, max(0, start - 3), start + 1)
    ):
        # The tail of a place word before it ("高桥大市场家电城": "场家电城").
        return None
    if any(cut.match(folded, start, end) for cut in (_NAME_PREFIX_RE, _NOT_NAME_START_RE)):
        # A sentence's words before it ("未经长丰星城", "处理楚熙水郡"): where the name
        # begins is not known.
        return None
    for said in _SENTENCE_IN_NAME_RE.finditer(folded, start, end):
        # A sentence's words inside it ("未经长丰星城"): the name is what follows them.
        start = said.end()
    name = folded[start:end].lower()
    brand = next((b for b in _ESTATE_WORD_BRANDS if name.startswith(b)), "")
    if (
        len(name) < 3
        or _INSTITUTION_END_RE.search(name) is not None
        or _DAY_END_RE.search(name) is not None
        or name in _GENERIC_PLACES
        or _GENERIC_WORD_RE.search(name) is not None
        or _ESTATE_END_RE.search(name, len(brand)) is not None
    ):
        return None
    return name


def _unworded_estates(folded: str, found: Iterable[str]) -> list[str]:
    # Estates named without an estate word (``_branded_estate``, ``_numbered_estate``),
    # but not one the reading above found (its name, or a name within it: "翡翠湾" of
    # "碧桂园翡翠湾").
    named: list[str] = []
    for brand in _BRAND_RE.finditer(folded):
        estate = _branded_estate(folded, brand)
        if estate is not None:
            named.append(estate)
    for brand in _WORD_BRAND_RE.finditer(folded):
        estate = _branded_estate(folded, brand)
        if estate is not None and len(estate) >= 5 and estate[-1] in _ESTATE_CHARS:
            named.append(estate)
    if _NUMBERED_AFTER_END_RE.search(folded) is not None:
        for number in _NUMBERED_BUILDING_RE.finditer(folded):
            estate = _numbered_estate(folded, number)
            if estate is not None:
                named.append(estate)
    if not named:
        return named
    known = list(found)
    unique = list(dict.fromkeys(named))
    return [
        name
        for name in unique
        if not any(name in other or other in name for other in known)
        and not any(name != other and name in other for other in unique)
    ]


def folded_places(folded_keep_case: str, units: tuple[str, ...] = ()) -> frozenset[str]:
    """``places`` of a text already folded by ``fold_script_and_width``.

    A generic institution named without its county ("一中", ``institution``) takes the
    qualifier the text gives it elsewhere ("浏阳一中 ... 一中"), else the one county or
    city the text names (anonymised, "K9县", or one of ``units``, the names of the units
    the letter is filed under, lowest first); naming several, it stays bare. At most
    ``MAX_PLACES``: the first found (Chinese names in text order, then numbered schools,
    then Latin names).
    """
    # In the order found: the cap keeps the first ones.
    found: dict[str, None] = {}
    previous_end = 0
    for match in _PLACE_RE.finditer(folded_keep_case):
        start, end = match.span()
        # Named once: each match is asked its word up to nine times.
        word = match.group()
        name_start = start
        # A name never reaches back into the place found before it ("人民路路面" is one
        # road); a suffix that named nothing ("河" in "星河苑") may be part of the next name.
        while (
            name_start > previous_end
            and start - name_start < _MAX_NAME_CHARS
            and (
                folded_keep_case[name_start - 1] not in _NAME_STOP
                # "外" of a name's word ("海外滩小区", "中外花园"), not outside a place.
                or folded_keep_case[name_start - 2 : name_start] in _WORDS_WITH_STOP
            )
            and "\u3400" <= folded_keep_case[name_start - 1] <= "\u9fff"  # CJK ideographs
        ):
            name_start -= 1
        if (
            start > name_start
            and folded_keep_case[name_start - 1 : name_start + 1] in _WORDS_AFTER_STOP
        ):
            # The tail of a word whose head stops names ("对口实验小学": "口").
            name_start += 1
        if name_start == start and word in _NUMBERED_NAME_WORDS:
            name_start = _route_start(folded_keep_case, start, previous_end)
            if word not in ("路", "线") and not _NUMBERED_ESTATE_RE.fullmatch(
                folded_keep_case, name_start, start
            ):
                # An estate's number after its name of two characters or more ("阳光100
                # 小区"), not a number alone ("601小区") or after a word ("第3小区").
                name_start = start
        if start > name_start:
            prefix = _NAME_PREFIX_RE.match(folded_keep_case, name_start, start)
            # Only when a name is left: "建设路" and "走马街" are names themselves. A
            # request's word of two characters before one character and "园" is cut off
            # too ("希望沁园广场", "治理沁园小区"): that "园" is no name on its own, and the
            # place word after it reads the name whole ("沁园广场").
            if prefix is not None and (
                start - prefix.end() >= 2
                or (start - prefix.end() == 1 and prefix.end() - name_start >= 2 and word == "园")
            ):
                name_start = prefix.end()
            sentence = _NOT_NAME_START_RE.match(folded_keep_case, name_start, start)
            # Not a quantity leaving one character of a village's or a town's name: the
            # quantity and that character are its name ("三条岭村", "一条龙村",
            # "三座桥村"), where none left names no place ("一条路", "两个村"), two are
            # the name ("一条泥沙路"), and one of a road is none ("一条老路").
            if sentence is not None and not (
                start - sentence.end() == 1
                and word in ("村", "镇", "乡")
                and _QUANTITY_RE.search(sentence.group()) is not None
            ):
                name_start = sentence.end()
            # Where the last of a sentence's words in it ends (the matches' ends rise).
            inside = name_start
            for said in _SENTENCE_IN_NAME_RE.finditer(folded_keep_case, name_start, start):
                inside = said.end()
            # One word of a sentence left after them is no name either, but a having, a
            # joining or a pointing at the place's kind ("门口有学校", "要求和小区", "影响
            # 本小区": none named); one character of a name is ("隔壁太悦城").
            if start - inside >= 2 or (
                start - inside == 1 and folded_keep_case[inside] in _SENTENCE_CHARS
            ):
                name_start = inside
            elif inside == start and _NOTHING_LEFT_RE.search(folded_keep_case, 0, start):
                # What a misuse caused, right before the place's kind: none named.
                name_start = start
            if _SENTENCE_BEFORE_KIND_RE.search(folded_keep_case, name_start, start) or (
                word == "路"
                and _SENTENCE_BEFORE_ROAD_RE.search(folded_keep_case, name_start, start)
            ):
                name_start = start
        if start - name_start + _NAME_IN_SUFFIX[word] == 1 and end - start > 1:
            # One character of name is no name, unless an anonymised unit stands for the
            # rest of it (before a place word of two characters or more: "A7县银河宿舍"
            # is no river).
            unit = _ANONYMISED_UNIT_BEFORE_RE.search(
                folded_keep_case, max(previous_end, name_start - 4), name_start
            )
            # Not an estate of its kind ("A1区一小区物业费大涨": an estate of the district,
            # unnamed; the writer's own, whose name the letter gives, if anywhere, elsewhere).
            # (A plant of the district is one the writer puts there: "A6区一搅拌站".)
            if unit is not None and not (
                folded_keep_case[name_start] in "一某这那该此" and word == "小区"
            ):
                name_start = unit.start()
        if word in _SCHOOL_WORDS and _ATTENDING_RE.search(folded_keep_case, name_start, start):
            name_start = start
        name = folded_keep_case[name_start:end].lower()
        if name.endswith("高速公路"):
            name = name[:-2]
        if name.endswith("俯"):
            name = name[:-1] + "府"
        if (
            _GENERIC_WORD_RE.match(name) is not None
            and (unbranded := without_developer(name)) != name
        ):
            # A brand that is a generic word ("碧桂园") before its estate's name
            # ("碧桂园翡翠湾"): the estate.
            name_start += len(name) - len(unbranded)
            name = unbranded
        if (
            start > name_start
            and start - name_start + _NAME_IN_SUFFIX[word] >= 2
            and name not in _GENERIC_PLACES
            and _GENERIC_WORD_RE.search(name) is None
            and _UNNAMED_WORKS_RE.fullmatch(name) is None
        ):
            found[_qualified(folded_keep_case, name_start, name, previous_end)] = None
            previous_end = end
        elif (
            name in _GENERIC_KINDS
            or name.endswith(_DEVELOPERS_PROJECT)
            or _UNNAMED_WORKS_RE.fullmatch(name) is not None
            or _CHILD_RE.search(name) is not None
        ):
            # A kind of place ("公立幼儿园和小学"): no name, and none runs back into it.
            previous_end = end
    for estate in _unworded_estates(folded_keep_case, found):
        found[estate] = None
    if "期" in folded_keep_case:
        for phase in _phases(folded_keep_case):
            found[phase] = None
    for match in _NUMBERED_SCHOOL_RE.finditer(folded_keep_case):
        found[_qualified(folded_keep_case, match.start(), match.group(), 0)] = None
    names = list(found)
    bare = [name for name in names if (parts := institution(name)) and not parts[0]]
    if bare:
        names = _qualify_bare(names, names)
        # Named nowhere with a qualifier: the one county or city the text names, if one.
        still = set(bare).intersection(names)
        named = _units_named(folded_keep_case, units) if still else set()
        if len(named) == 1:
            (county,) = named
            names = list(dict.fromkeys(county + n if n in still else n for n in names))
    if _CAPITALISED_RE.search(folded_keep_case) is not None:
        for match in _LATIN_PLACE_RE.finditer(folded_keep_case):
            words = match.group(1).split()
            # Sentence-initial capitals ("The", "A") are not part of a name.
            while words and words[0].lower() in {"the", "a", "an", "at", "in", "on", "of"}:
                words = words[1:]
            if words:
                names.append(" ".join([*words, match.group(2)]).lower())
    return frozenset(list(dict.fromkeys(names))[:MAX_PLACES])
