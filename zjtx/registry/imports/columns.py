"""One declarative spec per import KIND: the Chinese headings a bureau uses, which
are required, how each cell is read, and the help text of the template's 填写说明
sheet. The same headings are used for exports, so an export imports back."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from . import values as v

SEQ = "序号"
EXAMPLE_MARK = "示例"  # a row whose 序号 reads 示例 is the template's example: skipped


@dataclass(frozen=True)
class Column:
    heading: str
    key: str
    parse: Callable | None = None  # None: free text of at most max_length characters
    required: bool = False
    help: str = ""
    example: object = ""
    aliases: tuple[str, ...] = ()
    max_length: int = 200
    width: int = 16

    def read(self, value):
        if self.parse is None:
            return v.text(value, max_length=self.max_length)
        return self.parse(value)


@dataclass(frozen=True)
class Spec:
    kind: str
    title: str  # sheet name and page title
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = ()  # general rules for the 填写说明 sheet

    @property
    def headings(self) -> list[str]:
        return [c.heading for c in self.columns]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def heading_key(text) -> str:
    """A heading as typed, for matching: full-width folded, spaces and 必填 marks dropped."""
    out = unicodedata.normalize("NFKC", str(text or ""))
    for mark in ("(必填)", "(选填)", "*"):
        out = out.replace(mark, "")
    return "".join(out.split())


# --- shared columns -------------------------------------------------------------------

_SEQ = Column(SEQ, "seq", help="可留空，导入时不使用。填“示例”的行视为示例行，不导入。", example=EXAMPLE_MARK, width=6)
_BLANK_KEEPS = "选填列留空表示不修改系统中已有的内容（不会清空）。"
_DISTRICT_HELP = ("县（市、区）或开发区名称，如 涧西区、新安县、高新区、伊滨区；"
                  "已撤销的 偃师市、孟津县、吉利区 按现行区划（偃师区、孟津区）登记。")
_DATE_HELP = v.DATE_HELP + "。"
_NAME_ALIASES = ("单位名称", "公司名称")
_CODE_ALIASES = ("社会信用代码", "信用代码", "统一代码")
_DISTRICT_ALIASES = ("县区", "所在县区", "所属县(市、区)", "县(市、区)", "所属地区", "地区")
_EXAMPLE_CODE = "91410305MA0EXAM01L"  # valid check digit, obviously synthetic
_EXAMPLE_DATE = dt.date(2023, 5, 1)


def _source() -> Column:
    return Column("来源文件", "source_document", help="公布名单的文件名称或文号，如 豫工信企业〔2023〕89号。",
                  example="豫工信企业〔2023〕89号", width=24)


TIER = v.choice(
    {"创新型中小企业": "innovative", "市级专精特新中小企业": "city", "省级专精特新中小企业": "provincial",
     "国家级专精特新“小巨人”企业": "national"},
    label="认定类型",
    aliases={"专精特新“小巨人”企业": "national", "国家级专精特新小巨人": "national",
             "国家级专精特新“小巨人”": "national", "专精特新“小巨人”": "national",
             "河南省专精特新中小企业": "provincial", "省专精特新中小企业": "provincial",
             # the province's lists call its tier plainly 专精特新中小企业
             "专精特新中小企业": "provincial", "省级专精特新企业": "provincial",
             "洛阳市专精特新中小企业": "city", "市专精特新中小企业": "city",
             "河南省创新型中小企业": "innovative", "省级创新型中小企业": "innovative",
             "创新型企业": "innovative"})
RECOGNITION_KIND = v.choice({"认定": "new", "复核": "review"}, label="认定方式",
                            aliases={"首次认定": "new", "新认定": "new", "复核通过": "review"})
SIZE = v.choice({"中型": "medium", "小型": "small", "微型": "micro"}, label="企业规模",
                aliases={"中型企业": "medium", "小型企业": "small", "微型企业": "micro"})
NEEQ_LAYER = v.choice({"基础层": "basic", "创新层": "innovation"}, label="新三板层级")
LISTING_TYPE = v.choice({"境内上市": "domestic", "境外上市": "overseas", "新三板": "neeq", "四板": "regional"},
                        label="事项类型", aliases={"区域性股权市场": "regional", "新三板挂牌": "neeq"})
INVESTOR_KIND = v.choice({"私募基金": "private_fund", "投资公司": "investment_company"}, label="机构类型",
                         aliases={"私募股权投资基金": "private_fund", "创业投资基金": "private_fund"})
VEHICLE = v.choice({"直接投资": "direct", "出资设立基金": "fund_setup"}, label="投资方式")
HONOUR = v.choice({"中小企业公共服务平台": "public_service_platform",
                   "小型微型企业创业创新示范基地": "entrepreneurship_base"}, label="荣誉类型",
                  aliases={"公共服务平台": "public_service_platform", "小微企业创业创新示范基地": "entrepreneurship_base",
                           "创业创新示范基地": "entrepreneurship_base"})
LEVEL = v.choice({"国家级": "national", "省级": "provincial"}, label="级别")
PLATFORM_KIND = v.choice({"首次认定": "first", "复核": "review"}, label="认定方式",
                         aliases={"认定": "first", "复核通过": "review"})


def paid_in(value) -> Decimal:
    amount = v.money(value)
    if amount == 0:
        raise v.Bad("实缴金额必须大于0")
    return amount


# --- the five KINDs -------------------------------------------------------------------

ENTERPRISES = Spec("enterprises", "企业名录", (
    _SEQ,
    Column("企业名称", "name", required=True, help="营业执照上的全称。", example="洛阳示例科技有限公司",
           aliases=_NAME_ALIASES, width=30),
    Column("统一社会信用代码", "uscc", v.credit_code, required=True, help="18位，按 GB 32100 校验。",
           example=_EXAMPLE_CODE, aliases=_CODE_ALIASES, width=22),
    Column("所属县区", "district", required=True, help=_DISTRICT_HELP + "决定奖补资金的财政分担。",
           example="涧西区", aliases=_DISTRICT_ALIASES),
    Column("所属行业", "industry", max_length=100, example="装备制造"),
    Column("企业规模", "size", SIZE, help="中型、小型或微型。", example="小型", width=10),
    Column("地址", "address", max_length=300, example="洛阳市涧西区示例路1号", width=30),
    Column("联系人", "contact_name", max_length=50, example="张三", width=10),
    Column("联系电话", "contact_phone", max_length=30, example="0379-60000000"),
    Column("是否上市", "listed", v.yes_no, help="是否已在证券交易所上市：是 或 否。", example="否", width=10),
    Column("上市日期", "listed_on", v.date, help=_DATE_HELP),
    Column("上市交易所", "exchange", max_length=50, example=""),
    Column("新三板层级", "neeq_layer", NEEQ_LAYER, help="在新三板挂牌的填 基础层 或 创新层。", width=12),
), notes=("以统一社会信用代码识别企业：系统中没有的新增，已有的按本表更新。", _BLANK_KEEPS))

RECOGNITIONS = Spec("recognitions", "认定名单", (
    _SEQ,
    Column("企业名称", "name", required=True, help="全称。未填信用代码时按名称匹配已登记的企业（忽略全半角括号、空格，"
           "有限公司与有限责任公司视为相同）；匹配不到或匹配到多家的行会列出，由管理员处理，不会新增企业。",
           example="洛阳示例科技有限公司", aliases=_NAME_ALIASES, width=30),
    Column("统一社会信用代码", "uscc", v.credit_code, help="选填；填写后按代码识别企业，系统中没有的企业将新增"
           "（此时须填所属县区）。", example=_EXAMPLE_CODE, aliases=_CODE_ALIASES, width=22),
    Column("所属县区", "district", help=_DISTRICT_HELP + "新增企业时必填。", example="涧西区",
           aliases=_DISTRICT_ALIASES),
    Column("认定类型", "tier", TIER, required=True, help="创新型中小企业、市级专精特新中小企业、省级专精特新中小企业"
           "或 国家级专精特新“小巨人”企业（引号可用中文或英文引号）。", example="省级专精特新中小企业", width=28),
    Column("认定方式", "kind", RECOGNITION_KIND, help="认定 或 复核；留空为认定。", example="认定", width=10),
    Column("认定批次", "batch", max_length=100, example="2023年第一批"),
    Column("认定时间", "announced_on", v.date, required=True, help="名单公布日期。" + _DATE_HELP,
           example=_EXAMPLE_DATE, aliases=("认定日期", "公布时间", "公布日期")),
    Column("有效期至", "valid_to", v.validity_end, help="留空时按认定时间起三年推定（含认定当日，如 2023-05-01 认定"
           "有效期至 2026-04-30），并在该条认定上注明“有效期按三年推定”。也可写成起止日期，如 2023.5.12-2026.5.11，"
           "取结束日。" + _DATE_HELP,
           example=dt.date(2026, 4, 30), aliases=("有效期截止日期", "有效期截至", "有效期")),
    _source(),
), notes=("同一企业、认定类型、认定方式、认定时间的认定只登记一次；重复导入同一文件不会产生变化。",
          "政策施行前（含2021年及更早）认定、施行之日仍在有效期内的企业属于第1条所称“已认定”，同样给予奖励：请一并导入。",
          "填写了统一社会信用代码的行，企业名称须与该代码登记的企业一致（或为其曾用名），否则该行不予导入，以免代码错行奖错企业。",
          "公布的名单只有序号、企业名称、所属地区时，可在导入时为整份名单设定认定类型、认定时间和来源文件"
          "（命令行：zjtx import recognitions 文件 --tier 省级专精特新中小企业 --date 2024-12-20 --source 文号）。",
          "复核名单请在“认定方式”列填“复核”：复核延续原认定的有效期，不作为新认定奖励。", _BLANK_KEEPS))

LISTINGS = Spec("listings", "上市进程", (
    _SEQ,
    Column("企业名称", "name", required=True, help="全称；未填信用代码时按名称匹配已登记的企业。",
           example="洛阳示例科技有限公司", aliases=_NAME_ALIASES, width=30),
    Column("统一社会信用代码", "uscc", v.credit_code, help="选填；企业须已登记（先导入企业名录）。",
           example=_EXAMPLE_CODE, aliases=_CODE_ALIASES, width=22),
    Column("事项类型", "listing_type", LISTING_TYPE, required=True, help="境内上市、境外上市、新三板 或 四板"
           "（区域性股权市场）。", example="境内上市", width=12),
    Column("节点或事项", "step", required=True, help="境内上市：辅导验收、通过发行审核、上市交易、撤回申请；"
           "境外上市：证监会批复(备案)、上市交易、撤回申请；新三板：基础层挂牌、进入创新层、创新层挂牌、调出创新层；"
           "四板：交易板、展示板。", example="辅导验收", width=20),
    Column("交易所或市场", "venue", max_length=50, help="上市的交易所（如 上海证券交易所），四板填区域性股权市场"
           "名称（留空为中原股权交易中心）。", example="深圳证券交易所", width=20),
    Column("日期", "date", v.date, required=True, help="该节点或事项的日期。" + _DATE_HELP, example=_EXAMPLE_DATE,
           aliases=("时间",)),
    _source(),
    Column("备注", "remark", max_length=500, help="仅供填表参考，不导入。", width=20),
), notes=("同一企业同一日期的同一节点只登记一次。", _BLANK_KEEPS))

INVESTMENTS = Spec("investments", "股权投资", (
    _SEQ,
    Column("投资机构名称", "investor_name", required=True, help="私募基金或投资公司的全称。",
           example="洛阳示例创业投资基金（有限合伙）", width=30),
    Column("投资机构统一社会信用代码", "investor_uscc", v.credit_code, help="契约型基金没有代码，可留空（按名称识别）。",
           example="91410300MA0EXAM02F", width=22),
    Column("机构类型", "investor_kind", INVESTOR_KIND, help="私募基金 或 投资公司；投资机构首次出现时必填。",
           example="私募基金", width=12),
    Column("基金业协会备案编码", "amac_code", max_length=30, example="SXX001", width=16),
    Column("被投资企业名称", "investee_name", required=True, help="直接投资填被投资企业全称；出资设立基金填所设立基金的全称。",
           example="洛阳示例科技有限公司", width=30),
    Column("被投资企业统一社会信用代码", "investee_uscc", v.credit_code, help="选填；直接投资的被投资企业须已登记。",
           example=_EXAMPLE_CODE, width=22),
    Column("投资方式", "vehicle", VEHICLE, help="直接投资 或 出资设立基金；留空为直接投资。", example="直接投资",
           width=12),
    Column("轮次", "round", required=True, max_length=50, help="如 天使轮、A轮、Pre-IPO。", example="A轮", width=10),
    Column("分期", "tranche", v.positive_int, help="同一轮次分期实缴的期数，1、2、3……；留空为1。", example=1, width=8),
    Column("认缴金额（元）", "subscribed", v.money, help="单位：元，最多两位小数，不能为负数。", example=Decimal("10000000"),
           aliases=("认缴金额(元)",), width=16),
    Column("实缴金额（元）", "paid_in", paid_in, required=True, help="单位：元，大于0，最多两位小数。",
           example=Decimal("5000000"), aliases=("实缴金额(元)",), width=16),
    Column("实缴日期", "paid_in_date", v.date, required=True, help=_DATE_HELP, example=_EXAMPLE_DATE),
    Column("工商变更日期", "registered_on", v.date, help=_DATE_HELP, example=dt.date(2023, 6, 15)),
), notes=("以 投资机构、被投资企业（或所设立基金）、轮次、分期 识别一笔投资：已有的按本表更新。", _BLANK_KEEPS))

PLATFORMS = Spec("platforms", "平台（基地）认定", (
    _SEQ,
    Column("运营机构名称", "operator_name", required=True, example="洛阳示例企业服务有限公司", width=30),
    Column("统一社会信用代码", "uscc", v.credit_code, required=True, help="运营机构的代码。",
           example="91410311MA0EXAM03G", aliases=_CODE_ALIASES, width=22),
    Column("所属县区", "district", help=_DISTRICT_HELP + "运营机构首次出现时必填。", example="洛龙区",
           aliases=_DISTRICT_ALIASES),
    Column("平台（基地）名称", "platform_name", required=True, example="洛阳市示例中小企业公共服务平台",
           aliases=("平台名称", "基地名称", "平台(基地)名称"), width=30),
    Column("荣誉类型", "honour", HONOUR, required=True, help="中小企业公共服务平台 或 小型微型企业创业创新示范基地。",
           example="中小企业公共服务平台", width=28),
    Column("级别", "level", LEVEL, required=True, help="国家级 或 省级。", example="省级", width=8),
    Column("认定方式", "kind", PLATFORM_KIND, help="首次认定 或 复核；留空为首次认定。", example="首次认定", width=10),
    Column("认定时间", "recognized_on", v.date, required=True, help=_DATE_HELP, example=dt.date(2023, 9, 1),
           aliases=("认定日期",)),
    _source(),
), notes=("同一运营机构、荣誉类型、级别、认定方式、认定时间只登记一次。", _BLANK_KEEPS))

SPECS: dict[str, Spec] = {s.kind: s for s in (ENTERPRISES, RECOGNITIONS, LISTINGS, INVESTMENTS, PLATFORMS)}


def spec_for(kind: str) -> Spec:
    try:
        return SPECS[kind]
    except KeyError:
        raise ValueError(f"未知的导入类型“{kind}”，应为：{'、'.join(SPECS)}") from None
