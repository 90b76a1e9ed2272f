"""Each role's workbench shows its own to-dos and counts, within its scope."""

from __future__ import annotations

import pytest

from zjtx.fulfilment.scan import run_scan
from zjtx.web.workbench import workbench_for

pytestmark = pytest.mark.django_db


def todo(wb, label):
    return next(t for t in wb.todos if t.label == label).count


def test_todos_follow_the_claims_each_role_must_act_on(world):
    run_scan()
    assert todo(workbench_for(world["ent_jx"]), "待确认意愿和收款账户（含退回补正）") == 1
    assert todo(workbench_for(world["ent_jx"]), "待我处理的申领") == 1
    assert todo(workbench_for(world["district_410305"]), "待我处理的申领") == 0  # nothing confirmed yet
    admin = workbench_for(world["city_admin"])
    assert todo(admin, "扫描发现的差异待复核") == 0
    assert any(c.id == "claims-by-state" for c in admin.charts)


def test_a_commissioner_follows_its_jurisdictions_enterprises_through_their_claims(world, make_user):
    from zjtx.accounts.models import Role
    from zjtx.fulfilment.selectors import claims_visible_to
    from zjtx.registry.models import Jurisdiction

    run_scan()
    commissioner = make_user("commissioner_410305", Role.COMMISSIONER,
                             jurisdiction=Jurisdiction.objects.get(code="410305"))
    wb = workbench_for(commissioner)
    assert [t.label for t in wb.todos] == ["辖区企业待确认或补正的申领（请协助企业办理）"]
    assert todo(wb, "辖区企业待确认或补正的申领（请协助企业办理）") == 1  # 涧西's, not 新安's
    assert {c.entitlement.enterprise for c in claims_visible_to(commissioner)} == {world["jx"]}


def test_counts_stay_within_the_jurisdiction(world):
    from tests.registry.factories import recognition

    recognition(world["xa"], tier="provincial", kind="review", on="2026-02-20", to="2029-02-19")
    county = {s.label: s.value for s in workbench_for(world["county_410323"]).stats}
    city = {s.label: s.value for s in workbench_for(world["city_admin"]).stats}
    assert county["企业库企业"] == "1 家" and city["企业库企业"] == "2 家"
    assert county["现有效省级专精特新中小企业"] == "1 家"


def test_a_recipients_paid_total_is_what_it_was_paid(world):
    """The recipient's 已拨付合计 agrees with its statement: its own payment lines, net
    of reversals (the ledger's scope is the payers', and holds none for it)."""
    import datetime as dt

    from tests.fulfilment.test_flow import BANK, claim_of
    from zjtx.fulfilment import services

    run_scan()
    claim = claim_of(world["jx"])
    services.do_confirm_claim(claim, actor=world["ent_jx"], **BANK)
    for who in ("district_410305", "city_admin", "finance_city"):
        services.do_review_claim(claim, actor=world[who], decision="approve")
    services.do_record_payment(claim, actor=world["finance_city_2"], part="city", paid_on=dt.date(2024, 3, 1),
                               reference="SZ-1")
    stats = {s.label: s.value for s in workbench_for(world["ent_jx"]).stats}
    assert (stats["应享奖励合计"], stats["已拨付合计"]) == ("100,000.00 元", "50,000.00 元")
    assert {s.label: s.value for s in workbench_for(world["ent_xa"]).stats}["已拨付合计"] == "0.00 元"


def test_workbench_page_for_each_role_and_login_lands_there(world, client):
    run_scan()
    for name in ("city_admin", "jinrong", "finance_city", "county_410323", "finance_410323", "ent_jx"):
        client.force_login(world[name])
        page = client.get("/").content.decode()
        assert "工作台" in page and "待办" in page, name
    client.force_login(world["city_admin"])
    page = client.get("/").content.decode()
    assert "echarts-6.1.0.min.js" in page and 'id="claims-by-state-option"' in page
    client.logout()
    assert client.get("/").status_code == 302


def test_the_city_admin_sees_how_many_pre_policy_recognitions_were_paid(world):
    """Issue 9: enterprises recognised before the policy and still valid on its first
    day are "已认定" and paid; the workbench says how many such rewards the scans found."""
    from tests.registry.factories import enterprise, recognition

    def shown():
        wb = workbench_for(world["city_admin"])
        return next(s.value for s in wb.stats if s.label.startswith("第1条“已认定”奖励"))

    early = enterprise(name="洛阳二〇二〇年认定机械有限公司")
    recognition(early, tier="provincial", on="2020-06-20", to="2023-06-19")  # valid on 2022-07-01: paid
    lapsed = enterprise(name="洛阳已过期机械有限公司")
    recognition(lapsed, tier="provincial", on="2019-03-01", to="2022-02-28")  # lapsed before: not paid
    run_scan()
    assert shown() == "1 项"  # the world's two enterprises were recognised in 2023
