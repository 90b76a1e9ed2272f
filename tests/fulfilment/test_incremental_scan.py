"""The scan after a change re-evaluates only the parties the change can affect
(issue 10). Held to the whole scan: on random registries, after a random change,
the scoped scan leaves exactly what a whole scan leaves — entitlements, claims,
revisions — under both readings of the Art. 6 annual cap (investee / investor)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.registry.factories import enterprise, jurisdiction, make_uscc
from zjtx.fulfilment.models import Claim, Entitlement, Payment, Revision
from zjtx.fulfilment.scan import run_scan, scope_for
from zjtx.policy_admin.models import PolicyChange
from zjtx.registry import models as m

pytestmark = pytest.mark.django_db(transaction=False)

D = dt.date
HOMES = ["410305", "410323", "410371"]
DAYS = [D(2021, 3, 1), D(2022, 6, 20), D(2022, 8, 1), D(2023, 2, 1), D(2023, 9, 1), D(2024, 4, 1)]
TIERS = [("provincial", "new"), ("provincial", "review"), ("national", "new"), ("national", "review"),
         ("innovative", "new")]


def recognition_rows(n_ent):
    return st.lists(st.tuples(st.integers(0, n_ent - 1), st.sampled_from(TIERS), st.sampled_from(DAYS)),
                    max_size=8)


@st.composite
def registries(draw):
    n_ent, n_inv = draw(st.integers(1, 4)), draw(st.integers(0, 3))
    return {
        "homes": draw(st.lists(st.sampled_from(HOMES), min_size=n_ent, max_size=n_ent)),
        # the registry's own flags: listed (with or without a date, at home or abroad), NEEQ layer
        "flags": draw(st.lists(st.sampled_from([{}, {}, {"listed": True}, {"listed": True, "listed_on": D(2023, 1, 5),
                                                "exchange": "香港联交所"}, {"neeq_layer": "innovation"},
                                                {"neeq_layer": "basic"}]), min_size=n_ent, max_size=n_ent)),
        "recognitions": draw(recognition_rows(n_ent)),
        "milestones": draw(st.lists(st.tuples(st.integers(0, n_ent - 1), st.sampled_from(
            [("ipo_node", "tutoring_accepted"), ("ipo_node", "listed"), ("neeq", "basic_listed"),
             ("neeq", "innovation_listed_direct")]), st.sampled_from(DAYS)), max_size=4)),
        "investors": draw(st.lists(st.sampled_from(["private_fund", "investment_company"]), min_size=n_inv,
                                   max_size=n_inv)),
        "investments": draw(st.lists(st.tuples(st.integers(0, max(n_inv - 1, 0)), st.integers(0, n_ent - 1),
                                               st.sampled_from(["20000000.00", "45000000.00", "8000000.00"]),
                                               st.sampled_from(DAYS[2:]), st.integers(1, 2)),
                                     max_size=5 if n_inv else 0)),
        "platforms": draw(st.lists(st.tuples(st.sampled_from(["public_service_platform", "entrepreneurship_base"]),
                                             st.sampled_from(["provincial", "national"]),
                                             st.sampled_from(["first", "review"]), st.sampled_from(DAYS)),
                                   max_size=3)),
        "paid": draw(st.lists(st.integers(0, 30), max_size=3)),
        "change": draw(st.sampled_from(["add_recognition", "drop_recognition", "move", "add_investment",
                                        "drop_investment", "investor_kind", "add_milestone", "add_platform",
                                        "redate_recognition"])),
        "pick": draw(st.integers(0, 50)),
        "by_investor": draw(st.booleans()),
    }


def build(r, admin):
    """The drawn registry, under the drawn Art. 6 reading (set as the city admin would)."""
    if r["by_investor"]:
        PolicyChange.objects.create(kind="interpretation", key="art6_annual_cap_scope", value="investor",
                                    effective_from=D(2022, 7, 1), reason="测试", made_by=admin)
    ents = [enterprise(name=f"洛阳随机{i}有限公司", home=h, **f) for i, (h, f) in enumerate(
        zip(r["homes"], r["flags"], strict=True))]
    for i, (tier, kind), day in r["recognitions"]:
        m.Recognition.objects.get_or_create(enterprise=ents[i], tier=tier, kind=kind, announced_on=day,
                                            defaults={"valid_to": day.replace(year=day.year + 3)})
    for i, (kind, step), day in r["milestones"]:
        fields = {"path": "domestic", "exchange": "深交所", "node": step} if kind == "ipo_node" else {"action": step}
        m.ListingMilestone.objects.get_or_create(enterprise=ents[i], kind=kind, date=day, **fields)
    invs = [m.Investor.objects.create(name=f"洛阳随机基金{i}", kind=k, uscc=make_uscc("410305"))
            for i, k in enumerate(r["investors"])]
    for inv, ent, paid, day, tranche in r["investments"]:
        m.Investment.objects.get_or_create(investor=invs[inv], investee=ents[ent], round="A轮", tranche=tranche,
                                           defaults={"paid_in": Decimal(paid), "paid_in_date": day})
    op = m.ServiceOperator.objects.create(name="洛阳随机平台运营有限公司", uscc=make_uscc("410305"),
                                          fiscal_home=jurisdiction("410305"))
    for honour, level, kind, day in r["platforms"]:
        m.PlatformRecognition.objects.get_or_create(operator=op, honour=honour, level=level, kind=kind,
                                                    recognized_on=day, defaults={"platform_name": "示范平台"})
    return ents, invs, op


def pay_some(r):
    """Some claims paid (their entitlements settle and charge later caps)."""
    user = get_user_model().objects.get(username="finance_city")
    claims = list(Claim.objects.select_related("entitlement").order_by("pk"))
    for n in r["paid"]:
        if claims:
            c = claims[n % len(claims)]
            if not c.payments.exists():
                Payment.objects.create(claim=c, once_key=c.entitlement.once_key, part="city", generation=0,
                                       amount=c.entitlement.amount, budget_year=c.entitlement.budget_year,
                                       paid_on=D(2024, 5, 1), reference=f"T{c.pk}", recorded_by=user)


def change(r, ents, invs, op):
    """Apply the drawn change; return the parties it touched, as the signals name them."""
    pick, what = r["pick"], r["change"]
    e = ents[pick % len(ents)]
    recs = list(m.Recognition.objects.order_by("pk"))
    if what == "add_recognition":
        tier, kind = TIERS[pick % len(TIERS)]
        day = DAYS[pick % len(DAYS)]
        m.Recognition.objects.get_or_create(enterprise=e, tier=tier, kind=kind, announced_on=day,
                                            defaults={"valid_to": day.replace(year=day.year + 3)})
    elif what == "drop_recognition" and recs:
        rec = recs[pick % len(recs)]
        e = rec.enterprise
        rec.delete()
    elif what == "redate_recognition" and recs:
        rec = recs[pick % len(recs)]
        e = rec.enterprise
        rec.announced_on = D(2022, 7, 15)
        rec.valid_to = D(2025, 7, 14)
        rec.save()
    elif what == "move":
        e.fiscal_home = jurisdiction(HOMES[(HOMES.index(e.fiscal_home.code) + 1) % len(HOMES)])
        e.save()
    elif what == "add_investment" and invs:
        inv = invs[pick % len(invs)]
        m.Investment.objects.get_or_create(investor=inv, investee=e, round="B轮", tranche=1, defaults={
            "paid_in": Decimal("30000000.00"), "paid_in_date": D(2023, 9, 1)})
        return {"enterprises": {e.pk}, "investors": {inv.pk}}
    elif what == "drop_investment":
        vs = list(m.Investment.objects.order_by("pk"))
        if vs:
            v = vs[pick % len(vs)]
            v.delete()
            return {"enterprises": {v.investee_id}, "investors": {v.investor_id}}
    elif what == "investor_kind" and invs:
        inv = invs[pick % len(invs)]
        inv.kind = "investment_company" if inv.kind == "private_fund" else "private_fund"
        inv.save()
        return {"investors": {inv.pk}}
    elif what == "add_milestone":
        m.ListingMilestone.objects.get_or_create(enterprise=e, kind="ipo_node", date=D(2023, 9, 1),
                                                 path="domestic", exchange="深交所", node="review_passed")
    elif what == "add_platform":
        m.PlatformRecognition.objects.get_or_create(operator=op, honour="public_service_platform",
                                                    level="national", kind="first", recognized_on=D(2023, 9, 1),
                                                    defaults={"platform_name": "国家级平台"})
        return {"operators": {op.pk}}
    return {"enterprises": {e.pk}}


def state():
    ents = sorted((e.key, e.once_key, e.amount, tuple(e.parts().items()), e.local_unit_id, e.event_ref,
                   e.budget_year, e.claim.state, e.claim.flagged)
                  for e in Entitlement.objects.select_related("claim"))
    revs = sorted((r.entitlement.key, r.old_amount, r.new_amount, r.reason, tuple(sorted(r.new_parts.items())),
                   r.new_local_unit_id, r.new_event_ref, r.resolved_at is None)
                  for r in Revision.objects.select_related("entitlement"))
    return ents, revs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(r=registries())
def test_a_scoped_scan_after_a_change_leaves_what_a_whole_scan_leaves(world, r):
    with transaction.atomic():
        ents, invs, op = build(r, world["city_admin"])
        run_scan()
        pay_some(r)
        touched = change(r, ents, invs, op)
        with transaction.atomic():
            run_scan()
            whole = state()
            transaction.set_rollback(True)
        run_scan(scope=scope_for(**touched))
        assert state() == whole
        transaction.set_rollback(True)


def test_the_scope_of_an_enterprise_under_the_investor_reading_takes_in_its_investors_other_investees(world):
    a, b = enterprise(name="洛阳甲有限公司"), enterprise(name="洛阳乙有限公司")
    inv = m.Investor.objects.create(name="洛阳某基金", kind="private_fund", uscc=make_uscc())
    for e in (a, b):
        m.Investment.objects.create(investor=inv, investee=e, round="A轮", paid_in=Decimal("1000.00"),
                                    paid_in_date=D(2023, 1, 1))
    from zjtx.registry.facts_export import scope_of

    assert scope_of(enterprises={a.pk}).enterprises == {a.pk}
    s = scope_of(enterprises={a.pk}, by_investor=True)
    assert (s.enterprises, s.investors) == ({a.pk, b.pk}, {inv.pk})
    assert scope_of(investors={inv.pk}).enterprises == {a.pk, b.pk}


def test_a_change_asks_for_a_scan_of_its_parties_and_a_jurisdiction_for_a_whole_one(
        world, settings, monkeypatch, django_capture_on_commit_callbacks):
    from tests.registry.factories import recognition
    from zjtx.fulfilment import tasks

    settings.ZJTX_AUTO_SCAN = True
    asked = []
    monkeypatch.setattr(tasks, "run_scan", lambda scope=None: asked.append(scope) or run_scan(scope=scope))
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            recognition(world["jx"], tier="national", on="2024-07-01", to="2027-06-30")
            recognition(world["xa"], tier="national", on="2024-07-01", to="2027-06-30")
    assert len(asked) == 1 and asked[0].enterprises == {world["jx"].pk, world["xa"].pk}
    assert Entitlement.objects.filter(item="art1_national_little_giant").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        j = jurisdiction("410323")
        j.alt_names += ",新安"
        j.save()
    assert asked[-1] is None  # the whole registry
