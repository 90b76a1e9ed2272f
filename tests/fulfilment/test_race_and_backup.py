"""Two finance officers paying the same item at the same moment, on PostgreSQL;
and a backup that restores the ledger line for line."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from zjtx.fulfilment import services
from zjtx.fulfilment.backup import BackupError, backup, restore
from zjtx.fulfilment.models import Claim, Payment
from zjtx.fulfilment.scan import run_scan
from zjtx.registry.models import RegistryStamp

from .test_flow import BANK, claim_of


def approved_claim(world) -> Claim:
    run_scan()
    claim = claim_of(world["jx"])
    services.do_confirm_claim(claim, actor=world["ent_jx"], **BANK)
    services.do_review_claim(claim, actor=world["district_410305"], decision="approve")
    services.do_review_claim(claim, actor=world["city_admin"], decision="approve")
    services.do_review_claim(claim, actor=world["finance_city"], decision="approve")
    return claim


def race(*jobs):
    """Run the jobs in threads that start together; each gets its own connection."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait()
            outcomes[i] = job()
        except Exception as e:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[i] = e
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_database_refuses_a_second_live_payment_of_one_item(world):
    claim = approved_claim(world)
    ent = claim.entitlement
    gate = threading.Barrier(2)

    def insert():
        # Both transactions are open before either commits; the unique index decides.
        with transaction.atomic():
            p = Payment.objects.create(claim_id=claim.pk, once_key=ent.once_key, part="city", generation=0,
                                       amount=ent.city_part, budget_year=ent.budget_year,
                                       paid_on=dt.date(2024, 3, 1), reference="RACE",
                                       recorded_by=world["finance_city_2"])
            try:
                gate.wait(timeout=2)
            except threading.BrokenBarrierError:
                pass  # the other insert is blocked on the index, waiting for this commit
            return p.pk

    outcomes = race(insert, insert)
    assert sum(isinstance(o, int) for o in outcomes) == 1
    assert sum(isinstance(o, IntegrityError) for o in outcomes) == 1
    assert Payment.objects.filter(once_key=ent.once_key, part="city").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officers_recording_the_same_part_pay_once(world, make_user):
    from zjtx.accounts.models import Role

    claim = approved_claim(world)
    other = make_user("finance_city_3", Role.FINANCE_CITY)

    def pay(user, ref):
        return lambda: services.do_record_payment(Claim.objects.get(pk=claim.pk), actor=user, part="city",
                                                  paid_on=dt.date(2024, 3, 1), reference=ref)

    outcomes = race(pay(world["finance_city_2"], "A-1"), pay(other, "B-1"))
    assert sum(isinstance(o, Payment) for o in outcomes) == 1
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1
    assert services.ledger_balance() == Decimal("50000.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_scans_at_once_create_each_entitlement_once(world):
    from zjtx.fulfilment.models import Entitlement

    outcomes = race(run_scan, run_scan)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted((o.new, o.unchanged) for o in outcomes) == [(0, 2), (2, 0)]
    assert Entitlement.objects.count() == 2 and Claim.objects.count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_and_restore_give_an_identical_ledger(world, tmp_path):
    claim = approved_claim(world)
    pay = services.do_record_payment(claim, actor=world["finance_city_2"], part="city",
                                     paid_on=dt.date(2024, 3, 1), reference="SZ-1")
    services.do_reverse_payment(pay, actor=world["finance_city_2"], reason="退回重付")
    services.do_record_payment(claim, actor=world["finance_city_2"], part="city",
                               paid_on=dt.date(2024, 3, 9), reference="SZ-2")
    services.do_record_payment(claim, actor=world["finance_410305"], part="district",
                               paid_on=dt.date(2024, 3, 9), reference="QC-2")

    def ledger():
        return list(Payment.objects.order_by("pk").values_list(
            "pk", "claim_id", "kind", "once_key", "part", "payer_id", "generation", "amount", "budget_year",
            "paid_on", "reference", "reverses_id", "reason", "recorded_by_id", "recorded_at"))

    before = ledger()
    path = tmp_path / "zjtx.json.gz"
    stamp = RegistryStamp.current()
    assert backup(str(path)) > 0
    Payment.objects.filter(kind="reversal").delete()  # damage the database
    restore(str(path))
    assert ledger() == before
    # the registry's kept figures (facets.py) were computed before: a new stamp, not the file's
    assert RegistryStamp.current() != stamp
    assert Claim.objects.get(pk=claim.pk).state == "paid"
    # the sequences continue after the restored rows
    services.do_reverse_payment(Payment.objects.get(reference="QC-2"), actor=world["finance_410305"],
                                reason="测试")
    assert Payment.objects.count() == len(before) + 1


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, db):
    bad = tmp_path / "x.json.gz"
    bad.write_text("not gzip")
    with pytest.raises(BackupError, match="不是有效的"):
        restore(str(bad))
