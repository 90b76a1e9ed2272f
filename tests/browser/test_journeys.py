"""The journeys of issue 5 in a real browser, from a recognition list to money in
the ledger and the enterprise's statement, and a county official who types
another county's URL. Screenshots of the pages passed on the way are kept under
test-artifacts/screenshots/ (1366×768, and 390×844 for a few)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client as DjangoClient
from openpyxl import Workbook
from playwright.sync_api import Page, expect

from tests.registry.factories import jurisdiction, make_uscc
from zjtx.accounts.models import Profile, Role
from zjtx.fulfilment.models import Claim, ClaimState, Payment
from zjtx.fulfilment.scan import run_scan
from zjtx.registry.models import Enterprise, Recognition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "x-zjtx-browser-9"
WORLD_PASSWORD = "x-zjtx-test-9"  # tests/fixtures/world.py's users
XA_NAME = "新安浏览器钼业有限公司"
JX_NAME = "涧西浏览器轴承有限公司"
HEADINGS = ["序号", "企业名称", "统一社会信用代码", "所属县区", "认定类型", "认定批次", "认定时间", "有效期至"]


def person(username: str, role: str, full_name: str, **scope):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, last_name=full_name[0],
                                                first_name=full_name[1:])
    Profile.objects.create(user=user, role=role, **scope)
    return user


@pytest.fixture
def officials():
    xa, jx = jurisdiction("410323"), jurisdiction("410305")
    return {
        "city_admin": person("city_admin", Role.CITY_ADMIN, "张敏", display_unit="市工信局"),
        "county_410323": person("county_410323", Role.LOCAL, "王磊", jurisdiction=xa),
        "district_410305": person("district_410305", Role.LOCAL, "李静", jurisdiction=jx),
        "finance_city": person("finance_city", Role.FINANCE_CITY, "赵洋"),
        "finance_city_2": person("finance_city_2", Role.FINANCE_CITY, "周杰"),
        # the one who approves the county's 财政审核 may not record its payment: a colleague does
        "finance_410323": person("finance_410323", Role.FINANCE_LOCAL, "陈芳", jurisdiction=xa),
        "finance_410323_2": person("finance_410323_2", Role.FINANCE_LOCAL, "刘强", jurisdiction=xa),
        "finance_410305": person("finance_410305", Role.FINANCE_LOCAL, "杨帆", jurisdiction=jx),
    }


def recognition_list(path):
    """The province's list as a bureau forwards it: Chinese headings, one row per enterprise."""
    wb = Workbook()
    ws = wb.active
    ws.title = "认定名单"
    ws.append(HEADINGS)
    batch = "河南省2024年专精特新中小企业"
    ws.append([1, XA_NAME, make_uscc("410323"), "新安县", "省级专精特新中小企业", batch, dt.date(2024, 12, 20),
               dt.date(2027, 12, 19)])
    ws.append([2, JX_NAME, make_uscc("410305"), "涧西区", "省级专精特新中小企业", batch, dt.date(2024, 12, 20),
               dt.date(2027, 12, 19)])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.is_date:
                cell.number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


def sign_in(page: Page, site: str, username: str, password: str = PASSWORD):
    page.context.clear_cookies()
    page.goto(f"{site}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")


def nav(page: Page, label: str):
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True).click()


def state_of(page: Page) -> str:
    return page.locator(".claim-state").inner_text()


def open_claim(page: Page, site: str, claim: Claim):
    page.goto(f"{site}/fulfilment/claims/{claim.pk}/")


def approve(page: Page, site: str, claim: Claim, then: str):
    open_claim(page, site, claim)
    page.locator("#review").get_by_role("button", name="审核通过").click()
    expect(page.locator(".claim-state")).to_have_text(then)


def pay(page: Page, site: str, claim: Claim, part: str, reference: str, then: str):
    open_claim(page, site, claim)
    form = page.locator(f"#pay-{part}")
    form.locator("input[name=reference]").fill(reference)
    form.get_by_role("button", name="拨付…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("拨付申领")  # the confirmation page
    page.get_by_role("button", name="确认拨付").click()
    expect(page.locator(".claim-state")).to_have_text(then)


def test_from_a_recognition_list_to_money_in_the_ledger_and_the_statement(page: Page, site, shot, officials,
                                                                         tmp_path, settings):
    settings.ZJTX_AUTO_SCAN = True  # as in production: an import is followed by a 免申即享 scan
    # a. the city admin signs in, imports the province's list (preview, then confirm) and runs the scan
    page.goto(f"{site}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    shot("login", phone=True)
    sign_in(page, site, "city_admin")
    shot("workbench-city_admin", phone=True)
    nav(page, "数据导入")
    expect(page.get_by_role("heading", level=1)).to_have_text("数据导入")
    shot("import")
    page.select_option("select[name=kind]", "recognitions")
    page.set_input_files("input[name=file]", str(recognition_list(tmp_path / "河南省2024年专精特新中小企业名单.xlsx")))
    page.get_by_role("button", name="上传并试导入").click()
    expect(page.locator(".summary-line")).to_have_text("import recognitions: 2 rows, 2 created, 0 updated, 0 errors")
    assert not Recognition.objects.exists()  # a preview writes nothing
    shot("import-preview")
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("已写入：新增 2 条")).to_be_visible()
    xa, jx = Enterprise.objects.get(name=XA_NAME), Enterprise.objects.get(name=JX_NAME)
    assert (xa.fiscal_home.code, jx.fiscal_home.code) == ("410323", "410305")
    assert Recognition.objects.filter(enterprise__in=[xa, jx], tier="provincial").count() == 2
    # the scan after the import found both rewards; the scan page's button finds nothing more
    claim_xa = Claim.objects.get(entitlement__enterprise=xa, state=ClaimState.PENDING_CONFIRMATION)
    claim_jx = Claim.objects.get(entitlement__enterprise=jx, state=ClaimState.PENDING_CONFIRMATION)
    nav(page, "免申即享扫描")
    page.get_by_role("button", name="立即扫描").click()
    expect(page.locator(".flash")).to_contain_text("scan: 0 new, 0 changed, 2 unchanged")
    shot("scan")

    # the enterprises (their accounts are opened once they are in the registry) confirm
    person("ent_xa", Role.ENTERPRISE, "孙伟", enterprise=xa)
    person("ent_jx", Role.ENTERPRISE, "吴娜", enterprise=jx)
    for username, name in (("ent_xa", XA_NAME), ("ent_jx", JX_NAME)):
        sign_in(page, site, username)
        if username == "ent_xa":
            shot("workbench-enterprise", phone=True)
        nav(page, "奖励申领")
        page.get_by_role("link", name="待我处理").first.click()
        page.fill("#id_bank_name", "中国银行洛阳分行")
        page.fill("#id_bank_account", "6217 0000 0000 0001")
        page.fill("#id_account_name", name)
        page.get_by_role("button", name="确认领取").click()
        expect(page.locator(".flash")).to_contain_text("已确认意愿和收款账户")
        expect(page.locator(".claim-state")).to_have_text("县区初审")

    # b. 新安县 reviews its claim (县区初审); 涧西区 its own
    sign_in(page, site, "county_410323")
    shot("workbench-county_410323", phone=True)
    nav(page, "奖励申领")
    shot("claims-county_410323")
    page.get_by_role("link", name="待我处理").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(claim_xa.pk))
    shot("claim-detail", phone=True)
    page.locator("#review").get_by_role("button", name="审核通过").click()
    expect(page.locator(".claim-state")).to_have_text("责任单位审核")
    sign_in(page, site, "district_410305")
    approve(page, site, claim_jx, then="责任单位审核")

    # c. 工信局 leads Art. 1 (责任单位审核); finance reviews (county-funded: the county's bureau)
    sign_in(page, site, "city_admin")
    approve(page, site, claim_xa, then="财政审核")
    approve(page, site, claim_jx, then="财政审核")
    sign_in(page, site, "finance_410323")
    shot("workbench-finance_410323")
    approve(page, site, claim_xa, then="待拨付")
    expect(page.locator("#pay-county")).to_have_count(0)  # its approver may not pay it
    sign_in(page, site, "finance_city")
    shot("workbench-finance_city")
    approve(page, site, claim_jx, then="待拨付")

    # the payers record the payments until 已拨付
    sign_in(page, site, "finance_410323_2")
    pay(page, site, claim_xa, "county", "新财拨〔2025〕17号", then="已拨付")
    sign_in(page, site, "finance_city_2")
    pay(page, site, claim_jx, "city", "洛财拨〔2025〕203号", then="部分拨付")
    expect(page.locator("#pay-district")).to_have_count(0)  # the district pays its own part
    sign_in(page, site, "finance_410305")
    pay(page, site, claim_jx, "district", "涧财拨〔2025〕41号", then="已拨付")
    assert sorted(Payment.objects.values_list("part", "amount")) == [
        ("city", 50000), ("county", 100000), ("district", 50000)]
    assert set(Claim.objects.values_list("state", flat=True)) == {ClaimState.PAID}
    sign_in(page, site, "city_admin")
    nav(page, "拨付台账")
    for reference in ("新财拨〔2025〕17号", "洛财拨〔2025〕203号", "涧财拨〔2025〕41号"):
        expect(page.get_by_role("cell", name=reference)).to_be_visible()
    shot("ledger", phone=True)

    # d. the enterprise sees the money on its workbench and downloads its statement (红利账单) as a PDF
    sign_in(page, site, "ent_xa")
    expect(page.locator(".stat", has_text="已拨付合计")).to_contain_text("100,000.00 元")
    nav(page, "红利账单")
    expect(page.locator("main")).to_contain_text("人民币壹拾万元整")
    expect(page.locator("main")).not_to_contain_text(JX_NAME)
    shot("statement", phone=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 PDF").click()
    pdf = download.value
    assert pdf.suggested_filename == f"statement-enterprise-{xa.pk}.pdf"
    content = open(pdf.path(), "rb").read()
    assert content.startswith(b"%PDF-") and len(content) > 5000


def test_a_county_official_typing_another_countys_url_is_refused(page: Page, site, shot, world):
    """e. 新安县 types 涧西区's URLs: 404, never the page, and nothing of it shows."""
    run_scan()
    jx_claim = Claim.objects.get(entitlement__enterprise=world["jx"])
    sign_in(page, site, "county_410323", WORLD_PASSWORD)
    own = page.goto(f"{site}/registry/enterprises/{world['xa'].pk}/")
    assert own.status == 200
    expect(page.locator("main")).to_contain_text(world["xa"].name)
    # the change history comes in (htmx) when it scrolls into view
    page.locator("#history").scroll_into_view_if_needed()
    expect(page.locator("#history .history-body")).to_contain_text("新建")
    shot("enterprise-file", phone=True)
    for url in (f"/registry/enterprises/{world['jx'].pk}/", f"/registry/enterprises/{world['jx'].pk}/history/",
                f"/fulfilment/claims/{jx_claim.pk}/",
                f"/fulfilment/statement/enterprise/{world['jx'].pk}/"):
        response = page.goto(site + url)
        assert response.status == 404, url
        expect(page.locator("body")).not_to_contain_text(world["jx"].name)
    shot("refused-404")
    nav(page, "企业库")
    expect(page.locator("main")).to_contain_text(world["xa"].name)
    expect(page.locator("main")).not_to_contain_text(world["jx"].name)
    shot("enterprises-county_410323", phone=True)


def signed_in(page: Page, site: str, user):
    """A session for `user` without typing the form (the journeys above type it)."""
    client = DjangoClient()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "url": site,
                               "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value}])


def test_every_roles_workbench_and_the_reading_pages(page: Page, site, shot, world, make_user):
    """Screenshots of the pages the journeys do not pass: the other roles' workbenches,
    the city's enterprise list and a policy article; each page loads without a script
    error and, at phone width, without scrolling sideways."""
    from zjtx.registry.models import Investment, Investor, ServiceOperator

    run_scan()
    fund = Investor.objects.create(name="洛阳某创业投资基金合伙企业（有限合伙）", kind="private_fund")
    Investment.objects.create(investor=fund, investee=world["jx"], round="A轮", paid_in="20000000.00",
                              paid_in_date=dt.date(2024, 5, 10))
    operator = ServiceOperator.objects.create(name="洛阳某科技服务有限公司", uscc=make_uscc("410305"),
                                              fiscal_home=jurisdiction("410305"))
    run_scan()
    others = {
        "jinrong": world["jinrong"],
        "commissioner_410323": make_user("commissioner_410323", Role.COMMISSIONER,
                                         jurisdiction=jurisdiction("410323")),
        "investor": make_user("investor", Role.INVESTOR, investor=fund),
        "operator": make_user("operator", Role.OPERATOR, operator=operator),
    }
    for name, user in others.items():
        signed_in(page, site, user)
        page.goto(f"{site}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
        shot(f"workbench-{name}", phone=name == "investor")
    signed_in(page, site, world["city_admin"])
    page.goto(f"{site}/registry/enterprises/")
    expect(page.locator("main")).to_contain_text(world["jx"].name)
    shot("enterprises-city_admin", phone=True)
    page.goto(f"{site}/policy/1/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("第1条")
    shot("policy-article", phone=True)
    page.goto(f"{site}/fulfilment/audit/")
    shot("audit")
