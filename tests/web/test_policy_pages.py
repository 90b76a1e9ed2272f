"""The policy browser: every article with its units, dated parameters and readings."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.utils.html import escape

from zjtx.policy.pack import load_pack

# The pages read the policy changes the city admin has made, from the database.
pytestmark = pytest.mark.django_db

PACK = load_pack()
HEADER = "洛阳市支持“专精特新”中小企业高质量发展政策措施 · ZJTX"


def _html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _article(html: str, number: int) -> str:
    match = re.search(rf'<article class="article" id="art-{number}".*?</article>', html, re.S)
    assert match, f"article {number} not on the page"
    return match.group()


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))


def _parameter_rows(fragment: str, key: str) -> list[str]:
    return re.findall(rf'<tr class="param[^"]*" data-parameter="{key}">(.*?)</tr>', fragment, re.S)


@pytest.mark.parametrize("url", ["/policy/"])
def test_index_lists_all_19_articles_in_order(client, url):
    html = _html(client, url)
    numbers = [int(n) for n in re.findall(r'<article class="article" id="art-(\d+)"', html)]
    assert numbers == list(range(1, 20))
    for number, article in PACK.articles.items():
        assert f'href="#art-{number}"' in html
        assert escape(article.title) in html
        assert escape(article.text) in _article(html, number)


def test_header_and_stylesheet(client):
    html = _html(client, "/policy/")
    assert HEADER in _text(html)
    assert '<html lang="zh-Hans">' in html
    assert 'href="/static/zjtx/css/site.css"' in html
    assert finders.find("zjtx/css/site.css"), "stylesheet missing from zjtx/web/static"


def test_article_1_amounts_with_their_dates(client):
    section = _article(_html(client, "/policy/"), 1)
    for key, amount in [
        ("art1_provincial_zjtx", "100,000 元"),
        ("art1_national_little_giant", "300,000 元"),
    ]:
        (row,) = _parameter_rows(section, key)
        assert amount in row
        assert '<time datetime="2022-07-01">2022年7月1日</time>' in row
        assert escape(PACK.parameters[key].label) in row
    # "10万元" / "30万元" as the text writes them, to check against the article.
    assert "10万元" in section and "30万元" in section


def test_article_1_shows_art1_upgrade_with_its_default(client):
    section = _article(_html(client, "/policy/1/"), 1)
    match = re.search(r'<div class="interp" data-key="art1_upgrade">(.*?)</div>', section, re.S)
    assert match, "art1_upgrade reading missing from article 1"
    block = match.group(1)
    interpretation = PACK.interpretations["art1_upgrade"]
    assert escape(interpretation.question) in block
    options = dict(
        re.findall(r'<li class="option[^"]*" data-option="(\w+)"(.*?)</li>', block, re.S)
    )
    assert set(options) == set(interpretation.options) == {"cumulative", "top_up"}
    assert interpretation.default == "cumulative"
    assert 'data-default="true"' in options["cumulative"] and "默认" in options["cumulative"]
    assert escape(interpretation.options["cumulative"]) in options["cumulative"]
    assert 'data-default="true"' not in options["top_up"] and "默认" not in options["top_up"]
    assert escape(interpretation.options["top_up"]) in options["top_up"]


def test_each_article_marks_its_lead_unit_once(client):
    html = _html(client, "/policy/")
    for number, article in PACK.articles.items():
        section = _article(html, number)
        leads = re.findall(
            r'<li class="unit is-lead">([^<]+)<span class="badge badge-lead">牵头</span>', section
        )
        assert leads == [escape(article.lead_unit)], number
        for unit in article.units:
            assert escape(unit) in section


def test_rate_parameters_are_percentages(client):
    section = _article(_html(client, "/policy/6/"), 6)
    (row,) = _parameter_rows(section, "art6_rate")
    assert "1%" in row


def test_article_15_notes_its_missing_number(client):
    for url in ("/policy/", "/policy/15/"):
        section = _article(_html(client, url), 15)
        assert 'role="note"' in section
        assert escape(PACK.articles[15].note) in section
        assert "缺少序号" in section
    # Only article 15 carries such a note.
    assert _html(client, "/policy/").count('role="note"') == 1


def test_overview_shows_fixed_readings_and_effective_date(client):
    html = _html(client, "/policy/")
    overview = re.search(
        r'<section class="overview".*?<section class="chapter"', html, re.S
    ).group()
    for code, reading in PACK.readings.items():
        assert f'data-reading="{code}"' in overview
        assert escape(reading["text"]) in overview
    (row,) = _parameter_rows(overview, "policy_effective_date")
    assert "2022年7月1日" in row
    (row,) = _parameter_rows(overview, "policy_expiry_date")
    assert "未规定" in row


def test_article_page_has_neighbours(client):
    html = _html(client, "/policy/5/")
    assert re.findall(r'<article class="article" id="art-(\d+)"', html) == ["5"]
    assert 'href="/policy/4/"' in html and 'href="/policy/6/"' in html
    first = _html(client, "/policy/1/")
    assert 'rel="prev"' not in first and 'href="/policy/2/"' in first
    assert 'rel="next"' not in _html(client, "/policy/19/")


@pytest.mark.parametrize("url", ["/policy/99/", "/policy/0/", "/policy/20/", "/policy/abc/"])
def test_unknown_article_is_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    # The Chinese 404 page (DEBUG is off under test) renders inside the site layout.
    assert "页面不存在" in response.content.decode()


def test_anonymous_visitor_is_sent_to_the_login_form():
    from django.test import Client

    response = Client().get("/policy/1/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    login = Client().get("/accounts/login/").content.decode()
    assert 'name="username"' in login and 'name="password"' in login
