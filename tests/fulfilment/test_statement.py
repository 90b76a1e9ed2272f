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
