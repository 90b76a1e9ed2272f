"""Fulfilment pages: the claims queue and one claim with the steps the user may
take, the ledger (and its xlsx), the audit trail, notifications and the scan.

Views parse input, check `permissions.can`, call a service and render. A claim
outside the user's scope is a 404 (its id reveals nothing); a step the user may
not take is a 403 with the reason; a step the service refuses (a missing reason,
a part already paid) is shown on the page and changes nothing. 驳回, 拨付, 冲正 and
accepting a scan's difference pass through a confirmation page first.
"""

from __future__ import annotations

import functools
from io import BytesIO

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from zjtx.accounts.models import Role, role_of
from zjtx.jobs import runner as jobs
from zjtx.jobs.models import Job
from zjtx.jobs.views import job_of

from . import forms, inbox, selectors, services
from . import permissions as perms
from .models import PART_LABELS, Claim, ClaimState, Payment, Revision

PER_PAGE = 25


def refusals(view):
    """A PermissionDenied, from the view's own check or from a service, becomes a
    Chinese 403 page that says why."""
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as e:
            return render(request, "fulfilment/refused.html", {"reason": str(e) or "无权办理该事项"},
                          status=403)
    return wrapper


def _require(ok_reason: tuple[bool, str]):
    ok, reason = ok_reason
    if not ok:
        raise PermissionDenied(reason)


def _require_role(request, *roles: str, what: str):
    if role_of(request.user) not in roles:
        raise PermissionDenied(f"{what}仅限{'、'.join(Role(r).label for r in roles)}查看")


def _page(request, qs, per_page: int = PER_PAGE):
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def _visible_claim(request, pk: int) -> Claim:
    return get_object_or_404(selectors.claims_visible_to(request.user), pk=pk)


def _errors(e: ValidationError) -> str:
    return "；".join(e.messages)


# --- claims ------------------------------------------------------------------------

@login_required
@refusals
def claim_list(request):
    form = forms.ClaimFilterForm(request.GET or None, years=selectors.claim_years(request.user))
    queue = selectors.claim_queue(user=request.user, filters=form.filters() if form.is_bound else
                                  selectors.ClaimFilters())
    return render(request, "fulfilment/claim_list.html", {
        "form": form, "queue": queue, "page": _page(request, queue.claims),
        "states": [(value, label, queue.counts[value]) for value, label in ClaimState.choices],
    })


def _detail(request, claim: Claim, *, status: int = 200, **bound):
    page = selectors.claim_page(user=request.user, claim=claim)
    today = timezone.localdate()
    context = {
        "page": page, "claim": claim, "ent": page.entitlement,
        "confirm_form": bound.get("confirm_form") or forms.ConfirmForm(initial={
            "bank_name": claim.bank_name, "bank_account": claim.bank_account,
            "account_name": claim.account_name or page.entitlement.payee.name}),
        "review_form": bound.get("review_form") or forms.ReviewForm(),
        "pay_form": bound.get("pay_form"),
        "reverse_form": bound.get("reverse_form"),
        "resolve_form": bound.get("resolve_form"),
        "error": bound.get("error", ""),
        "today": today,
    }
    return render(request, "fulfilment/claim_detail.html", context, status=status)


@login_required
@refusals
def claim_detail(request, pk: int):
    return _detail(request, _visible_claim(request, pk))


def _confirm_page(request, claim: Claim, *, title: str, lines: list[tuple[str, str]], warning: str,
                  button: str):
    """The confirmation before an irreversible step: the same POST again, with
    `confirmed=1`."""
    fields = [(k, v) for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "confirmed")]
    return render(request, "fulfilment/confirm.html", {
        "claim": claim, "title": title, "lines": lines, "warning": warning, "button": button,
        "fields": fields, "action": request.path})


def _confirmed(request) -> bool:
    return request.POST.get("confirmed") == "1"


def _done(request, claim: Claim, message: str):
    messages.success(request, message)
    return redirect("fulfilment:claim-detail", pk=claim.pk)


@login_required
@require_POST
@refusals
def claim_confirm(request, pk: int):
    claim = _visible_claim(request, pk)
    _require(perms.can(request.user, perms.CONFIRM, claim))
    form = forms.ConfirmForm(request.POST)
    if not form.is_valid():
        return _detail(request, claim, confirm_form=form)
    try:
        services.do_confirm_claim(claim, actor=request.user, **form.cleaned_data)
    except ValidationError as e:
        return _detail(request, claim, confirm_form=form, error=_errors(e))
    return _done(request, claim, "已确认意愿和收款账户，申领进入县区初审。")


@login_required
@require_POST
@refusals
def claim_review(request, pk: int):
    claim = _visible_claim(request, pk)
    form = forms.ReviewForm(request.POST)
    if not form.is_valid():
        return _detail(request, claim, review_form=form)
    decision, comment = form.cleaned_data["decision"], form.cleaned_data["comment"]
    _require(perms.can(request.user, decision, claim))
    step = perms.STEP_OF_STATE.get(claim.state, "")
    if decision == perms.REJECT and not _confirmed(request):
        if not comment.strip():
            form.add_error("comment", "驳回必须填写理由")
            return _detail(request, claim, review_form=form)
        ent = claim.entitlement
        return _confirm_page(request, claim, title=f"驳回申领 {claim.pk}", button="确认驳回", lines=[
            ("受奖主体", ent.payee.name), ("事项", ent.get_item_label()), ("金额", f"{ent.amount} 元"),
            ("环节", step), ("驳回理由", comment)],
            warning="驳回后该申领即告结束，不能恢复；受奖主体将收到通知。")
    try:
        services.do_review_claim(claim, actor=request.user, decision=decision, comment=comment)
    except ValidationError as e:
        return _detail(request, claim, review_form=form, error=_errors(e))
    label = dict(forms.ReviewForm.DECISIONS)[decision]
    return _done(request, claim, f"{step}：{label}。")


@login_required
@require_POST
@refusals
def claim_pay(request, pk: int):
    claim = _visible_claim(request, pk)
    form = forms.PaymentForm(request.POST)
    if not form.is_valid():
        return _detail(request, claim, pay_form=form)
    part = form.cleaned_data["part"]
    _require(perms.can(request.user, perms.PAY, claim, part))
    ent = claim.entitlement
    if not _confirmed(request):
        return _confirm_page(request, claim, title=f"拨付申领 {claim.pk} 的{PART_LABELS[part]}部分",
                             button="确认拨付", lines=[
                                 ("受奖主体", ent.payee.name), ("事项", ent.get_item_label()),
                                 ("承担层级", PART_LABELS[part]),
                                 ("承担单位", selectors.payer_name(part, ent.local_unit)),
                                 ("金额", f"{ent.part(part)} 元"),
                                 ("收款账户", f"{claim.account_name} {claim.bank_name} {claim.bank_account}"),
                                 ("拨付日期", form.cleaned_data["paid_on"].isoformat()),
                                 ("凭证号", form.cleaned_data["reference"])],
                             warning="拨付记入台账后不能修改或删除，更正只能通过冲正。")
    try:
        payment = services.do_record_payment(claim, actor=request.user, **form.cleaned_data)
    except ValidationError as e:
        return _detail(request, claim, pay_form=form, error=_errors(e))
    return _done(request, claim, f"已拨付{PART_LABELS[part]}部分 {payment.amount} 元。")


@login_required
@require_POST
@refusals
def claim_reverse(request, pk: int):
    claim = _visible_claim(request, pk)
    form = forms.ReverseForm(request.POST)
    if not form.is_valid():
        return _detail(request, claim, reverse_form=form, error="请填写冲正原因")
    payment = get_object_or_404(Payment, pk=form.cleaned_data["payment"], claim=claim)
    _require(perms.can(request.user, perms.REVERSE, claim, payment.part))
    if not _confirmed(request):
        return _confirm_page(request, claim, title=f"冲正拨付 {payment.reference}", button="确认冲正", lines=[
            ("受奖主体", claim.entitlement.payee.name), ("承担层级", PART_LABELS[payment.part]),
            ("金额", f"{payment.amount} 元"), ("拨付日期", payment.paid_on.isoformat()),
            ("凭证号", payment.reference), ("冲正原因", form.cleaned_data["reason"])],
            warning="冲正记入一笔负数台账，原拨付记录保留；冲正后该部分可以重新拨付。")
    try:
        services.do_reverse_payment(payment, actor=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as e:
        return _detail(request, claim, reverse_form=form, error=_errors(e))
    return _done(request, claim, f"拨付 {payment.reference} 已冲正。")


@login_required
@require_POST
@refusals
def claim_resolve(request, pk: int):
    claim = _visible_claim(request, pk)
    form = forms.ResolveForm(request.POST)
    if not form.is_valid():
        return _detail(request, claim, resolve_form=form, error="请选择采纳或不予采纳")
    revision = get_object_or_404(Revision, pk=form.cleaned_data["revision"], entitlement=claim.entitlement)
    _require(perms.can(request.user, perms.RESOLVE, claim))
    accept = form.cleaned_data["accept"]
    if accept and not _confirmed(request):
        gone = revision.new_amount == 0
        return _confirm_page(request, claim, title=f"采纳申领 {claim.pk} 的扫描差异", button="确认采纳", lines=[
            ("原金额", f"{revision.old_amount} 元"), ("新金额", f"{revision.new_amount} 元"),
            ("原因", revision.message or revision.reason), ("说明", form.cleaned_data["comment"])],
            warning=("采纳后该奖励不再成立，尚未拨付的申领将被驳回。" if gone
                     else "采纳后应享金额和分担按新的计算结果更新，原值保留在差异记录中。"))
    try:
        services.do_resolve_revision(revision, actor=request.user, accept=accept,
                                     comment=form.cleaned_data["comment"])
    except ValidationError as e:
        return _detail(request, claim, resolve_form=form, error=_errors(e))
    return _done(request, claim, "扫描差异已采纳。" if accept else "扫描差异不予采纳，金额保持不变。")


# --- ledger ---------------------------------------------------------------------

@login_required
@refusals
def ledger(request):
    if not selectors.may_see_ledger(request.user):
        raise PermissionDenied("拨付台账仅限市工信局、财政部门和责任单位查看")
    base = selectors.ledger(user=request.user, filters=selectors.LedgerFilters())
    form = forms.LedgerFilterForm(request.GET or None, years=base.years, payers=base.payers)
    book = selectors.ledger(user=request.user, filters=form.filters()) if form.is_bound else base
    if request.GET.get("format") == "xlsx":
        return _ledger_xlsx(book)
    page = _page(request, book.lines, per_page=50)
    return render(request, "fulfilment/ledger.html", {
        "form": form, "book": book, "page": page, "columns": selectors.LEDGER_COLUMNS,
        "rows": [(p, selectors.ledger_row(p)) for p in page.object_list],
        "amount_column": selectors.AMOUNT_COLUMN})


def _ledger_xlsx(book: selectors.Ledger) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from zjtx.spreadsheet import cell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("拨付台账")
    bold = Font(bold=True)

    def cells(values, *, font=None):
        # Through zjtx.spreadsheet.cell: a reference or a name such as "=…" is text.
        formats = {selectors.AMOUNT_COLUMN: "#,##0.00", 0: "yyyy-mm-dd hh:mm:ss", 1: "yyyy-mm-dd"}
        return [cell(ws, value, font=font,
                     number_format=formats.get(i) if value not in (None, "") or i == selectors.AMOUNT_COLUMN
                     else None)
                for i, value in enumerate(values)]

    ws.append(cells(selectors.LEDGER_COLUMNS, font=bold))
    for p in book.lines.iterator(chunk_size=2000):
        ws.append(cells(selectors.ledger_row(p)))
    total = [""] * len(selectors.LEDGER_COLUMNS)
    total[0], total[selectors.AMOUNT_COLUMN] = f"合计（{book.count} 笔）", book.total
    ws.append(cells(total, font=bold))
    buffer = BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"ledger-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- audit, notifications, scan ------------------------------------------------------------

@login_required
@refusals
def audit(request):
    _require_role(request, Role.CITY_ADMIN, what="审计记录")
    form = forms.AuditFilterForm(request.GET or None, verbs=selectors.audit_verbs())
    filters = form.filters() if form.is_bound else selectors.AuditFilters()
    page = _page(request, selectors.audit_events(filters=filters), per_page=50)
    return render(request, "fulfilment/audit.html", {"form": form, "page": page,
                                                     "verb_labels": forms.VERB_LABELS})


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    if request.method == "POST":
        ids = None if request.POST.get("all") == "1" else [
            int(v) for v in request.POST.getlist("id") if v.isdigit()]
        n = inbox.do_mark_read(user=request.user, ids=ids)
        if n:
            messages.success(request, f"已将 {n} 条通知标为已读。")
        return redirect("fulfilment:notifications")
    page = _page(request, selectors.notifications_of(request.user))
    # also given by the context processor; here so the page does not depend on its registration
    return render(request, "fulfilment/notifications.html", {
        "page": page, "unread_notifications": selectors.unread_count(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def scan(request):
    _require_role(request, Role.CITY_ADMIN, what="免申即享扫描")
    if request.method == "POST":
        # In the background worker: a scan of a large registry outlasts a web request.
        job = jobs.running(Job.Kind.SCAN) or jobs.start(Job.Kind.SCAN, user=request.user)
        if job.requested_by_id != request.user.pk:
            messages.info(request, "另一次扫描正在进行，完成后请刷新查看结果。")
            return redirect("fulfilment:scan")
        return redirect(f"{reverse('fulfilment:scan')}?job={job.pk}")
    job = job_of(request.user, request.GET.get("job"))
    if job is not None and job.state == Job.State.DONE:
        messages.success(request, job.result["line"])
    return render(request, "fulfilment/scan.html", {
        "job": job, "last": selectors.last_scan(), "page": _page(request, selectors.flagged_claims())})
