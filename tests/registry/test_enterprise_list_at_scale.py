"""The enterprise list as shaped for 200,000 enterprises (benchmarks/web.py) gives
exactly what plain queries give: the denormalised latest recognition date, the
per-tier counts, the industry options, every order, the name search and the rows
of the columns kept in memory (facets.py). Runs on SQLite and on PostgreSQL (where
the triggers differ)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Max
from django.db.models.functions import Coalesce
from django.utils import timezone

from zjtx.accounts.scope import enterprises_visible_to
from zjtx.registry import models, selectors
from zjtx.registry.selectors import EnterpriseFilters

from . import factories

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat


def _latest(ent) -> dt.date | None:
    return models.Enterprise.objects.values_list("latest_recognition_on", flat=True).get(pk=ent.pk)


# -- Enterprise.latest_recognition_on, kept by the database ------------------------------


def test_latest_recognition_follows_inserts_updates_and_deletes():
    a, b = factories.enterprise("洛阳甲科技有限公司"), factories.enterprise("洛阳乙科技有限公司")
    assert _latest(a) is None
    first = factories.recognition(a, "innovative", on="2023-06-16", to="2026-06-15")
    assert _latest(a) == D("2023-06-16")
    factories.recognition(a, "provincial", on="2022-12-20", to="2025-12-19")  # earlier: no change
    assert _latest(a) == D("2023-06-16")
    first.announced_on = D("2024-06-28")
    first.save()
    assert _latest(a) == D("2024-06-28")
    first.enterprise = b  # moved: both enterprises change
    first.save()
    assert (_latest(a), _latest(b)) == (D("2022-12-20"), D("2024-06-28"))
    models.Recognition.objects.filter(enterprise=a).delete()
    assert _latest(a) is None
    models.Recognition.objects.filter(enterprise=b).update(announced_on=D("2024-07-01"))  # no signals
    assert _latest(b) == D("2024-07-01")


def test_latest_recognition_after_bulk_inserts():
    ents = [factories.enterprise(f"洛阳批量{i}科技有限公司") for i in range(3)]
    models.Recognition.objects.bulk_create([
        models.Recognition(enterprise=e, tier="innovative", announced_on=D(f"202{i}-03-01"),
                           valid_to=D(f"202{i + 3}-02-28")) for i, e in enumerate(ents) for _ in range(1)]
        + [models.Recognition(enterprise=ents[0], tier="city", announced_on=D("2025-01-01"), valid_to=D("2027-12-31"))])
    assert [_latest(e) for e in ents] == [D("2025-01-01"), D("2021-03-01"), D("2022-03-01")]


def test_recognitions_written_before_their_enterprise():
    # Imports on PostgreSQL insert a list's new enterprises after its recognitions,
    # in one transaction (foreign keys are checked at commit).
    from django.db import transaction

    pk = (models.Enterprise.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000
    with transaction.atomic():
        models.Recognition.objects.create(enterprise_id=pk, tier="city", announced_on=D("2025-01-01"),
                                          valid_to=D("2027-12-31"))
        models.Enterprise.objects.create(pk=pk, name="洛阳后到科技有限公司", uscc=factories.make_uscc(),
                                         fiscal_home=factories.jurisdiction("410305"))
    assert _latest(models.Enterprise(pk=pk)) == D("2025-01-01")


def test_a_stale_enterprise_instance_cannot_undo_it():
    ent = factories.enterprise()
    stale = models.Enterprise.objects.get(pk=ent.pk)  # loaded before the recognition
    factories.recognition(ent, on="2023-12-22", to="2026-12-21")
    stale.address = "河南省洛阳市涧西区建设路1号"
    stale.save()
    assert _latest(ent) == D("2023-12-22")
    models.Enterprise.objects.filter(pk=ent.pk).update(latest_recognition_on=D("2000-01-01"))
    assert _latest(ent) == D("2023-12-22")
    # Nor does it show in the history: a derived column.
    assert "latest_recognition_on" not in {f.name for f in models.Enterprise.history.model._meta.fields}


def test_demo_registry_latest_matches_the_aggregate(demo_registry):
    mismatched = (models.Enterprise.objects.annotate(m=Max("recognitions__announced_on"))
                  .exclude(latest_recognition_on=F("m")).exclude(m=None, latest_recognition_on=None))
    assert not mismatched.exists()
    assert models.Enterprise.objects.exclude(latest_recognition_on=None).count() == (
        models.Recognition.objects.values("enterprise").distinct().count())


# -- the list's queries against the plain ones -------------------------------------------


def _user(username):
    return get_user_model().objects.get(username=username)


@pytest.mark.parametrize("sort", ["recognized", "-recognized"])
def test_latest_recognition_sort_is_the_aggregates_order(demo_registry, sort):
    user = _user("city_admin")
    matches = selectors.filtered_enterprises(user=user, filters=EnterpriseFilters(), today=timezone.localdate())
    latest = Max("recognitions__announced_on")
    first = F("m").desc(nulls_last=True) if sort.startswith("-") else F("m").asc(nulls_last=True)
    plain = list(matches.annotate(m=latest).order_by(first, "name_key", "pk").values_list("pk", flat=True))
    assert list(selectors._ordered_pks(matches, sort)) == plain


@pytest.mark.parametrize("username", ["city_admin", "district_410305", "county_410323", "enterprise_demo",
                                      "investor_demo", "operator_demo"])
def test_tier_counts_and_industries_are_the_plain_ones(client, demo_registry, username):
    user = _user(username)
    client.force_login(user)
    visible = enterprises_visible_to(user)
    today = timezone.localdate()
    for params in ({}, {"industry": "C34 通用设备制造业"}, {"q": "科技"}, {"tier": "national"}):
        listing = client.get("/registry/enterprises/", params).context["listing"]
        matches = selectors.filtered_enterprises(user=user, filters=listing.filters, today=today)
        plain = dict(models.Recognition.objects.filter(announced_on__lte=today, valid_to__gte=today,
                                                       enterprise__in=matches.values("pk"))
                     .values_list("tier").annotate(n=Count("enterprise", distinct=True)).order_by())
        assert {t.tier: t.count for t in listing.tier_counts} == {t: plain.get(t, 0) for t in selectors.TIER_ORDER}
        industries = list(visible.exclude(industry="").order_by("industry").values_list("industry", flat=True)
                          .distinct())
        assert [o.value for o in listing.industries] == industries


@pytest.mark.parametrize("sort", ["name", "-name"])
@pytest.mark.parametrize("q", ["耐火", "洛阳", "科技有限公司", "有限责任公司", "（", "轴", "91410305", "没有这家企业"])
def test_name_search_is_the_plain_substring_match(client, demo_registry, q, sort):
    client.force_login(_user("city_admin"))
    listing = client.get("/registry/enterprises/", {"q": q, "sort": sort}).context["listing"]
    key = selectors.normalise_name(q)
    code = selectors.clean_uscc(q)
    plain = models.Enterprise.objects.filter(name_key__contains=key)
    if selectors._CODE_LIKE.fullmatch(code):
        plain = plain | models.Enterprise.objects.filter(uscc__startswith=code)
    assert listing.total == plain.count()
    name = "-name_key" if sort.startswith("-") else "name_key"
    assert [r.pk for r in listing.rows] == list(plain.order_by(name, "pk").values_list(
        "pk", flat=True)[:selectors.PAGE_SIZE])


# -- the kept columns (facets.py) against the plain query --------------------------------


def _plain_order(matches, sort: str) -> list[int]:
    """The list's order as plain ORDER BYs: the first key flips, name_key and pk do not."""
    key, descending = sort.lstrip("-"), sort.startswith("-")
    firsts = {"name": F("name_key"), "uscc": F("uscc"),
              "jurisdiction": F("c"), "recognized": F("latest_recognition_on")}
    first = firsts[key].desc(nulls_last=True) if descending else firsts[key].asc(nulls_last=True)
    qs = matches.annotate(c=Coalesce("fiscal_home__successor__code", "fiscal_home__code"))
    return list(qs.order_by(first, "name_key", "pk").values_list("pk", flat=True))


@pytest.mark.parametrize("username", ["city_admin", "district_410305"])
@pytest.mark.parametrize("sort", ["name", "-name", "uscc", "-uscc", "jurisdiction", "-jurisdiction",
                                  "recognized", "-recognized"])
def test_kept_columns_give_the_plain_pages_in_every_order(client, demo_registry, username, sort):
    user = _user(username)
    client.force_login(user)
    today = timezone.localdate()
    for params in ({}, {"q": "科技"}, {"q": "9141"}, {"tier": "city", "status": "none"},
                   {"jurisdiction": "410305", "industry": "C34 通用设备制造业"}):
        filters = EnterpriseFilters.from_query({"sort": sort, **params})
        plain = _plain_order(selectors.filtered_enterprises(user=user, filters=filters, today=today), sort)
        pages = -(-len(plain) // selectors.PAGE_SIZE)
        for number in sorted({1, 2, pages}):
            listing = client.get("/registry/enterprises/", {**params, "sort": sort, "page": number}).context["listing"]
            start = (listing.page.number - 1) * selectors.PAGE_SIZE
            assert listing.total == len(plain), params
            assert [r.pk for r in listing.rows] == plain[start:start + selectors.PAGE_SIZE], (params, number)


def test_kept_columns_follow_every_write(client, demo_registry):
    client.force_login(_user("city_admin"))

    def total(**params):
        return client.get("/registry/enterprises/", params).context["listing"].total

    before = total(q="晨曦新材")
    ent = factories.enterprise("洛阳晨曦新材科技有限公司")
    assert total(q="晨曦新材") == before + 1
    national = total(tier="national")
    factories.recognition(ent, "national", on="2025-07-01", to="2028-06-30")
    assert total(tier="national") == national + 1
    models.Enterprise.objects.filter(pk=ent.pk).update(name="洛阳晨光机械有限公司", name_key="洛阳晨光机械有限公司")
    assert total(q="晨曦新材") == before


@pytest.mark.parametrize("params", [{}, {"sort": "-recognized"}, {"status": "listed"}, {"status": "neeq"},
                                    {"jurisdiction": "410307"}, {"tier": "national", "page": 2}])
def test_kept_rows_are_the_databases(client, demo_registry, params):
    """The rows shown from the kept columns equal those read from the database."""
    client.force_login(_user("city_admin"))
    listing = client.get("/registry/enterprises/", params).context["listing"]
    assert listing.rows
    kept = selectors.facets.kept()
    from_db = selectors._rows(selectors._facts([r.pk for r in listing.rows]), listing.today, kept.homes())
    assert listing.rows == from_db
