"""The city admin's import page: choose a KIND, upload, see the dry run's preview,
confirm, watch the progress, and the list of past imports; template and export
downloads. Views parse input, check the role, call uploads/exports and render."""

from __future__ import annotations

import csv
import io
import tempfile
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from zjtx.accounts.scope import is_city_admin
from zjtx.spreadsheet import csv_text

from ..models import ImportLog
from . import exports, uploads
from .columns import SPECS
from .service import read_constants
from .values import Bad

ERRORS_PER_PAGE = 200
LOGS_PER_PAGE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def city_admin_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_city_admin(request.user):
            raise PermissionDenied("只有市工信局管理员可以导入或导出登记数据")
        return view(request, *args, **kwargs)
    return wrapped


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="导入类型", choices=ImportLog.Kind.choices)
    file = forms.FileField(label="文件（.xlsx 或 .csv，不超过 50 MB）",
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))
    # A published list of names alone: its tier, date and source are the whole list's.
    tier = forms.CharField(label="整份名单的认定类型", required=False, max_length=40,
                           widget=forms.TextInput(attrs={"placeholder": "如 省级专精特新中小企业"}))
    announced_on = forms.CharField(label="整份名单的认定时间", required=False, max_length=40,
                                   widget=forms.TextInput(attrs={"placeholder": "如 2024-12-20"}))
    source_document = forms.CharField(label="来源文件（文号）", required=False, max_length=200,
                                      widget=forms.TextInput(attrs={"placeholder": "如 豫工信企业〔2024〕123号"}))
    CONSTANTS = ("tier", "announced_on", "source_document")

    def clean(self):
        data = super().clean()
        given = {k: data.get(k, "").strip() for k in self.CONSTANTS if data.get(k, "").strip()}
        if set(given) - {"source_document"} and data.get("kind") != "recognitions":
            raise forms.ValidationError("整份名单的认定类型和认定时间只用于认定名单")
        try:
            read_constants(data.get("kind") or "recognitions", given)
        except Bad as e:
            raise forms.ValidationError(str(e)) from None
        data["constants"] = given
        return data


def _kinds():
    return [{"kind": k, "title": s.title} for k, s in SPECS.items()]


@require_GET
@city_admin_required
def home(request):
    return _home(request, UploadForm(initial={"kind": request.GET.get("kind", "recognitions")}))


def _home(request, form, status=200):
    # The bad rows and notices of a large file can be megabytes: the list never reads them.
    logs = ImportLog.objects.select_related("user").defer("errors", "notices").order_by("-created_at", "-pk")
    page = Paginator(logs, LOGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "registry/imports/home.html",
                  {"form": form, "page": page, "kinds": _kinds(),
                   "max_mb": settings.ZJTX_IMPORT_MAX_BYTES // 2**20}, status=status)


@require_POST
@city_admin_required
def upload(request):
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _home(request, form, status=400)
    try:
        log = uploads.accept_upload(kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"],
                                    user=request.user, constants=form.cleaned_data["constants"])
    except uploads.UploadRefused as e:
        form.add_error("file", str(e))
        return _home(request, form, status=400)
    return redirect("registry:import-detail", pk=log.pk)


@require_GET
@city_admin_required
def detail(request, pk: int):
    log = get_object_or_404(ImportLog.objects.select_related("user", "preview"), pk=pk)
    errors = Paginator(log.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    run = log.runs.order_by("-pk").first() if log.dry_run else None
    return render(request, "registry/imports/detail.html",
                  {"log": log, "errors": errors, "run": run, "title": SPECS[log.kind].title,
                   "notices": log.notices[:ERRORS_PER_PAGE], "can_confirm": _can_confirm(log, run)})


def _can_confirm(log: ImportLog, run) -> bool:
    return (log.dry_run and log.status == ImportLog.Status.DONE and not log.error_count
            and (run is None or run.interrupted) and (log.created or log.updated) > 0)


@require_GET
@city_admin_required
def progress(request, pk: int):
    """The progress fragment htmx polls; once the run is over the whole page reloads."""
    log = get_object_or_404(ImportLog, pk=pk)
    response = render(request, "registry/imports/_progress.html", {"log": log})
    if log.finished:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@city_admin_required
def confirm(request, pk: int):
    preview = get_object_or_404(ImportLog, pk=pk)
    try:
        run = uploads.confirm_import(preview=preview, user=request.user)
    except uploads.UploadRefused as e:
        messages.error(request, str(e))
        return redirect("registry:import-detail", pk=preview.pk)
    return redirect("registry:import-detail", pk=run.pk)


@require_GET
@city_admin_required
def error_list(request, pk: int):
    """Every bad row of a run as csv (UTF-8 with BOM, so that Excel opens it)."""
    log = get_object_or_404(ImportLog, pk=pk)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["行号", "列名", "原因"])
    for row, column, message in log.errors:
        # a column heading from the uploaded file may read "=…": text in Excel, not a formula
        writer.writerow([row or "", csv_text(column), csv_text(message)])
    response = HttpResponse(("\ufeff" + buf.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _attachment(f"导入错误清单-{log.pk}.csv")
    return response


@require_GET
@city_admin_required
def template(request, kind: str):
    if kind not in SPECS:
        raise Http404("没有这种导入类型")
    buf = io.BytesIO()
    exports.write_template(kind, buf)
    buf.seek(0)
    return FileResponse(buf, as_attachment=True, filename=exports.export_file_name(kind, template=True),
                        content_type=XLSX)


@require_GET
@city_admin_required
def export(request, kind: str):
    if kind not in SPECS:
        raise Http404("没有这种导出类型")
    spooled = tempfile.SpooledTemporaryFile(max_size=16 * 2**20)  # large lists spill to disk
    exports.write_export(kind, spooled)
    spooled.seek(0)
    return FileResponse(spooled, as_attachment=True, filename=exports.export_file_name(kind), content_type=XLSX)


def _attachment(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"
