"""One named organisation's one wrong as a letter's subject (issue 13, the thirteenth session).

A city's message board holds big matters of many writers about one organisation and one
wrong it did, where no estate or road is shared: the victims of one collapsed lending
platform asking the police for their money ("A4区58车贷的案子查到哪一步了", "恳请从严追究
58车贷平台实际控制人"), the students and parents of one college that forces them into
factories ("A市经济学院寒假让学生去东莞电子厂，这叫实习吗", "经济学院强制学生去工厂实习"),
the workers of one employer whose wages are unpaid ("宏远建筑工程有限公司恶意欠薪",
"请求帮助讨要被拖欠的工资 … 在宏远建筑承建的工地上"). Their words share little beyond the
name; the name and the wrong say they are one matter (DOMAIN.md: the same concrete problem
about the same object).

The subject is kept as the estates' subjects are (``features.SUBJECT_RE``): the
organisation's name, then the wrong ("58车贷〔集资〕", "经济学院〔实习〕", "宏远〔欠薪·建筑〕"
with the employer's trade), among the letter's places, so it survives restarts and is the
same in the service and in ``xinfang dedup-batch``. Precision first: a letter wrongly joined
to a big matter costs as many pairs as the matter has letters, so a name must be
distinctive (a proper name of two characters or more before the organisation's word, never
a government body, the addressee of such letters: 公安局, 教育局, 人社局; never a trade or a
kind: "保安公司", "网上理财"; never an estate named so: "某某财富广场"), the wrong must be
the letter's own and said in strong words (a platform's 跑路, 立案, 兑付, 本金, never a
borrower's 逾期; a college's forcing its students into factory work, never its arranging an
internship), the writer one of the wronged (not a platform's staff, a borrower, someone
deceived by a caller posing as it), a title naming the organisation and another problem
("A市经济学院食堂饭菜价格太贵", "58车贷门店招牌摇摇欲坠") is about that, and a letter naming
two organisations of one kind has none.

Two more kinds (issue 13, the fourteenth session): a platform named otherwise than by the
lending words ("钱宝网", "e租宝", "小牛在线", "红岭创投"), only in a letter naming its collapse
in a victim's strong words (爆雷, 兑付, 本金, 追赃, 退赔; never a payer's means named in
passing, "支付宝", "余额宝", a website, "人民网", a loan, "房贷"); and a training school's, a
gym's or a beauty salon's closing with its payers' prepaid fees (``PREPAID_CLOSURE``: "启迪
英语跑路了，我们交了两万多学费", "请求教育局督促启迪英语培训学校退费"), kept by its brand and
its kind ("启迪教育〔退费〕": "启迪英语", "启迪英语培训学校" and "启迪教育" are one school,
"启迪健身" another business), never a kind ("校外培训机构", "少儿英语"), its staff's wages or
its landlord's rent, one payer's own refund of a school still open, nor a title naming it
and another problem (its fees' level, a teacher's conduct, its licence).

One organisation by its brand (issue 13, the twenty-first session): its letters name it in
several forms, its brand alone, the brand with one trade or kind word or another, its
registered name ("鑫融汇网贷", "鑫融汇金服", "鑫融汇平台", "鑫融汇出借人请求立案"; "A7县经开区
恒锐电子科技有限公司", "恒锐公司", "恒锐电子欠薪仍未解决"). A platform is kept by its brand
alone ("鑫融汇〔集资〕", a weak word its brand's own: "e租宝"), named by "平台" only in a title
saying its collapse in strong words whose content names the brand too, or by its brand
alone right before its victims' words ("出借人", "良性退出", "案件") when the content names it
and a platform; an employer by its brand and its trade written alone ("恒锐电子", never a
park's, a market's or a camera's: "泉塘物流园", "电子警察"), a development zone before it a
region ("经开区"), and a title naming it with the wages' words ("工资", "欠薪", "讨薪") when
the letter names their non-payment; a school's fees prepaid ("预收费", "课时") in a title
as its closing is named. Its two wrongs stay two matters (wages, waste water, social
insurance), and one brand's two trades two employers.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

#: The wrongs, as kept in a subject ("58车贷〔集资〕").
PLATFORM_COLLAPSE: Final = "集资"
FORCED_INTERNSHIP: Final = "实习"
UNPAID_WAGES: Final = "欠薪"
PREPAID_CLOSURE: Final = "退费"
#: Every organisation's wrong, in the order a letter is searched for them.
WRONGS: Final = (PLATFORM_COLLAPSE, FORCED_INTERNSHIP, UNPAID_WAGES, PREPAID_CLOSURE)

#: The organisation's word each wrong's names end with: a lending or investment platform
#: ("58车贷", "惠民金服", "鑫盛理财"); a college or vocational school ("A市经济学院",
#: "星城职业技术学院"); an employer ("宏远建筑工程有限公司", "华泰电子厂", "龙盛矿业").
#: Longest first, so a word is not cut short by a shorter one it holds.
_KIND_WORDS: Final[dict[str, tuple[str, ...]]] = {
    PLATFORM_COLLAPSE: (
        "车贷", "理财", "金服", "金融", "财富", "网贷", "资本", "普惠", "钱包", "创投", "在线",
        "贷", "宝", "网",
        # Its victims' word for it ("鑫融汇平台逾期不兑付"), only in words of its collapse
        # (``_STRONG_COLLAPSE_RE``), never a service's ("12345便民服务平台").
        "平台",
    ),
    FORCED_INTERNSHIP: (
        "职业技术学院", "职业学院", "技师学院", "技术学院", "职业学校", "职院", "学院", "大学",
        "技校", "职校", "中专",
    ),
    UNPAID_WAGES: (
        "有限责任公司", "股份有限公司", "有限公司", "分公司", "公司", "集团", "电子厂", "工厂",
        "厂", "矿业", "项目部", "建筑", "建设", "劳务", "会所", "酒店",
        # A maker written by its brand and its trade alone ("恒锐电子欠薪仍未解决",
        # "讨薪恒锐电子科技"): its trade is kept as 建筑's is.
        "电子", "科技", "实业", "物流", "食品", "服装", "制衣", "鞋业", "纺织", "机械", "化工",
        "建材", "家具", "印刷", "包装",
    ),
    PREPAID_CLOSURE: (
        "培训学校", "培训中心", "培训机构", "培训班", "培训", "教育", "英语", "学堂", "早教",
        "美术", "舞蹈", "书法", "琴行", "健身俱乐部", "健身会所", "健身中心", "健身房", "健身",
        "瑜伽", "美容美发", "美容会所", "美容院", "美容", "美发",
    ),
}  # fmt: skip
#: Of a platform, the kind words a name ends with that many other things' names end with
#: too: a payment app ("支付宝", "余额宝"), a website ("国家电网", "人民网"), a loan
#: ("房贷"). A name of these is a platform's only in a letter naming its collapse in a
#: victim's strong words (``_STRONG_COLLAPSE_RE``), never one of ``_NOT_PLATFORM_RE``.
_WEAK_PLATFORM_WORDS: Final = frozenset({"创投", "在线", "贷", "宝", "网"})
#: A platform's own word, its brand before it.
_A_PLATFORM: Final = "平台"
#: A platform's strong kind words its brand is written with before "平台".
_STRONG_PLATFORM_TAIL_RE: Final = re.compile(
    "(?:{})+$".format(
        "|".join(
            w
            for w in _KIND_WORDS[PLATFORM_COLLAPSE]
            if w not in _WEAK_PLATFORM_WORDS and w != "平台"
        )
    )
)
#: Of "平台", what before it makes it a service's, a trade's or a government's, no
#: lender's ("12345便民服务平台", "行业平台", "网络问政平台", "电商平台").
_NOT_A_PLATFORM_OWN_RE: Final = re.compile(
    "服务|便民|报警|行业|信息|交易|监管|投诉|举报|留言|信箱|问政|政务|公共|官方|网络|互联网|直播"
    "|电商|购物|视频|社交|外卖|招聘|教育|学习|管理|办公|工作|共享|数据|第三方|线上|网上|手机"
    # Money put in ("几十万往平台里投").
    "|[往万元块亿几]"
)
#: Of those, what after one makes it no platform's name: "贷款", "网上", "网站", "宝贝".
_WEAK_PLATFORM_AFTER: Final = {
    "贷": re.compile("款"),
    "宝": re.compile("[贝宝石剑藏座岛山安塔路街]"),
    "网": re.compile("[上络站友民格点页购店贝吧红线关址费速管签校球咖课约]"),
    "在线": re.compile("[上下客服咨询办问投申留学教课]"),
    "创投": re.compile("[圈业基]"),
}
#: Names ending so that are a payer's means, a website, a kind of loan or a treasure, not
#: a collapsed platform: the victims' platform is named otherwise.
_NOT_PLATFORM_RE: Final = re.compile(
    "支付|余额|淘宝|花呗|借呗|微信|财付|京东|天猫|拼多多|美团|闲鱼|咸鱼|苏宁|唯品|携程|银联|云闪付"
    "|翼支付|和包|拉卡拉|易宝|快钱|电网|互联|宽带|官网|政务|政府|问政|人民|新华|央视|新浪|搜狐"
    "|网易|腾讯|凤凰|红网|同城|招聘|智联|前程|信用|公示|裁判|执行|法院|工商|税务|房贷|信贷|借贷"
    "|消费贷|现金贷|校园贷|套路贷|高利贷|助学|公积金|抵押|按揭|12306|12345|学信|国宝|珠宝|法宝"
    "|财宝|宝宝|元宝|至宝|瑰宝|珍宝|异宝|八宝|通宝|聚宝|招财|天网|法网|鱼网|渔网|铁网|丝网|球网"
    "|蛛网|管网|路网|水网|光网|局域|内网|外网|物联|联网|上网|网网|银行|培训贷|美容贷|分期"
    "|防尘|防护|隔离|围网|安全网|拦网|赶集|猎聘|直聘|百姓网|链家|安居|房天下|贝壳|自如|58"
)
#: A victim's strong words of a platform's collapse, what a letter naming a platform by a
#: weak word (``_WEAK_PLATFORM_WORDS``) must say: not a caller's fraud's 立案 or 报案.
_STRONG_COLLAPSE_RE: Final = re.compile(
    "暴雷|爆雷|跑路|卷款|非法集资|集资诈骗|非法吸收|吸收公众存款|清退|兑付|出借人|血本无归|本金"
    "|追赃|退赔|人去楼空|实际控制人|无法提现|不能提现|提现困难|非吸|集资参与人|挽损|良性退出"
)
#: Of a school or a gym, its kind as kept after its brand ("启航英语培训学校" and "启航教育"
#: are one school, "启航健身" another business).
_PREPAID_KINDS: Final = {
    **dict.fromkeys(
        ("培训学校", "培训中心", "培训机构", "培训班", "培训", "教育", "英语", "学堂", "早教",
         "美术", "舞蹈", "书法", "琴行", "艺术"),
        "教育",
    ),
    **dict.fromkeys(("健身俱乐部", "健身会所", "健身中心", "健身房", "健身", "瑜伽"), "健身"),
    **dict.fromkeys(("美容美发", "美容会所", "美容院", "美容", "美发"), "美容"),
}  # fmt: skip
#: A school's or a gym's kind words its brand is written with before its last one
#: ("启航英语培训学校": 启航).
_PREPAID_TAIL_RE: Final = re.compile(
    "(?:{})+$".format("|".join(sorted(_PREPAID_KINDS, key=len, reverse=True)))
)
#: Of a school or a gym, names that are a kind of it, not one ("少儿英语", "课外培训",
#: "校外培训", "素质教育", "私人健身").
_PREPAID_GENERIC_RE: Final = re.compile(
    "^(?:校外|课外|民办|私立|私人|少儿|幼儿|儿童|成人|职业|技能|学科|社会|线上|线下|网络|在线"
    "|辅导|补习|文化|艺考|音乐|体育|运动|武术|跆拳道|游泳|小学|初中|高中|中学|大学|学校|幼儿园"
    "|义务|素质|家庭|学前|学历|继续|特殊|高等|基础|早期|机构|商业|连锁|知名|这种|此类|各类"
    "|全市|全县|全区|我市|本市|周边|附近|学生|孩子|小孩|女儿|儿子|家长|老师|健康|医疗|生活"
    "|整形|医美|口语|少儿英语|思想|安全|法制|法治|普法|爱国|环保|廉政|警示|党性|党员|干部"
    "|岗前|上岗|就业|创业|驾驶|驾驶员|安全生产|专业|免费|公益|再|进行|参加|组织|开展|接受"
    "|很多|许多|不少|一些|部分|多家|几家|有些|大量|大批|好多|众多|个别|无证|黑)+$"
)
#: One college written in several ways is one: "星城职业技术学院", "星城职院".
#: Never "职业学院" as "职业技术学院": two colleges of one city may be named so.
_COLLEGE_FORMS: Final = {"职业技术学院": "职院", "职业学校": "职校", "技校": "职校"}
#: What an employer's name holds after its own that is its legal form or its works:
#: "宏远建筑工程有限公司" and "宏远建筑" are one employer.
_EMPLOYER_TAIL_RE: Final = re.compile(
    "(?:有限责任公司|股份有限公司|有限公司|分公司|公司|集团|工厂|厂|项目部)$"
)
#: An employer's trade after its own name, kept apart from it: "宏远建筑" and "宏远公司"
#: are one employer, "华泰物业" and "华泰建筑" two (one brand's two trades). A name that
#: is a trade alone ("保安公司", "环卫公司", "劳务派遣公司", "服装厂") names no employer.
_TRADE_RE: Final = re.compile(
    "(?:工程|建筑|建设|劳务|派遣|电子|科技|实业|装修|装饰|房地产|地产|开发|置业|物业|矿业"
    "|包装|印务|会所|酒店|保安|安保|环卫|保洁|清洁|家政|公交|客运|运输|物流|快递|电信|移动"
    "|联通|自来水|水务|燃气|城投|服装|制衣|水泥|建材|食品|餐饮|超市|商贸|贸易|绿化|园林"
    "|机械|汽修|化工|纺织|鞋业|印刷|家具|投资)$"
)
#: One trade written in several ways is one: "宏远建设" is "宏远建筑".
_TRADE_FORMS: Final = {
    "建设": "建筑", "工程": "建筑", "装饰": "装修", "房地产": "地产", "置业": "地产",
    "开发": "地产", "安保": "保安",
}  # fmt: skip
#: Characters no organisation's own name holds (function words, the writer, verbs of
#: writing and going), where a name found by walking back from its word stops: "我是58车贷
#: 的出借人", "孩子在星城职业技术学院读书", "被鑫盛理财的业务员拉去".
_STOP_CHARS: Final = frozenset(
    "的了在是我你他她它们和与及或被把将对向从给让为到于这那个些有没不也都就还又再请求问"
    "关于映诉报询去过里等家投买借说找叫要跟比已曾该此某其各每称原管读"
)
#: Words of a request or of a victim that end where a name begins ("恳请加快侦办58车贷",
#: "严惩鑫盛理财", "受骗于惠民金服").
_BEFORE_NAME_RE: Final = re.compile(
    "加快|侦办|侦破|严惩|查处|打击|举报|投诉|反映|请求|恳请|要求|希望|呼吁|督促|尽快|严查|彻查"
    "|追究|处理|解决|整治|调查|受害|受骗|起诉|立案|关注|帮助|帮忙|就读|读书|入职|进入|不管"
    "|为何|为什么|公开|注意|公布|通报|查询|查清|冻结|查封|追回|追讨|讨要|追缴|处置|退赔|一名|一位"
    # Asked plainly ("请查一下湘中职业技术学院的实习安排", "管一管启航教育").
    "|查一下|查一查|查查|管一管|管管|看一下|看看"
    # A worker's asking for the wages ("讨薪恒锐电子科技").
    "|讨薪"
)
#: Characters before an organisation's word that make it a kind ("某物流公司", "一家装修公司").
_A_KIND_BEFORE: Final = frozenset("某家个所")
#: Of a college, a title naming an intern's injury or a fee is about that, not the sending.
_NOT_SENDING_RE: Final = re.compile("受伤|工伤|伤残|死亡|身亡|事故|费")
#: Words no organisation's own name holds, a clause's before its word ("平台跑路后公司").
_NOT_A_NAME_RE: Final = re.compile("跑路|拖欠|欠|说|做|干|拿|问|谁|让|后")
#: Words after an organisation's word that make it a body overseeing its kind.
_BODY_AFTER_RE: Final = re.compile("办|局|监|委|厅|中心|协会|部门|管理[局办委处]")
#: Words before an organisation named as an example of its kind ("像58车贷这样的平台",
#: "比如惠民金服").
_AN_EXAMPLE_RE: Final = re.compile("像|如|例如|诸如|类似|包括|之类")
#: How many characters of an organisation's own name are read before its word.
_MAX_NAME_CHARS: Final = 12
#: An anonymised or real region before a name ("A市", "A4区", "西地省"): the name is the
#: same without it ("A市经济学院", "经济学院").
_REGION_PREFIX_RE: Final = re.compile(
    "^(?:[a-zA-Z]\\d*[省市区县]|西地省|\\w{2}省"
    # A county's development zone an employer is in ("A7县经开区恒锐电子科技有限公司").
    "|经开区|高新区|开发区|经济开发区|经济技术开发区|工业园区|工业园)+"
)
#: Of a college, only the city or its district before its name ("A市经济学院", "A3区经济
#: 学院" are "经济学院"): a province's
#: or a county's college of one name is another ("西地省财经学院", "A7县第一职业中专").
_CITY_PREFIX_RE: Final = re.compile("^(?:[a-zA-Z]\\d*[市区])+")
#: Names that are no one organisation: a kind of platform or school, a government body (the
#: addressee: "A市人社局", "教育局"), a bank, a street office, a village.
_GENERIC_RE: Final = re.compile(
    "^(?:互联网|网络|民间|小额|非法|个人|消费|供应链|科技|农村|正规|合法|其他|别的|各种|相关"
    "|p2p|P2P|私募|一家|一所|这家|那家|这所|那所|一个|几家|多家|本|该|某|我们|民办|公办|高职"
    "|中职|大专|本科|职业|技术|普通|重点|一些|部分|大型|小型|一般|城市|工程|市政|国有|私营"
    "|地方|网上|线上|网络|手机|高息|高收益|保本|套路|校园|微信|社会|投资|第[一二三四五六七八九十]+)$"
    "|局|厅|委|政府|街道|办事处|社区|居委|村|镇|乡|法院|检察|公安|派出所|部门|中心|监察|人社"
    "|教育|财政|税务|银行|证券|保险|医院|卫健|住建|城管|国资|机关"
)

#: Names that are common nouns, not an employer's proper name: roles and kinds of an
#: employer ("施工公司", "总包公司", "中介公司", "黑心工厂", "上市公司", "外卖公司") and
#: kinds of a project ("地铁建设", "安置房建设", "A9县道路建设", "第三中学建设项目"): a
#: letter naming no place would join the first such matter and bridge two.
_COMMON_NOUN_RE: Final = re.compile(
    "^(?:工地|施工|总包|外包|分包|承包|转包|包工|中介|甲方|乙方|黑心|老板|私人|个体|外地|外省"
    "|本地|上市|民营|国营|国企|私企|企业|培训|教育|外卖|出租车|网约车|用工|用人|单位|劳务|一家"
    "|一个|一|该|小|大|地铁|轨道|安置房|安置|保障房|公租房|廉租房|棚改|棚户区|改造|道路|公路"
    "|高速|桥梁|隧道|管网|管道|污水|水利|学校|中学|小学|幼儿园|医院|基础设施|海绵城市|城市"
    "|小区|美丽乡村|新农村|农村|乡村|工程|市政|项目|建筑|建设|装修|绿化|房建|厂房|园区|工业园"
    "|[一二三四五六七八九十]期|第[一二三四五六七八九十]+)+$"
)
#: Of a school's or a gym's word, what after it is a payer's doing there, not a body's
#: word ("在力美健身会所办了一张年卡", not "金融办").
_DONE_THERE_RE: Final = re.compile("办[了卡理过的]")
#: Of a school's or a gym's word, what after it makes it no business's name: "美术馆",
#: "舞蹈队", "英语考级", "美术专业", "健身器材".
_NOT_SCHOOL_AFTER_RE: Final = re.compile("[馆队家赛局]|协会|考级|考试|专业|器材|设施|路径|广场")
#: An employer's trades its name is written with alone ("恒锐电子", "同兴物流"), ...
_BARE_TRADES: Final = frozenset(
    ("电子", "科技", "实业", "物流", "食品", "服装", "制衣", "鞋业", "纺织", "机械", "化工", "建材",
     "家具", "印刷", "包装")
)  # fmt: skip
#: ... and what after one makes it no employer: a park, a market, a school, a camera, a
#: screen ("泉塘物流园", "建材市场", "德才科技学校", "电子警察", "电子屏").
_NOT_MAKER_AFTER_RE: Final = re.compile(
    "[园城屏站馆化]|市场|警察|交通|眼|学校|学院|仓库|广场|产业|大道|大厦|中心|产品|设备|商品|安全"
)
#: Of a college's word, what after it makes it no college's name: "A市大学生", "高职
#: 院校", "中专生", "大学城" (a real college is named "A市大学" on boards).
_NOT_COLLEGE_AFTER_RE: Final = re.compile("生|校|城|院校")
#: Of 建设, what after it makes it a builder's word whatever is before it: "宏远建设工程
#: 有限公司", "宏远建设集团". Without one, a builder's short name ("鸿达建设碧湘园工地欠薪")
#: unless a project or a place ends before it (``_PROJECT_END_RE``: "地铁三号线建设",
#: "芙蓉小区建设", "泉塘美丽乡村建设"). Of 建筑, a builder's short name ("宏远建筑拖欠
#: 工资"), its kinds common nouns (``_COMMON_NOUN_RE``).
_BUILDER_AFTER_RE: Final = re.compile("公司|集团|有限|股份|工程|承建|劳务")
_PROJECT_END_RE: Final = re.compile(
    "(?:小区|乡村|农村|城市|工程|项目|基础设施|安置房|棚改|道路|公路|地铁|学校|中学|小学|医院"
    "|园区|设施|[路街道桥园苑城村镇乡区楼馆站线场房])$"
)

#: A school's or a gym's closing and keeping its payers' prepaid fees, or its refusing
#: them back: never its fees' level ("收费太贵"), a teacher's conduct, its licence.
_PREPAID_WRONG_RE: Final = re.compile(
    "跑路|卷款|卷钱|人去楼空|关门|倒闭|停业|歇业|闭店|关店|停课|失联|联系不上|不退费|不退学费"
    "|不退款|不退钱|不给退|不予退|拒不退|拒绝退|退费难|退款难|退费无门|退费|退款|退学费"
    "|退还[^，。,；;！!？?]{0,4}费"
)
#: Each wrong, by the words a letter names it with. A platform's collapse and the criminal
#: case after it; a college's sending its students to factories or to posts unrelated to
#: their studies; an employer's not paying its workers.
_WRONG_RES: Final[dict[str, re.Pattern[str]]] = {
    # Only words of a collapse and of the case after it: never a borrower's 逾期, nor
    # 钱, 资金, 负责人, 事件 alone (an estate's developer, its repair fund, its overdue
    # keys: "某某财富广场逾期交房").
    PLATFORM_COLLAPSE: re.compile(
        "暴雷|爆雷|跑路|卷款|非法集资|集资诈骗|非法吸收|吸收公众存款|立案|侦办|经侦|侦查|清退"
        "|兑付|出借人|投资人|受害人|受害者|报案|人去楼空|血本无归|本金|控制人|嫌疑人|追赃|退赔"
        "|追缴|(?<=[车贷财服融富])案"
        # The money kept from its lenders, as they first find it ("聚财猫平台无法提现": its
        # content names "聚财猫理财平台"), a strong word of a collapse already
        # (``_STRONG_COLLAPSE_RE``).
        "|无法提现|不能提现|提现困难"
    ),
    FORCED_INTERNSHIP: re.compile("实习|顶岗|进厂|工厂|打工|做工|流水线|普工|廉价劳动力"),
    UNPAID_WAGES: re.compile(
        "欠薪|讨薪|拖欠[^，。,；;！!？?]{0,8}(?:工资|薪|血汗钱)|(?:工资|血汗钱)[^，。,；;！!？?]{0,6}"
        "(?:拖欠|不发|未发|没发|没有发|未结清|未支付|拿不到|没拿到|没有拿到)|不发工资|讨要工资"
        "|克扣[^，。,；;！!？?]{0,4}工资|(?:欠|不结)[^，。,；;！!？?]{0,6}工资"
        "|不给[^，。,；;！!？?]{0,3}(?:发|结|付)[^，。,；;！!？?]{0,3}工资"
        "|工资[^，。,；;！!？?]{0,4}克扣"
    ),
    PREPAID_CLOSURE: _PREPAID_WRONG_RE,
}
#: Of a school or a gym, the letter's naming its closing, not its refusing one payer who
#: leaves ("因为个人原因要离开 … 被拒绝退款": each payer's own dispute) ...
_CLOSED_RE: Final = re.compile(
    "跑路|卷款|卷钱|人去楼空|关门|倒闭|停业|歇业|闭店|关店|停课|失联|联系不上|找不到人|搬空"
    # Its shop locked and its owner gone ("找老板找不到，门店也锁了").
    "|门店[^，。,；;！!？?]{0,2}锁|老板[^，。,；;！!？?]{0,2}找不到"
    # Its payers all at once, counting their loss ("我们力美健身的会员已经自发统计了一百多人，
    # 损失合计一百多万"): no one payer's own refund.
    "|损失合计|损失共计|损失总计|涉及金额"
)
#: ... of fees paid ahead by its payers: a card's, a course's.
_PREPAID_MONEY_RE: Final = re.compile(
    "学费|课时|课程|会费|培训费|预付|预交|预存|充值|储值|办卡|办了卡|会员卡|年卡|次卡|月卡|卡里"
    "|余额|报名费|报了|交了|缴了|交钱|交费|缴费|私教|课包|会员"
    # Fees asked back are fees paid ("启航教育退费问题": "启航教育关门 … 涉及金额几百万").
    "|退费|退学费"
)
#: Of a school or a gym, letters by others than its payers: its staff on their wages, its
#: landlord on the rent, a supplier on its bill. Not a school's teacher, who is a payer as
#: any other ("我是一名小学老师。A3区力美健身关门前一个月还在推销会员卡"), nor a retired one.
_NOT_PAYER_RE: Final = re.compile(
    "工资|薪|社保|(?:我们?是|作为)[^，。,；;！!？?]{0,10}(?:"
    "(?<!小学)(?<!中学)(?<!大学)(?<!高中)(?<!初中)(?<!儿园)(?<!退休)(?:老师|教师)"
    "|教练|员工|职工|美容师|前台|顾问|店长|校长)|房东|房租|租金|装修款|货款|供应商"
)
#: A title's words of a platform's case that name its collapse only in a letter naming it
#: by a strong word (``_WRONG_RES``): "请求严惩某某金服负责人", "某某车贷的钱何时能退".
#: A platform's lenders say it is overdue in paying them back, or call its slow
#: repayment a fraud ("鑫利贷平台逾期", "鑫利贷良性退出是骗局"); a borrower's overdue loan
#: is no victim's (``_BORROWER_RE``).
_WEAK_COLLAPSE_RE: Final = re.compile(
    "案件|案子|严惩|负责人|追回|退钱|能退|资产|资金|处置|失联|诈骗|事件|逾期|良性退出|骗局"
)
#: Of a college, that the students are forced, not that they are arranged a post, ask
#: for leave or a certificate, or are hurt in one: forcing words ...
_SENT_RE: Final = re.compile(
    "强制|强迫|强行|逼|被迫|强令|硬性|要挟|必须|廉价劳动力|扣学分|不发毕业证|不给毕业|不能毕业"
    "|(?:所有|全体|全部)[^，。,；;！!？?]{0,6}学生"
    "|影响毕业|拿不到毕业证|不去[^，。,；;！!？?]{0,8}(?:就|不|没|扣|开除|退学)|否则"
    # sent by the school as goods are, or punished for refusing ("被学校统一送去外省电子厂",
    # "不服从安排的要记处分")
    "|被(?:学校)?(?:统一)?(?:送|派)|不服从[^，。,；;！!？?]{0,6}处分"
)
#: ... together with a factory's work (not an office's, a shop's, a garage's).
_FACTORY_RE: Final = re.compile("(?<!汽修)厂|流水线|普工|装配工|打工|做工|拧螺丝")
#: Of a platform, letters by others than its victims: its staff on their wages, job
#: seekers on a training fee, a borrower of a consumer lender, someone deceived by a
#: caller posing as its service (``_BORROWER_RE`` too).
_NOT_VICTIM_RE: Final = re.compile(
    "(?:我们?是|作为)[^，。,；;！!？?]{0,10}员工|员工的|发工资|社保|应聘|培训费|招聘|冒充"
    "|假冒|自称[^，。,；;！!？?]{0,8}客服"
)
#: Of a letter whose title names no platform of the kind words, a platform the title names
#: otherwise ("某某网", "某某宝", "e租宝"): a platform its content names is named in passing.
_OTHER_PLATFORM_RE: Final = re.compile("\\w(?:网|宝)(?![上络站友民格点页购店贝])")
#: Words after a platform's kind word that make it a place ("某某财富广场", "某某财富铭城").
_PLACE_AFTER_RE: Final = re.compile(
    "[\u4e00-\u9fff]{0,2}?(?:广场|大厦|城|街|中心|公馆|小区|花园|苑|府|大楼|公寓|商城|写字楼|天地|港|园|楼)"
)
#: A writer who borrowed from the platform (its debt collection, how to repay), not a
#: victim of its collapse; never a lender's 出借 ("我在惠民金服出借了二十万": a victim).
_BORROWER_RE: Final = re.compile(
    "我是[^，。,；;！!？?]{0,10}借款人|我[^，。,；;！!？?]{0,10}(?<!出)借了|(?:本人|我)在[^，。,；;！!？?]{0,10}"
    "贷款|办[了理]?[^，。,；;！!？?]{0,8}贷款|征信|暴力催收|催收人员|多扣"
)
#: What a title says besides the organisation that is about it and nothing else: the
#: speech act and the organisation's own words ("平台", "公司", "案件", "问题").
_TITLE_NOISE_RE: Final = re.compile(
    "关于|反映|投诉|举报|咨询|请求|恳请|强烈|再次|问题|情况|一事|的|平台|公司|有限|[^\\w]"
)


def _kind_re(wrong: str) -> re.Pattern[str]:
    return re.compile("|".join(_KIND_WORDS[wrong]))


_KIND_RES: Final = {wrong: _kind_re(wrong) for wrong in WRONGS}
#: A character each wrong's organisation words hold: a letter without any is not searched.
_MARKS: Final[dict[str, str]] = {
    PLATFORM_COLLAPSE: "贷财服融富资惠钱投线宝网台",
    FORCED_INTERNSHIP: "学院职校专",
    UNPAID_WAGES: "公司团厂矿部建设劳所店电科实物食服衣鞋纺机化材家印包",
    PREPAID_CLOSURE: "培教英学早美舞书琴健瑜",
}
#: Each kind's marks as one character class: one scan of a part, not a test of each
#: character (up to thirty, of each part for each kind).
_MARK_RES: Final[dict[str, re.Pattern[str]]] = {
    wrong: re.compile("[" + re.escape(marks) + "]") for wrong, marks in _MARKS.items()
}


def _name_at(part: str, start: int, word: str, wrong: str) -> str:
    """The organisation whose word ``word`` starts at ``start``: the name characters
    before it (``_STOP_CHARS`` end them), without a region before, as one spelling of the
    organisation ("经济学院", "星城职院", "58车贷", "宏远"); "" when no distinctive name."""
    at = start
    while at > 0 and start - at < _MAX_NAME_CHARS:
        char = part[at - 1]
        if char in _STOP_CHARS or not (char.isalnum()):
            break
        at -= 1
    # Words before a name that are the writer's ("恳请加快侦办58车贷", "严惩鑫盛理财").
    # Looked for from a few characters before where the name stopped: a word a stop
    # character begins ("关注58车贷": "关" ends the walk, "注" is no name's).
    own = _BEFORE_NAME_RE.split(part[max(0, at - 3) : start])[-1]
    if len(own) > start - at:
        own = part[at:start]
    if own == part[at:start] and at > 0 and part[at - 1] in _A_KIND_BEFORE:
        # "某物流公司", "一家装修公司", "这所学院": a kind, not a name.
        return ""
    stripped = _REGION_PREFIX_RE.sub("", own)
    if wrong == FORCED_INTERNSHIP:
        # "L市职业技术学院": the city's name is the college's own when nothing else is.
        city_stripped = _CITY_PREFIX_RE.sub("", own)
        own = city_stripped if len(city_stripped) >= 2 else own
        name = own + _COLLEGE_FORMS.get(word, word)
    elif wrong == UNPAID_WAGES:
        own = stripped + word
        trades = []
        while True:
            shorter = _EMPLOYER_TAIL_RE.sub("", own)
            found = _TRADE_RE.search(shorter)
            if found:
                trades.append(found.group())
                shorter = shorter[: found.start()]
            if shorter == own:
                break
            own = shorter
        if trades:
            # The trade nearest the name: "宏远建筑工程" is 建筑.
            trade = trades[-1]
            name = f"{own}·{_TRADE_FORMS.get(trade, trade)}"
        else:
            name = own
    elif wrong == PREPAID_CLOSURE:
        own = _PREPAID_TAIL_RE.sub("", stripped)
        name = own + _PREPAID_KINDS[word]
    elif word == _A_PLATFORM:
        # Its brand, with its other kind words or without ("鑫融汇网贷平台": 鑫融汇; "e租宝
        # 平台": e租宝).
        own = _STRONG_PLATFORM_TAIL_RE.sub("", stripped) or stripped
        name = own
        if _NOT_A_PLATFORM_OWN_RE.search(own) or _NOT_PLATFORM_RE.search(own):
            return ""
    elif word in _WEAK_PLATFORM_WORDS:
        own = stripped
        name = own + word
    else:
        # A platform by its brand alone, whatever lending word its letters write after it
        # ("鑫融汇网贷", "鑫融汇金服", "鑫融汇平台" are 鑫融汇); a weak word is the brand's own
        # ("e租宝", "钱宝网").
        own = stripped
        name = own
    if (
        len(own) < 2
        or _GENERIC_RE.search(own)
        or _NOT_A_NAME_RE.search(own)
        or (wrong == UNPAID_WAGES and _COMMON_NOUN_RE.match(own))
        or (
            wrong == PREPAID_CLOSURE
            and (_COMMON_NOUN_RE.match(own) or _PREPAID_GENERIC_RE.match(own))
        )
        or (
            wrong == PLATFORM_COLLAPSE
            and word in _WEAK_PLATFORM_WORDS
            and _NOT_PLATFORM_RE.search(own + word)
        )
    ):
        return ""
    return unicodedata.normalize("NFKC", name).upper()


def _names(part: str, wrong: str, content: str | None = None) -> list[tuple[str, int]]:
    """The organisations of ``wrong``'s kind a title or content names, with where, in order.
    A platform named "X平台" only in a title (``content`` given) whose content names X too:
    a content's "目前平台", "搞垮平台" are no platform's names."""
    if _MARK_RES[wrong].search(part) is None:
        return []
    found = []
    for match in _KIND_RES[wrong].finditer(part):
        if _BODY_AFTER_RE.match(part, match.end()) and not (
            wrong == PREPAID_CLOSURE and _DONE_THERE_RE.match(part, match.end())
        ):
            # A body overseeing the kind, not one of it ("地方金融监督管理局", "金融办").
            continue
        if wrong == PREPAID_CLOSURE and _NOT_SCHOOL_AFTER_RE.match(part, match.end()):
            # A museum, a troupe, an exam of the kind ("美术馆", "舞蹈队", "英语考级").
            continue
        if (
            wrong == UNPAID_WAGES
            and match.group() in _BARE_TRADES
            and _NOT_MAKER_AFTER_RE.match(part, match.end())
        ):
            # A park, a market, a camera of a trade ("泉塘物流园", "建材市场", "电子警察").
            continue
        if wrong == FORCED_INTERNSHIP and _NOT_COLLEGE_AFTER_RE.match(part, match.end()):
            # Students or schools of a kind ("A市大学生", "A市高职院校"), not a college.
            continue
        if (
            wrong == UNPAID_WAGES
            and match.group() == "建设"
            and not _BUILDER_AFTER_RE.match(part, match.end())
            and _PROJECT_END_RE.search(part, max(0, match.start() - 6), match.start())
        ):
            # A project's kind or place ("地铁建设", "芙蓉小区建设"), not a builder.
            continue
        if (
            wrong == PLATFORM_COLLAPSE
            and match.group() in _WEAK_PLATFORM_AFTER
            and _WEAK_PLATFORM_AFTER[match.group()].match(part, match.end())
        ):
            # A loan, a website's page, a baby ("贷款", "网上", "宝贝"): no platform.
            continue
        if wrong == PLATFORM_COLLAPSE and _PLACE_AFTER_RE.match(part, match.end()):
            # An estate or a building named so ("某某财富广场"), not a platform.
            continue
        if match.group() == _A_PLATFORM and (
            content is None or _STRONG_COLLAPSE_RE.search(part) is None
        ):
            # A platform named so only in a title saying its collapse in strong words.
            continue
        name = _name_at(part, match.start(), match.group(), wrong)
        if (
            name
            and match.group() == _A_PLATFORM
            and name not in unicodedata.normalize("NFKC", content or "").upper()
        ):
            continue
        if name:
            found.append((name, match.start()))
    return found


def same_organisation(ours: str, theirs: str, wrong: str = "") -> bool:
    """Whether two kept organisations' names are one: the same, or one ending with the
    other, words before it that a name was found with ("关注58车贷"); never two names of
    one kind ("宏远", "宏达"), nor of a college anything but the same name ("南方理工学院"
    is not "理工学院"). An employer's trade (after "·") is compared by the subject's names
    (``place_agreement``): one brand's two trades are two employers."""
    if ours == theirs:
        return True
    if wrong == FORCED_INTERNSHIP:
        return False
    ours, _, our_trade = ours.partition("·")
    theirs, _, their_trade = theirs.partition("·")
    if our_trade and their_trade and our_trade != their_trade:
        return False
    if min(len(ours), len(theirs)) < 2:
        return False
    shorter, longer = sorted((ours, theirs), key=len)
    # Only a region or a request's words before the name ("A4区宏远", "关注58车贷"),
    # never other characters: "新宏远" is not "宏远".
    before = longer[: -len(shorter)]
    return longer.endswith(shorter) and _ONLY_BEFORE_RE.fullmatch(before) is not None


#: What may stand before an organisation's name in another spelling of it: regions and
#: words of a request (``same_organisation``).
_ONLY_BEFORE_RE: Final = re.compile(
    f"(?:{_REGION_PREFIX_RE.pattern.removeprefix('^')}|{_BEFORE_NAME_RE.pattern})*"
)
#: What a subject's name ends with that is its kind, not its brand (``brands_differ``).
_KIND_TAIL_RE: Final = re.compile(
    "(?:{})$".format(
        "|".join(
            (
                *_KIND_WORDS[PLATFORM_COLLAPSE],
                *_KIND_WORDS[FORCED_INTERNSHIP],
                *_COLLEGE_FORMS.values(),
                *set(_PREPAID_KINDS.values()),
            )
        )
    )
)


def brand(subject: str) -> str:
    """A kept subject's brand: its name without region, kind word and wrong ("鑫盛理财〔集资〕"
    and "鑫盛财富〔集资〕" are 鑫盛; "星城职院〔实习〕" and "星城职业学院〔实习〕" 星城;
    "西地省涉外经济学院〔实习〕" 涉外经济)."""
    name = subject.partition("〔")[0].partition("·")[0]
    name = _REGION_PREFIX_RE.sub("", name)
    return _KIND_TAIL_RE.sub("", name) or name


def brands_differ(ours: str, theirs: str) -> bool:
    """Whether two kept organisations' subjects name two brands (惠民 and 鑫盛), not one
    brand written two ways (鑫盛理财 and 鑫盛财富): one writer's near copies conflict only so."""
    return brand(ours) != brand(theirs)


def _one(names: list[tuple[str, int]], wrong: str) -> str:
    """The one organisation ``names`` name (the shortest when every other ends with it, or
    begins with it: "经济学院体育学院" is a school of "经济学院"), "" for none or two."""
    distinct = sorted({name for name, _ in names}, key=lambda n: (len(n), n))
    if not distinct or any(
        not (same_organisation(distinct[0], n, wrong) or n.startswith(distinct[0]))
        for n in distinct[1:]
    ):
        return ""
    return distinct[0]


def organisation_subject(title: str, content: str) -> str:
    """One organisation's one wrong a letter is about, as kept ("58车贷〔集资〕"), "" for none.

    Of each wrong in turn (``WRONGS``): the one organisation of its kind the title names,
    when the title names the wrong too or nothing else ("关于58车贷的投诉") and the letter
    names the wrong; else, of a title naming the wrong and no organisation of its kind
    ("农民工讨薪难", "请问学校组织学生去工厂实习是否合法"), the one the content names, not
    as an example of its kind ("像58车贷这样的平台"). A title naming the organisation and
    another problem ("A市经济学院食堂饭菜价格太贵") is about that. Of a platform, not a
    borrower's letter (its debt collection, how to repay); of a college, its students sent
    (a factory, a line, forced or arranged: ``_SENT_RE``).
    """
    letter = f"{title}。{content}"
    found = ""
    for wrong in WRONGS:
        subject = _subject_of(title, content, letter, wrong)
        if subject:
            if found:
                return ""  # two wrongs of two kinds: none is the letter's one
            found = subject
    return found


def _subject_of(title: str, content: str, letter: str, wrong: str) -> str:
    wrong_re = _WRONG_RES[wrong]
    in_title = _names(title, wrong, content)
    if in_title:
        name = _one(in_title, wrong)
        if not name and wrong == PREPAID_CLOSURE:
            # A kind's word walked back into the title's clause ("汇金城健身俱乐部卡还没
            # 激活健身房就关门了": "激活健身"): the one the content names too is the business.
            also = {found for found, _ in _names(content, wrong)}
            name = _one([one for one in in_title if one[0] in also], wrong)
        if not name:
            return ""
        if wrong == FORCED_INTERNSHIP:
            name = _spelt_out(name, content)
        if (
            wrong_re.search(title) is None
            and not (
                wrong == PLATFORM_COLLAPSE
                and _WEAK_COLLAPSE_RE.search(title)
                and wrong_re.search(content)
            )
            and not (
                wrong in _TITLE_WRONG_RES
                and _TITLE_WRONG_RES[wrong].search(title)
                and wrong_re.search(content)
            )
        ):
            # The title names the organisation alone ("关于58车贷的投诉"), or the
            # organisation and another problem of it ("58车贷门店招牌摇摇欲坠").
            rest = _REGION_PREFIX_RE.sub("", _TITLE_NOISE_RE.sub("", _without_names(title, wrong)))
            if rest or wrong_re.search(content) is None:
                return ""
    elif wrong == PLATFORM_COLLAPSE and _bare_platform(title, content):
        name = _bare_platform(title, content)
    else:
        if wrong_re.search(title) is None:
            return ""
        if wrong == PLATFORM_COLLAPSE and _OTHER_PLATFORM_RE.search(title):
            # The title's platform is one the kind words miss ("某某网暴雷"): the one the
            # content names is named in passing ("我之前在某某金服也投过").
            return ""
        in_content = _names(content, wrong)
        name = _one(in_content, wrong)
        first = in_content[0][1] if in_content else 0
        if not name or _AN_EXAMPLE_RE.search(content, max(0, first - 8), first):
            # None, two, or one named as an example of a kind ("像58车贷这样的平台").
            return ""
    if wrong == PLATFORM_COLLAPSE and (
        _BORROWER_RE.search(letter)
        or _NOT_VICTIM_RE.search(letter)
        or (_weak_platform(name) and _STRONG_COLLAPSE_RE.search(letter) is None)
    ):
        return ""
    if wrong == PREPAID_CLOSURE and (
        _CLOSED_RE.search(letter) is None
        or _PREPAID_MONEY_RE.search(letter) is None
        or _NOT_PAYER_RE.search(letter) is not None
    ):
        return ""
    if wrong == FORCED_INTERNSHIP and (
        _SENT_RE.search(letter) is None
        or _FACTORY_RE.search(letter) is None
        or _NOT_SENDING_RE.search(title) is not None
    ):
        return ""
    if wrong == UNPAID_WAGES and wrong_re.search(letter) is None:
        return ""
    if wrong == PREPAID_CLOSURE:
        # One brand's branch named ("新东方英语五一店", "新东方英语河西校区"): each branch
        # closes on its own payers; the branch is kept with the name.
        for kind in _KIND_RES[wrong].finditer(title):
            branch = _BRANCH_RE.match(title, kind.end())
            if branch:
                name += branch.group(1)
                break
    name, _, trade = name.partition("·")
    return f"{name}〔{wrong}·{trade}〕" if trade else f"{name}〔{wrong}〕"


#: A title's words of the wrong that name it with the organisation when the content names
#: it in strong words (``_WRONG_RES``): a worker's "工资", "欠薪", "讨薪" ("恒锐电子员工请求年前
#: 发工资"), a payer's prepaid fees ("童画培训中心预收费").
_TITLE_WRONG_RES: Final = {
    UNPAID_WAGES: re.compile("工资|欠薪|讨薪|薪水|薪资|血汗钱"),
    PREPAID_CLOSURE: re.compile("预收费|预付|预存|充值|课时|学费|会员卡|会费"),
}
#: A platform's victims' words a title names it by its brand alone with ("鑫融汇出借人请求
#: 立案", "再问鑫融汇案件进展", "鑫融汇良性退出是骗局").
_BARE_PLATFORM_RE: Final = re.compile(
    "出借人|良性退出|案件|案子|暴雷|爆雷|跑路|兑付|立案|清退|非法集资|集资诈骗|非法吸收"
)
#: Of a letter naming a platform by its brand alone, its own words of a platform.
_A_PLATFORM_RE: Final = re.compile("出借人|平台|网贷|P2P|p2p")
#: Words before a platform's victims' word that are no brand ("全体出借人", "广大出借人").
_NOT_A_BRAND_RE: Final = re.compile(
    "全体|广大|众多|各位|全国|全市|部分|一些|所有|受害|维权|民间|老年|退休|我们|本人|平台|网贷"
    "|投资|集资|案件|刑事|经济|诈骗|非法|请求|恳请|尽快|督促|进展|什么|何时|如何|情况|问题"
)
#: What a brand ends with that makes it an estate, a road or a village, not a platform.
_PLACE_END_RE: Final = re.compile("[区村镇乡路街苑园城楼府湾庄巷道]$")


def _bare_platform(title: str, content: str) -> str:
    """The platform a title names by its brand alone right before a victims' word
    (``_BARE_PLATFORM_RE``: "鑫融汇出借人请求立案", "再问鑫融汇案件进展"), when the content
    names the brand too and the letter names a platform (``_A_PLATFORM_RE``) and its
    collapse in strong words (``_STRONG_COLLAPSE_RE``); "" otherwise."""
    found = _BARE_PLATFORM_RE.search(title)
    if found is None:
        return ""
    at = start = found.start()
    while at > 0 and start - at < 6:
        char = title[at - 1]
        if char in _STOP_CHARS or not char.isalnum():
            break
        at -= 1
    own = _REGION_PREFIX_RE.sub("", _BEFORE_NAME_RE.split(title[at:start])[-1])
    letter = f"{title}。{content}"
    if (
        not 2 <= len(own) <= 4
        or own not in content
        or _NOT_A_BRAND_RE.search(own)
        or _GENERIC_RE.search(own)
        or _NOT_A_NAME_RE.search(own)
        or _KIND_RES[PLATFORM_COLLAPSE].search(own)
        or _NOT_PLATFORM_RE.search(own)
        or _PLACE_END_RE.search(own)
        or _A_PLATFORM_RE.search(letter) is None
        or _STRONG_COLLAPSE_RE.search(letter) is None
    ):
        return ""
    return unicodedata.normalize("NFKC", own).upper()


#: A business's branch in a title: two characters before its word ("五一店", "河西校区").
_BRANCH_RE: Final = re.compile("([\u4e00-\u9fff]{2})(?:校区|分校|分店|店)(?![长员主铺面])")


def _weak_platform(name: str) -> bool:
    """Whether a platform's kept name ends with a weak word only ("钱宝网", "e租宝", not
    "58车贷", "某某网贷")."""
    return any(name.endswith(word) for word in _WEAK_PLATFORM_WORDS) and not any(
        name.endswith(word)
        for word in _KIND_WORDS[PLATFORM_COLLAPSE]
        if word not in _WEAK_PLATFORM_WORDS
    )


def _spelt_out(name: str, content: str) -> str:
    """A college's ``name`` as a title shortens it ("信息职院"), written out as the one
    college the content names ("A市信息工程职业技术学院": "信息工程职院") when the short
    name is its first and last characters and some of the others, in their order; ``name``
    otherwise. Two colleges' short names ("信息职院", "信息工程职院") are two names, so a
    letter is kept by its college's full name, as its other letters name it."""
    full = _one(_names(content, FORCED_INTERNSHIP), FORCED_INTERNSHIP)
    if not full or full == name or len(full) <= len(name) or full[0] != name[0]:
        return name
    rest = iter(full)
    return full if all(char in rest for char in name) and full[-2:] == name[-2:] else name


def _without_names(title: str, wrong: str) -> str:
    """``title`` without its organisations of ``wrong``'s kind, their words and regions."""
    spans = []
    for match in _KIND_RES[wrong].finditer(title):
        at = match.start()
        while at > 0 and match.start() - at < _MAX_NAME_CHARS:
            char = title[at - 1]
            if char in _STOP_CHARS or not char.isalnum():
                break
            at -= 1
        spans.append((at, match.end()))
    out, last = [], 0
    for start, end in spans:
        out.append(title[last:start])
        last = end
    out.append(title[last:])
    return "".join(out)


_KEPT: Final = tuple(f"〔{wrong}〕" for wrong in WRONGS)
#: A kept subject's wrong with an employer's trade after it ("华泰〔欠薪·物业〕").
_KEPT_TRADE_RE: Final = re.compile(f"〔{UNPAID_WAGES}·[^〔〕]+〕$")


def is_organisation(subject: str) -> bool:
    """Whether a kept subject is an organisation's wrong (not an estate's object)."""
    return subject.endswith(_KEPT) or _KEPT_TRADE_RE.search(subject) is not None


def is_employer(subject: str) -> bool:
    """Whether a kept subject is an employer's unpaid wages ("宏远〔欠薪·建筑〕")."""
    return f"〔{UNPAID_WAGES}" in subject and is_organisation(subject)


def is_kept(place: str) -> bool:
    """Whether a place (as kept among a letter's) is an organisation's subject or its
    lookup key ("58车贷〔集资〕", "华泰〔欠薪·物业〕", "〔集资〕58车贷")."""
    return place.startswith(_KEPT) or is_organisation(place)


#: How many days apart an employer's subject links two letters (``scoring``): one
#: builder's unpaid wages years apart are other crews' on other sites.
EMPLOYER_DAYS: Final = 180

#: How many characters of an organisation's name its subject is looked up by
#: (``features.subject_key``): a name found with words before it ends as the name does. An
#: employer's name is its own part alone ("宏远"), the others' hold their kind ("58车贷").
KEY_CHARS: Final = {
    PLATFORM_COLLAPSE: 4,
    FORCED_INTERNSHIP: 4,
    UNPAID_WAGES: 2,
    PREPAID_CLOSURE: 4,
}
