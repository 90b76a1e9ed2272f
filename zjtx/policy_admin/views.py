"""The city admin changes a parameter or a reading: a form, a preview of the
entitlements it would change, then the audited save."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from zjtx.accounts.scope import is_city_admin
from zjtx.jobs import runner as jobs
from zjtx.jobs.models import Job
from zjtx.jobs.views import job_of
from zjtx.policy.pack import load_pack

from .forms import PolicyChangeForm
from .models import PolicyChange
from .services import Impact, clean_change, do_change_policy, effective_pack


def _subject(kind: str, key: str):
    pack = effective_pack()
    table = pack.parameters if kind == "parameter" else pack.interpretations
    if key not in table:
        raise Http404("没有这个参数或解读")
    return table[key]


def previewed(kind: str, key: str, value: str, effective_from) -> str:
    """A token of what a preview showed, carried by the form to the save, so that values
    changed after the preview are previewed again. Not a secret: CSRF and the role check
    guard the save; this guards against saving what nobody has seen the impact of."""
    return hashlib.sha256(f"{kind}|{key}|{value}|{effective_from}".encode()).hexdigest()[:16]


def _preview_job(request, c: dict, value: str):
    """Start the preview in the background worker and come back to watch it."""
    job = jobs.start(Job.Kind.POLICY_PREVIEW, user=request.user, params={
        "kind": c["kind"], "key": c["key"], "value": value, "effective_from": c["effective_from"].isoformat(),
        "reason": c["reason"]})
    return redirect(f"{reverse('policy-change')}?{urlencode({'kind': c['kind'], 'key': c['key'], 'job': job.pk})}")


def _previewed_form(job: Job, initial: dict):
    """The form as the preview job was asked for, with its token once the impact is known."""
    p = job.params
    digest = previewed(p["kind"], p["key"], p["value"], p["effective_from"]) if job.state == Job.State.DONE else ""
    form = PolicyChangeForm({**{k: p[k] for k in ("kind", "key", "value", "effective_from", "reason")},
                             "previewed": digest}, initial=initial)
    form.is_valid()
    return form


@login_required
def change(request):
    if not is_city_admin(request.user):
        raise PermissionDenied("只有市工信局管理员可以修改政策参数和解读")
    data = request.POST if request.method == "POST" else None
    initial = {"kind": request.GET.get("kind", "parameter"), "key": request.GET.get("key", "")}
    form = PolicyChangeForm(data, initial=initial)
    kind = (data or initial).get("kind", "parameter")
    key = (data or initial).get("key", "")
    subject = _subject(kind, key)
    impact, job = None, None
    if data is not None and form.is_valid():
        c = form.cleaned_data
        try:
            value = clean_change(kind=c["kind"], key=c["key"], value=c["value"],
                                 effective_from=c["effective_from"], reason=c["reason"])
            digest = previewed(c["kind"], c["key"], value, c["effective_from"])
            if request.POST.get("action") == "save" and c["previewed"] == digest:
                do_change_policy(actor=request.user, kind=c["kind"], key=c["key"], value=value,
                                 effective_from=c["effective_from"], reason=c["reason"])
                messages.success(request, f"已保存：{key} 自 {c['effective_from']} 起为 {value}。请运行扫描使其生效。")
                return redirect("policy-changes")
            if request.POST.get("action") == "save":
                messages.warning(request, "预览之后新值或生效日期改过了：请核对下面的新预览，再确认保存。")
            return _preview_job(request, c, value)
        except ValidationError as e:
            form.add_error("value", e)
    elif data is None and (job := job_of(request.user, request.GET.get("job"))) is not None:
        if (job.kind, job.params.get("kind"), job.params.get("key")) != (Job.Kind.POLICY_PREVIEW, kind, key):
            raise Http404("没有这个预览")
        form = _previewed_form(job, initial)
        if job.state == Job.State.DONE:
            impact = Impact(**job.result)
    return render(request, "policy_admin/change.html", {
        "form": form, "kind": kind, "key": key, "subject": subject, "impact": impact, "job": job,
        "options": getattr(subject, "options", None)})


@login_required
def changes(request):
    if not is_city_admin(request.user):
        raise PermissionDenied
    return render(request, "policy_admin/changes.html", {
        "changes": PolicyChange.objects.select_related("made_by").order_by("-made_at"),
        "pack": load_pack()})
