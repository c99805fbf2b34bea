"""Free text a person wrote: invisible characters removed, personal data masked."""

from __future__ import annotations

import itertools
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.common.freetext import (
    id_check_character,
    mask_free_text,
    strip_invisible,
    unrestricted_note,
)


def test_every_format_character_of_the_unicode_database_is_removed() -> None:
    # Fails when a newer Python brings format characters the list does not have yet.
    formats = "".join(chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf")
    assert strip_invisible(formats + "文") == "文"


def test_controls_and_bidi_overrides_go_and_unicode_line_separators_become_line_breaks() -> None:
    sent = "标题\x00\x1b[31m红\u202e反\u2028第二行\u2029第三段\n\t第四行"
    assert strip_invisible(sent) == "标题[31m红反\n第二行\n第三段\n\t第四行"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("文\U000e0001字", "文字"),  # a format character beyond the BMP, alone
        ("文\U0001d173字😀", "文字😀"),
        ("文😀字", "文😀字"),  # beyond the BMP, nothing to remove
        ("\x1b文", "文"),
        ("文字", "文字"),
    ],
)
def test_invisible_characters_are_found_within_and_beyond_the_bmp(sent: str, kept: str) -> None:
    assert strip_invisible(sent) == kept


@pytest.mark.parametrize("separator", ["\u2028", "\u2029"])
def test_either_unicode_line_separator_alone_becomes_a_line_break(separator: str) -> None:
    assert strip_invisible(f"第一行{separator}第二行") == "第一行\n第二行"
    assert strip_invisible(f"\u200b{separator}") == "\n"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("请拨打13800138000", "请拨打138****8000"),
        ("+86 138-0013-8000", "+86 138-****-8000"),
        ("１３８００１３８０００", "１３８****８０００"),
        ("座机029-88881234", "座机029-****1234"),
        ("身份证11010519491231002X。", "身份证110105********002X。"),
        ("卡号4111111111111111", "卡号************1111"),
        ("邮箱zhang.san@qq.com", "邮箱z********@qq.com"),
        ("日期2026-11-20，金额123456元", "日期2026-11-20，金额123456元"),
        ("1380013800011010519491231002X", "*************************002X"),  # written together
        # Written as a person may write them: other digits, dashes, spaces and brackets.
        ("𝟏𝟑𝟖𝟎𝟎𝟏𝟑𝟖𝟎𝟎𝟎", "𝟏𝟑𝟖****𝟖𝟎𝟎𝟎"),
        ("①③⑧⓪⓪①③⑧⓪⓪⓪", "①③⑧****⑧⓪⓪⓪"),
        ("١٣٨٠٠١٣٨٠٠٠", "١٣٨****٨٠٠٠"),
        ("138－0013－8000", "138－****－8000"),
        ("138\u30000013\u30008000", "138\u3000****\u30008000"),
        ("138\u31640013\u28008000", "138\u3164****\u28008000"),  # blank letters
        ("138—0013—8000", "138—****—8000"),
        ("1 3 8 0 0 1 3 8 0 0 0", "1 3 8 * * * * 8 0 0 0"),
        ("电话(010)12345678", "电话(010)****5678"),
        ("电话（０１０）１２３４５６７８", "电话（０１０）****５６７８"),
        ("010-1234-5678", "010-****-5678"),
        ("身份证610302 19490101 1234", "身份证610302 ******** 1234"),
        ("身份证11010519491231002X".replace("0519", "05-19").replace("1002X", "1-002X"),
         "身份证110105-********-002X"),
        ("ｚｈａｎｇ＠ｑｑ．ｃｏｍ", "ｚ****＠ｑｑ．ｃｏｍ"),
        ("２０２６年１１月２０日，金额１２３４５６元",) * 2,  # a date and a sum: no one's
    ],
)
def test_personal_data_written_in_free_text_is_masked(text: str, masked: str) -> None:
    assert mask_free_text(text) == masked
    assert len(mask_free_text(text)) == len(text)


# Numbers that fail their check are still someone's (issue 14): a typo'd ID number, a card
# number with a digit wrong. Order, parcel and invoice numbers, which consumer complaints
# are full of and caseworkers need, stay readable unless they pass the Luhn check.
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # an ID number whose check character is wrong (X written as 5), or a digit
        ("我的身份证号码是610302198506123015，请帮忙核实",
         "我的身份证号码是610302********3015，请帮忙核实"),
        ("身份证：110105194912310021", "身份证：110105********0021"),
        # after a telephone word: 18 digits are no telephone's (found by the property below)
        ("13000000000电话110000200601010000", "130****0000电话110000********0000"),
        # no word needed: a province's prefix and a real birth date are enough
        ("申请人王某某，110105194912310021，住阳光小区",
         "申请人王某某，110105********0021，住阳光小区"),
        # card numbers failing Luhn, introduced as a card or an account
        ("卡号6222021234567890120", "卡号***************0120"),
        ("请把补偿款打到我的银行卡6217 0012 3456 7890 123上",
         "请把补偿款打到我的银行卡**** **** **** ***0 123上"),
        ("工资一直发到工行账号 6217001234567890123", "工资一直发到工行账号 ***************0123"),
        ("信用卡号：4367421234567890", "信用卡号：************7890"),
        ("储蓄卡（农业银行）6228481234567890121", "储蓄卡（农业银行）***************0121"),
        ("帐户余额被冻结，帐号6217001234567890123", "帐户余额被冻结，帐号***************0123"),
        ("please refund to account number 6217001234567890123",
         "please refund to account number ***************0123"),
        # an ID number missing two digits is still one
        ("身份证号6103021985061230（少写了两位）", "身份证号************1230（少写了两位）"),
        # an order number that passes Luhn may be a card: masked
        ("订单号6228480402564890018", "订单号***************0018"),
    ],
)  # fmt: skip
def test_id_and_card_numbers_failing_their_check_are_still_masked(text: str, masked: str) -> None:
    assert mask_free_text(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # read out in Chinese numerals, 幺 for a 1 as a phone number is said
        ("我的电话一三八一二三四五六七八，请回电", "我的电话一三八****五六七八，请回电"),
        ("联系电话：幺三八一二三四五六七八", "联系电话：幺三八****五六七八"),
        ("手机幺三八 一二三四 五六七八", "手机幺三八 **** 五六七八"),
        ("电话一五九-〇〇一二-三四五六", "电话一五九-****-三四五六"),
        ("打一八六两三四五六七八九找我", "打一八六****六七八九找我"),
        # a numeral too many is a slip: still someone's number
        ("电话一三八一二三四五六七八九", "电话一三八*****六七八九"),
        # with dots or spaces between the groups
        ("手机138.1234.5678", "手机138.****.5678"),
        ("手机 138 1234 5678 ", "手机 138 **** 5678 "),
        ("电话+86 138.1234.5678", "电话+86 138.****.5678"),
        ("手机１３８．１２３４．５６７８", "手机１３８．****．５６７８"),
        ("座机029.8888.1234或029.88881234", "座机029.****.1234或029.****1234"),
    ],
)  # fmt: skip
def test_phone_numbers_in_chinese_numerals_or_with_dots_are_masked(
    text: str, masked: str
) -> None:
    assert mask_free_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        # counts, sums, dates and years in Chinese numerals
        "小区共三十八户，其中一三五栋漏水",
        "二〇一八年三月十五日至二〇二〇年一月",
        "补偿款一百三十八万四千五百元",
        "补偿款壹佰叁拾捌万肆仟伍佰元整",  # a sum in the financial forms
        "二○一八年三月",
        "一三五七九号楼和二四六八号楼",
        "第一三八一二三四五六七八九十条",  # a run ending in 十: an ordinal, not read out
        "五一三八一二三四五六七八",  # inside a longer run of numerals
        "三三两两，七七八八，一五一十",
        # digits with dots: dates, sums, versions, section numbers
        "有效期：2018.09.28-10.28，面积25613.32平方米",
        "金额1.3812345678万元",
        "系统版本v1.38.12345678",
        "土地使用权2007.9.21-2074.8.17",
        "第1.13.1234条",
    ],
)  # fmt: skip
def test_ordinary_numbers_in_chinese_numerals_or_with_dots_stay_as_written(text: str) -> None:
    assert mask_free_text(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # landlines with their area code, read out in Chinese numerals
        ("电话零二九八八八八一二三四请回电", "电话零二九****一二三四请回电"),
        ("座机〇七三一-八四一二三四五六", "座机〇七三*-****三四五六"),
        ("办公室（〇一〇）一二三四五六七八", "办公室（〇一〇）****五六七八"),
        ("打〇一〇 一二三四 五六七八找我", "打〇一〇 **** 五六七八找我"),
        ("电话零七五五两六幺二三四五六", "电话零七五*****三四五六"),
        # a mobile read out after it, past a space: two numbers, both masked
        ("电话〇二九八八八八一二三四 一三八一二三四五六七八",
         "电话〇二九****一二三四 一三八****五六七八"),
        # resident ID numbers: a right check character, an X, a wrong one after a real
        # province and birth date, 零 for 〇, the three parts
        ("身份证六一〇三〇二一九四九〇一〇一一二三五", "身份证六一〇三〇二********一二三五"),
        ("身份证号三一〇一一五一九八五〇六二〇〇〇〇X。", "身份证号三一〇一一五********〇〇〇X。"),
        ("证件号三一〇一一五一九八五〇六二〇〇〇〇x", "证件号三一〇一一五********〇〇〇x"),
        ("我是六一〇三〇二一九四九〇一〇一一二三X", "我是六一〇三〇二********一二三X"),
        ("身份证六一零三零二一九四九零一零一一二三四", "身份证六一零三零二********一二三四"),
        ("号码一一〇一〇一 一九九〇〇三〇七 一二三三", "号码一一〇一〇一 ******** 一二三三"),
        # in the financial forms (大写), and with ○ for a zero
        ("电话壹叁捌零零壹叁捌零零零", "电话壹叁捌****捌零零零"),
        ("电话一三八○○一三八○○○", "电话一三八****八○○○"),
        ("座机○二九八八八八一二三四", "座机○二九****一二三四"),
        ("身份证陸壹零叁零贰壹玖肆玖零壹零壹壹贰叁伍", "身份证陸壹零叁零贰********壹贰叁伍"),
    ],
)  # fmt: skip
def test_landlines_and_id_numbers_in_chinese_numerals_are_masked(text: str, masked: str) -> None:
    assert mask_free_text(text) == masked


#: A landline in numerals after each sentence below: masked, while the sentence is not.
_LANDLINE = ("，电话零二九八八八八一二三四", "，电话零二九****一二三四")


@pytest.mark.parametrize(
    "text",
    [
        "二〇一八年十二月二十日",
        "二〇一八二〇一九二〇二〇年连续三年",  # years in a run: none starts with 〇
        "补偿款一百零二万三千零一十二元",
        "一万零二九八八八八一二三四元",  # 零 after a unit: a sum
        "小区共三十八户，一一一一一一一一一一一一一一一一一一",
        "零零零零零零零零零零零",
        "〇二九八八八八一二",  # nine numerals: too short for a landline
        "零二九八八八八一二三四五六",  # thirteen: too long
        # 18 numerals: no province starts with 99, no month is 13
        "编号九九〇一〇一二〇一八一三四五一二三四",
        # a real prefix and birth date, a wrong check character, but an order's number
        "订单号六一〇三〇二一九四九〇一〇一一二三四",
        # nineteen numerals: inside a longer run
        "六一〇三〇二一九四九〇一〇一一二三五六",
    ],
)  # fmt: skip
def test_counts_dates_and_runs_in_chinese_numerals_stay_beside_a_masked_landline(
    text: str,
) -> None:
    assert mask_free_text(text + _LANDLINE[0]) == text + _LANDLINE[1]


@pytest.mark.parametrize(
    "text",
    [
        "订单号6222021234567890120一直未发货",
        "快递单号773012345678901234显示已签收但我没收到",
        # shaped like an ID number (Guangdong, 2026-11-20), but called an invoice's
        "发票号码 440301202611200001 开错了抬头",
        "淘宝订单 3156789012345671，退款迟迟不到账",
        # a card word further back, an order word nearer: the order's number
        "用信用卡付款后，订单号1234567890123456一直显示待支付",
        "物流单号SF1234567890123",
        # a card word further back, a telephone's nearer: an office's number (real data)
        "社保卡服务中心（联系电话：0731-8888-12345678）",
        "运单6217001234567890123被退回",
        "order 6217001234567890123 never arrived",
        # 18 digits, but no province starts with 78, and no month is 13
        "合同编号781234567890123456",
        "合同编号110105199913451235",
        # 16 to 19 digits with no word at all, failing Luhn: a number, not known a card
        "工单1234567890123456已经转办",
        "编号1234567890123456",
    ],
)
def test_order_parcel_and_invoice_numbers_stay_readable(text: str) -> None:
    assert mask_free_text(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # numbers written together, in digits (issue 14): an ID ending in X and a phone
        ("61030219490101123X13800138000", "610302********123X138****8000"),
        ("61030219490101123513800138000", "*************************8000"),
        ("１３８００１３８０００６１０３０２１９４９０１０１１２３５",
         "*************************１２３５"),
        ("zhang@qq.com13800138000", "z****@qq.com138****8000"),
        ("13800138000zhang@qq.com", "138****8********@qq.com"),
        # and in Chinese numerals: a landline, an ID number, a mobile
        ("电话零二九八八八八一二三四六一〇三〇二一九四九〇一〇一一二三五",
         "电话*************************一二三五"),
        ("六一〇三〇二一九四九〇一〇一一二三五零二九八八八八一二三四",
         "*************************一二三四"),
        ("零二九八八八八一二三四一三八一二三四五六七八", "******************五六七八"),
        ("六一〇三〇二一九四九〇一〇一一二三X一三八一二三四五六七八",
         "六一〇三〇二********一二三X一三八****五六七八"),
        # twenty numerals after a count: the numbers masked all the same
        ("三十一三八一二三四五六七八六一〇三〇二一九四九〇一〇一一二三五",
         "三十" + "*" * 25 + "一二三五"),
        # a card printed in groups of four, its check digit right or wrong
        ("6222 0212 3456 7890", "**** **** **** 7890"),
        ("转账到6222-0212-3456-7890-123", "转账到****-****-****-***0-123"),
        ("６２２２\u3000０２１２\u3000３４５６\u3000７８９０",
         "****\u3000****\u3000****\u3000７８９０"),
        # an ID number with a space or a dash between any two digits
        ("身份证6 1 0 3 0 2 1 9 4 9 0 1 0 1 1 2 3 5", "身份证6 1 0 3 0 2 * * * * * * * * 1 2 3 5"),
        ("610 302 194 901 011 235", "610 302 *** *** **1 235"),
        ("6-1-0-3-0-2-1-9-4-9-0-1-0-1-1-2-3-X", "6-1-0-3-0-2-*-*-*-*-*-*-*-*-1-2-3-X"),
        # a landline as written from abroad: +86 or 0086, the area code without its 0
        ("电话+86-29-88881234。", "电话+86-29-****1234。"),
        ("Tel: +86 (0)29 8888 1234", "Tel: +86 (0)29 **** 1234"),
        ("0086 731 8412 3456", "0086 73* **** 3456"),
        ("＋８６－１０－１２３４５６７８", "＋８６－１０－****５６７８"),
        ("+86 138 0013 8000", "+86 138 **** 8000"),  # a mobile stays one
        # an e-mail address with the ideographic full stop for its dot
        ("邮箱zhang＠qq。com。谢谢", "邮箱z****＠qq。com。谢谢"),
        # the enumeration comma between a phone's groups or a mobile's digits
        ("手机138、0013、8000", "手机138、****、8000"),
        ("1、3、8、0、0、1、3、8、0、0、0", "1、3、8、*、*、*、*、8、0、0、0"),
        ("座机029、88881234", "座机029、****1234"),
    ],
)  # fmt: skip
def test_numbers_written_together_or_in_groups_are_masked(text: str, masked: str) -> None:
    assert mask_free_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        # lists with the enumeration comma, from the real letters
        "8、9、10、11、12、13栋",
        "103、104、115、123、204、808、809、202、206、208、210号",
        "1、3、5、7、9、11、13、15栋",
        "138、1234、5678、9012号房",  # a list that goes on after a phone's groups
        "订单号 1234 5678 9012 3456 未发货",
        "二〇一八二〇一九二〇二〇年",
    ],
)
def test_lists_and_order_numbers_in_groups_stay_as_written(text: str) -> None:
    assert mask_free_text(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        # circled numbers of two digits, and numbers with a dot or in brackets: NFKC, which
        # makes the normalised text, writes them as their digits (⑬ -> 13)
        ("电话⑬⑧⓪⓪⑬⑧⓪⓪⓪", "电话⑬⑧***⑧⓪⓪⓪"),
        ("身份证⑥①⓪③⓪②⑲④⑨⓪①⓪①①②③⑤", "身份证⑥①⓪③⓪②*******①②③⑤"),
        ("⒔800138000", "⒔8****8000"),
        ("⑬⑳⑳⑬⑳⓪", "⑬***⑳⓪"),  # six characters, eleven digits
        ("第⑩条和第⑪条", "第⑩条和第⑪条"),
        # and ligatures, which NFKC writes as their letters (ﬀ -> ff)
        ("邮箱zhaﬀ@qq.com", "邮箱z***@qq.com"),
        ("面积120㎡，电话13800138000", "面积120㎡，电话138****8000"),
    ],
)
def test_characters_nfkc_writes_as_several_are_read_as_those(text: str, masked: str) -> None:
    assert mask_free_text(text) == masked
    # Nor does the normalised text hold the number.
    digits = "".join(c for c in unicodedata.normalize("NFKC", text) if c.isdigit())
    folded = "".join(c for c in unicodedata.normalize("NFKC", masked) if c.isdigit())
    assert folded == digits or len(folded) <= len(digits) - 4


_AROUND = st.text(alphabet="信访人反映电话号码，。：（）abc ", max_size=12)


@settings(max_examples=200, deadline=None)
@given(
    before=_AROUND,
    after=_AROUND,
    mobile=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    id_body=st.from_regex(r"(11|31|44|61)[0-9]{4}(19[5-9][0-9]|200[0-9])(0[1-9]|1[0-2])"
                          r"(0[1-9]|1[0-9]|2[0-8])[0-9]{3}", fullmatch=True),
    typo=st.booleans(),
)  # fmt: skip
def test_numbers_written_anywhere_in_a_text_never_stay_in_clear(
    before: str, after: str, mobile: str, id_body: str, typo: bool
) -> None:
    # With its check character, or with a wrong one (a typo): someone's number all the same.
    right = id_check_character(id_body)
    wrong = "1" if right == "0" else "0"
    id_number = id_body + (wrong if typo else right)
    text = f"{before}{mobile}{after}{id_number}{before}"
    masked = mask_free_text(text)
    assert len(masked) == len(text)
    assert mobile not in masked
    assert id_number not in masked
    assert masked.startswith(before)


_NUMERALS = str.maketrans("0123456789", "〇一二三四五六七八九")


@settings(max_examples=200, deadline=None)
@given(
    before=_AROUND,
    # or nothing between the two: numerals written together are numbers all the same
    after=_AROUND,
    landline=st.from_regex(r"0[1-9][0-9]{1,2}-?[1-9][0-9]{6,7}", fullmatch=True),
    id_body=st.from_regex(r"(11|31|44|61)[0-9]{4}(19[5-9][0-9]|200[0-9])(0[1-9]|1[0-2])"
                          r"(0[1-9]|1[0-9]|2[0-8])[0-9]{3}", fullmatch=True),
    check=st.sampled_from("0123456789Xx"),
)  # fmt: skip
def test_numbers_read_out_in_chinese_numerals_never_stay_in_clear(
    before: str, after: str, landline: str, id_body: str, check: str
) -> None:
    # Any check character: a real province and birth date make it someone's number.
    landline_read = landline.translate(_NUMERALS)
    id_read = (id_body + check).translate(_NUMERALS)
    text = f"{before}{landline_read}{after}{id_read}{before}"
    masked = mask_free_text(text)
    assert len(masked) == len(text)
    assert landline_read not in masked
    assert id_read not in masked


def test_a_note_is_masked_and_cleaned_before_it_travels() -> None:
    # An agency's or a petitioner's note on cases.updates (the gateway and intake's relay).
    assert unrestricted_note("请回电13800138000\u202e谢谢") == "请回电138****8000谢谢"
    assert unrestricted_note(" \u200b ") is None
    assert unrestricted_note(None) is None
    # An agency's note: a typo'd ID and a card number failing Luhn go, its invoice stays.
    note = "已核实申请人身份证110105194912310021，补偿款打入其账号6217001234567890123"
    masked = "已核实申请人身份证110105********0021，补偿款打入其账号***************0123"
    assert unrestricted_note(note) == masked
    invoice = "发票号码 440301202611200001 已重开"
    assert unrestricted_note(invoice) == invoice


_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@settings(max_examples=300, deadline=None)
@given(
    mobile=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    landline=st.from_regex(r"0[1-9][0-9]{1,2}-?[1-9][0-9]{6,7}", fullmatch=True),
    id_body=st.from_regex(r"(11|31|44|61)[0-9]{4}(19[5-9][0-9]|200[0-9])(0[1-9]|1[0-2])"
                          r"(0[1-9]|1[0-9]|2[0-8])[0-9]{3}", fullmatch=True),
    card=st.from_regex(r"62[0-9]{2}( [0-9]{4}){3}|62[0-9]{2}(-[0-9]{4}){3}", fullmatch=True),
    order=st.permutations(range(5)),
    between=st.lists(st.sampled_from(["", " ", "、", "，", "\u3000", "；电话", "卡号"]),
                     min_size=4, max_size=4),
    script=st.sampled_from(["ascii", "full-width", "numerals"]),
)  # fmt: skip
def test_numbers_of_every_kind_back_to_back_never_stay_in_clear(
    mobile: str,
    landline: str,
    id_body: str,
    card: str,
    order: list[int],
    between: list[str],
    script: str,
) -> None:
    # An attacker's letter: each kind of number, in any order, glued or apart.
    id_number = id_body + id_check_character(id_body)
    email = f"u{mobile}@qq.com"
    written = [mobile, landline, id_number, card, email]
    if script == "full-width":
        written = [w.translate(_FULL_WIDTH) for w in written]
    elif script == "numerals":  # a card or an e-mail is not read out in numerals
        written = [w.translate(_NUMERALS) for w in written[:3]] + written[3:]
    numbers = [written[i] for i in order]
    # Digits written right after a card's last group of four make it longer: no reader
    # tells where that number ends, and no pattern does.
    gaps = [
        gap or (" " if before == written[3] else "")
        for gap, before in zip(between, numbers[:-1], strict=True)
    ]
    text = numbers[0] + "".join(gap + number for gap, number in zip(gaps, numbers[1:], strict=True))
    masked = mask_free_text(text)
    assert len(masked) == len(text)
    for number in numbers:
        assert number not in masked


# Issue 14 point 4, as a reviewer found them in clear: wider gaps between a number's groups,
# other separators between a phone's or a card's, a space in an address's domain, a
# country code without + or 00.
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话138  1234  5678", "电话138  ****  5678"),
        ("电话138   1234   5678", "电话138   ****   5678"),
        ("卡号6222  0212  3456  7890", "卡号****  ****  ****  7890"),
        ("身份证610302  19490101  1234", "身份证610302  ********  1234"),
        ("电话一三八  一二三四  五六七八", "电话一三八  ****  五六七八"),
        ("电话138/0013/8000", "电话138/****/8000"),
        ("电话138_0013_8000", "电话138_****_8000"),
        ("电话138·0013·8000", "电话138·****·8000"),
        ("座机029/8888/1234", "座机029/****/1234"),
        ("卡号6222/0212/3456/7890", "卡号****/****/****/7890"),
        ("电话138 - 0013 - 8000", "电话138 - **** - 8000"),
        ("电话138- 0013 -8000", "电话138- **** -8000"),
        ("电话0736- 7898402。", "电话073*- ***8402。"),  # from a real reply
        ("邮箱zhang.san@qq .com", "邮箱z********@qq .com"),
        ("电话86-29-8888-1234", "电话86-29-****-1234"),
    ],
)
def test_numbers_with_wider_gaps_or_other_separators_are_masked(text: str, masked: str) -> None:
    assert mask_free_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "2024/03/15至2024/04/20",
        "2024-03-15",
        "2024 - 03 - 15",
        "完成1/2，剩余3/4，比例3:4",
        "1 / 2",
        "金额1000  2000元，共 3  户",
        "第12  13  14号",
        "(2024)陕01民终1234号",
        "v1.38.12345678",
        "8，9，10、11",
        "12138/0013/8000",  # five figures before: no phone's groups
        "1/2024/0315/1234/5",  # a longer run of them
    ],
)
def test_dates_fractions_sums_and_lists_stay_beside_wider_gaps(text: str) -> None:
    assert mask_free_text(text) == text


# Issue 14, the last gaps: any run of blanks or a tab between groups, "*" and "|" as a
# separator, a separator between an ID number's parts or between single digits, 86 and a
# landline without dashes.
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话138    0013    8000", "电话138    ****    8000"),
        ("电话138" + " " * 12 + "0013 8000", "电话138" + " " * 12 + "**** 8000"),
        ("电话138\t0013\t8000", "电话138\t****\t8000"),
        ("电话138\t \t0013\u2003\u20038000", "电话138\t \t****\u2003\u20038000"),
        ("卡号6222\t0212\t3456\t7890", "卡号****\t****\t****\t7890"),
        ("卡号6222     0212     3456     7890", "卡号****     ****     ****     7890"),
        ("电话一三八\t一二三四\t五六七八", "电话一三八\t****\t五六七八"),
        ("联系电话：0746--2213405。", "联系电话：074*--***3405。"),  # from a real reply
        ("举报电话：0746——4714990", "举报电话：074*——***4990"),  # from a real reply
        ("电话138*0013*8000", "电话138******8000"),
        ("电话138|0013|8000", "电话138|****|8000"),
        ("卡号6222*0212*3456*7890", "卡号***************7890"),
        ("卡号6222｜0212｜3456｜7890", "卡号****｜****｜****｜7890"),
        ("身份证110105/19491231002X", "身份证110105/********002X"),
        ("身份证110105/19491231/002X", "身份证110105/********/002X"),
        ("身份证11010519491231/002X", "身份证110105********/002X"),
        ("身份证110105|19491231|002X", "身份证110105|********|002X"),
        ("身份证110105\t19491231\t002X", "身份证110105\t********\t002X"),
        ("电话1/3/8/0/0/1/3/8/0/0/0", "电话1/3/8/*/*/*/*/8/0/0/0"),
        ("电话1|3|8|0|0|1|3|8|0|0|0", "电话1|3|8|*|*|*|*|8|0|0|0"),
        ("电话1.3.8.0.0.1.3.8.0.0.0", "电话1.3.8.*.*.*.*.8.0.0.0"),
        ("电话8602988881234", "电话86029****1234"),
        ("电话+8602988881234", "电话+86029****1234"),
        ("电话+86029 8888 1234", "电话+86029 **** 1234"),
        ("电话+86 0731 8412 3456", "电话+86 073* **** 3456"),
        ("电话86 0731 84123456", "电话86 073* ****3456"),
        ("电话86 29 8888 1234", "电话86 29 **** 1234"),
    ],
)
def test_numbers_with_any_blanks_or_separators_between_groups_are_masked(
    text: str, masked: str
) -> None:
    assert mask_free_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "金额1000      2000元\t3000元",
        "2018\t2019\t2020年",
        "2024 -- 03 -- 15",
        "面积3*4米，3*4*5*6*7*8*9",  # products: no phone in their digits
        "1/2/3/4/5/6/7号楼",
        "第1|2|3|4|5|6|7|8期",
        "1/2/3/4/5/6/10",
        "版本1.2.3.4.5.6.7",
        "第3.1.2.1条",
        "订单号8602988881234",  # called an order's
        "1986年 2018年，共86户，86 2018",
        "8629 8888 1234",  # 86 and digits, no phone's form
        "123456/12345678/1234",  # no ID number's check nor birth date
    ],
)
def test_products_lists_versions_and_order_numbers_stay_beside_separators(text: str) -> None:
    assert mask_free_text(text) == text


# Review 7 of issue 14: Unicode spaces and dashes in wide gaps, a phone written right
# before a card or an ID number in groups, lists of phones and +86 with "/".
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("138\xa0\xa01234\xa0\xa05678", "138\xa0\xa0****\xa0\xa05678"),
        ("138 \xa01234 \xa05678", "138 \xa0**** \xa05678"),
        ("138\u2002\u20021234\u2002\u20025678", "138\u2002\u2002****\u2002\u20025678"),
        ("138ㅤㅤ1234ㅤㅤ5678", "138ㅤㅤ****ㅤㅤ5678"),
        ("电话138 \u2010 0013 \u2010 8000", "电话138 \u2010 **** \u2010 8000"),
        ("电话138\u2011\u20110013\u2011\u20118000", "电话138\u2011\u2011****\u2011\u20118000"),
        ("电话138 \ufe63 0013 \ufe63 8000", "电话138 \ufe63 **** \ufe63 8000"),
        ("610302\xa0\xa019900101\xa0\xa0123X", "610302\xa0\xa0********\xa0\xa0123X"),
        ("6222\u2003\u20030212\u2003\u20033456\u2003\u20037890",
         "****\u2003\u2003****\u2003\u2003****\u2003\u20037890"),
        ("电话 138 0013 8000 6222 0212 3456 7890", "电话 138 **** 8000 **** **** **** 7890"),
        ("电话 138-0013-8000-6222-0212-3456-7890", "电话 138-****-8000-****-****-****-7890"),
        ("电话 138 0013 8000 6103 0219 9001 0112 3X", "电话 138 **** 8000 6103 02** **** **12 3X"),
        ("电话 010 8888 1234 6222 0212 3456 7890", "电话 010 **** 1234 **** **** **** 7890"),
        ("电话 0731 8412 3456 6222 0212 3456 7890", "电话 073* **** 3456 **** **** **** 7890"),
        # An ID written in one piece, then a card in groups.
        ("110105194912310021 6217 0012 3456 7890", "110105********0021 **** **** **** 7890"),
        ("138/0013/8000/139/0013/9000", "138/****/8000/139/****/9000"),
        ("+86/138/0013/8000", "+86/138/****/8000"),
        ("0086/138/0013/8000", "0086/138/****/8000"),
        ("610302/19900101/123X", "610302/********/123X"),
        ("卡号 2019 2020 2021 2022", "卡号 **** **** **** 2022"),  # a card word: a card
        ("6222 0212 3456 7890 2019 2020", "**** **** **** 7890 2019 2020"),
    ],
)  # fmt: skip
def test_unicode_gaps_and_numbers_written_one_after_another_are_masked(
    text: str, masked: str
) -> None:
    assert mask_free_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "2019 2020 2021 2022",
        "2019/2020/2021/2022年度",
        "2019·2020·2021·2022",
        "2019-2020-2021-2022学年",
        "2018 2020 2022 2024年",
        "房号1301  1302  1303  1304",
        "房号1301 1302 1303 1304 1305",
        "订单号 6222 1212 3456 7891",  # called an order's
        # Sums listed with a separator: a list of phones is one of mobiles only.
        "各月工资3500/3600/3800/4000/4200/4500/4800",
        "1200/3400/5600/7800/9100/2300",
        "3500_3600_3800_4000_4200_4500",
    ],
)
def test_years_and_rooms_in_four_groups_of_four_stay_readable(text: str) -> None:
    assert mask_free_text(text) == text


_GAPS = [" " * n for n in range(1, 9)] + ["\t", "\t\t", " \t", "\u3000\u3000", " - ", "--",
                                          "——", "/", "_", "*", "|", "·"]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    before=_AROUND,
    after=_AROUND,
    kind=st.sampled_from(["mobile", "landline", "id", "card"]),
    mobile=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    landline=st.from_regex(r"0(10|2[0-9])[1-9][0-9]{7}", fullmatch=True),
    id_body=st.from_regex(r"(11|31|44|61)[0-9]{4}(19[5-9][0-9]|200[0-9])(0[1-9]|1[0-2])"
                          r"(0[1-9]|1[0-9]|2[0-8])[0-9]{3}", fullmatch=True),
    card=st.from_regex(r"62[0-9]{14}", fullmatch=True),
    gap=st.sampled_from(_GAPS),
)  # fmt: skip
def test_a_number_in_groups_with_any_gap_between_never_stays_in_clear(
    before: str, after: str, kind: str, mobile: str, landline: str, id_body: str, card: str,
    gap: str,
) -> None:  # fmt: skip
    # How each is written in groups: a mobile 3-4-4, a landline 3-4-4, an ID number's
    # three parts, a card's fours.
    number, cuts = {
        "mobile": (mobile, (3, 7)),
        "landline": (landline, (3, 7)),
        "id": (id_body + id_check_character(id_body), (6, 14)),
        "card": (card, (4, 8, 12)),
    }[kind]
    bounds = (0, *cuts, len(number))
    written = gap.join(number[a:b] for a, b in itertools.pairwise(bounds))
    text = f"{before}{written}{after}"
    masked = mask_free_text(text)
    assert len(masked) == len(text)
    figures = "".join(c for c in masked if c.isdigit() or c in "*Xx")
    assert number not in figures, masked


def test_a_card_in_groups_never_starts_inside_a_run_of_digits() -> None:
    # Found by the test above: "1000 6200 0000 1300" (the mobile's end and the card's first
    # groups) was read as a card, the card's last group then as a mobile with the
    # landline's area code, and the landline was left in clear.
    text = "13000001000 6200 0000 1300 0000 010-1000000"
    masked = mask_free_text(text)
    assert masked == "130****1000 **** **** **** ***0 010-***0000"
    for number in ("13000001000", "6200 0000 1300 0000", "010-1000000", "1000000"):
        assert number not in masked


def test_a_card_glued_to_a_landline_before_it_is_still_read_as_a_card() -> None:
    # Found by the same test after the one above first forbade any start inside a run of
    # digits: the card's first group glued to the landline, neither was read, the landline
    # stayed in clear.
    text = "qq.com010-10000006200 0000 0000 0000 110000195001010007"
    masked = mask_free_text(text)
    assert masked == "qq.com010-***0000**** **** **** 0000 110000********0007"
    for number in ("010-1000000", "6200 0000 0000 0000", "110000195001010007"):
        assert number not in masked
