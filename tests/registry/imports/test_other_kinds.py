"""Enterprises, listings, investments and platforms: the same rules as recognitions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.registry.factories import enterprise, make_uscc
from zjtx.registry import models

from .helpers import headings, run, write_csv, write_xlsx

pytestmark = pytest.mark.django_db
D = dt.date


def row_of(kind: str, **cells):
    hs = headings(kind)
    return [cells.get(h) for h in hs]


# --- enterprises ------------------------------------------------------------------------

def test_enterprises_create_update_and_keep_blank_cells(tmp_path):
    code = make_uscc("410305", 8001)
    first = row_of("enterprises", 序号=1, 企业名称="洛阳丁科技有限公司", 统一社会信用代码=code, 所属县区="涧西区",
                   所属行业="装备制造", 企业规模="小型", 联系电话=13800000000, 是否上市="否")
    path = write_xlsx(tmp_path / "e.xlsx", headings("enterprises"), [first])
    assert run("enterprises", path)[1][-1] == "import enterprises: 1 rows, 1 created, 0 updated, 0 errors"
    e = models.Enterprise.objects.get(uscc=code)
    assert (e.size, e.contact_phone, e.listed, e.industry) == ("small", "13800000000", False, "装备制造")

    second = row_of("enterprises", 序号=1, 企业名称="洛阳丁科技（集团）有限公司", 统一社会信用代码=code, 所属县区="涧西区",
                    企业规模="中型", 是否上市="是", 上市日期="2024年1月5日", 上市交易所="深圳证券交易所", 新三板层级="创新层")
    rc, out = run("enterprises", write_xlsx(tmp_path / "e2.xlsx", headings("enterprises"), [second]))
    assert out[-1] == "import enterprises: 1 rows, 0 created, 1 updated, 0 errors"
    e.refresh_from_db()
    assert (e.name, e.name_key, e.size, e.listed, e.listed_on, e.neeq_layer) == (
        "洛阳丁科技（集团）有限公司", "洛阳丁科技集团有限公司", "medium", True, D(2024, 1, 5), "innovation")
    assert e.industry == "装备制造" and e.contact_phone == "13800000000"  # blank cells kept
    assert e.history.count() == 2
    assert run("enterprises", tmp_path / "e2.xlsx")[1][-1] == "import enterprises: 1 rows, 0 created, 0 updated, 0 errors"


def test_an_enterprise_kept_under_a_retired_code_is_not_moved_by_its_successors_name(tmp_path):
    e = enterprise(name="洛阳偃师老企业有限公司", home="410381")
    row = row_of("enterprises", 企业名称=e.name, 统一社会信用代码=e.uscc, 所属县区="偃师区")
    rc, out = run("enterprises", write_xlsx(tmp_path / "e.xlsx", headings("enterprises"), [row]))
    assert out[-1] == "import enterprises: 1 rows, 0 created, 0 updated, 0 errors"


@pytest.mark.parametrize("cells, message", [
    ({"统一社会信用代码": "91410305MA0EXAM01X"}, "第2行 统一社会信用代码：统一社会信用代码无效：91410305MA0EXAM01X，校验码不符"),
    ({"统一社会信用代码": None}, "第2行 统一社会信用代码：必填，不能为空"),
    ({"所属县区": "不存在县"}, "第2行 所属县区：未知的县区“不存在县”"),
    ({"企业规模": "大型"}, "第2行 企业规模：未知的企业规模“大型”，应为：中型、小型、微型"),
    ({"上市日期": "24.1.5"}, "第2行 上市日期：日期格式不正确"),
    ({"是否上市": "也许"}, "第2行 是否上市：应填“是”或“否”"),
])
def test_bad_enterprise_rows(tmp_path, cells, message):
    row = row_of("enterprises", 企业名称="洛阳戊有限公司", 统一社会信用代码=make_uscc("410305", 8002), 所属县区="涧西区")
    row = [cells.get(h, c) for h, c in zip(headings("enterprises"), row, strict=True)]
    rc, out = run("enterprises", write_xlsx(tmp_path / "e.xlsx", headings("enterprises"), [row]))
    assert rc == 1 and out[0].startswith(message), out
    assert models.Enterprise.objects.count() == 0


# --- listings -----------------------------------------------------------------------------

def test_listings_of_every_type(tmp_path):
    e = enterprise(name="洛阳己股份有限公司")
    rows = [
        row_of("listings", 企业名称=e.name, 统一社会信用代码=e.uscc, 事项类型="境内上市", 节点或事项="辅导验收",
               交易所或市场="深圳证券交易所", 日期="2023-03-01"),
        row_of("listings", 企业名称="洛阳己股份 有限公司", 事项类型="境内上市", 节点或事项="撤回申请", 日期="2023-09-01"),
        row_of("listings", 企业名称=e.name, 统一社会信用代码=e.uscc, 事项类型="境外上市", 节点或事项="证监会批复（备案）",
               日期="2024/2/1"),
        row_of("listings", 企业名称=e.name, 统一社会信用代码=e.uscc, 事项类型="新三板", 节点或事项="基础层挂牌",
               日期="2022年6月1日"),
        row_of("listings", 企业名称=e.name, 统一社会信用代码=e.uscc, 事项类型="四板", 节点或事项="交易板", 日期=D(2021, 1, 4)),
    ]
    path = write_xlsx(tmp_path / "l.xlsx", headings("listings"), rows)
    rc, out = run("listings", path)
    assert out[-1] == "import listings: 5 rows, 5 created, 0 updated, 0 errors", out
    got = set(models.ListingMilestone.objects.values_list("kind", "path", "node", "action", "board", "exchange"))
    assert got == {("ipo_node", "domestic", "tutoring_accepted", "", "", "深圳证券交易所"),
                   ("ipo_withdrawn", "domestic", "", "", "", ""),
                   ("ipo_node", "overseas", "csrc_approved_or_filed", "", "", ""),
                   ("neeq", "", "", "basic_listed", "", ""), ("regional_equity_listed", "", "", "", "trading", "")}
    assert run("listings", path)[1][-1] == "import listings: 5 rows, 0 created, 0 updated, 0 errors"


@pytest.mark.parametrize("cells, message", [
    ({"事项类型": "境外上市", "节点或事项": "辅导验收"}, "第2行 节点或事项：境外上市没有“辅导验收”节点"),
    ({"事项类型": "新三板", "节点或事项": "交易板"}, "第2行 节点或事项：未知的新三板事项“交易板”"),
    ({"统一社会信用代码": make_uscc("410305", 8999)}, "第2行 统一社会信用代码：企业未登记"),
    ({"日期": "2023年5月"}, "第2行 日期：日期格式不正确"),
])
def test_bad_listing_rows(tmp_path, cells, message):
    e = enterprise(name="洛阳庚股份有限公司")
    base = {"企业名称": e.name, "统一社会信用代码": e.uscc, "事项类型": "境内上市", "节点或事项": "辅导验收",
            "日期": "2023-03-01"}
    rc, out = run("listings", write_xlsx(tmp_path / "l.xlsx", headings("listings"),
                                         [row_of("listings", **{**base, **cells})]))
    assert rc == 1 and out[0].startswith(message), out
    assert models.ListingMilestone.objects.count() == 0


# --- investments ----------------------------------------------------------------------------

PAID, SUBSCRIBED = "实缴金额（元）", "认缴金额（元）"


def investment(**cells):
    base = {"投资机构名称": "洛阳辛创业投资基金（有限合伙）", "投资机构统一社会信用代码": make_uscc("410300", 7001),
            "机构类型": "私募基金", "被投资企业名称": "洛阳壬科技有限公司", "投资方式": "直接投资", "轮次": "A轮",
            "分期": 1, "认缴金额（元）": 10000000, "实缴金额（元）": "5,000,000.50", "实缴日期": "2023/6/1"}
    return row_of("investments", **{**base, **cells})


def test_investments_direct_and_fund_setup(tmp_path):
    investee = enterprise(name="洛阳壬科技有限公司")
    rows = [investment(), investment(分期=2, 实缴日期="2024-01-02", **{PAID: Decimal("4999999.50")}),
            investment(投资方式="出资设立基金", 被投资企业名称="洛阳某产业基金（有限合伙）", 轮次="设立出资",
                       **{SUBSCRIBED: None, PAID: 3000000.25}),
            investment(投资机构名称="某契约型基金", 投资机构统一社会信用代码=None, **{PAID: 1})]
    path = write_xlsx(tmp_path / "i.xlsx", headings("investments"), rows)
    rc, out = run("investments", path)
    assert out[-1] == "import investments: 4 rows, 4 created, 0 updated, 0 errors", out
    direct = models.Investment.objects.filter(vehicle="direct", tranche=1, investor__uscc__isnull=False).get()
    assert (direct.investee, direct.paid_in, direct.subscribed) == (investee, Decimal("5000000.50"), Decimal("10000000.00"))
    fund = models.Investment.objects.get(vehicle="fund_setup")
    assert fund.fund.name == "洛阳某产业基金（有限合伙）" and fund.paid_in == Decimal("3000000.25")
    assert models.Investor.objects.get(name="某契约型基金").uscc is None
    assert run("investments", path)[1][-1] == "import investments: 4 rows, 0 created, 0 updated, 0 errors"
    csv_path = write_csv(tmp_path / "i.csv", headings("investments"), rows)
    assert run("investments", csv_path)[1][-1] == "import investments: 4 rows, 0 created, 0 updated, 0 errors"


@pytest.mark.parametrize("cells, message", [
    ({"实缴金额（元）": "-100"}, "第2行 实缴金额（元）：金额不能为负数：-100"),
    ({"认缴金额（元）": -1}, "第2行 认缴金额（元）：金额不能为负数：-1"),
    ({"实缴金额（元）": "100.123"}, "第2行 实缴金额（元）：金额最多保留两位小数"),
    ({"实缴金额（元）": 0}, "第2行 实缴金额（元）：实缴金额必须大于0"),
    ({"实缴金额（元）": None}, "第2行 实缴金额（元）：必填，不能为空"),
    ({"分期": "第二期"}, "第2行 分期：应为正整数"),
    ({"机构类型": None}, "第2行 机构类型：该投资机构尚未登记，首次导入须填写机构类型"),
    ({"被投资企业名称": "洛阳无此企业有限公司"}, "第2行 被投资企业名称：未匹配到企业"),
])
def test_bad_investment_rows(tmp_path, cells, message):
    enterprise(name="洛阳壬科技有限公司")
    rc, out = run("investments", write_xlsx(tmp_path / "i.xlsx", headings("investments"), [investment(**cells)]))
    assert rc == 1 and out[0].startswith(message), out
    assert models.Investment.objects.count() == 0 and models.Investor.objects.count() == 0


# --- platforms -------------------------------------------------------------------------------

def test_platforms(tmp_path):
    code = make_uscc("410311", 6001)
    rows = [row_of("platforms", 运营机构名称="洛阳癸服务有限公司", 统一社会信用代码=code, 所属县区="洛龙区",
                   **{"平台（基地）名称": "洛阳癸公共服务平台"}, 荣誉类型="中小企业公共服务平台", 级别="省级", 认定时间="2023-09-01"),
            row_of("platforms", 运营机构名称="洛阳癸服务有限公司", 统一社会信用代码=code,
                   **{"平台（基地）名称": "洛阳癸公共服务平台"}, 荣誉类型="中小企业公共服务平台", 级别="国家级",
                   认定方式="首次认定", 认定时间="2024年9月1日")]
    path = write_xlsx(tmp_path / "p.xlsx", headings("platforms"), rows)
    rc, out = run("platforms", path)
    assert out[-1] == "import platforms: 2 rows, 2 created, 0 updated, 0 errors", out
    op = models.ServiceOperator.objects.get()
    assert op.fiscal_home.code == "410311" and op.recognitions.count() == 2
    assert run("platforms", path)[1][-1] == "import platforms: 2 rows, 0 created, 0 updated, 0 errors"


def test_a_new_operator_needs_a_district(tmp_path):
    row = row_of("platforms", 运营机构名称="洛阳子服务有限公司", 统一社会信用代码=make_uscc("410311", 6002),
                 **{"平台（基地）名称": "某基地"}, 荣誉类型="小型微型企业创业创新示范基地", 级别="省级", 认定时间="2023-09-01")
    rc, out = run("platforms", write_xlsx(tmp_path / "p.xlsx", headings("platforms"), [row]))
    assert rc == 1 and out[0] == "第2行 所属县区：该运营机构尚未登记，首次导入须填写所属县区"
