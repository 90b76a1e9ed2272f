"""`zjtx demo`: the synthetic Luoyang registry at the city's real scale, the same on
every run, loaded once, with one account per role, and something the engine can
evaluate from end to end."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from stdnum.cn import uscc

from zjtx.accounts.models import Profile, Role
from zjtx.accounts.scope import enterprises_visible_to
from zjtx.policy.engine import evaluate_document
from zjtx.registry import demo, models
from zjtx.registry.facts_export import registry_facts

from .factories import enterprise

pytestmark = pytest.mark.django_db

# -- without the demo (these run before the module's demo load) -------------------


def test_a_fresh_database_has_no_demo_accounts():
    """Migrations never create them: a published password must not reach production."""
    assert not get_user_model().objects.filter(username__in=demo.DEMO_USERNAMES).exists()


def test_if_empty_does_nothing_and_a_registry_with_other_enterprises_is_refused():
    enterprise(name="洛阳真实企业有限公司")
    out = StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "未载入演示数据" in out.getvalue()
    assert models.Enterprise.objects.count() == 1
    with pytest.raises(demo.DemoRefused, match="非演示数据"):
        demo.load_demo()
    assert models.Enterprise.objects.count() == 1
    assert not get_user_model().objects.filter(username__in=demo.DEMO_USERNAMES).exists()


def test_the_build_is_the_same_in_another_process():
    """No set order or hash seed leaks into the data: a fresh interpreter with a
    different PYTHONHASHSEED builds exactly the same rows."""
    code = ("import django; django.setup(); "
            "from zjtx.registry.demo import build_demo; print(build_demo().digest())")
    env = {**os.environ, "PYTHONHASHSEED": "4242", "DJANGO_SETTINGS_MODULE": "zjtx.settings"}
    other = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert other.stdout.strip() == demo.build_demo().digest()
    assert demo.build_demo(seed=1).digest() != demo.build_demo().digest()


# -- on the demo registry ---------------------------------------------------------


def _tier_counts() -> dict[str, int]:
    return {tier: models.Recognition.objects.filter(tier=tier).values("enterprise").distinct().count()
            for tier in ("innovative", "city", "provincial", "national")}


def test_counts_by_tier_are_at_luoyangs_scale(demo_registry):
    counts = _tier_counts()
    assert 1350 <= counts["innovative"] <= 1450  # 2025: 1,404 创新型
    assert counts["city"] == 230  # the first city list: 226, and a supplement
    assert models.Recognition.objects.filter(tier="city", batch__contains="第一批").count() == 226
    assert 470 <= counts["provincial"] <= 490  # 482 专精特新
    assert counts["national"] == 56  # 56 小巨人
    nationals = set(models.Recognition.objects.filter(tier="national").values_list("enterprise", flat=True))
    provincials = set(models.Recognition.objects.filter(tier="provincial").values_list("enterprise", flat=True))
    assert len(nationals & provincials) >= 40  # most little giants were provincial first
    assert 1400 <= models.Enterprise.objects.count() <= 1700
    assert 55 <= models.Investor.objects.count() <= 65
    assert 230 <= models.Investment.objects.count() <= 270
    assert 12 <= models.ServiceOperator.objects.count() <= 18
    assert demo_registry.counts["企业"] == models.Enterprise.objects.count()


def test_recognitions_have_batches_validity_renewals_and_lapses(demo_registry):
    provincial = models.Recognition.objects.filter(tier="provincial")
    years = {d.year for d in provincial.values_list("announced_on", flat=True)}
    assert years == set(range(2019, 2026))
    for r in provincial.filter(valid_to_defaulted=False):  # 3 years, the day before
        assert r.valid_to == r.announced_on.replace(year=r.announced_on.year + 3) - dt.timedelta(days=1)
    assert provincial.filter(kind="review").count() > 100
    assert models.Recognition.objects.filter(tier="national", kind="review").exists()
    # Lapsed: provincial firms whose last recognition ran out before 2025 (no 复核).
    last = Counter()
    for ent, valid_to in provincial.values_list("enterprise", "valid_to"):
        last[ent] = max(last[ent], valid_to.toordinal())
    assert sum(1 for v in last.values() if v < dt.date(2025, 1, 1).toordinal()) >= 10
    city = models.Recognition.objects.filter(tier="city", kind="new")
    assert set(city.values_list("valid_to", flat=True)) == {dt.date(2024, 12, 31)}
    assert min(city.values_list("announced_on", flat=True)) == dt.date(2022, 1, 1)


def test_listing_pipeline_neeq_and_regional_boards(demo_registry):
    m = models.ListingMilestone.objects
    nodes = Counter(m.filter(kind="ipo_node").values_list("path", "node"))
    assert nodes[("domestic", "tutoring_accepted")] >= 4
    assert nodes[("domestic", "review_passed")] >= 2
    assert nodes[("domestic", "listed")] >= 2
    assert nodes[("overseas", "listed")] == 1
    assert m.filter(kind="ipo_withdrawn").count() >= 2
    actions = Counter(m.filter(kind="neeq").values_list("action", flat=True))
    assert actions["basic_listed"] >= 8
    assert actions["entered_innovation_from_basic"] >= 2
    assert actions["innovation_listed_direct"] == 1
    assert actions["demoted_to_basic"] == 1
    boards = Counter(m.filter(kind="regional_equity_listed").values_list("board", flat=True))
    assert boards["trading"] >= 5 and boards["display"] >= 5
    assert set(m.filter(kind="regional_equity_listed").values_list("market", flat=True)) == {"中原股权交易中心"}
    listed = models.Enterprise.objects.filter(listed=True)
    assert listed.count() == nodes[("domestic", "listed")] + nodes[("overseas", "listed")]
    assert all(e.listed_on and e.exchange and "股份有限公司" in e.name for e in listed)


def test_investors_and_investments(demo_registry):
    assert models.Investor.objects.filter(uscc__isnull=True).count() >= 3  # contractual funds
    kinds = Counter(models.Investor.objects.values_list("kind", flat=True))
    assert kinds["private_fund"] >= 30 and kinds["investment_company"] >= 15
    assert models.Investment.objects.filter(vehicle="fund_setup").exists()
    assert models.Investment.objects.filter(tranche__gt=1).count() >= 20
    assert models.Investment.objects.filter(paid_in__gte=Decimal("50000000")).count() >= 3


def test_every_jurisdiction_has_enterprises_and_retired_codes_remain(demo_registry):
    homes = set(models.Enterprise.objects.values_list("fiscal_home__code", flat=True))
    assert homes == set(models.Jurisdiction.objects.values_list("code", flat=True))
    assert {"410371", "LY-YIBIN", "410381", "410322", "410306"} <= homes


def test_credit_codes_are_valid_unique_and_name_their_registering_area(demo_registry):
    codes = list(models.Enterprise.objects.values_list("uscc", "fiscal_home__code"))
    codes += [(c, None) for c in models.Investor.objects.exclude(uscc=None).values_list("uscc", flat=True)]
    codes += list(models.ServiceOperator.objects.values_list("uscc", "fiscal_home__code"))
    assert len({c for c, _ in codes}) == len(codes)
    for code, home in codes:
        assert uscc.is_valid(code), code
        assert not set(code) & set("IOSVZ")
        if home is not None:
            assert code[2:6] == "4103", code  # registered in Luoyang
    areas = Counter(code[2:8] for code, home in codes if home == "410307")
    assert areas["410381"] > 0  # 偃师区 firms still carry 偃师市's code
    names = list(models.Enterprise.objects.values_list("name_key", flat=True))
    assert len(set(names)) == len(names) and all(names)


def test_registry_rows_equal_the_build_and_a_second_load_into_an_empty_registry_is_identical(demo_registry):
    assert _db_rows() == _build_rows(demo.build_demo())
    first = _db_rows()
    _wipe()
    assert demo.load_demo().status == "loaded"
    assert _db_rows() == first


def test_a_second_run_changes_nothing(demo_registry):
    before = (models.Enterprise.objects.count(), models.Recognition.objects.count(),
              models.Enterprise.history.count(), get_user_model().objects.count())
    out = StringIO()
    call_command("demo", stdout=out)
    assert "此前已载入" in out.getvalue()
    call_command("demo", "--if-empty", stdout=StringIO())
    after = (models.Enterprise.objects.count(), models.Recognition.objects.count(),
             models.Enterprise.history.count(), get_user_model().objects.count())
    assert after == before


def test_each_row_has_a_creation_entry_in_its_history(demo_registry):
    assert models.Enterprise.history.filter(history_type="+").count() == models.Enterprise.objects.count()
    assert set(models.Recognition.history.values_list("history_change_reason", flat=True)) == {demo.CHANGE_REASON}
    assert models.Investment.history.count() == models.Investment.objects.count()


def test_demo_accounts_with_their_profiles_and_scopes(demo_registry):
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=demo.DEMO_USERNAMES)}
    assert set(users) == set(demo.DEMO_USERNAMES)
    assert all(u.check_password(demo.DEMO_PASSWORD) for u in users.values())
    expected = {
        "city_admin": (Role.CITY_ADMIN, "市工信局", None), "jinrong": (Role.UNIT, "市金融局", None),
        "finance_city": (Role.FINANCE_CITY, "市财政局", None),
        "county_410323": (Role.LOCAL, None, "410323"), "finance_410323": (Role.FINANCE_LOCAL, None, "410323"),
        "district_410305": (Role.LOCAL, None, "410305"), "commissioner_demo": (Role.COMMISSIONER, None, "410323"),
    }
    for username, (role, unit, code) in expected.items():
        p = Profile.objects.select_related("jurisdiction").get(user=users[username])
        assert p.role == role
        if unit:
            assert p.display_unit == unit
        assert (p.jurisdiction.code if p.jurisdiction else None) == code
    ent = Profile.objects.get(user=users["enterprise_demo"]).enterprise
    assert ent.fiscal_home.code == "410323"
    assert ent.recognitions.filter(tier="provincial").exists()
    assert list(enterprises_visible_to(users["enterprise_demo"])) == [ent]
    investor = Profile.objects.get(user=users["investor_demo"]).investor
    assert investor.investments.filter(vehicle="direct").count() >= 3
    assert enterprises_visible_to(users["investor_demo"]).exists()
    operator = Profile.objects.get(user=users["operator_demo"]).operator
    assert operator.recognitions.exists()
    local = enterprises_visible_to(users["county_410323"])
    assert set(local.values_list("fiscal_home__code", flat=True)) == {"410323"}


def test_command_prints_the_accounts_table(demo_registry):
    out = StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    for username in demo.DEMO_USERNAMES:
        assert username in text
    assert text.count(demo.DEMO_PASSWORD) >= len(demo.DEMO_USERNAMES)
    assert "新安县（410323）" in text and "市工信局管理员" in text


def test_engine_evaluates_the_demo_registry(demo_registry):
    result = evaluate_document(registry_facts())
    lines = result["reward_lines"]
    assert {line["article"] for line in lines} == {1, 5, 6, 17}
    items = Counter(line["item"] for line in lines)
    assert items["art1_provincial_zjtx"] > 300 and items["art1_national_little_giant"] > 40
    assert items["art6_equity_investment"] > 100
    assert any(line.get("capped_by") == "item_cap" for line in lines)
    assert any(line.get("capped_by") == "annual_cap" for line in lines)
    totals: Counter = Counter()
    for line in lines:
        amount = Decimal(line["amount"])
        assert amount > 0
        assert sum(Decimal(v) for v in line["funding"].values()) == amount, line["event"]
        totals[line["payee"]] += amount
    assert {k: Decimal(v) for k, v in result["totals_by_payee"].items()} == dict(totals)
    reasons = Counter(r["reason"] for r in result["rejected"])
    assert reasons["R_REVIEW_NOT_NEW"] > 0 and reasons["R_FUND_SETUP"] > 0


# -- helpers ---------------------------------------------------------------------


def _s(value) -> str | None:
    return None if value is None else str(value)


def _db_rows() -> dict[str, list[tuple]]:
    """The registry as comparable tuples, sorted in Python (collations differ)."""
    E, R, M = models.Enterprise, models.Recognition, models.ListingMilestone
    fields = ("uscc", "name", "fiscal_home__code", "industry", "size", "address", "contact_name",
              "contact_phone", "listed", "listed_on", "exchange", "neeq_layer")
    rows = {
        "enterprises": E.objects.values_list(*fields),
        "recognitions": R.objects.values_list("enterprise__uscc", "tier", "kind", "batch", "announced_on",
                                              "valid_to", "valid_to_defaulted"),
        "milestones": M.objects.values_list("enterprise__uscc", "kind", "date", "path", "exchange", "node",
                                            "action", "market", "board"),
        "investors": models.Investor.objects.values_list("name", "kind", "uscc", "amac_code"),
        "investments": models.Investment.objects.values_list(
            "investor__name", "investee__uscc", "fund__name", "vehicle", "round", "tranche", "paid_in",
            "subscribed", "paid_in_date", "registered_on"),
        "operators": models.ServiceOperator.objects.values_list("name", "uscc", "fiscal_home__code"),
        "platforms": models.PlatformRecognition.objects.values_list(
            "operator__name", "platform_name", "honour", "level", "kind", "recognized_on"),
        "accounts": Profile.objects.filter(user__username__in=demo.DEMO_USERNAMES).values_list(
            "user__username", "role", "jurisdiction__code", "enterprise__uscc", "investor__name",
            "operator__name"),
    }
    return {k: sorted((tuple(_s(v) for v in row) for row in qs), key=repr) for k, qs in rows.items()}


def _build_rows(data: demo.DemoData) -> dict[str, list[tuple]]:
    ents, invs, ops = data.enterprises, data.investors, data.operators
    rows = {
        "enterprises": [(e.uscc, e.name, e.home, e.industry, e.size, e.address, e.contact_name,
                         e.contact_phone, e.listed, e.listed_on, e.exchange, e.neeq_layer) for e in ents],
        "recognitions": [(ents[r.ent].uscc, r.tier, r.kind, r.batch, r.announced_on, r.valid_to,
                          r.valid_to_defaulted) for r in data.recognitions],
        "milestones": [(ents[m.ent].uscc, m.kind, m.date, m.path, m.exchange, m.node, m.action, m.market,
                        m.board) for m in data.milestones],
        "investors": [(i.name, i.kind, i.uscc, i.amac_code) for i in invs],
        "investments": [(invs[v.investor].name, ents[v.investee].uscc if v.investee is not None else None,
                         invs[v.fund].name if v.fund is not None else None, v.vehicle, v.round, v.tranche,
                         v.paid_in.quantize(Decimal("0.01")),
                         v.subscribed.quantize(Decimal("0.01")) if v.subscribed is not None else None,
                         v.paid_in_date, v.registered_on) for v in data.investments],
        "operators": [(o.name, o.uscc, o.home) for o in ops],
        "platforms": [(ops[p.operator].name, p.platform_name, p.honour, p.level, p.kind, p.recognized_on)
                      for p in data.platforms],
        "accounts": [(a.username, str(a.role), a.jurisdiction,
                      ents[a.enterprise].uscc if a.enterprise is not None else None,
                      invs[a.investor].name if a.investor is not None else None,
                      ops[a.operator].name if a.operator is not None else None) for a in data.accounts],
    }
    return {k: sorted((tuple(_s(x) for x in row) for row in v), key=repr) for k, v in rows.items()}


def _wipe():
    """Empty the registry and the demo accounts, as a fresh database would be. Plain SQL
    deletes: the ORM's would write a history row for each of thousands of rows."""
    tables = [Profile._meta.db_table]
    tables += [m._meta.db_table for m in (
        models.PlatformRecognition, models.ServiceOperator, models.Investment, models.ListingMilestone,
        models.Recognition, models.Investor, models.Enterprise)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    get_user_model().objects.filter(username__in=demo.DEMO_USERNAMES).delete()
    assert not models.Enterprise.objects.exists()


def test_the_batch_scan_of_the_demo_registry_is_the_per_case_scan(demo_registry):
    """Issue 10: both paths give the same entitlements, to the fen and word for word
    (traces), first and again after claims were paid and the registry changed."""
    from django.db import transaction

    from tests.fulfilment.test_batch_scan import both_ways
    from zjtx.fulfilment.models import Claim, Entitlement, Payment

    by_case, by_batch = both_ways()
    assert by_batch == by_case
    assert Entitlement.objects.count() > 500
    finance = get_user_model().objects.get(username="finance_city")
    with transaction.atomic():
        for c in Claim.objects.select_related("entitlement").order_by("pk")[::7]:
            Payment.objects.create(claim=c, once_key=c.entitlement.once_key, part="city", generation=0,
                                   amount=c.entitlement.amount, budget_year=c.entitlement.budget_year,
                                   paid_on=dt.date(2024, 5, 1), reference=f"T{c.pk}", recorded_by=finance)
        gone = list(models.Recognition.objects.order_by("pk").values_list("pk", flat=True))[::11]
        models.Recognition.objects.filter(pk__in=gone).delete()
        by_case, by_batch = both_ways()
        assert by_batch == by_case and by_batch[0][1]  # revisions were found
        transaction.set_rollback(True)
