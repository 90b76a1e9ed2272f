"""The enterprise list's kept counts (facets.py) and the stamp that invalidates them
(RegistryStamp, migration 0006).

- Every kind of write of enterprises, recognitions and jurisdictions changes the
  stamp (ORM, querysets, bulk writes, raw SQL, an import); other tables do not.
- The stamp row comes back when it is missing, and the triggers stamp it again.
- facets.counts gives what plain ORM counts give, for every kind of filter.
- A write, or another day, is seen by the very next count and by the list page.

Runs on SQLite (row triggers) and PostgreSQL (statement triggers, COPY in imports)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from zjtx.registry import facets, models
from zjtx.registry.models import RegistryStamp

from . import factories
from .imports.helpers import REC_HEADINGS, headings, run, write_csv

pytestmark = pytest.mark.django_db

D = dt.date.fromisoformat
TIERS = ("innovative", "city", "provincial", "national")


def _stamp() -> int | None:
    """The stamp row as the database holds it (None: no row), read without the model."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT stamp FROM registry_registrystamp WHERE id = 1")
        row = cursor.fetchone()
    return None if row is None else row[0]


def _counts(**kw) -> facets.Counts:
    """facets.counts as the list page asks it: with the registry's kept copy of the
    moment (facets.kept(), which reads the stamp)."""
    return facets.counts(kept=facets.kept(), **kw)


def _raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


def _homes(code: str) -> list[int]:
    """A current jurisdiction's pk with those of the retired codes that became it."""
    return list(models.Jurisdiction.objects.filter(Q(code=code) | Q(successor__code=code) | Q(parent__code=code))
                .values_list("pk", flat=True))


def _plain(*, today: dt.date, scope=None, homes=None, industry: str = "", status: str = "",
           tier: str = "") -> facets.Counts:
    """What facets.counts should say, counted row by row with the ORM."""
    visible = models.Enterprise.objects.all()
    if scope is not None:
        visible = visible.filter(fiscal_home__in=scope)
    matches = visible
    if homes is not None:
        matches = matches.filter(fiscal_home__in=homes)
    if industry:
        matches = matches.filter(industry=industry)
    if status == "listed":
        matches = matches.filter(listed=True)
    elif status == "neeq":
        matches = matches.filter(listed=False).exclude(neeq_layer="")
    elif status == "none":
        matches = matches.filter(listed=False, neeq_layer="")
    valid = models.Recognition.objects.filter(announced_on__lte=today, valid_to__gte=today)
    if tier:
        matches = matches.filter(pk__in=valid.filter(tier=tier).values("enterprise_id"))
    tiers = {t: matches.filter(pk__in=valid.filter(tier=t).values("enterprise_id")).count() for t in TIERS}
    industries = sorted(set(visible.exclude(industry="").values_list("industry", flat=True)))
    return facets.Counts(matches.count(), visible.count(), tiers, industries)


# -- the stamp: every write of the registry changes it -------------------------------------


@pytest.fixture
def rows():
    """An enterprise with a recognition, one that nothing refers to, and a zone, all
    written before the test reads the stamp."""
    ent = factories.enterprise("洛阳戳记科技有限公司", industry="C34 通用设备制造业")
    spare = factories.enterprise("洛阳戳记备用有限公司")
    rec = factories.recognition(ent, "provincial", on="2024-01-10", to="2027-01-09")
    zone = models.Jurisdiction.objects.create(code="TEST-ZONE", name="测试园区", kind="zone", funding="city100")
    return SimpleNamespace(ent=ent, spare=spare, rec=rec, zone=zone)


def _save(obj, **changes):
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.save()


WRITES = {
    # the ORM, one object at a time
    "enterprise-create": lambda r: factories.enterprise("洛阳戳记新建有限公司"),
    "enterprise-save": lambda r: _save(r.ent, contact_name="王五"),
    "enterprise-delete": lambda r: r.spare.delete(),
    "recognition-create": lambda r: factories.recognition(r.spare, "city", on="2024-03-01", to="2027-02-28"),
    "recognition-save": lambda r: _save(r.rec, batch="2024年第二批"),
    "recognition-delete": lambda r: r.rec.delete(),
    "jurisdiction-create": lambda r: models.Jurisdiction.objects.create(
        code="TEST-ZONE-2", name="测试二园区", kind="zone", funding="city100"),
    "jurisdiction-save": lambda r: _save(r.zone, alt_names="测试区"),
    "jurisdiction-delete": lambda r: r.zone.delete(),
    # querysets: no save(), no signals
    "enterprise-queryset-update": lambda r: models.Enterprise.objects.filter(pk=r.ent.pk).update(industry="Z99 测试"),
    "recognition-queryset-update": lambda r: models.Recognition.objects.filter(pk=r.rec.pk).update(
        valid_to=D("2026-01-09")),
    "jurisdiction-queryset-update": lambda r: models.Jurisdiction.objects.filter(pk=r.zone.pk).update(
        alt_names="测试区"),
    "enterprise-queryset-delete": lambda r: models.Enterprise.objects.filter(pk=r.spare.pk).delete(),
    "recognition-queryset-delete": lambda r: models.Recognition.objects.filter(pk=r.rec.pk).delete(),
    "jurisdiction-queryset-delete": lambda r: models.Jurisdiction.objects.filter(pk=r.zone.pk).delete(),
    # bulk writes
    "enterprise-bulk-create": lambda r: models.Enterprise.objects.bulk_create([models.Enterprise(
        name="洛阳戳记批量有限公司", name_key="洛阳戳记批量有限公司", uscc=factories.make_uscc(),
        fiscal_home=r.ent.fiscal_home)]),
    "recognition-bulk-create": lambda r: models.Recognition.objects.bulk_create([models.Recognition(
        enterprise=r.spare, tier="innovative", announced_on=D("2024-06-01"), valid_to=D("2027-05-31"))]),
    "jurisdiction-bulk-create": lambda r: models.Jurisdiction.objects.bulk_create([models.Jurisdiction(
        code="TEST-ZONE-3", name="测试三园区", kind="zone", funding="city100")]),
    "enterprise-bulk-update": lambda r: models.Enterprise.objects.bulk_update(
        [models.Enterprise(pk=r.ent.pk, industry="Z99 测试")], ["industry"]),
    "recognition-bulk-update": lambda r: models.Recognition.objects.bulk_update(
        [models.Recognition(pk=r.rec.pk, batch="2024年第二批")], ["batch"]),
    # raw SQL through the connection's cursor
    "enterprise-raw-update": lambda r: _raw(
        "UPDATE registry_enterprise SET industry = %s WHERE id = %s", ["Z99 测试", r.ent.pk]),
    "recognition-raw-update": lambda r: _raw(
        "UPDATE registry_recognition SET valid_to = %s WHERE id = %s", [D("2026-01-09"), r.rec.pk]),
    "jurisdiction-raw-update": lambda r: _raw(
        "UPDATE registry_jurisdiction SET alt_names = %s WHERE id = %s", ["测试区", r.zone.pk]),
    "recognition-raw-delete": lambda r: _raw("DELETE FROM registry_recognition WHERE id = %s", [r.rec.pk]),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_kind_of_registry_write_changes_the_stamp(rows, write):
    before = _stamp()
    assert before is not None and RegistryStamp.current() == before
    write(rows)
    after = _stamp()
    assert after is not None and after != before
    assert RegistryStamp.current() == after


def test_each_write_gives_a_new_stamp(rows):
    seen = [_stamp()]
    for value in ("甲", "乙", "丙"):
        _save(rows.ent, contact_name=value)
        seen.append(_stamp())
    assert len(set(seen)) == 4, seen


UNRELATED = {
    "investor-create": lambda r: models.Investor.objects.create(name="洛阳戳记创投有限公司", kind="investment_company"),
    "investor-update": lambda r: models.Investor.objects.filter(pk=r.investor.pk).update(amac_code="SXX999"),
    "investor-delete": lambda r: r.investor.delete(),
    "history-update": lambda r: models.Enterprise.history.filter(id=r.ent.pk).update(contact_name="王五"),
    "importlog-create": lambda r: models.ImportLog.objects.create(kind="enterprises", actor="测试"),
    "counts": lambda r: _counts(today=timezone.localdate(), scope=None),
    "registry-reads": lambda r: (list(models.Enterprise.objects.all()[:5]), models.Recognition.objects.count()),
}


@pytest.mark.parametrize("write", UNRELATED.values(), ids=UNRELATED.keys())
def test_writes_elsewhere_and_reads_leave_the_stamp_alone(rows, write):
    rows.investor = models.Investor.objects.create(name="洛阳戳记投资有限公司", kind="investment_company")
    before = _stamp()
    write(rows)
    assert _stamp() == before


def test_a_rolled_back_write_takes_its_stamp_with_it(rows):
    before = _stamp()
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        _save(rows.ent, industry="Z99 测试")
        inside = _stamp()
        assert inside != before
        1 / 0  # noqa: B018
    assert _stamp() == before
    _save(rows.ent, contact_name="王五")
    assert _stamp() not in (before, inside)


@pytest.mark.postgres
def test_truncate_changes_the_stamp_on_postgresql(rows):
    _raw("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE refuses a table with foreign-key checks pending
    before = _stamp()
    _raw("TRUNCATE registry_recognition CASCADE")
    assert _stamp() != before
    assert not models.Recognition.objects.exists()


# -- the stamp through an import -------------------------------------------------------


@pytest.fixture
def importing(settings, tmp_path):
    """As tests/registry/imports/conftest.py: follow-up tasks run at once, uploads in tmp."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.ZJTX_IMPORT_ROOT = tmp_path / "uploads"
    return tmp_path


def _recognitions_file(tmp_path, *, new_a: str, new_b: str):
    return write_csv(tmp_path / "认定名单.csv", REC_HEADINGS, [
        [1, "洛阳戳记导入甲有限公司", new_a, "涧西区", "省级专精特新中小企业", "2024年第一批", "2024-05-01", "2027-04-30"],
        [2, "洛阳戳记导入乙有限公司", new_b, "偃师市", "创新型中小企业", "", "2024-05-01", ""],
    ])


def test_an_import_changes_the_stamp_and_the_counts(importing):
    today = D("2024-06-01")
    before_counts = _counts(today=today, scope=None, tier="provincial")
    before = _stamp()
    a, b = factories.make_uscc("410305", 7101), factories.make_uscc("410381", 7102)
    rc, out = run("recognitions", _recognitions_file(importing, new_a=a, new_b=b))
    assert rc == 0, out
    assert out[-1] == "import recognitions: 2 rows, 2 created, 0 updated, 0 errors"
    assert _stamp() != before
    after = _counts(today=today, scope=None, tier="provincial")
    assert after.total == before_counts.total + 1
    assert after.scope_total == before_counts.scope_total + 2
    assert after == _plain(today=today, tier="provincial")


def test_an_import_that_only_updates_changes_the_stamp(importing):
    ent = factories.enterprise("洛阳戳记更新有限公司", industry="C34 通用设备制造业")
    today = timezone.localdate()
    assert _counts(today=today, scope=None, industry="Z98 导入行业").total == 0
    before = _stamp()
    row = {"企业名称": ent.name, "统一社会信用代码": ent.uscc, "所属县区": "涧西区", "所属行业": "Z98 导入行业"}
    path = write_csv(importing / "企业名录.csv", headings("enterprises"),
                     [[row.get(h) for h in headings("enterprises")]])
    rc, out = run("enterprises", path)
    assert out[-1] == "import enterprises: 1 rows, 0 created, 1 updated, 0 errors", out
    assert _stamp() != before
    assert _counts(today=today, scope=None, industry="Z98 导入行业").total == 1


@pytest.mark.parametrize("how", ["dry-run", "refused"])
def test_an_import_that_writes_nothing_leaves_the_stamp_alone(importing, how):
    a = factories.make_uscc("410305", 7103)
    b = factories.make_uscc("410381", 7104) if how == "dry-run" else "91410305MA0EXAM01X"  # bad check digit
    path = _recognitions_file(importing, new_a=a, new_b=b)
    before = _stamp()
    rc, out = run("recognitions", path, *(["--dry-run"] if how == "dry-run" else []))
    assert rc == (0 if how == "dry-run" else 1), out
    assert _stamp() == before
    assert not models.Enterprise.objects.filter(uscc=a).exists()


def test_an_import_of_platforms_leaves_the_stamp_alone(importing):
    row = {"运营机构名称": "洛阳戳记服务有限公司", "统一社会信用代码": factories.make_uscc("410311", 7105),
           "所属县区": "洛龙区", "平台（基地）名称": "洛阳戳记公共服务平台", "荣誉类型": "中小企业公共服务平台",
           "级别": "省级", "认定时间": "2023-09-01"}
    path = write_csv(importing / "平台.csv", headings("platforms"), [[row.get(h) for h in headings("platforms")]])
    before = _stamp()
    rc, out = run("platforms", path)
    assert out[-1] == "import platforms: 1 rows, 1 created, 0 updated, 0 errors", out
    assert models.ServiceOperator.objects.filter(name="洛阳戳记服务有限公司").exists()
    assert _stamp() == before


# -- the stamp row comes back --------------------------------------------------------------


def test_current_recreates_a_missing_row_and_the_triggers_stamp_it_again(rows):
    today = timezone.localdate()
    kept = _counts(today=today, scope=None)  # cells kept under the old stamp
    RegistryStamp.objects.all().delete()
    assert _stamp() is None
    factories.enterprise("洛阳戳记无行有限公司")  # no row to stamp: no error, nothing stamped
    assert _stamp() is None

    first = RegistryStamp.current()
    assert _stamp() == first and RegistryStamp.objects.count() == 1
    assert RegistryStamp.current() == first  # nothing written since
    # The write made while the row was missing is counted all the same.
    assert _counts(today=today, scope=None).total == kept.total + 1

    _save(rows.ent, industry="Z97 回来")
    second = _stamp()
    assert second is not None and second != first
    assert RegistryStamp.current() == second
    models.Recognition.objects.filter(pk=rows.rec.pk).update(valid_to=D("2026-06-30"))
    assert _stamp() not in (first, second)
    assert _counts(today=today, scope=None, industry="Z97 回来").total == 1


# -- facets.counts against plain ORM counts on the demo registry ---------------------------


CASES = {
    "city": {},
    "city-home-with-retired-code": {"homes": "410307"},
    "city-home-with-two-retired-codes": {"homes": "410308"},
    "city-industry": {"industry": "C34 通用设备制造业"},
    "city-listed": {"status": "listed"},
    "city-neeq": {"status": "neeq"},
    "city-none": {"status": "none"},
    "city-innovative": {"tier": "innovative"},
    "city-city": {"tier": "city"},
    "city-provincial": {"tier": "provincial"},
    "city-national": {"tier": "national"},
    "city-everything": {"homes": "410305", "industry": "C34 通用设备制造业", "status": "none", "tier": "provincial"},
    "yanshi": {"scope": "410307"},
    "yanshi-home": {"scope": "410307", "homes": "410307"},
    "yanshi-other-home": {"scope": "410307", "homes": "410305"},
    "yanshi-national": {"scope": "410307", "tier": "national"},
    "yanshi-none-innovative": {"scope": "410307", "status": "none", "tier": "innovative"},
    "mengjin-provincial": {"scope": "410308", "tier": "provincial"},
    "xinan-industry": {"scope": "410323", "industry": "C34 通用设备制造业"},
    "xinan-neeq": {"scope": "410323", "status": "neeq"},
}
DAYS = {"today": None, "2023-06-30": D("2023-06-30"), "2021-01-01": D("2021-01-01")}


@pytest.mark.parametrize("day", DAYS.values(), ids=DAYS.keys())
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_counts_are_the_plain_counts(demo_registry, case, day):
    today = day or timezone.localdate()
    scope = _homes(case["scope"]) if "scope" in case else None
    homes = _homes(case["homes"]) if "homes" in case else None
    kw = {k: case.get(k, "") for k in ("industry", "status", "tier")}
    expected = _plain(today=today, scope=scope, homes=homes, **kw)
    assert expected.scope_total > 0
    assert _counts(today=today, scope=scope, homes=homes, **kw) == expected


def test_the_demo_cases_are_not_empty(demo_registry):
    """The cases above compare real numbers: each kind of filter matches someone."""
    today = timezone.localdate()
    yanshi = _homes("410307")
    assert len(yanshi) == 2 and models.Enterprise.objects.filter(fiscal_home__code="410381").exists()
    assert _counts(today=today, scope=yanshi).scope_total == models.Enterprise.objects.filter(
        fiscal_home__code__in=("410307", "410381")).count()
    for status in ("listed", "neeq", "none"):
        assert _plain(today=today, status=status).total > 0, status
    for tier in TIERS:
        assert _plain(today=D("2023-06-30"), tier=tier).total > 0, tier
    assert _plain(today=today, industry="C34 通用设备制造业", homes=_homes("410305")).total > 0


# -- the kept cells follow the registry and the day -----------------------------------------


def _without(tier: str, home: str, today: dt.date) -> models.Enterprise:
    """An enterprise of `home` holding no recognition of `tier` valid on `today`."""
    valid = models.Recognition.objects.filter(tier=tier, announced_on__lte=today, valid_to__gte=today)
    return (models.Enterprise.objects.filter(fiscal_home__code=home).exclude(pk__in=valid.values("enterprise_id"))
            .order_by("pk").first())


def test_a_new_recognition_is_in_the_next_counts(demo_registry):
    today = timezone.localdate()
    xinan = _homes("410323")
    city_before = _counts(today=today, scope=None, tier="national")
    local_before = _counts(today=today, scope=xinan)
    ent = _without("national", "410323", today)
    factories.recognition(ent, "national", on=(today - dt.timedelta(days=3)).isoformat(),
                          to=(today + dt.timedelta(days=400)).isoformat())
    city_after = _counts(today=today, scope=None, tier="national")
    local_after = _counts(today=today, scope=xinan)
    assert city_after.total == city_before.total + 1
    assert local_after.tiers["national"] == local_before.tiers["national"] + 1
    assert local_after.total == local_before.total  # no new enterprise
    assert city_after == _plain(today=today, tier="national")
    assert local_after == _plain(today=today, scope=xinan)


def test_a_changed_industry_is_in_the_next_counts(demo_registry):
    today = timezone.localdate()
    old = "C34 通用设备制造业"
    before = _counts(today=today, scope=None, industry=old)
    assert "Z96 新行业" not in before.industries
    ent = models.Enterprise.objects.filter(industry=old).order_by("pk").first()
    _save(ent, industry="Z96 新行业")
    assert _counts(today=today, scope=None, industry=old).total == before.total - 1
    moved = _counts(today=today, scope=None, industry="Z96 新行业")
    assert moved.total == 1 and "Z96 新行业" in moved.industries
    # Raw SQL, behind the ORM's back, is seen as well.
    _raw("UPDATE registry_enterprise SET industry = %s WHERE id = %s", [old, ent.pk])
    assert _counts(today=today, scope=None, industry="Z96 新行业").total == 0
    assert _counts(today=today, scope=None, industry=old) == before


def test_a_changed_listing_status_is_in_the_next_counts(demo_registry):
    today = timezone.localdate()
    before = _counts(today=today, scope=None, status="listed")
    ent = models.Enterprise.objects.filter(listed=False, neeq_layer="").order_by("pk").first()
    models.Enterprise.objects.filter(pk=ent.pk).update(listed=True, exchange="深圳证券交易所")
    after = _counts(today=today, scope=None, status="listed")
    assert after.total == before.total + 1
    assert after == _plain(today=today, status="listed")


def test_validity_is_that_of_the_day_asked(demo_registry):
    days = {"before": D("2024-01-09"), "first": D("2024-01-10"), "after": D("2024-07-01"), "last": D("2024-06-30")}
    ent = factories.enterprise("洛阳戳记有效期有限公司", home="410323")
    before = {name: _counts(today=day, scope=None, tier="city") for name, day in days.items()}
    factories.recognition(ent, "city", on="2024-01-10", to="2024-06-30")
    # Asked in an order that changes the day at each call (the cells are kept per day).
    for name in ("last", "after", "before", "first", "after", "last"):
        got = _counts(today=days[name], scope=None, tier="city")
        held = name in ("first", "last")
        assert got.total == before[name].total + held, name
        assert got == _plain(today=days[name], tier="city"), name


def test_overlapping_recognitions_of_one_tier_count_once(demo_registry):
    """A review announced before the first recognition runs out: two valid provincial
    recognitions on the day, one enterprise holding one tier (not two, not another)."""
    day = D("2025-12-15")
    before = {t: _counts(today=day, scope=None, tier=t).total for t in TIERS}
    ent = factories.enterprise("洛阳戳记复核有限公司", home="410323")
    factories.recognition(ent, "provincial", on="2022-12-20", to="2025-12-19")
    factories.recognition(ent, "provincial", kind="review", on="2025-12-01", to="2028-11-30")
    factories.recognition(ent, "innovative", on="2023-06-16", to="2026-06-15")
    factories.recognition(ent, "innovative", kind="review", on="2025-06-16", to="2028-06-15")
    after = {t: _counts(today=day, scope=None, tier=t) for t in TIERS}
    assert {t: c.total - before[t] for t, c in after.items()} == {
        "innovative": 1, "city": 0, "provincial": 1, "national": 0}
    for tier, got in after.items():
        assert got == _plain(today=day, tier=tier), tier


def test_a_rolled_back_write_is_not_counted_afterwards(demo_registry):
    today = timezone.localdate()
    before = _counts(today=today, scope=None)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        factories.enterprise("洛阳戳记回滚有限公司", home="410323")
        assert _counts(today=today, scope=None).total == before.total + 1
        1 / 0  # noqa: B018
    assert _counts(today=today, scope=None) == before


def test_an_unchanged_registry_is_answered_from_the_kept_cells(demo_registry, django_assert_num_queries):
    today = timezone.localdate()
    jianxi = _homes("410305")
    _counts(today=today, scope=None)
    with django_assert_num_queries(1):  # the stamp, nothing else
        again = _counts(today=today, scope=jianxi, tier="provincial")
    assert again == _plain(today=today, scope=jianxi, tier="provincial")


# -- the list page ------------------------------------------------------------------------------


def _listing(client, username, params=None):
    client.force_login(get_user_model().objects.get(username=username))
    response = client.get("/registry/enterprises/", params or {})
    assert response.status_code == 200
    return response.context["listing"], response.content.decode()


@pytest.mark.parametrize("username", ["city_admin", "county_410323"])
def test_the_list_shows_a_new_enterprise_at_once(client, demo_registry, username):
    before, _ = _listing(client, username)
    factories.enterprise("洛阳戳记列表有限公司", home="410323")
    after, html = _listing(client, username)
    assert after.total == before.total + 1
    visible = models.Enterprise.objects.all()
    if username != "city_admin":
        visible = visible.filter(fiscal_home__in=_homes("410323"))
    assert after.total == visible.count()
    assert f'<strong class="count">{after.total:,}</strong>' in html
    # Not in the next county's list.
    assert _listing(client, "district_410305")[0].total == models.Enterprise.objects.filter(
        fiscal_home__in=_homes("410305")).count()


@pytest.mark.parametrize("username", ["city_admin", "county_410323"])
def test_the_list_shows_a_new_recognition_at_once(client, demo_registry, username):
    today = timezone.localdate()
    before, _ = _listing(client, username, {"tier": "provincial"})
    ent = _without("provincial", "410323", today)
    factories.recognition(ent, "provincial", on=(today - dt.timedelta(days=2)).isoformat(),
                          to=(today + dt.timedelta(days=300)).isoformat())
    after, html = _listing(client, username, {"tier": "provincial"})
    assert after.total == before.total + 1
    counts = {t.tier: t.count for t in after.tier_counts}
    assert counts["provincial"] == after.total
    assert f'<strong class="count">{after.total:,}</strong>' in html


def test_the_list_shows_a_raw_sql_industry_change_at_once(client, demo_registry):
    before, _ = _listing(client, "city_admin", {"industry": "Z95 原始行业"})
    assert before.total == 0 and "Z95 原始行业" not in [o.value for o in before.industries]
    ent = models.Enterprise.objects.order_by("pk").first()
    _raw("UPDATE registry_enterprise SET industry = %s WHERE id = %s", ["Z95 原始行业", ent.pk])
    after, html = _listing(client, "city_admin", {"industry": "Z95 原始行业"})
    assert after.total == 1 and [r.pk for r in after.rows] == [ent.pk]
    assert "Z95 原始行业" in [o.value for o in after.industries]
    assert '<strong class="count">1</strong>' in html
