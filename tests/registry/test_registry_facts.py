"""The registry holds what the engine needs, and the engine runs on it as on a file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from zjtx.policy.engine import evaluate_document
from zjtx.registry import models
from zjtx.registry.facts_export import registry_facts
from zjtx.registry.names import normalise_name

from .factories import enterprise, jurisdiction, make_uscc, recognition

pytestmark = pytest.mark.django_db


def test_luoyang_jurisdictions_are_seeded_with_funding_and_retired_codes():
    assert models.Jurisdiction.objects.filter(kind="district", successor=None).count() == 7
    assert models.Jurisdiction.objects.filter(kind="county", successor=None).count() == 7
    assert jurisdiction("410323").funding == "county100"
    assert jurisdiction("410371").funding == "city50_local50"
    assert jurisdiction("410381").current.code == "410307"  # 偃师市 → 偃师区
    assert jurisdiction("410306").current.code == "410308"  # 吉利区 → 孟津区


def test_credit_code_is_validated():
    ent = models.Enterprise(name="某公司", uscc="91410305MA0EXAM01X", fiscal_home=jurisdiction("410305"))
    with pytest.raises(ValidationError, match="统一社会信用代码无效"):
        ent.full_clean()


def test_database_refuses_a_second_identical_recognition_and_nonsense_validity():
    ent = enterprise()
    recognition(ent)
    with pytest.raises(IntegrityError), transaction.atomic():
        recognition(ent)
    with pytest.raises(IntegrityError), transaction.atomic():
        recognition(ent, on="2024-01-01", to="2023-01-01")


def test_investment_must_have_positive_paid_in_and_a_target_matching_its_vehicle():
    ent = enterprise()
    inv = models.Investor.objects.create(name="某基金", kind="private_fund")
    with pytest.raises(IntegrityError), transaction.atomic():
        models.Investment.objects.create(investor=inv, investee=ent, round="A", paid_in=Decimal("0"),
                                         paid_in_date=dt.date(2023, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        models.Investment.objects.create(investor=inv, investee=None, round="A", paid_in=Decimal("1"),
                                         paid_in_date=dt.date(2023, 1, 1))


def test_the_same_direct_tranche_cannot_be_recorded_twice():
    ent = enterprise()
    inv = models.Investor.objects.create(name="某基金", kind="private_fund")
    fund = models.Investor.objects.create(name="新设基金", kind="private_fund")
    row = {"investor": inv, "round": "A", "tranche": 1, "paid_in": Decimal("1"), "paid_in_date": dt.date(2023, 1, 1)}
    models.Investment.objects.create(investee=ent, **row)
    with pytest.raises(IntegrityError), transaction.atomic():
        models.Investment.objects.create(investee=ent, **row)
    models.Investment.objects.create(fund=fund, vehicle="fund_setup", **row)
    with pytest.raises(IntegrityError), transaction.atomic():
        models.Investment.objects.create(fund=fund, vehicle="fund_setup", **row)


def test_name_key_matches_bracket_space_and_company_form_variants():
    a = enterprise(name="洛阳（中信）重工 有限责任公司")
    assert a.name_key == normalise_name("洛阳(中信)重工有限公司")
    assert normalise_name("洛阳ＡＢＣ科技有限公司") == normalise_name("洛阳abc科技有限公司")
    assert normalise_name("洛阳甲科技有限公司") != normalise_name("洛阳乙科技有限公司")


def test_every_change_is_kept_in_history():
    ent = enterprise(industry="装备制造")
    ent.industry = "新材料"
    ent.save()
    records = list(ent.history.order_by("history_date"))
    assert [r.industry for r in records] == ["装备制造", "新材料"]
    delta = records[1].diff_against(records[0])
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("industry", "装备制造", "新材料")]


def test_engine_runs_on_the_registry():
    jx = enterprise(name="涧西企业", home="410305")
    xa = enterprise(name="新安企业", home="410323")
    ys = enterprise(name="偃师老代码企业", home="410381")  # retired code in the registry
    recognition(jx, tier="provincial", on="2022-12-20", to="2025-12-19")
    recognition(xa, tier="national", on="2023-03-01", to="2026-02-28")
    recognition(ys, tier="provincial", on="2023-05-01", to="2026-04-30")
    recognition(ys, tier="innovative", on="2023-01-01", to="2025-12-31")
    fund = models.Investor.objects.create(name="洛阳某创投基金", kind="private_fund")
    models.Investment.objects.create(investor=fund, investee=jx, round="A", paid_in=Decimal("1234567.89"),
                                     paid_in_date=dt.date(2023, 6, 1))
    op = models.ServiceOperator.objects.create(name="某平台公司", uscc=make_uscc("410311"),
                                               fiscal_home=jurisdiction("410311"))
    models.PlatformRecognition.objects.create(operator=op, platform_name="某平台", honour="public_service_platform",
                                              level="provincial", recognized_on=dt.date(2023, 9, 1))
    result = evaluate_document(registry_facts())
    lines = {(line["payee"], line["item"]): line for line in result["reward_lines"]}
    assert lines[(f"E{jx.pk}", "art1_provincial_zjtx")]["funding"]["district"] == "50000.00"
    assert lines[(f"E{xa.pk}", "art1_national_little_giant")]["funding"]["county"] == "300000.00"
    assert lines[(f"E{ys.pk}", "art1_provincial_zjtx")]["local_unit"] == "410307"
    assert lines[(f"I{fund.pk}", "art6_equity_investment")]["amount"] == "12345.68"
    assert lines[(f"P{op.pk}", "art17_provincial_first")]["local_unit"] == "410311"
    assert result["rejected"] == []


def test_registry_jurisdiction_edits_reach_the_engine():
    jx = enterprise(home="410305")
    recognition(jx, tier="provincial", on="2023-01-10", to="2026-01-09")
    models.Jurisdiction.objects.filter(code="410305").update(funding="city100")
    line = evaluate_document(registry_facts())["reward_lines"][0]
    assert line["funding"]["city"] == "100000.00" and line["local_unit"] is None


def test_a_review_pays_the_same_in_both_tiers(world):
    """Issue 9: same situation in both tiers — validity lapsed days before the policy's
    first day, 复核 passed weeks after — paid 0 provincially and 300,000 nationally.
    A 复核 is not a new recognition for either tier."""
    from zjtx.fulfilment.models import Entitlement
    from zjtx.fulfilment.scan import run_scan

    for tier in ("provincial", "national"):
        e = enterprise(name=f"洛阳某{tier}复核企业有限公司", home="410305")
        recognition(e, tier=tier, on="2019-06-20", to="2022-06-25")
        recognition(e, tier=tier, kind="review", on="2022-07-20", to="2025-07-19")
    run_scan()
    assert not Entitlement.objects.filter(enterprise__name__contains="复核企业").exists()
    doc = registry_facts()
    assert {ev["type"] for ev in doc["events"] if ev["date"] == "2022-07-20"} == {
        "zjtx_provincial_review_passed", "little_giant_review_passed"}
