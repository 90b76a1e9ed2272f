"""The fulfilment pages, driven as a browser would: a claim from its confirmation to
已拨付, returns, rejections and reversals behind their confirmation pages, every
refusal (403 when the user sees the claim but may not act, 404 when the claim is
outside the user's scope), and nothing changed by a refused or failed step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from zjtx.fulfilment.models import Claim, ClaimState, ClaimStep, Payment, Revision
from zjtx.fulfilment.scan import run_scan
from zjtx.registry.models import Recognition

from .test_flow import BANK, claim_of

pytestmark = pytest.mark.django_db

PAID_ON = dt.date(2024, 3, 1).isoformat()


def url(claim, action=""):
    return f"/fulfilment/claims/{claim.pk}/" + (f"{action}/" if action else "")


def as_user(client, user):
    client.force_login(user)
    return client


def post(client, user, claim, action, **data):
    return as_user(client, user).post(url(claim, action), data)


def state(claim) -> str:
    claim.refresh_from_db()
    return claim.state


def text(response) -> str:
    return response.content.decode()


def snapshot(claim):
    """Everything a step could change, to show a refused step changed nothing."""
    claim.refresh_from_db()
    return (claim.state, claim.flagged, claim.bank_account, ClaimStep.objects.filter(claim=claim).count(),
            Payment.objects.filter(claim=claim).count())


def confirm(client, world, claim, who="ent_jx"):
    r = post(client, world[who], claim, "confirm", **BANK)
    assert r.status_code == 302, text(r)


def review(client, user, claim, decision="approve", comment="", confirmed=False):
    data = {"decision": decision, "comment": comment}
    if confirmed:
        data["confirmed"] = "1"
    return post(client, user, claim, "review", **data)


def pay(client, user, claim, part, reference, confirmed=True):
    data = {"part": part, "paid_on": PAID_ON, "reference": reference}
    if confirmed:
        data["confirmed"] = "1"
    return post(client, user, claim, "pay", **data)


def approved(client, world) -> Claim:
    """The 涧西 claim (city 50 : district 50) through every review, by the pages."""
    run_scan()
    claim = claim_of(world["jx"])
    confirm(client, world, claim)
    for who in ("district_410305", "city_admin", "finance_city"):
        assert review(client, world[who], claim).status_code == 302
    assert state(claim) == ClaimState.APPROVED
    return claim


def test_a_claim_goes_through_every_step_on_the_pages(client, world):
    run_scan()
    claim = claim_of(world["jx"])
    # the recipient sees the claim in its queue, awaiting it, and the form on the page
    queue = text(as_user(client, world["ent_jx"]).get("/fulfilment/claims/"))
    assert f'data-claim="{claim.pk}"' in queue and "待我处理" in queue
    page = text(client.get(url(claim)))
    assert "确认意愿和收款账户" in page and "第1条" in page and "100,000.00" in page
    assert "涧西区财政局" in page and "市财政局" in page  # the split, with each payer
    assert "对已认定和新认定" in page  # the article's words
    confirm(client, world, claim)
    assert state(claim) == ClaimState.LOCAL_REVIEW
    assert claim.bank_account == BANK["bank_account"]

    steps = [("district_410305", ClaimState.UNIT_REVIEW), ("city_admin", ClaimState.FINANCE_REVIEW),
             ("finance_city", ClaimState.APPROVED)]
    for who, after in steps:
        page = text(as_user(client, world[who]).get(url(claim)))
        assert 'value="approve"' in page, who
        r = review(client, world[who], claim)
        assert r.status_code == 302 and r["Location"] == url(claim)
        assert state(claim) == after

    # 拨付 goes through a confirmation page; nothing is recorded until it is confirmed
    r = pay(client, world["finance_city_2"], claim, "city", "SZ-1", confirmed=False)
    assert r.status_code == 200 and "确认拨付" in text(r) and "50000.00 元" in text(r)
    assert not Payment.objects.exists()
    assert pay(client, world["finance_city_2"], claim, "city", "SZ-1").status_code == 302
    assert state(claim) == ClaimState.PARTIALLY_PAID
    # the district pays its own part
    page = text(as_user(client, world["finance_410305"]).get(url(claim)))
    assert 'id="pay-district"' in page and 'id="pay-city"' not in page
    assert pay(client, world["finance_410305"], claim, "district", "QC-7").status_code == 302
    assert state(claim) == ClaimState.PAID

    page = text(as_user(client, world["ent_jx"]).get(url(claim)))
    assert "已拨付" in page and "SZ-1" in page and "QC-7" in page and "100,000.00" in page
    assert [s.action for s in claim.steps.all()] == ["confirm", "approve", "approve", "approve", "pay", "pay"]
    assert [p.paid_on for p in Payment.objects.all()] == [dt.date(2024, 3, 1)] * 2


def test_return_needs_a_reason_and_goes_back_to_the_recipient(client, world):
    run_scan()
    claim = claim_of(world["jx"])
    confirm(client, world, claim)
    before = snapshot(claim)
    r = review(client, world["district_410305"], claim, "return", comment="  ")
    assert r.status_code == 200 and "退回或驳回必须填写理由" in text(r)
    assert snapshot(claim) == before
    r = review(client, world["district_410305"], claim, "return", comment="账户名称与营业执照不符")
    assert r.status_code == 302 and state(claim) == ClaimState.RETURNED
    page = text(as_user(client, world["ent_jx"]).get(url(claim)))
    assert "账户名称与营业执照不符" in page and 'id="confirm"' in page
    confirm(client, world, claim)
    assert state(claim) == ClaimState.LOCAL_REVIEW


def test_rejection_needs_a_reason_and_a_confirmation(client, world):
    run_scan()
    claim = claim_of(world["jx"])
    confirm(client, world, claim)
    before = snapshot(claim)
    r = review(client, world["district_410305"], claim, "reject", comment="")
    assert r.status_code == 200 and "驳回必须填写理由" in text(r)
    r = review(client, world["district_410305"], claim, "reject", comment="不符合条件")
    assert r.status_code == 200 and "确认驳回" in text(r) and "不符合条件" in text(r)
    assert snapshot(claim) == before
    r = review(client, world["district_410305"], claim, "reject", comment="不符合条件", confirmed=True)
    assert r.status_code == 302 and state(claim) == ClaimState.REJECTED
    assert claim.steps.last().comment == "不符合条件"
    # a rejected claim takes no more steps
    assert review(client, world["city_admin"], claim).status_code == 403


def test_reversal_is_confirmed_then_recorded_and_the_part_can_be_paid_again(client, world):
    claim = approved(client, world)
    assert pay(client, world["finance_city_2"], claim, "city", "SZ-1").status_code == 302
    payment = Payment.objects.get()
    r = post(client, world["finance_city_2"], claim, "reverse", payment=payment.pk, reason="")
    assert r.status_code == 200 and "冲正原因" in text(r)
    r = post(client, world["finance_city_2"], claim, "reverse", payment=payment.pk, reason="账号错误，资金退回")
    assert r.status_code == 200 and "确认冲正" in text(r)
    assert Payment.objects.count() == 1
    r = post(client, world["finance_city_2"], claim, "reverse", payment=payment.pk, reason="账号错误，资金退回",
             confirmed="1")
    assert r.status_code == 302 and state(claim) == ClaimState.APPROVED
    assert list(Payment.objects.order_by("pk").values_list("kind", "amount")) == [
        ("payment", Decimal("50000.00")), ("reversal", Decimal("-50000.00"))]
    # reversing the same line again is refused by the service, shown, and changes nothing
    before = snapshot(claim)
    r = post(client, world["finance_city_2"], claim, "reverse", payment=payment.pk, reason="again", confirmed="1")
    assert r.status_code == 200 and "只能冲正一笔尚未冲正的拨付" in text(r)
    assert snapshot(claim) == before
    assert pay(client, world["finance_city_2"], claim, "city", "SZ-3").status_code == 302
    assert Payment.objects.filter(kind="payment").last().generation == 1


def test_a_part_paid_twice_is_refused_with_a_message(client, world):
    claim = approved(client, world)
    assert pay(client, world["finance_city_2"], claim, "city", "SZ-1").status_code == 302
    before = snapshot(claim)
    r = pay(client, world["finance_city_2"], claim, "city", "SZ-2")
    assert r.status_code == 200 and "不能重复拨付" in text(r)
    assert snapshot(claim) == before


def test_bad_input_is_shown_and_changes_nothing(client, world):
    claim = approved(client, world)
    before = snapshot(claim)
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    r = post(client, world["finance_city_2"], claim, "pay", part="city", paid_on=future, reference="X",
             confirmed="1")
    assert r.status_code == 200 and "拨付日期不能晚于今天" in text(r)
    r = post(client, world["finance_city_2"], claim, "pay", part="city", paid_on="2024-02-30", reference="X",
             confirmed="1")
    assert r.status_code == 200 and "日期" in text(r)
    assert snapshot(claim) == before


# --- refusals -----------------------------------------------------------------------

def at_state(client, world, target: str) -> Claim:
    run_scan()
    claim = claim_of(world["jx"])
    path = [("ent_jx", "confirm"), ("district_410305", "approve"), ("city_admin", "approve"),
            ("finance_city", "approve")]
    reached = {ClaimState.PENDING_CONFIRMATION: 0, ClaimState.LOCAL_REVIEW: 1, ClaimState.UNIT_REVIEW: 2,
               ClaimState.FINANCE_REVIEW: 3, ClaimState.APPROVED: 4}[target]
    for who, action in path[:reached]:
        if action == "confirm":
            confirm(client, world, claim)
        else:
            review(client, world[who], claim)
    assert state(claim) == target
    return claim


REFUSALS = [
    # (state, user who sees the claim but may not act, action, data)
    (ClaimState.PENDING_CONFIRMATION, "city_admin", "confirm", BANK),
    (ClaimState.PENDING_CONFIRMATION, "district_410305", "confirm", BANK),
    (ClaimState.PENDING_CONFIRMATION, "district_410305", "review", {"decision": "approve"}),
    (ClaimState.LOCAL_REVIEW, "finance_city", "review", {"decision": "approve"}),
    (ClaimState.LOCAL_REVIEW, "ent_jx", "review", {"decision": "approve"}),
    (ClaimState.LOCAL_REVIEW, "finance_410305", "review", {"decision": "return", "comment": "x"}),
    (ClaimState.UNIT_REVIEW, "district_410305", "review", {"decision": "approve"}),
    (ClaimState.UNIT_REVIEW, "finance_city", "review", {"decision": "reject", "comment": "x", "confirmed": "1"}),
    (ClaimState.FINANCE_REVIEW, "finance_410305", "review", {"decision": "approve"}),
    (ClaimState.FINANCE_REVIEW, "city_admin", "review", {"decision": "approve"}),
    (ClaimState.FINANCE_REVIEW, "finance_city", "pay", {"part": "city", "paid_on": PAID_ON, "reference": "A"}),
    (ClaimState.APPROVED, "finance_410305", "pay", {"part": "city", "paid_on": PAID_ON, "reference": "A"}),
    (ClaimState.APPROVED, "finance_city_2", "pay", {"part": "district", "paid_on": PAID_ON, "reference": "A"}),
    (ClaimState.APPROVED, "city_admin", "pay", {"part": "city", "paid_on": PAID_ON, "reference": "A",
                                                "confirmed": "1"}),
    # the finance officer who approved the review may not pay it
    (ClaimState.APPROVED, "finance_city", "pay", {"part": "city", "paid_on": PAID_ON, "reference": "A",
                                                  "confirmed": "1"}),
    (ClaimState.APPROVED, "ent_jx", "pay", {"part": "city", "paid_on": PAID_ON, "reference": "A"}),
]


@pytest.mark.parametrize(("target", "who", "action", "data"), REFUSALS)
def test_a_step_by_the_wrong_role_is_403_and_changes_nothing(client, world, target, who, action, data):
    claim = at_state(client, world, target)
    before = snapshot(claim)
    r = post(client, world[who], claim, action, **data)
    assert r.status_code == 403
    assert "无权办理" in text(r)
    assert snapshot(claim) == before


def test_reversal_and_resolution_by_the_wrong_role_are_403(client, world):
    claim = approved(client, world)
    pay(client, world["finance_city_2"], claim, "city", "SZ-1")
    payment = Payment.objects.get()
    before = snapshot(claim)
    for who in ("district_410305", "finance_410305", "ent_jx", "city_admin"):
        r = post(client, world[who], claim, "reverse", payment=payment.pk, reason="x", confirmed="1")
        assert r.status_code == 403, who
    assert snapshot(claim) == before
    # a scan's difference (on the unpaid 新安 claim) is the city admin's alone
    xa = claim_of(world["xa"])
    Recognition.objects.filter(enterprise=world["xa"]).update(kind="review")
    run_scan()
    rev = Revision.objects.get()
    before = snapshot(xa)
    for who in ("finance_city", "county_410323", "ent_xa"):
        r = post(client, world[who], xa, "resolve", revision=rev.pk, accept="1", confirmed="1")
        assert r.status_code == 403, who
    assert snapshot(xa) == before
    rev.refresh_from_db()
    assert rev.resolved_at is None


def test_a_claim_outside_the_users_scope_is_404_for_every_page_and_step(client, world):
    run_scan()
    jx = claim_of(world["jx"])
    before = snapshot(jx)
    for who in ("county_410323", "finance_410323", "ent_xa"):
        as_user(client, world[who])
        assert client.get(url(jx)).status_code == 404, who
        for action, data in [("confirm", BANK), ("review", {"decision": "approve"}),
                             ("pay", {"part": "city", "paid_on": PAID_ON, "reference": "A"}),
                             ("reverse", {"payment": 1, "reason": "x"}),
                             ("resolve", {"revision": 1, "accept": "1"})]:
            assert client.post(url(jx, action), data).status_code == 404, (who, action)
    assert snapshot(jx) == before
    # and the 404 is the same as for an id that does not exist
    assert client.get("/fulfilment/claims/999999/").status_code == 404


def test_pages_need_a_login_and_steps_need_post_and_csrf(world):
    run_scan()
    claim = claim_of(world["jx"])
    anonymous = Client()
    for path in ("/fulfilment/claims/", url(claim), "/fulfilment/ledger/", "/fulfilment/audit/",
                 "/fulfilment/notifications/", "/fulfilment/scan/"):
        r = anonymous.get(path)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"], path
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world["ent_jx"])
    assert browser.post(url(claim, "confirm"), BANK).status_code == 403
    assert state(claim) == ClaimState.PENDING_CONFIRMATION
    assert browser.get(url(claim, "confirm")).status_code == 405
    page = text(browser.get(url(claim)))
    assert "csrfmiddlewaretoken" in page


def test_a_flagged_claim_is_resolved_by_the_city_admin_on_its_page(client, world):
    run_scan()
    claim = claim_of(world["jx"])
    confirm(client, world, claim)
    Recognition.objects.filter(enterprise=world["jx"]).update(kind="review")
    run_scan()
    rev = Revision.objects.get()
    page = text(as_user(client, world["district_410305"]).get(url(claim)))
    assert "100,000.00" in page and "待市工信局处理" in page and 'value="approve"' not in page
    # approval waits for the difference: a refusal, not a page
    assert review(client, world["district_410305"], claim).status_code == 403
    page = text(as_user(client, world["city_admin"]).get(url(claim)))
    assert "不是首次认定" in page and "R_REVIEW_NOT_NEW" in page and 'name="accept"' in page
    r = post(client, world["city_admin"], claim, "resolve", revision=rev.pk, accept="1", comment="以复核为准")
    assert r.status_code == 200 and "确认采纳" in text(r) and "将被驳回" in text(r)
    assert state(claim) == ClaimState.LOCAL_REVIEW
    r = post(client, world["city_admin"], claim, "resolve", revision=rev.pk, accept="1", comment="以复核为准",
             confirmed="1")
    assert r.status_code == 302
    claim.refresh_from_db()
    assert claim.state == ClaimState.REJECTED and not claim.flagged
    # resolving twice is refused by the service and shown
    r = post(client, world["city_admin"], claim, "resolve", revision=rev.pk, accept="0")
    assert r.status_code == 200 and "该差异已处理" in text(r)


def test_declining_a_difference_keeps_the_amount(client, world):
    run_scan()
    claim = claim_of(world["jx"])
    Recognition.objects.filter(enterprise=world["jx"]).update(kind="review")
    run_scan()
    rev = Revision.objects.get()
    r = post(client, world["city_admin"], claim, "resolve", revision=rev.pk, accept="0", comment="复核材料有误")
    assert r.status_code == 302
    claim.refresh_from_db()
    assert not claim.flagged and claim.state == ClaimState.PENDING_CONFIRMATION
    assert claim.entitlement.amount == Decimal("100000.00")
