"""The queue's querysets against `permissions.can`, claim by claim: the SQL mirror of
the VIEW rule and of "待我处理" must give the same answer as the rule itself, for
every role, over claims in every state, funded locally or by the city, of
enterprises homed at current and retired codes and in a county-run zone, of
investors and operators."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from tests.registry.factories import enterprise, jurisdiction, make_uscc
from zjtx.accounts.models import Role
from zjtx.fulfilment import permissions as perms
from zjtx.fulfilment import selectors
from zjtx.fulfilment.models import Claim, ClaimState, ClaimStep, Entitlement, Payment
from zjtx.registry.models import Investor, Jurisdiction, ServiceOperator

pytestmark = pytest.mark.django_db

ITEMS = {1: "art1_provincial_zjtx", 5: "art5_domestic_listed", 6: "art6_equity_investment",
         17: "art17_provincial_first"}


@pytest.fixture
def population(world, make_user):
    rng = random.Random(20240301)
    zone = Jurisdiction.objects.create(code="LY-TEST-ZONE", name="新安某产业集聚区", kind="zone",
                                       funding="county100", parent=jurisdiction("410323"))
    homes = ["410305", "410323", "410381", "410322", "LY-TEST-ZONE"]
    ents = [world["xa"], world["jx"]] + [enterprise(name=f"测试企业{n}", home=h) for n, h in enumerate(homes)]
    fund = Investor.objects.create(name="洛阳某创投基金", kind="private_fund", uscc=make_uscc("410300"))
    other_fund = Investor.objects.create(name="郑州某投资公司", kind="investment_company")
    ops = [ServiceOperator.objects.create(name=f"平台运营{n}", uscc=make_uscc("410300"),
                                          fiscal_home=jurisdiction(h)) for n, h in enumerate(["410305", "410322"])]
    users = dict(world)
    users.update(
        jinrong=world["jinrong"],
        keji=make_user("keji", Role.UNIT, display_unit="市科技局"),
        gongxin_unit=make_user("gongxin_unit", Role.UNIT, display_unit="市工信局"),
        caizheng_unit=make_user("caizheng_unit", Role.UNIT, display_unit="市财政局"),
        commissioner=make_user("commissioner", Role.COMMISSIONER, jurisdiction=jurisdiction("410323")),
        yanshi=make_user("yanshi", Role.LOCAL, jurisdiction=jurisdiction("410307")),
        finance_yanshi=make_user("finance_yanshi", Role.FINANCE_LOCAL, jurisdiction=jurisdiction("410307")),
        mengjin=make_user("mengjin", Role.LOCAL, jurisdiction=jurisdiction("410308")),
        finance_zone=make_user("finance_zone", Role.FINANCE_LOCAL, jurisdiction=zone),
        investor=make_user("investor", Role.INVESTOR, investor=fund),
        operator=make_user("operator", Role.OPERATOR, operator=ops[0]),
        ent_zone=make_user("ent_zone", Role.ENTERPRISE, enterprise=ents[-1]),
        superuser=get_user_model().objects.create_superuser("root", "root@example.cn", "x-zjtx-test-9"),
        nobody=get_user_model().objects.create_user("nobody", password="x-zjtx-test-9"),
    )
    locals_ = [None, *Jurisdiction.objects.filter(code__in=["410305", "410323", "410307", "LY-TEST-ZONE"])]
    states = [s for s, _ in ClaimState.choices]
    approvers = [None, users["finance_city"], users["finance_410305"], users["finance_yanshi"]]
    payers = [users["finance_city_2"]]
    # every article and funding with a sample of states (all of them would only be slower)
    combos = [(a, lu, st) for a, lu in itertools.product(ITEMS, locals_) for st in rng.sample(states, 5)]
    for n, (article, local_unit, st) in enumerate(combos):
        recipient = {}
        if article == 6:
            recipient = {"investor": rng.choice([fund, other_fund]), "enterprise": rng.choice(ents)}
        elif article == 17:
            recipient = {"operator": rng.choice(ops)}
        else:
            recipient = {"enterprise": rng.choice(ents)}
        split = {"city_part": Decimal("50.00"), "district_part": Decimal("50.00")} if local_unit is None or \
            rng.random() < 0.5 else {"county_part": Decimal("100.00")}
        if local_unit is None:
            split = {"city_part": Decimal("100.00")}
        if local_unit is not None and local_unit.code == "LY-TEST-ZONE":
            split = rng.choice([{"zone_part": Decimal("100.00")}, {"city_part": Decimal("50.00"),
                                                                   "zone_part": Decimal("50.00")}])
        ent = Entitlement.objects.create(
            key=f"k{n}", once_key=f"o{n}", article=article, item=ITEMS[article], event_ref=f"X{n}",
            amount=Decimal("100.00"), local_unit=local_unit, budget_year=rng.choice([2023, 2024]),
            **recipient, **split)
        claim = Claim.objects.create(entitlement=ent)
        Claim.objects.filter(pk=claim.pk).update(state=st, flagged=rng.random() < 0.2)
        if (who := rng.choice(approvers)) is not None:
            ClaimStep.objects.create(claim=claim, action="approve", from_state="finance_review",
                                     to_state="approved", actor=who)
        if st in (ClaimState.PARTIALLY_PAID, ClaimState.PAID, ClaimState.APPROVED) and rng.random() < 0.6:
            part = rng.choice(list(ent.parts()))
            Payment.objects.create(claim=claim, once_key=ent.once_key, part=part,
                                   payer=None if part == "city" else local_unit, generation=0,
                                   amount=ent.part(part), budget_year=ent.budget_year, paid_on=dt.date(2024, 1, 2),
                                   reference=f"P{n}", recorded_by=rng.choice(payers))
    return users


def expected_awaiting(user, claim) -> bool:
    def ok(action, part=None):
        return perms.can(user, action, claim, part)[0]

    paid = selectors.live_paid_parts(claim)
    return (ok(perms.CONFIRM) or ok(perms.APPROVE) or ok(perms.RETURN) or ok(perms.REJECT)
            or any(ok(perms.PAY, p) for p in claim.entitlement.parts() if p not in paid)
            or (claim.flagged and ok(perms.RESOLVE)))


def test_the_querysets_give_the_answers_of_can(population):
    claims = list(Claim.objects.select_related("entitlement"))
    assert len(claims) == 100
    seen_any = set()
    for name, user in population.items():
        if not hasattr(user, "pk"):
            continue  # the world's enterprises
        user.refresh_from_db()
        visible = set(selectors.claims_visible_to(user).values_list("pk", flat=True))
        awaiting = set(selectors.claims_awaiting(user).values_list("pk", flat=True))
        for claim in claims:
            assert (claim.pk in visible) == perms.can(user, perms.VIEW, claim)[0], (name, claim.pk)
            want = perms.can(user, perms.VIEW, claim)[0] and expected_awaiting(user, claim)
            assert (claim.pk in awaiting) == want, (name, claim.pk, claim.state, claim.entitlement.parts())
        if visible:
            seen_any.add(name)
        if awaiting:
            seen_any.add(f"{name}:awaiting")
    # the comparison had something to compare for each kind of user
    for name in ("city_admin", "jinrong", "caizheng_unit", "finance_city", "county_410323", "finance_410305",
                 "yanshi", "finance_yanshi", "mengjin", "finance_zone", "investor", "operator", "ent_zone",
                 "superuser", "finance_city:awaiting", "finance_410305:awaiting", "county_410323:awaiting",
                 "city_admin:awaiting", "investor:awaiting", "finance_zone:awaiting", "gongxin_unit:awaiting",
                 "commissioner"):
        assert name in seen_any, name
    # 科技局 answers for none of the money articles; a commissioner reads its
    # jurisdiction's claims (Art. 18) but takes no step
    assert {"keji", "nobody", "commissioner:awaiting"}.isdisjoint(seen_any)


def test_the_queue_puts_the_users_claims_first_and_counts_by_state(population):
    user = population["finance_city"]
    queue = selectors.claim_queue(user=user, filters=selectors.ClaimFilters())
    flags = [c.awaiting for c in queue.claims]
    assert flags == sorted(flags, reverse=True) and flags[0] and not flags[-1]
    assert queue.awaiting == flags.count(True)
    assert queue.total == len(flags) == sum(queue.counts.values())
    mine = selectors.claim_queue(user=user, filters=selectors.ClaimFilters(mine=True))
    assert all(c.awaiting for c in mine.claims) and mine.claims.count() == queue.awaiting
