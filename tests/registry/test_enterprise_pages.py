"""The enterprise list and the one-file page (一户一档), on the demo registry: search,
filters, sorting, pagination, history, and above all scope — nobody sees an
enterprise outside their jurisdiction, by list or by id."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from zjtx.registry import models
from zjtx.registry.selectors import PAGE_SIZE
from zjtx.web import context_processors

pytestmark = pytest.mark.django_db

LIST = "/registry/enterprises/"


def _user(username):
    return get_user_model().objects.get(username=username)


def _client(client, username):
    client.force_login(_user(username))
    return client


def _listing(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    return response.context["listing"]


def _detail_url(ent) -> str:
    return reverse("registry:enterprise-detail", args=[ent.pk])


def _text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _today():
    return timezone.localdate()


# -- who may see what ---------------------------------------------------------------


def test_urls_are_the_agreed_ones():
    assert reverse("registry:enterprise-list") == LIST
    assert reverse("registry:enterprise-detail", args=[7]) == f"{LIST}7/"


def test_anonymous_is_sent_to_login(client, demo_registry):
    ent = models.Enterprise.objects.first()
    for url in (LIST, _detail_url(ent)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_a_district_sees_its_own_enterprises_and_another_countys_is_not_found(client, demo_registry):
    _client(client, "district_410305")
    jianxi = models.Enterprise.objects.filter(fiscal_home__code="410305").first()
    xinan = models.Enterprise.objects.filter(fiscal_home__code="410323").first()
    assert client.get(_detail_url(jianxi)).status_code == 200
    response = client.get(_detail_url(xinan))
    assert response.status_code == 404
    assert xinan.name not in response.content.decode()
    listing = _listing(client)
    assert listing.total == models.Enterprise.objects.filter(fiscal_home__code="410305").count()
    assert {row.jurisdiction for row in listing.rows} == {"涧西区"}
    # A filter never widens the scope: asking for 新安县 shows nothing.
    assert _listing(client, jurisdiction="410323").total == 0
    assert _listing(client, q=xinan.name).total == 0
    assert [o.value for o in listing.jurisdictions] == ["410305"]


def test_the_list_never_shows_another_jurisdictions_enterprise(client, demo_registry):
    _client(client, "county_410323")
    xinan = set(models.Enterprise.objects.filter(fiscal_home__code="410323").values_list("pk", flat=True))
    seen = set()
    listing = _listing(client)
    for number in range(1, listing.page.paginator.num_pages + 1):
        seen |= {row.pk for row in _listing(client, page=number).rows}
    assert seen == xinan
    for sort in ("-recognized", "jurisdiction", "-uscc"):
        assert {row.pk for row in _listing(client, sort=sort).rows} <= xinan


def test_an_enterprise_sees_only_itself(client, demo_registry):
    _client(client, "enterprise_demo")
    own = _user("enterprise_demo").profile.enterprise
    listing = _listing(client)
    assert [row.pk for row in listing.rows] == [own.pk]
    assert listing.jurisdictions == []
    assert client.get(_detail_url(own)).status_code == 200
    other = models.Enterprise.objects.exclude(pk=own.pk).filter(fiscal_home__code="410323").first()
    assert client.get(_detail_url(other)).status_code == 404


def test_an_investor_sees_the_enterprises_it_invested_in(client, demo_registry):
    _client(client, "investor_demo")
    investor = _user("investor_demo").profile.investor
    investees = set(investor.investments.exclude(investee=None).values_list("investee", flat=True))
    listing = _listing(client)
    assert {row.pk for row in listing.rows} == investees
    assert listing.total == len(investees)  # several tranches, one row


def test_an_operator_sees_no_enterprise(client, demo_registry):
    _client(client, "operator_demo")
    assert _listing(client).total == 0
    assert client.get(_detail_url(models.Enterprise.objects.first())).status_code == 404


# -- the list ---------------------------------------------------------------------------


def test_list_counts_and_paginates_by_50(client, demo_registry, django_assert_max_num_queries):
    _client(client, "city_admin")
    total = models.Enterprise.objects.count()
    with django_assert_max_num_queries(14):  # fixed, whatever the page size: no query per row
        response = client.get(LIST)
    listing = response.context["listing"]
    assert listing.total == total and len(listing.rows) == PAGE_SIZE
    assert f"{total:,}" in _text(response)
    last = listing.page.paginator.num_pages
    assert last == -(-total // PAGE_SIZE)
    assert len(_listing(client, page=last).rows) == total - PAGE_SIZE * (last - 1)
    assert _listing(client, page=99999).page.number == last  # out of range: the last page
    assert _listing(client, page="x").page.number == 1
    page2 = _listing(client, page=2)
    assert not {r.pk for r in page2.rows} & {r.pk for r in listing.rows}
    # Tier counts are those valid today.
    national = (models.Recognition.objects.filter(tier="national", announced_on__lte=_today(),
                                                  valid_to__gte=_today()).values("enterprise").distinct().count())
    assert {t.tier: t.count for t in listing.tier_counts}["national"] == national


def test_search_by_name_part_and_by_credit_code(client, demo_registry):
    _client(client, "city_admin")
    ent = models.Enterprise.objects.filter(name__contains="（").first() or models.Enterprise.objects.first()
    by_code = _listing(client, q=ent.uscc[:12].lower())
    assert ent.pk in {r.pk for r in by_code.rows}
    assert all(r.uscc.startswith(ent.uscc[:12]) for r in by_code.rows)
    assert [r.pk for r in _listing(client, q=f" {ent.uscc} ").rows] == [ent.pk]
    by_name = _listing(client, q=ent.name)
    assert [r.pk for r in by_name.rows] == [ent.pk]
    part = _listing(client, q="耐火材料")
    assert part.total == models.Enterprise.objects.filter(name__contains="耐火材料").count() > 0
    # 有限责任公司 and 有限公司 are the same name to a search (names.normalise_name).
    llc = models.Enterprise.objects.filter(name__endswith="有限责任公司").first()
    variant = llc.name.replace("有限责任公司", "有限公司")
    assert llc.pk in {r.pk for r in _listing(client, q=variant).rows}
    assert _listing(client, q="没有这家企业").total == 0


def test_filters_jurisdiction_tier_industry_status(client, demo_registry):
    _client(client, "city_admin")
    today = _today()
    yanshi = _listing(client, jurisdiction="410307")
    expected = models.Enterprise.objects.filter(fiscal_home__code__in=["410307", "410381"]).count()
    assert yanshi.total == expected  # the retired 偃师市 code counts as 偃师区
    assert {r.jurisdiction for r in yanshi.rows} == {"偃师区"}
    national = _listing(client, tier="national")
    assert national.total > 40
    for row in national.rows:
        assert models.Recognition.objects.filter(enterprise=row.pk, tier="national", announced_on__lte=today,
                                                 valid_to__gte=today).exists()
        assert row.tiers[0].tier == "national"  # highest first
    city = _listing(client, tier="city")
    assert city.total == models.Recognition.objects.filter(
        tier="city", valid_to__gte=today, announced_on__lte=today).values("enterprise").distinct().count()
    listed = _listing(client, status="listed")
    assert listed.total == models.Enterprise.objects.filter(listed=True).count() > 0
    assert all(r.status.startswith("已上市") for r in listed.rows)
    neeq = _listing(client, status="neeq")
    assert neeq.total > 0 and all(r.status.startswith("新三板") for r in neeq.rows)
    none = _listing(client, status="none")
    assert listed.total + neeq.total + none.total == models.Enterprise.objects.count()
    industry = models.Enterprise.objects.values_list("industry", flat=True).first()
    by_industry = _listing(client, industry=industry)
    assert by_industry.total == models.Enterprise.objects.filter(industry=industry).count()
    assert industry in [o.value for o in by_industry.industries]
    combined = _listing(client, jurisdiction="410305", tier="provincial", sort="-recognized")
    assert 0 < combined.total < models.Enterprise.objects.filter(fiscal_home__code="410305").count()
    # Unknown values are ignored, not errors.
    assert _listing(client, tier="bogus", status="bogus", sort="bogus").total == models.Enterprise.objects.count()


def test_sorting(client, demo_registry):
    _client(client, "city_admin")
    codes = [r.uscc for r in _listing(client, sort="uscc").rows]
    assert codes == sorted(codes)
    assert codes[0] == min(models.Enterprise.objects.values_list("uscc", flat=True))
    codes = [r.uscc for r in _listing(client, sort="-uscc").rows]
    assert codes == sorted(codes, reverse=True)
    names = [models.Enterprise.objects.get(pk=r.pk).name_key for r in _listing(client).rows]
    assert names == sorted(names)
    latest = _listing(client, sort="-recognized")
    dates = [dt.date.fromisoformat(r.latest_label.split()[-1]) for r in latest.rows]
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == max(models.Recognition.objects.values_list("announced_on", flat=True))
    assert latest.sorts["recognized"].state == "desc"
    homes = _listing(client, sort="jurisdiction").rows
    assert homes[0].jurisdiction == "老城区"  # 410302, the lowest current code
    last = _listing(client, sort="-jurisdiction")
    assert last.rows[0].jurisdiction == "伊滨区"  # LY-YIBIN sorts after the numeric codes


def test_list_page_renders_links_filters_and_sort_state(client, demo_registry):
    _client(client, "city_admin")
    response = client.get(LIST, {"tier": "provincial", "sort": "-recognized", "page": 2})
    html = response.content.decode()
    row = response.context["listing"].rows[0]
    assert f'href="{_detail_url(models.Enterprise(pk=row.pk))}"' in html
    assert 'aria-sort="descending"' in html
    assert 'name="sort" value="-recognized"' in html  # kept when the filters are submitted
    assert 'value="provincial" selected' in html
    assert "sort=-recognized" in html and "tier=provincial" in html  # page links keep both


# -- the one-file page -----------------------------------------------------------------


def test_one_file_page_shows_identity_recognitions_listing_and_investments(client, demo_registry):
    _client(client, "county_410323")
    ent = _user("enterprise_demo").profile.enterprise
    response = client.get(_detail_url(ent))
    text = _text(response)
    for fact in (ent.name, ent.uscc, "新安县（410323，县）", "县级财政全额承担", ent.address, ent.contact_name,
                 ent.contact_phone, ent.industry):
        assert fact in text, fact
    file = response.context["file"]
    assert {r.tier for r in file.recognitions} >= {"provincial"}
    for r in file.recognitions:
        assert r.status == ("有效" if r.announced_on <= _today() <= r.valid_to else
                            "已过期" if r.valid_to < _today() else "未生效")
    assert "复核通过" in text and "有效" in text
    assert len(file.investments) == ent.investments_received.count() > 0
    first = ent.investments_received.order_by("-paid_in_date", "-pk").first()
    assert first.investor.name in text and f"{first.paid_in:,.2f}" in text
    # Before any scan the 红利账单 section says there is nothing yet, with no figures.
    rewards = re.search(r'<section class="panel rewards".*?</section>', response.content.decode(), re.S)
    assert rewards and "暂无应享奖励" in rewards.group()
    # After the scan it shows what the enterprise is due, by article.
    from zjtx.fulfilment.scan import run_scan

    run_scan()
    page = client.get(f"/registry/enterprises/{ent.pk}/").content.decode()
    rewards = re.search(r'<section class="panel rewards".*?</section>', page, re.S).group()
    assert "第1条" in rewards and "应享合计" in rewards and "待确认" in rewards


def test_one_file_page_of_a_listed_enterprise_with_a_retired_code(client, demo_registry):
    _client(client, "city_admin")
    listed = models.Enterprise.objects.filter(listed=True, milestones__kind="neeq").distinct().first()
    text = _text(client.get(_detail_url(listed)))
    assert "已上市" in text and listed.exchange in text
    assert "基础层挂牌" in text and "通过发行审核" in text
    retired = models.Enterprise.objects.filter(fiscal_home__code="410381").first()
    text = _text(client.get(_detail_url(retired)))
    assert "偃师区（410307" in text and "已撤销的偃师市（410381）" in text


def test_history_shows_who_changed_which_field_from_what_to_what(client, demo_registry):
    admin = _user("city_admin")
    _client(client, "district_410305")
    ent = models.Enterprise.objects.filter(fiscal_home__code="410305").first()
    old_industry = ent.industry
    ent.industry = "C35 专用设备制造业（改）"
    ent._history_user = admin  # as HistoryRequestMiddleware does for a web edit
    ent.save()
    recognition = ent.recognitions.first()
    old_valid_to = recognition.valid_to
    recognition.valid_to = old_valid_to + dt.timedelta(days=30)
    recognition._history_user = admin
    recognition.save()

    page = client.get(_detail_url(ent))
    # the page loads its history when it scrolls into view (htmx), or links to it
    history_url = page.context["file"].history_url
    assert f'hx-get="{history_url}"' in page.content.decode()
    response = client.get(history_url, headers={"HX-Request": "true"})
    assert "<html" not in response.content.decode()  # the fragment only
    assert "<html" in client.get(history_url).content.decode()  # a page of its own without htmx
    history = response.context["history"]
    newest, second = history[0], history[1]
    assert newest.subject.startswith("认定：") and newest.action == "修改"
    assert [(c.field, c.old, c.new) for c in newest.changes] == [
        ("有效期至", old_valid_to.isoformat(), recognition.valid_to.isoformat())]
    assert second.subject == "企业信息" and second.who == "张敏（city_admin）"
    assert [(c.field, c.old, c.new) for c in second.changes] == [("所属行业", old_industry, ent.industry)]
    assert history[-1].action == "新建" and history[-1].who == "系统"
    text = _text(response)
    assert f"所属行业 ： {old_industry} → {ent.industry}" in text
    assert "张敏（city_admin）" in text
    assert [h.when for h in history] == sorted((h.when for h in history), reverse=True)


def test_history_keeps_deleted_rows_and_names_foreign_keys(client, demo_registry):
    _client(client, "city_admin")
    ent = models.Enterprise.objects.filter(fiscal_home__code="410305").first()
    new_home = models.Jurisdiction.objects.get(code="410311")
    ent.fiscal_home = new_home
    ent.save()
    milestone = models.ListingMilestone.objects.create(enterprise=ent, kind="regional_equity_listed",
                                                       date=dt.date(2024, 1, 5), board="display")
    milestone.delete()
    history = client.get(client.get(_detail_url(ent)).context["file"].history_url).context["history"]
    assert history[0].action == "删除" and history[0].subject.startswith("上市进程")
    home_change = next(h for h in history if h.subject == "企业信息" and h.action == "修改")
    assert [(c.field, c.new) for c in home_change.changes] == [("财政归属（所属县区）", str(new_home))]


# -- navigation ---------------------------------------------------------------------------


def test_navigation_by_role_with_name_role_and_a_logout_form(client, demo_registry):
    _client(client, "city_admin")
    html = client.get(LIST).content.decode()
    assert '<a href="/registry/enterprises/" aria-current="page">企业库</a>' in html
    assert "张敏" in html and "市工信局管理员" in html
    assert f'<form class="account-logout" method="post" action="{reverse("logout")}">' in html
    try:
        imports = reverse("registry:import-home")
    except NoReverseMatch:
        imports = None
    if imports:  # the import pages are another change; the link follows their URL
        assert f'href="{imports}"' in html
    _client(client, "district_410305")
    html = client.get(LIST).content.decode()
    assert "数据导入" not in html and "企业库" in html


def test_a_missing_url_leaves_its_link_out_instead_of_breaking_pages(client, demo_registry, monkeypatch, request):
    real = context_processors.reverse

    def without_imports(name, *args, **kwargs):
        if name == "registry:import-home":
            raise NoReverseMatch(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(context_processors, "reverse", without_imports)
    context_processors._url.cache_clear()  # the menu's URLs are kept per process
    request.addfinalizer(context_processors._url.cache_clear)
    _client(client, "city_admin")
    response = client.get(LIST)
    assert response.status_code == 200
    assert "数据导入" not in response.content.decode()


def test_logout_is_a_post(client, demo_registry):
    _client(client, "city_admin")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(LIST).status_code == 302  # signed out


def test_the_rows_escape_what_they_show():
    import datetime as dt

    from zjtx.registry.selectors import EnterpriseRow, TierBadge
    from zjtx.registry.templatetags.enterprise_rows import enterprise_rows

    row = EnterpriseRow(pk=7, url="/registry/enterprises/7/", name="<script>x</script>有限公司",
                        uscc="91410300MA00000007", jurisdiction="涧西区", jurisdiction_note="原\"某\"区",
                        industry="", tiers=(TierBadge("city", "市级", dt.date(2027, 1, 1)),), latest_label="",
                        status="")
    html = str(enterprise_rows([row]))
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;有限公司" in html
    assert "原&quot;某&quot;区" in html and 'title="有效期至2027-01-01"' in html
    assert html.count("<tr") == 1 and html.count("—") == 3  # industry, latest, status
