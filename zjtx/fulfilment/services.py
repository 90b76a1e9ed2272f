"""Every change to a claim or to money: one function each, in one transaction, that
checks permission, changes the state, writes the step, the audit event and the
notifications together."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from . import permissions as perms
from .models import (
    PART_LABELS,
    PARTS,
    AuditEvent,
    Claim,
    ClaimState,
    ClaimStep,
    Notification,
    OncePaid,
    Payment,
    Revision,
)


def _require(user, action: str, claim: Claim, part: str | None = None):
    ok, reason = perms.can(user, action, claim, part)
    if not ok:
        raise PermissionDenied(reason)


def recipient_users(claim: Claim):
    from django.contrib.auth import get_user_model

    ent = claim.entitlement
    users = get_user_model().objects.filter(is_active=True)
    if ent.investor_id:
        return users.filter(profile__investor_id=ent.investor_id)
    if ent.operator_id:
        return users.filter(profile__operator_id=ent.operator_id)
    return users.filter(profile__enterprise_id=ent.enterprise_id)


def fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def messenger(*, verb: str, summary: str, actor=None, claim: Claim | None = None, entitlement=None,
              notify: bool = False, **data):
    """Write the audit event, and tell the recipient in the app and by e-mail. A summary
    carrying a long reason is shortened to fit its column; the whole text is kept in
    the event's data (and in the claim's step, where there is one)."""
    short = fit(summary, AuditEvent._meta.get_field("summary").max_length)
    if short != summary:
        data["summary"] = summary
    AuditEvent.objects.create(verb=verb, summary=short, actor=actor, claim=claim,
                              entitlement=entitlement or (claim.entitlement if claim else None), data=data)
    if notify and claim is not None:
        for user in recipient_users(claim):
            Notification.objects.create(user=user, claim=claim, message=fit(summary, Notification._meta.get_field("message").max_length))
            if user.email:
                transaction.on_commit(lambda u=user: send_mail(
                    "【ZJTX】奖励申领进度", summary, settings.DEFAULT_FROM_EMAIL, [u.email], fail_silently=True))


def announce_claims(claims: list[Claim], *, actor=None, now=None) -> None:
    """免申即享: the audit event of each new claim and its recipients' notices, written
    in bulk (a first scan of a province finds tens of thousands)."""
    from django.contrib.auth import get_user_model

    def party(ent) -> tuple[str, int]:
        return (("I", ent.investor_id) if ent.investor_id else ("P", ent.operator_id) if ent.operator_id
                else ("E", ent.enterprise_id))

    wanted = {party(c.entitlement) for c in claims}
    users: dict[tuple[str, int], list] = {}
    q = Q(profile__enterprise_id__in=[pk for k, pk in wanted if k == "E"]) | Q(
        profile__investor_id__in=[pk for k, pk in wanted if k == "I"]) | Q(
        profile__operator_id__in=[pk for k, pk in wanted if k == "P"])
    for user in get_user_model().objects.filter(is_active=True).filter(q).select_related("profile"):
        p = user.profile
        for key in (("E", p.enterprise_id), ("I", p.investor_id), ("P", p.operator_id)):
            if key in wanted:
                users.setdefault(key, []).append(user)
    from zjtx.registry.imports.bulk import insert_rows

    now = now or timezone.now()
    events, notices, mails = [], [], []
    for claim in claims:
        ent = claim.entitlement
        summary = f"免申即享：发现应享奖励 {ent.amount} 元（第{ent.article}条），请确认意愿和收款账户"
        events.append({"at": now, "actor_id": getattr(actor, "pk", None), "verb": "entitlement_found",
                       "claim_id": claim.pk, "entitlement_id": ent.pk, "summary": summary, "data": {}})
        for user in users.get(party(ent), []):
            notices.append({"user_id": user.pk, "claim_id": claim.pk, "message": summary, "created_at": now})
            if user.email:
                mails.append((user.email, summary))
    insert_rows(AuditEvent, events, returning=False)
    insert_rows(Notification, notices, returning=False)
    for address, summary in mails:
        transaction.on_commit(lambda a=address, s=summary: send_mail(
            "【ZJTX】奖励申领进度", s, settings.DEFAULT_FROM_EMAIL, [a], fail_silently=True))


def _step(claim: Claim, *, actor, action: str, before: str, comment: str = ""):
    ClaimStep.objects.create(claim=claim, actor=actor, action=action, from_state=before,
                             to_state=claim.state, comment=comment)


def _locked(claim: Claim) -> Claim:
    return Claim.objects.select_for_update().select_related("entitlement").get(pk=claim.pk)


@transaction.atomic
def do_confirm_claim(claim: Claim, *, actor, bank_name: str, bank_account: str, account_name: str) -> Claim:
    """意愿确认: the recipient says it wants the reward and where to pay it."""
    claim = _locked(claim)
    _require(actor, perms.CONFIRM, claim)
    if not (bank_name.strip() and bank_account.strip() and account_name.strip()):
        raise ValidationError("请填写开户银行、银行账号和账户名称")
    before = claim.state
    claim.willing = True
    claim.bank_name, claim.bank_account, claim.account_name = bank_name.strip(), bank_account.strip(), account_name.strip()
    claim.confirm()
    claim.save()
    _step(claim, actor=actor, action=perms.CONFIRM, before=before)
    messenger(verb="claim_confirmed", actor=actor, claim=claim, notify=True,
              summary=f"申领 {claim.pk} 已确认意愿和收款账户，进入县区初审")
    return claim


@transaction.atomic
def do_review_claim(claim: Claim, *, actor, decision: str, comment: str = "") -> Claim:
    """One review step: approve (to the next step), return for correction, or reject.
    Returning and rejecting need a reason."""
    claim = _locked(claim)
    _require(actor, decision, claim)
    if decision in (perms.RETURN, perms.REJECT) and not comment.strip():
        raise ValidationError("退回或驳回必须填写理由")
    before = claim.state
    step = perms.STEP_OF_STATE[before]
    if decision == perms.APPROVE:
        {ClaimState.LOCAL_REVIEW: claim.pass_local_review, ClaimState.UNIT_REVIEW: claim.pass_unit_review,
         ClaimState.FINANCE_REVIEW: claim.pass_finance_review}[before]()
        summary = f"申领 {claim.pk} {step}通过，进入{claim.get_state_display()}"
    elif decision == perms.RETURN:
        claim.return_for_correction()
        summary = f"申领 {claim.pk} 在{step}环节被退回补正：{comment}"
    else:
        claim.reject()
        summary = f"申领 {claim.pk} 在{step}环节被驳回：{comment}"
    claim.save()
    _step(claim, actor=actor, action=decision, before=before, comment=comment)
    messenger(verb=f"claim_{decision}", actor=actor, claim=claim, notify=True, summary=summary,
              step=step, comment=comment)
    return claim


def live_payments(claim: Claim):
    return claim.payments.filter(kind=Payment.Kind.PAYMENT, reversed_by__isnull=True)


def _charge_once(claim: Claim, amount: Decimal):
    """Add a payment (or, negative, a reversal) to its once-only item's row, locked.
    Live payments of one item come from one claim, never above its amount: the
    check here says why, the row's constraint holds it in the database."""
    ent = claim.entitlement
    row, _ = OncePaid.objects.select_for_update().get_or_create(
        once_key=ent.once_key, defaults={"claim": claim, "limit": ent.amount})
    if row.paid and row.claim_id != claim.pk:
        raise ValidationError(f"该一次性奖励已由申领 {row.claim_id} 拨付 {row.paid} 元，"
                              "不能再由本申领拨付；如属拨付错误，请先冲正原拨付")
    if not row.paid:
        row.claim, row.limit = claim, ent.amount
    row.paid += amount
    if row.paid > row.limit:
        raise ValidationError(f"该一次性奖励累计拨付将达 {row.paid} 元，超过应拨付的 {row.limit} 元")
    row.save()


def _settle(claim: Claim):
    due = len(claim.entitlement.parts())
    paid = live_payments(claim).values("part").distinct().count()
    claim.settle(parts_due=due, parts_paid=paid)
    claim.save()


def _check_paid_on(day: dt.date):
    """A payment is dated between the policy's first day and today (a slip such as
    1900-01-01 would put money in a budget year that never had it)."""
    from zjtx.policy_admin.services import effective_pack

    first = effective_pack().parameters["policy_effective_date"].value_on(day)
    if day > timezone.localdate():
        raise ValidationError("拨付日期不能晚于今天")
    if day < first:
        raise ValidationError(f"拨付日期不能早于政策施行日期 {first.isoformat()}")


@transaction.atomic
def do_record_payment(claim: Claim, *, actor, part: str, paid_on: dt.date, reference: str) -> Payment:
    """Record one payer's part. The amount is the approved split; the database refuses
    a second live payment of the same once-only item and part."""
    claim = _locked(claim)
    _require(actor, perms.PAY, claim, part)
    ent = claim.entitlement
    if part not in PARTS or not ent.part(part):
        raise ValidationError(f"该申领没有{PART_LABELS.get(part, part)}承担部分")
    if not reference.strip():
        raise ValidationError("请填写拨付凭证号")
    _check_paid_on(paid_on)
    if live_payments(claim).filter(part=part).exists():
        raise ValidationError("该部分已经拨付，不能重复拨付")
    generation = Payment.objects.filter(kind=Payment.Kind.REVERSAL, once_key=ent.once_key, part=part).count()
    before = claim.state
    _charge_once(claim, ent.part(part))
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                claim=claim, kind=Payment.Kind.PAYMENT, once_key=ent.once_key, part=part,
                payer=None if part == "city" else ent.local_unit, generation=generation,
                amount=ent.part(part), budget_year=ent.budget_year, paid_on=paid_on,
                reference=reference.strip(), recorded_by=actor)
    except IntegrityError:
        raise ValidationError("该一次性奖励的这一部分已有拨付记录，不能重复拨付") from None
    _settle(claim)
    _step(claim, actor=actor, action=perms.PAY, before=before, comment=f"{part} {payment.amount} 凭证 {reference}")
    messenger(verb="payment_recorded", actor=actor, claim=claim, notify=True,
              summary=f"申领 {claim.pk} 已拨付{PART_LABELS[part]}部分 {payment.amount} 元（凭证 {reference}）",
              part=part, amount=str(payment.amount), reference=reference)
    return payment


@transaction.atomic
def do_reverse_payment(payment: Payment, *, actor, reason: str, on: dt.date | None = None) -> Payment:
    """冲正: a reversing line with who, when and why; the original line stays."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    claim = _locked(payment.claim)
    _require(actor, perms.REVERSE, claim, payment.part)
    if payment.kind != Payment.Kind.PAYMENT or hasattr(payment, "reversed_by"):
        raise ValidationError("只能冲正一笔尚未冲正的拨付")
    if not reason.strip():
        raise ValidationError("冲正必须填写原因")
    before = claim.state
    _charge_once(claim, -payment.amount)
    reversal = Payment.objects.create(
        claim=claim, kind=Payment.Kind.REVERSAL, once_key=payment.once_key, part=payment.part,
        payer=payment.payer, generation=None, amount=-payment.amount, budget_year=payment.budget_year,
        paid_on=on or timezone.localdate(), reference=f"冲正-{payment.reference}", reverses=payment,
        reason=reason.strip(), recorded_by=actor)
    _settle(claim)
    _step(claim, actor=actor, action=perms.REVERSE, before=before, comment=reason)
    messenger(verb="payment_reversed", actor=actor, claim=claim, notify=True,
              summary=f"申领 {claim.pk} 的拨付 {payment.reference} 已冲正：{reason}", payment=payment.pk)
    return reversal


@transaction.atomic
def do_resolve_revision(revision: Revision, *, actor, accept: bool, comment: str = "") -> Revision:
    """The city admin decides on a difference a scan found. Accepting takes the new
    amount (or, when the entitlement no longer holds, rejects an unpaid claim);
    the old values stay in the revision and the audit trail."""
    revision = Revision.objects.select_for_update().get(pk=revision.pk)
    ent = revision.entitlement
    claim = _locked(ent.claim)
    _require(actor, perms.RESOLVE, claim)
    if revision.resolved_at:
        raise ValidationError("该差异已处理")
    if accept and live_payments(claim).exists() and revision.new_amount != revision.old_amount:
        raise ValidationError("已拨付的申领不能直接改变金额：请先冲正拨付")
    revision.resolved_at, revision.resolved_by = timezone.now(), actor
    revision.save()
    if accept:
        before = claim.state
        if revision.new_amount == 0:
            if claim.state not in (ClaimState.REJECTED, ClaimState.PAID, ClaimState.PARTIALLY_PAID):
                claim.void()
                claim.save()
        else:
            ent.amount = revision.new_amount
            parts = revision.new_parts
            for p in PARTS:
                setattr(ent, f"{p}_part", Decimal(parts.get(p, "0")))
            ent.trace = revision.trace
            ent.local_unit_id = revision.new_local_unit_id  # an enterprise that moved: its new payer
            if revision.new_event_ref:
                ent.event_ref = revision.new_event_ref
            ent.save()
        _step(claim, actor=actor, action=perms.RESOLVE, before=before, comment=comment)
    claim.flagged = ent.revisions.filter(resolved_at__isnull=True).exists()
    claim.save(update_fields=["flagged", "updated_at"])
    messenger(verb="revision_resolved", actor=actor, claim=claim, notify=accept,
              summary=f"申领 {claim.pk} 的扫描差异已{'采纳' if accept else '不予采纳'}："
                      f"{revision.old_amount} → {revision.new_amount}", comment=comment)
    return revision


def ledger_balance() -> Decimal:
    return Payment.objects.aggregate(s=Sum("amount"))["s"] or Decimal("0")
