"""Application pages: the party's form with its evidence, the list, one application
with its decision, and the evidence files — served only through `attachment`,
which checks the login and the scope; they are never public static files."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from zjtx.fulfilment.views import refusals

from . import evidence, forms, selectors, services
from . import permissions as perms
from .models import Application, Attachment


@login_required
@refusals
def application_list(request):
    kind, _ = perms.submittable_kind(request.user)
    reviews = perms.reviewed_kinds(request.user)
    if kind is None and not reviews:
        raise PermissionDenied("在线申报仅限投资机构、平台运营机构、企业和审核单位使用")
    state = request.GET.get("state", "")
    state = state if state in Application.State.values else ""
    only = request.GET.get("kind", "")
    only = only if only in Application.Kind.values else ""
    page = Paginator(selectors.application_queue(user=request.user, state=state, kind=only), 25).get_page(
        request.GET.get("page"))
    return render(request, "applications/list.html", {
        "page": page, "submit_kind": kind, "reviews": reviews, "state": state, "kind": only,
        "states": Application.State.choices, "kinds": [(k, v) for k, v in Application.Kind.choices
                                                        if k in reviews]})


def _too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > evidence.MAX_REQUEST_BYTES
    except ValueError:
        return True


@login_required
@require_http_methods(["GET", "POST"])
@refusals
def application_new(request):
    kind, reason = perms.submittable_kind(request.user)
    if kind is None:
        raise PermissionDenied(reason)
    form_class = forms.FORM_OF_KIND[kind]
    if request.method == "GET":
        return render(request, "applications/new.html", {"form": form_class(), "kind": kind})
    # Refused before the form or the storage sees it (the web server's body limit is
    # what stops an oversized upload at the door: client_max_body_size in production).
    if _too_large(request):
        error = f"提交的文件合计过大：最多 {evidence.MAX_FILES} 个文件，每个不超过 10 MB"
        return render(request, "applications/new.html", {"form": form_class(), "kind": kind, "error": error},
                      status=413)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            app = services.do_submit_application(applicant=request.user, kind=kind, data=form.facts(),
                                                 files=form.cleaned_data["files"])
        except ValidationError as e:
            for field, errors in e.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"申报 {app.pk} 已提交，审核结果将以站内通知告知。")
            return redirect("applications:detail", pk=app.pk)
    else:
        for message in evidence.file_errors(request.FILES.getlist("files")):
            form.add_error("files", message)  # every problem at once, the files' too
    return render(request, "applications/new.html", {"form": form, "kind": kind})


def _visible(request, pk: int) -> Application:
    return get_object_or_404(selectors.applications_visible_to(request.user), pk=pk)


def _detail(request, app: Application, *, form=None, error: str = "", status: int = 200):
    may_decide = perms.may_decide(request.user, app)[0] and app.state == Application.State.SUBMITTED
    return render(request, "applications/detail.html", {
        "app": app, "facts": forms.describe(app), "attachments": app.attachments.all(),
        "claims": selectors.claims_of(user=request.user, application=app),
        "may_decide": may_decide, "form": form or forms.DecisionForm(), "error": error}, status=status)


@login_required
@refusals
def application_detail(request, pk: int):
    return _detail(request, _visible(request, pk))


@login_required
@require_POST
@refusals
def application_decide(request, pk: int):
    app = _visible(request, pk)
    ok, reason = perms.may_decide(request.user, app)
    if not ok:
        raise PermissionDenied(reason)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        return _detail(request, app, form=form, error="请选择采纳或不予采纳")
    decision, comment = form.cleaned_data["decision"], form.cleaned_data["comment"]
    if decision == "reject" and not comment.strip():
        form.add_error("comment", "不予采纳必须填写理由")
        return _detail(request, app, form=form)
    if request.POST.get("confirmed") != "1":
        accept = decision == "accept"
        return render(request, "fulfilment/confirm.html", {
            "title": f"{'采纳' if accept else '不予采纳'}申报 {app.pk}",
            "lines": [("申报主体", app.party.name), ("类型", app.get_kind_display()), *forms.describe(app),
                      ("审核意见", comment or "—")],
            "warning": ("采纳后该事实写入企业库并立即扫描，符合条件的奖励生成申领；采纳不能撤销。" if accept
                        else "不予采纳后该申报结束，申报主体将收到通知和理由。"),
            "button": "确认采纳" if accept else "确认不予采纳",
            "fields": [("decision", decision), ("comment", comment)], "action": request.path,
            "cancel": reverse("applications:detail", args=[app.pk])})
    try:
        if decision == "accept":
            result = services.do_accept_application(app, actor=request.user, comment=comment)
            messages.success(request, result.message)
        else:
            services.do_reject_application(app, actor=request.user, reason=comment)
            messages.success(request, f"申报 {app.pk} 不予采纳，已通知申报主体。")
    except ValidationError as e:
        app.refresh_from_db()
        return _detail(request, app, form=form, error="；".join(e.messages))
    return redirect("applications:detail", pk=app.pk)


@login_required
def attachment(request, pk: int):
    att = get_object_or_404(Attachment.objects.select_related("application"), pk=pk)
    if not perms.may_view(request.user, att.application):
        raise Http404
    try:
        handle = att.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件不存在") from None
    response = FileResponse(handle, content_type=att.content_type, filename=att.original_name)
    # Shown inline (a PDF or an image) but never able to run anything in the site's origin.
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
