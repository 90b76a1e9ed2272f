"""The recipient's 红利账单, on screen and as a PDF with Chinese text and 大写."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from zjtx.fulfilment import services
from zjtx.fulfilment.scan import run_scan
from zjtx.fulfilment.statement import statement_for

from .test_flow import BANK, claim_of

pytestmark = pytest.mark.django_db


def paid_city_part(world):
    run_scan()
    claim = claim_of(world["jx"])
    services.do_confirm_claim(claim, actor=world["ent_jx"], **BANK)
    services.do_review_claim(claim, actor=world["district_410305"], decision="approve")
    services.do_review_claim(claim, actor=world["city_admin"], decision="approve")
    services.do_review_claim(claim, actor=world["finance_city"], decision="approve")
    services.do_record_payment(claim, actor=world["finance_city_2"], part="city", paid_on=dt.date(2024, 3, 1),
                               reference="SZ-1")


def test_statement_sums_due_and_paid_by_article_and_year(world):
    paid_city_part(world)
    st = statement_for(enterprise=world["jx"])
    assert [b.number for b in st.blocks] == [1]
    assert str(st.due) == "100000.00" and str(st.paid) == "50000.00" and str(st.outstanding) == "50000.00"
    assert st.by_year == {2023: {"due": st.due, "paid": st.paid}}
    assert "一次性奖励" in st.blocks[0].text


def test_statement_page_for_the_enterprise_and_refusal_for_another(world, client):
    paid_city_part(world)
    client.force_login(world["ent_jx"])
    page = client.get("/fulfilment/statement/").content.decode()
    assert "红利账单" in page and "人民币壹拾万元整" in page and "人民币伍万元整" in page
    assert "第1条" in page and "部分拨付" in page
    # another enterprise's statement by id is a 404, never the page
    assert client.get(f"/fulfilment/statement/enterprise/{world['xa'].pk}/").status_code == 404
    client.force_login(world["county_410323"])
    assert client.get(f"/fulfilment/statement/enterprise/{world['jx'].pk}/").status_code == 404
    assert client.get(f"/fulfilment/statement/enterprise/{world['xa'].pk}/").status_code == 200
    client.logout()
    assert client.get("/fulfilment/statement/").status_code == 302


def test_an_investor_does_not_see_its_investees_statement(world, client, make_user):
    """An investor sees the enterprises it invested in (the registry's one-file page),
    but the rewards the city pays them are not its business: their statement is a 404,
    on screen and as a PDF, like any other recipient's."""
    from zjtx.accounts.models import Role
    from zjtx.registry.models import Investment, Investor

    paid_city_part(world)
    fund = Investor.objects.create(name="洛阳某创业投资基金合伙企业（有限合伙）", kind="private_fund")
    Investment.objects.create(investor=fund, investee=world["jx"], round="A轮", paid_in="20000000.00",
                              paid_in_date=dt.date(2024, 5, 10))
    client.force_login(make_user("investor", Role.INVESTOR, investor=fund))
    assert client.get(f"/registry/enterprises/{world['jx'].pk}/").status_code == 200
    for suffix in ("", "?format=pdf"):
        response = client.get(f"/fulfilment/statement/enterprise/{world['jx'].pk}/{suffix}")
        assert response.status_code == 404 and "涧西某轴承有限公司" not in response.content.decode()
    assert client.get(f"/fulfilment/statement/investor/{fund.pk}/").status_code == 200  # its own
    # the officials whose scope covers the enterprise still see it
    client.force_login(world["finance_410305"])
    assert client.get(f"/fulfilment/statement/enterprise/{world['jx'].pk}/").status_code == 200


@pytest.mark.pdf
def test_statement_pdf_embeds_chinese_text_and_capital_numerals(world, client, tmp_path):
    paid_city_part(world)
    client.force_login(world["ent_jx"])
    response = client.get("/fulfilment/statement/?format=pdf")
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "statement.pdf"
    path.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(" yes " in f for f in fonts)  # embedded, so it reads the same anywhere
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    compact = "".join(text.split())
    for words in ("红利账单", "涧西某轴承有限公司", "人民币壹拾万元整", "人民币伍万元整", "第1条", "一次性奖励"):
        assert words in compact, words
