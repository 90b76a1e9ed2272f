"""From a scan to money in the ledger: every step, the refusals, corrections."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from zjtx.fulfilment import services
from zjtx.fulfilment.models import AuditEvent, Claim, ClaimState, Notification, Payment, Revision
from zjtx.fulfilment.scan import run_scan
from zjtx.registry.models import Recognition

pytestmark = pytest.mark.django_db(transaction=False)

BANK = {"bank_name": "中国银行洛阳分行", "bank_account": "6217000000000001", "account_name": "某公司"}


def claim_of(ent, item="art1_provincial_zjtx"):
    return Claim.objects.get(entitlement__enterprise=ent, entitlement__item=item)


def to_approved(claim, w, local):
    services.do_confirm_claim(claim, actor=w["ent_jx" if local == "district_410305" else "ent_xa"], **BANK)
    services.do_review_claim(claim, actor=w[local], decision="approve")
    services.do_review_claim(claim, actor=w["city_admin"], decision="approve")  # 工信局 leads Art. 1
    return claim


def test_scan_finds_entitlements_once(world):
    report = run_scan()
    assert (report.new, report.changed, report.unchanged) == (2, 0, 0)
    assert report.line() == "scan: 2 new, 0 changed, 0 unchanged"
    assert run_scan().line() == "scan: 0 new, 0 changed, 2 unchanged"
    jx = claim_of(world["jx"])
    assert jx.state == ClaimState.PENDING_CONFIRMATION
    assert jx.entitlement.parts() == {"city": Decimal("50000.00"), "district": Decimal("50000.00")}
    assert any("第1条" in s for s in jx.entitlement.trace)
    # the recipient hears of it in the app
    assert Notification.objects.filter(user=world["ent_jx"], claim=jx).exists()


def test_claim_goes_through_every_step_to_payment_split_by_payer(world):
    run_scan()
    claim = to_approved(claim_of(world["jx"]), world, "district_410305")
    # 财政审核: the city finance bureau, since the city pays half
    with pytest.raises(PermissionDenied):
        services.do_review_claim(claim, actor=world["finance_410305"], decision="approve")
    services.do_review_claim(claim, actor=world["finance_city"], decision="approve")
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED
    # the approver of a review step cannot also pay it
    with pytest.raises(PermissionDenied, match="审核过该申领"):
        services.do_record_payment(claim, actor=world["finance_city"], part="city",
                                   paid_on=dt.date(2024, 3, 1), reference="SZ-1")
    # each payer pays its own part
    with pytest.raises(PermissionDenied):
        services.do_record_payment(claim, actor=world["finance_410305"], part="city",
                                   paid_on=dt.date(2024, 3, 1), reference="SZ-1")
    services.do_record_payment(claim, actor=world["finance_city_2"], part="city",
                               paid_on=dt.date(2024, 3, 1), reference="SZ-1")
    claim.refresh_from_db()
    assert claim.state == ClaimState.PARTIALLY_PAID
    services.do_record_payment(claim, actor=world["finance_410305"], part="district",
                               paid_on=dt.date(2024, 3, 5), reference="QC-7")
    claim.refresh_from_db()
    assert claim.state == ClaimState.PAID
    assert services.ledger_balance() == Decimal("100000.00")
    assert [s.action for s in claim.steps.all()] == ["confirm", "approve", "approve", "approve", "pay", "pay"]
    assert all(s.actor_id for s in claim.steps.all())
    verbs = list(AuditEvent.objects.filter(claim=claim).values_list("verb", flat=True))
    assert "payment_recorded" in verbs and "claim_approve" in verbs
    # a paid entitlement is unchanged on the next scan
    assert run_scan().line() == "scan: 0 new, 0 changed, 2 unchanged"


def test_county_claim_is_reviewed_and_paid_by_the_county(world):
    run_scan()
    claim = to_approved(claim_of(world["xa"]), world, "county_410323")
    with pytest.raises(PermissionDenied):
        services.do_review_claim(claim, actor=world["finance_city"], decision="approve")
    services.do_review_claim(claim, actor=world["finance_410323"], decision="approve")
    # the county finance officer approved the review, so another county officer must pay
    with pytest.raises(PermissionDenied, match="审核过该申领"):
        services.do_record_payment(claim, actor=world["finance_410323"], part="county",
                                   paid_on=dt.date(2024, 1, 2), reference="XA-1")
    with pytest.raises(PermissionDenied):  # the city has no part here
        services.do_record_payment(claim, actor=world["finance_city"], part="county",
                                   paid_on=dt.date(2024, 1, 2), reference="XA-1")


def test_only_the_funding_jurisdiction_does_the_first_review(world):
    run_scan()
    claim = claim_of(world["xa"])
    services.do_confirm_claim(claim, actor=world["ent_xa"], **BANK)
    with pytest.raises(PermissionDenied, match="县区初审"):
        services.do_review_claim(claim, actor=world["district_410305"], decision="approve")
    with pytest.raises(PermissionDenied):  # 金融局 does not lead Art. 1
        services.do_review_claim(claim, actor=world["jinrong"], decision="approve")


def test_another_enterprise_cannot_confirm(world):
    run_scan()
    with pytest.raises(PermissionDenied):
        services.do_confirm_claim(claim_of(world["xa"]), actor=world["ent_jx"], **BANK)
    with pytest.raises(ValidationError):
        services.do_confirm_claim(claim_of(world["xa"]), actor=world["ent_xa"], bank_name="", bank_account="1",
                                  account_name="x")


def test_return_for_correction_and_rejection_need_reasons(world, django_capture_on_commit_callbacks):
    run_scan()
    claim = claim_of(world["jx"])
    services.do_confirm_claim(claim, actor=world["ent_jx"], **BANK)
    with pytest.raises(ValidationError):
        services.do_review_claim(claim, actor=world["district_410305"], decision="return", comment=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.do_review_claim(claim, actor=world["district_410305"], decision="return",
                                 comment="账户名称与营业执照不符")
    claim.refresh_from_db()
    assert claim.state == ClaimState.RETURNED
    assert mail.outbox and "退回补正" in mail.outbox[-1].body
    services.do_confirm_claim(claim, actor=world["ent_jx"], **{**BANK, "account_name": "涧西某轴承有限公司"})
    services.do_review_claim(claim, actor=world["district_410305"], decision="reject", comment="不符合条件")
    claim.refresh_from_db()
    assert claim.state == ClaimState.REJECTED
    with pytest.raises(PermissionDenied):
        services.do_review_claim(claim, actor=world["city_admin"], decision="approve")


def test_reversal_is_a_new_line_and_the_item_can_be_paid_again(world):
    run_scan()
    claim = to_approved(claim_of(world["jx"]), world, "district_410305")
    services.do_review_claim(claim, actor=world["finance_city"], decision="approve")
    pay = services.do_record_payment(claim, actor=world["finance_city_2"], part="city",
                                     paid_on=dt.date(2024, 3, 1), reference="SZ-1")
    with pytest.raises(ValidationError):  # a second payment of the same part
        services.do_record_payment(claim, actor=world["finance_city_2"], part="city",
                                   paid_on=dt.date(2024, 3, 2), reference="SZ-2")
    with pytest.raises(ValidationError):
        services.do_reverse_payment(pay, actor=world["finance_city_2"], reason="")
    services.do_reverse_payment(pay, actor=world["finance_city_2"], reason="账号错误，资金退回")
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED
    assert services.ledger_balance() == Decimal("0.00")
    again = services.do_record_payment(claim, actor=world["finance_city_2"], part="city",
                                       paid_on=dt.date(2024, 3, 9), reference="SZ-3")
    assert again.generation == 1
    lines = list(Payment.objects.order_by("pk").values_list("kind", "amount"))
    assert lines == [("payment", Decimal("50000.00")), ("reversal", Decimal("-50000.00")),
                     ("payment", Decimal("50000.00"))]
    assert services.ledger_balance() == sum(a for _, a in lines)


def test_a_changed_fact_flags_the_claim_with_the_difference(world):
    run_scan()
    claim = claim_of(world["jx"])
    # the recognition turns out to have been a 复核, not a new recognition
    Recognition.objects.filter(enterprise=world["jx"]).update(kind="review")
    report = run_scan()
    assert (report.new, report.changed) == (0, 1)
    claim.refresh_from_db()
    assert claim.flagged
    rev = Revision.objects.get(entitlement=claim.entitlement)
    assert (rev.old_amount, rev.new_amount, rev.reason) == (Decimal("100000.00"), Decimal("0"), "R_REVIEW_NOT_NEW")
    assert claim.entitlement.amount == Decimal("100000.00")  # nothing overwritten
    assert run_scan().changed == 0  # the same difference is recorded once
    services.do_confirm_claim(claim, actor=world["ent_jx"], **BANK)
    with pytest.raises(PermissionDenied, match="差异"):
        services.do_review_claim(claim, actor=world["district_410305"], decision="approve")
    services.do_resolve_revision(rev, actor=world["city_admin"], accept=True, comment="以复核为准")
    claim.refresh_from_db()
    assert claim.state == ClaimState.REJECTED and not claim.flagged
