"""Two more journeys in a real browser (the machinery is tests/browser/conftest.py):
the city admin changes an Art. 1 amount — refused when the value or the reason is
wrong, previewed, saved, listed, audited and picked up by the next scan — and an
investor reports an Art. 6 tranche with a PDF as evidence, which 金融局 accepts
into the registry, where the scan turns it into a claim. Screenshots go to
test-artifacts/screenshots/ like the other journeys'."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journeys import WORLD_PASSWORD, nav, sign_in
from tests.registry.factories import make_uscc
from zjtx.accounts.models import Role
from zjtx.applications.models import Application, Attachment
from zjtx.fulfilment.models import AuditEvent, Claim, ClaimState, Entitlement
from zjtx.fulfilment.scan import run_scan
from zjtx.policy_admin.models import PolicyChange
from zjtx.registry.models import Investment, Investor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

KEY = "art1_provincial_zjtx"
REASON = "市政府常务会议决定提高省级专精特新中小企业奖励标准"
# A small but well-formed PDF (one empty page, with its cross-reference table):
# the evidence check looks at the suffix and the first bytes, a reviewer may open it.
PDF = (b"%PDF-1.4\n"
       b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
       b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
       b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
       b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \n"
       b"trailer << /Size 4 /Root 1 0 R >>\nstartxref\n188\n%%EOF\n")


def fill_change(page: Page, *, value: str, since: str = "2022-07-01", reason: str = REASON):
    page.fill("#id_value", value)
    page.fill("#id_effective_from", since)
    page.fill("#id_reason", reason)


def test_the_city_admin_changes_an_art1_amount_previewed_saved_and_audited(page: Page, site, shot, world):
    run_scan()  # the two provincial recognitions of the world: two Art. 1 claims of 100,000
    entitlements = {e.enterprise_id: e for e in Entitlement.objects.filter(article=1)}
    assert {e.amount for e in entitlements.values()} == {Decimal("100000.00")} and len(entitlements) == 2

    # the city admin finds the parameter on the policy pages and opens its change page
    sign_in(page, site, "city_admin", WORLD_PASSWORD)
    nav(page, "政策条款")
    expect(page.get_by_role("heading", level=1)).to_have_text("政策措施总览")
    page.locator(f"tr[data-parameter={KEY}]").first.get_by_role("link", name="修改").click()
    expect(page).to_have_url(re.compile(rf"/policy/change/\?kind=parameter&key={KEY}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("修改参数")
    expect(page.locator("main")).to_contain_text(KEY)
    save = page.get_by_role("button", name="确认保存")
    expect(save).to_have_count(0)  # saving is offered only after a preview
    shot("policy-change", phone=True)

    # refused: a negative amount; a reason of blanks (the browser itself stops an empty one)
    fill_change(page, value="-5")
    page.get_by_role("button", name="预览影响").click()
    expect(page.locator("main")).to_contain_text("不能为负数")
    expect(save).to_have_count(0)
    shot("policy-change-refused")
    fill_change(page, value="120000", reason="")
    page.get_by_role("button", name="预览影响").click()
    assert page.locator("#id_reason").evaluate("e => e.validity.valueMissing")
    expect(page.locator(".impact")).to_have_count(0)  # not sent
    fill_change(page, value="120000", reason="   ")
    page.get_by_role("button", name="预览影响").click()
    expect(page.locator("main")).to_contain_text("请说明修改理由")
    expect(save).to_have_count(0)
    assert not PolicyChange.objects.exists()

    # the preview: both claims would change from 100,000 to 120,000; nothing is written
    fill_change(page, value="120000")
    page.get_by_role("button", name="预览影响").click()
    impact = page.get_by_role("region", name="影响预览")
    expect(impact.get_by_role("heading", level=2)).to_have_text("影响预览：2 项应享奖励会改变")
    rows = impact.locator("tbody tr")
    expect(rows).to_have_count(2)
    for ent in entitlements.values():
        # the row names the payee (and its registry id), the entitlement and its claim
        row = rows.filter(has=page.get_by_role("cell", name=ent.key, exact=True))
        expect(row.locator("td")).to_have_text([f"{ent.enterprise.name} E{ent.enterprise_id}", "第1条", ent.key,
                                                f"申领 {ent.claim.pk}", "100000.00", "120000.00"])
    assert not PolicyChange.objects.exists()
    shot("policy-change-preview", phone=True)

    # a value changed after the preview is previewed again, not saved unseen
    page.fill("#id_value", "130000")
    save.click()
    expect(page.locator(".flash")).to_contain_text("预览之后新值或生效日期改过了")
    expect(impact.locator("tbody tr").first).to_contain_text("130000.00")
    assert not PolicyChange.objects.exists()

    # changed after the preview and saved directly: checked again, refused
    page.fill("#id_value", "-120000")
    save.click()
    expect(page.locator("main")).to_contain_text("不能为负数")
    expect(save).to_have_count(0)
    assert not PolicyChange.objects.exists()
    assert not AuditEvent.objects.filter(verb="policy_changed").exists()

    # previewed again and saved: the list of changes, the policy page, the audit
    fill_change(page, value="120000")
    page.get_by_role("button", name="预览影响").click()
    expect(impact).to_contain_text("2 项应享奖励会改变")
    save.click()
    expect(page).to_have_url(re.compile(r"/policy/changes/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("政策参数与解读变更记录")
    expect(page.locator(".flash")).to_contain_text(f"已保存：{KEY} 自 2022-07-01 起为 120000.00。请运行扫描使其生效。")
    row = page.locator("main tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text([re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d"), "city_admin", "参数", KEY,
                                            "120000.00", "2022-07-01", REASON])
    shot("policy-changes", phone=True)
    change = PolicyChange.objects.get()
    assert (change.kind, change.key, change.value, change.effective_from, change.reason, change.made_by) == (
        "parameter", KEY, "120000.00", dt.date(2022, 7, 1), REASON, world["city_admin"])
    page.goto(f"{site}/policy/1/")
    expect(page.locator(f"tr[data-parameter={KEY}]", has_text="2022")).to_contain_text("120,000")

    nav(page, "审计记录")
    expect(page.get_by_role("heading", level=1)).to_have_text("审计记录")
    page.select_option("select[name=verb]", "policy_changed")
    page.get_by_role("button", name="筛选").click()
    event = page.locator("table.audit tbody tr")
    expect(event).to_have_count(1)
    expect(event).to_contain_text("修改政策参数或解读")
    expect(event).to_contain_text(f"参数 {KEY} 自 2022-07-01 起改为 120000.00：{REASON}")
    shot("audit-policy-change")
    assert AuditEvent.objects.get(verb="policy_changed").actor == world["city_admin"]

    # the next scan finds both differences (flagged for review, not paid over)
    nav(page, "免申即享扫描")
    page.get_by_role("button", name="立即扫描").click()
    expect(page.locator(".flash")).to_contain_text("scan: 0 new, 2 changed, 0 unchanged")
    for ent in entitlements.values():
        ent.refresh_from_db()
        assert ent.amount == Decimal("100000.00")
        assert ent.revisions.get().new_amount == Decimal("120000.00")


@pytest.fixture
def investor(world, make_user):
    """A private fund, known to the registry, and its user: the party that reports
    an Art. 6 tranche (the world has none)."""
    fund = Investor.objects.create(name="洛阳浏览器创业投资基金合伙企业（有限合伙）", kind="private_fund",
                                   uscc=make_uscc("410300"))
    return {"fund": fund, "user": make_user("investor", Role.INVESTOR, investor=fund)}


def test_an_investor_reports_a_tranche_with_evidence_and_jinrong_accepts_it(page: Page, site, shot, world,
                                                                            investor):
    run_scan()
    jx, fund = world["jx"], investor["fund"]

    # the investor opens 事项申报 and its Art. 6 form
    sign_in(page, site, "investor", WORLD_PASSWORD)
    nav(page, "事项申报")
    expect(page.get_by_role("heading", level=1)).to_have_text("在线申报")
    page.get_by_role("link", name="新建申报").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("股权投资申报（第6条）")
    page.fill("#id_target_uscc", jx.uscc)
    page.select_option("#id_vehicle", "direct")
    page.fill("#id_round", "A轮")
    page.fill("#id_tranche", "1")
    page.fill("#id_paid_in", "20000000.00")
    page.fill("#id_paid_in_date", "2024-05-10")
    shot("application-new", phone=True)
    # without evidence: refused, beside the field
    page.get_by_role("button", name="提交申报").click()
    expect(page.locator("#id_files_error")).to_have_text("请上传证明材料（PDF、JPG 或 PNG）")
    assert not Application.objects.exists()
    expect(page.locator("#id_paid_in")).to_have_value("20000000.00")  # what was typed stays
    page.set_input_files("#id_files", files=[{"name": "实缴凭证.pdf", "mimeType": "application/pdf",
                                             "buffer": PDF}])
    page.get_by_role("button", name="提交申报").click()
    app = Application.objects.get()
    expect(page).to_have_url(re.compile(rf"/applications/{app.pk}/$"))
    expect(page.locator(".flash")).to_contain_text(f"申报 {app.pk} 已提交")
    expect(page.locator(".application-state")).to_have_text("待审核")
    expect(page.locator("main")).to_contain_text(jx.name)
    expect(page.get_by_role("link", name="实缴凭证.pdf")).to_be_visible()
    shot("application-submitted", phone=True)
    assert (app.kind, app.investor, app.enterprise, app.data["paid_in"]) == ("investment", fund, jx, "20000000.00")
    assert Attachment.objects.get(application=app).size == len(PDF)
    assert not Investment.objects.exists()  # nothing enters the registry before review

    # 金融局 leads Art. 6: finds it in its queue, opens the evidence, accepts it
    sign_in(page, site, "jinrong", WORLD_PASSWORD)
    nav(page, "事项申报")
    queued = page.locator(f"tr[data-application='{app.pk}']")
    expect(queued).to_contain_text(fund.name)
    expect(queued).to_contain_text("待审核")
    shot("applications-jinrong")
    queued.get_by_role("link", name=str(app.pk)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"申报 {app.pk}：股权投资（第6条）")
    evidence = page.get_by_role("link", name="实缴凭证.pdf")
    served = page.request.get(site + evidence.get_attribute("href"))
    assert served.ok and served.headers["content-type"] == "application/pdf" and served.body() == PDF
    page.fill("#id_comment", "实缴凭证齐全，与工商变更一致")
    page.get_by_role("button", name="采纳…", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"采纳申报 {app.pk}")
    expect(page.locator(".warning")).to_contain_text("采纳不能撤销")
    shot("application-confirm", phone=True)
    page.get_by_role("button", name="确认采纳").click()

    # accepted: the registry row, the scan's new claim of 1% (200,000), shown on the application
    expect(page.locator(".application-state")).to_have_text("已采纳")
    tranche = Investment.objects.get()
    expect(page.locator(".flash")).to_contain_text(f"申报已采纳并写入企业库（V{tranche.pk}）")
    expect(page.locator(".flash")).to_contain_text("scan: 1 new, 0 changed, 2 unchanged")
    ent = Entitlement.objects.get(article=6)
    claim = Claim.objects.get(entitlement=ent)
    row = page.locator(f"tr[data-claim='{claim.pk}']")
    expect(row).to_contain_text("200,000.00")
    expect(row).to_contain_text("待确认")
    shot("application-accepted", phone=True)
    app.refresh_from_db()
    assert (app.state, app.registry_ref, app.decided_by) == ("accepted", f"V{tranche.pk}", world["jinrong"])
    assert (tranche.investor, tranche.investee, tranche.paid_in, tranche.paid_in_date) == (
        fund, jx, Decimal("20000000.00"), dt.date(2024, 5, 10))
    assert (ent.investor, ent.enterprise, ent.amount, claim.state) == (
        fund, jx, Decimal("200000.00"), ClaimState.PENDING_CONFIRMATION)

    # the tranche is in the registry: on the investee's file
    page.goto(f"{site}/registry/enterprises/{jx.pk}/")
    investments = page.locator("#investments")
    expect(investments).to_contain_text(fund.name)
    expect(investments).to_contain_text("20,000,000.00")
    shot("enterprise-investments")

    # and the investor finds its claim, awaiting its confirmation
    sign_in(page, site, "investor", WORLD_PASSWORD)
    nav(page, "奖励申领")
    expect(page.locator(f"[data-claim='{claim.pk}']")).to_contain_text("待我处理")
