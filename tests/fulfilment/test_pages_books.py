"""The queue's filters and counts, the ledger and its xlsx, the audit trail, the
notifications and the scan button."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO

import pytest
from django.test import RequestFactory
from django.utils import timezone
from openpyxl import load_workbook

from tests.registry.factories import enterprise, recognition
from zjtx.accounts.models import Role
from zjtx.fulfilment import selectors
from zjtx.fulfilment.context_processors import notifications as notifications_context
from zjtx.fulfilment.models import AuditEvent, ClaimState, Notification, Payment
from zjtx.fulfilment.scan import run_scan
from zjtx.registry.models import Recognition

from .test_flow import claim_of
from .test_pages import approved, as_user, confirm, pay, post, review, text

pytestmark = pytest.mark.django_db


def claim_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-claim="(\d+)"', page)]


# --- the queue ---------------------------------------------------------------------

def test_the_queue_shows_the_users_claims_with_its_own_first(client, world):
    run_scan()
    xa, jx = claim_of(world["xa"]), claim_of(world["jx"])
    confirm(client, world, xa, who="ent_xa")
    # the county sees its claim only, awaiting its first review
    page = text(as_user(client, world["county_410323"]).get("/fulfilment/claims/"))
    assert claim_ids(page) == [xa.pk]
    assert "待我处理（1）" in page and "县区初审 1" in page
    # the city admin sees both; neither awaits it yet
    page = text(as_user(client, world["city_admin"]).get("/fulfilment/claims/"))
    assert sorted(claim_ids(page)) == sorted([xa.pk, jx.pk]) and "待我处理（0）" in page
    # the recipient's claim awaiting confirmation comes first for it
    review(client, world["county_410323"], xa)
    page = text(as_user(client, world["city_admin"]).get("/fulfilment/claims/"))
    assert claim_ids(page)[0] == xa.pk and "待我处理（1）" in page
    # 金融局 does not answer for Art. 1: nothing
    assert claim_ids(text(as_user(client, world["jinrong"]).get("/fulfilment/claims/"))) == []


def test_the_queue_filters_searches_and_pages(client, world):
    for n in range(30):
        ent = enterprise(name=f"洛龙某材料{n:02d}有限公司", home="410311")
        recognition(ent, tier="provincial", on="2023-03-01", to="2026-02-28")
    run_scan()
    as_user(client, world["city_admin"])
    first = text(client.get("/fulfilment/claims/"))
    assert len(claim_ids(first)) == 25 and "第 1 / 2 页，共 32 条" in first
    second = text(client.get("/fulfilment/claims/?page=2"))
    assert len(claim_ids(second)) == 7 and not set(claim_ids(first)) & set(claim_ids(second))
    jx = claim_of(world["jx"])
    assert claim_ids(text(client.get("/fulfilment/claims/?q=涧西"))) == [jx.pk]
    assert claim_ids(text(client.get(f"/fulfilment/claims/?q={world['jx'].uscc.lower()}"))) == [jx.pk]
    assert len(claim_ids(text(client.get("/fulfilment/claims/?state=pending_confirmation&article=1&year=2023")))) == 25
    assert claim_ids(text(client.get("/fulfilment/claims/?state=paid"))) == []
    assert claim_ids(text(client.get("/fulfilment/claims/?article=6"))) == []
    Recognition.objects.filter(enterprise=world["jx"]).update(kind="review")
    run_scan()
    page = text(client.get("/fulfilment/claims/?flagged=1"))
    assert claim_ids(page) == [jx.pk] and "待复核差异" in page
    assert len(claim_ids(text(client.get("/fulfilment/claims/?flagged=0&q=洛龙")))) == 25
    # a bad filter value is ignored, not an error
    assert client.get("/fulfilment/claims/?state=nonsense&year=abc").status_code == 200


# --- the ledger -----------------------------------------------------------------------

def ledger_with_lines(client, world, make_user):
    """The 涧西 claim paid in full, then its city part reversed and paid again; the
    新安 claim's county part paid."""
    jx = approved(client, world)
    pay(client, world["finance_city_2"], jx, "city", "SZ-1")
    pay(client, world["finance_410305"], jx, "district", "QC-7")
    first = Payment.objects.get(reference="SZ-1")
    post(client, world["finance_city_2"], jx, "reverse", payment=first.pk, reason="账号错误", confirmed="1")
    pay(client, world["finance_city_2"], jx, "city", "SZ-2")
    xa = claim_of(world["xa"])
    confirm(client, world, xa, who="ent_xa")
    for who in ("county_410323", "city_admin", "finance_410323"):
        review(client, world[who], xa)
    # the officer who approved the county's finance review may not pay it: a colleague does
    second = make_user("finance_410323_b", Role.FINANCE_LOCAL, jurisdiction=world["xa"].fiscal_home)
    assert pay(client, second, xa, "county", "XA-1").status_code == 302
    assert claim_of(world["xa"]).state == ClaimState.PAID
    return jx, xa


def ledger_amounts(page: str) -> list[Decimal]:
    body = page.split('<tbody>', 1)[1].split('</tbody>', 1)[0]
    return [Decimal(a.replace(",", "")) for a in re.findall(r'<td class="num">(-?[\d,]+\.\d\d)</td>', body)]


def page_total(page: str) -> Decimal:
    return Decimal(re.search(r'ledger-total"><strong>(-?[\d,.]+)</strong>', page).group(1).replace(",", ""))


def test_the_ledger_totals_are_the_sum_of_its_lines_for_each_viewer(client, world, make_user):
    ledger_with_lines(client, world, make_user)
    everything = sum(Payment.objects.values_list("amount", flat=True))
    assert everything == Decimal("200000.00")
    page = text(as_user(client, world["finance_city"]).get("/fulfilment/ledger/"))
    assert len(ledger_amounts(page)) == 5 and sum(ledger_amounts(page)) == page_total(page) == everything
    assert "冲正" in page and "账号错误" in page and "人民币贰拾万元整" in page
    # filters: the city part's lines, the reversals, a payer, a year
    for query, lines, total in [("part=city", 3, "50000.00"), ("kind=reversal", 1, "-50000.00"),
                                ("kind=payment", 4, "250000.00"), ("year=2023", 5, "200000.00"),
                                ("year=2024", 0, "0.00"), ("payer=city", 3, "50000.00")]:
        page = text(client.get(f"/fulfilment/ledger/?{query}"))
        amounts = ledger_amounts(page)
        assert len(amounts) == lines and sum(amounts, Decimal("0.00")) == page_total(page) == Decimal(total), query
    # the district's finance bureau sees the lines it pays, and only those
    page = text(as_user(client, world["finance_410305"]).get("/fulfilment/ledger/"))
    assert ledger_amounts(page) == [Decimal("50000.00")] and "QC-7" in page and "SZ-1" not in page
    page = text(as_user(client, world["finance_410323"]).get("/fulfilment/ledger/"))
    assert ledger_amounts(page) == [Decimal("100000.00")] and "XA-1" in page
    # 金融局 answers for none of these articles
    assert ledger_amounts(text(as_user(client, world["jinrong"]).get("/fulfilment/ledger/"))) == []
    for who in ("ent_jx", "district_410305"):
        assert as_user(client, world[who]).get("/fulfilment/ledger/").status_code == 403, who


def test_the_ledger_exports_the_same_lines_and_columns_to_xlsx(client, world, make_user):
    ledger_with_lines(client, world, make_user)
    as_user(client, world["city_admin"])
    response = client.get("/fulfilment/ledger/?format=xlsx&part=city")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    head, lines, total = rows[0], rows[1:-1], rows[-1]
    assert head == selectors.LEDGER_COLUMNS
    page = text(client.get("/fulfilment/ledger/?part=city"))
    for column in head:
        assert f">{column}</th>" in page
    amount = selectors.AMOUNT_COLUMN
    assert [Decimal(str(r[amount])) for r in lines] == ledger_amounts(page)
    assert Decimal(str(total[amount])) == sum(Decimal(str(r[amount])) for r in lines) == Decimal("50000.00")
    assert total[0] == "合计（3 笔）"
    assert [r[12] for r in lines] == ["SZ-1", "冲正-SZ-1", "SZ-2"]
    assert lines[0][5] == "涧西某轴承有限公司" and lines[0][7] == "市级" and lines[0][8] == "市财政局"
    assert isinstance(lines[0][1], dt.datetime) and lines[0][1].date() == dt.date(2024, 3, 1)
    # a finance bureau's export holds its own lines only
    response = as_user(client, world["finance_410305"]).get("/fulfilment/ledger/?format=xlsx")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[12] for r in rows[1:-1]] == ["QC-7"]
    assert as_user(client, world["ent_jx"]).get("/fulfilment/ledger/?format=xlsx").status_code == 403


# --- the audit trail -------------------------------------------------------------------

def test_the_audit_trail_filters_by_verb_actor_claim_and_date(client, world):
    run_scan()
    xa, jx = claim_of(world["xa"]), claim_of(world["jx"])
    confirm(client, world, jx)
    confirm(client, world, xa, who="ent_xa")
    review(client, world["district_410305"], jx, "return", comment="请补充材料")
    as_user(client, world["city_admin"])

    def events(query=""):
        page = text(client.get(f"/fulfilment/audit/?{query}"))
        return [int(pk) for pk in re.findall(r'data-event="(\d+)"', page)]

    assert len(events()) == AuditEvent.objects.count() == 6  # 2 found, 1 scan, 2 confirmed, 1 returned
    confirmed = set(AuditEvent.objects.filter(verb="claim_confirmed").values_list("pk", flat=True))
    assert set(events("verb=claim_confirmed")) == confirmed
    assert len(events(f"claim={jx.pk}")) == 3
    assert len(events("actor=district_410305")) == 1
    assert len(events(f"verb=claim_confirmed&claim={xa.pk}")) == 1
    today = timezone.localdate()
    assert len(events(f"since={today}&until={today}")) == 6
    assert events(f"until={today - dt.timedelta(days=1)}") == []
    page = text(client.get(f"/fulfilment/audit/?since={today}&until={today - dt.timedelta(days=1)}"))
    assert "起始日期不能晚于截止日期" in page
    assert "请补充材料" in text(client.get("/fulfilment/audit/?verb=claim_return"))
    for who in ("finance_city", "jinrong", "county_410323", "ent_jx"):
        assert as_user(client, world[who]).get("/fulfilment/audit/").status_code == 403, who


def test_the_audit_trail_pages(client, world):
    run_scan()
    AuditEvent.objects.bulk_create([AuditEvent(verb="scan_run", summary=f"scan {n}") for n in range(60)])
    page = text(as_user(client, world["city_admin"]).get("/fulfilment/audit/?verb=scan_run"))
    assert len(re.findall(r'data-event="', page)) == 50 and "共 61 条" in page
    page = text(client.get("/fulfilment/audit/?verb=scan_run&page=2"))
    assert len(re.findall(r'data-event="', page)) == 11


# --- notifications -------------------------------------------------------------------

def unread_in_context(user) -> int:
    request = RequestFactory().get("/")
    request.user = user
    return int(str(notifications_context(request)["unread_notifications"]))


def test_notifications_are_listed_counted_and_marked_read(client, world):
    run_scan()
    jx = claim_of(world["jx"])
    confirm(client, world, jx)
    review(client, world["district_410305"], jx, "return", comment="请补充材料")
    mine = list(Notification.objects.filter(user=world["ent_jx"]))
    assert len(mine) == 3 and unread_in_context(world["ent_jx"]) == 3
    page = text(as_user(client, world["ent_jx"]).get("/fulfilment/notifications/"))
    assert "（3 条未读）" in page and "请补充材料" in page and f"查看申领 {jx.pk}" in page
    assert "新安" not in page  # another enterprise's notifications are not here
    # mark one read; another user's id is ignored
    theirs = Notification.objects.filter(user=world["ent_xa"]).first()
    r = client.post("/fulfilment/notifications/", {"id": [mine[0].pk, theirs.pk]})
    assert r.status_code == 302
    assert unread_in_context(world["ent_jx"]) == 2 and unread_in_context(world["ent_xa"]) == 1
    client.post("/fulfilment/notifications/", {"all": "1"})
    assert unread_in_context(world["ent_jx"]) == 0 and unread_in_context(world["ent_xa"]) == 1
    assert "条未读" not in text(client.get("/fulfilment/notifications/"))
    from django.contrib.auth.models import AnonymousUser

    assert unread_in_context(AnonymousUser()) == 0


# --- the scan ---------------------------------------------------------------------------

def test_the_scan_button_runs_the_scan_and_lists_flagged_claims(client, world):
    as_user(client, world["city_admin"])
    page = text(client.get("/fulfilment/scan/"))
    assert "立即扫描" in page and "没有待复核的差异" in page
    r = client.post("/fulfilment/scan/", follow=True)
    assert "scan: 2 new, 0 changed, 0 unchanged" in text(r)
    assert "scan: 0 new, 0 changed, 2 unchanged" in text(client.post("/fulfilment/scan/", follow=True))
    Recognition.objects.filter(enterprise=world["jx"]).update(kind="review")
    page = text(client.post("/fulfilment/scan/", follow=True))
    assert "scan: 0 new, 1 changed, 1 unchanged" in page
    assert claim_ids(page) == [claim_of(world["jx"]).pk] and "待复核差异的申领（1）" in page
    event = AuditEvent.objects.filter(verb="scan_run").first()
    assert event.actor == world["city_admin"]
    for who in ("finance_city", "jinrong", "county_410323", "ent_jx"):
        as_user(client, world[who])
        assert client.get("/fulfilment/scan/").status_code == 403, who
        assert client.post("/fulfilment/scan/").status_code == 403, who
    assert AuditEvent.objects.filter(verb="scan_run").count() == 3
