"""A once-only reward is paid at most once, whatever happens to the facts behind
it: an enterprise that moves county, a recognition re-imported under a new
record, a difference declined, two claims for one item (issue 16)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from tests.registry.factories import jurisdiction, recognition
from zjtx.fulfilment import services
from zjtx.fulfilment.models import Claim, ClaimState, Entitlement, Payment, Revision
from zjtx.fulfilment.scan import run_scan
from zjtx.registry.models import Recognition

from .test_flow import BANK

pytestmark = pytest.mark.django_db(transaction=False)

ITEM = "art1_provincial_zjtx"
PAYERS = {"city": "finance_city_2", "district": "finance_410305", "county": "finance_410323"}


def walk_to_payment(claim, w):
    """Every step a claim takes, each by the user its jurisdiction and state call for."""
    claim.refresh_from_db()
    ent = claim.entitlement
    local = "district_410305" if ent.local_unit.code == "410305" else "county_410323"
    if claim.state == ClaimState.PENDING_CONFIRMATION:
        services.do_confirm_claim(claim, actor=w["ent_jx"], **BANK)
    services.do_review_claim(claim, actor=w[local], decision="approve")
    services.do_review_claim(claim, actor=w["city_admin"], decision="approve")
    finance = "finance_city" if ent.city_part else "finance_410323" if local == "county_410323" else None
    services.do_review_claim(claim, actor=w[finance], decision="approve")
    for part in ent.parts():
        services.do_record_payment(claim, actor=w[PAYERS[part] if part != "county" or ent.city_part
                                                  else "finance_410323_2"],
                                   part=part, paid_on=dt.date(2024, 3, 1), reference=f"SZ-{claim.pk}-{part}")


def live_paid(once_key: str) -> Decimal:
    return Payment.objects.filter(once_key=once_key, kind="payment", reversed_by__isnull=True).aggregate(
        s=Sum("amount"))["s"] or Decimal("0")


@pytest.fixture
def w(world, make_user):
    from zjtx.accounts.models import Role

    # A second county finance officer: the one who approves the finance review cannot also pay.
    world["finance_410323_2"] = make_user("finance_410323_2", Role.FINANCE_LOCAL,
                                          jurisdiction=jurisdiction("410323"))
    return world


def move_and_reimport(ent, *, to: str, on: str = "2023-03-02"):
    """The enterprise moves county and its recognition comes back under a new record
    (a corrected date), the old record removed as the duplicate it now is."""
    ent.fiscal_home = jurisdiction(to)
    ent.save()
    old = Recognition.objects.get(enterprise=ent, tier="provincial")
    recognition(ent, tier="provincial", on=on, to="2026-02-28")
    old.delete()


def test_a_moved_and_reimported_recognition_is_a_revision_not_a_second_claim(w):
    """The probe's path: 涧西区 → 新安县, re-imported, the difference declined, both
    claims approved and paid, 200,000 for a 100,000 reward. Now there is one claim."""
    run_scan()
    first = Claim.objects.get(entitlement__enterprise=w["jx"])
    once_key = first.entitlement.once_key
    move_and_reimport(w["jx"], to="410323")
    report = run_scan()
    assert report.new == 0
    assert Entitlement.objects.filter(once_key=once_key).count() == 1
    rev = Revision.objects.get(entitlement=first.entitlement, resolved_at__isnull=True)
    # the difference is the new split (the county pays all), not "the fact is gone"
    assert rev.reason == "" and rev.new_amount == Decimal("100000.00")
    assert rev.new_parts == {"city": "0.00", "district": "0.00", "county": "100000.00", "zone": "0.00"}
    services.do_resolve_revision(rev, actor=w["city_admin"], accept=False, comment="仍按原县区拨付")
    assert run_scan().new == 0
    walk_to_payment(first, w)
    assert live_paid(once_key) == Decimal("100000.00")
    assert Claim.objects.filter(entitlement__once_key=once_key).count() == 1


def test_accepting_the_new_split_moves_the_payment_to_the_county(w):
    run_scan()
    first = Claim.objects.get(entitlement__enterprise=w["jx"])
    move_and_reimport(w["jx"], to="410323")
    run_scan()
    rev = Revision.objects.get(entitlement=first.entitlement, resolved_at__isnull=True)
    services.do_resolve_revision(rev, actor=w["city_admin"], accept=True, comment="迁入新安县")
    first.entitlement.refresh_from_db()
    assert first.entitlement.parts() == {"county": Decimal("100000.00")}
    assert first.entitlement.local_unit.code == "410323"
    assert run_scan().line() == "scan: 0 new, 0 changed, 2 unchanged"
    walk_to_payment(first, w)
    assert live_paid(first.entitlement.once_key) == Decimal("100000.00")


def second_claim_for(claim) -> Claim:
    """A second claim for the same once-only item, as the scan made one before the fix
    (or as a restored or hand-made row could): the ledger alone must refuse it."""
    ent = claim.entitlement
    twin = Entitlement.objects.create(
        key=f"{ent.item}:R999999", once_key=ent.once_key, article=ent.article, item=ent.item,
        event_ref="R999999", enterprise=ent.enterprise, amount=ent.amount, county_part=ent.amount,
        local_unit=jurisdiction("410323"), budget_year=ent.budget_year, trace=[])
    return Claim.objects.create(entitlement=twin)


def test_the_ledger_refuses_a_second_claim_of_one_once_only_item(w):
    run_scan()
    first = Claim.objects.get(entitlement__enterprise=w["jx"])
    twin = second_claim_for(first)
    walk_to_payment(first, w)
    with pytest.raises(ValidationError, match="已由申领"):
        walk_to_payment(twin, w)
    assert live_paid(first.entitlement.once_key) == Decimal("100000.00")
    # once the first claim's payments are reversed, the item may be paid by the other
    for p in Payment.objects.filter(claim=first):
        services.do_reverse_payment(p, actor=w[PAYERS[p.part]], reason="拨付至错误主体")
    twin.refresh_from_db()
    services.do_record_payment(twin, actor=w["finance_410323_2"], part="county",
                               paid_on=dt.date(2024, 4, 1), reference="XA-1")
    assert live_paid(first.entitlement.once_key) == Decimal("100000.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_claims_of_one_item_paid_at_the_same_moment_pay_once(w):
    from .test_race_and_backup import race

    run_scan()
    first = Claim.objects.get(entitlement__enterprise=w["jx"])
    twin = second_claim_for(first)
    for claim in (first, twin):  # both approved, nothing paid yet
        claim.refresh_from_db()
        services.do_confirm_claim(claim, actor=w["ent_jx"], **BANK)
        Claim.objects.filter(pk=claim.pk).update(state=ClaimState.APPROVED)

    def pay(claim, part, user):
        return lambda: services.do_record_payment(Claim.objects.get(pk=claim.pk), actor=w[user], part=part,
                                                  paid_on=dt.date(2024, 3, 1), reference=f"R-{claim.pk}")

    outcomes = race(pay(first, "district", "finance_410305"), pay(twin, "county", "finance_410323_2"))
    assert sum(isinstance(o, Payment) for o in outcomes) == 1, outcomes
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1
    assert Payment.objects.filter(once_key=first.entitlement.once_key).count() == 1
