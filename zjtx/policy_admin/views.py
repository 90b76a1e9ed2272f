"""The city admin changes a parameter or a reading: a form, a preview of the
entitlements it would change, then the audited save."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from zjtx.accounts.scope import is_city_admin
from zjtx.policy.pack import load_pack

from .forms import PolicyChangeForm
from .models import PolicyChange
from .services import clean_change, do_change_policy, effective_pack, preview_change


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
    impact = None
    if data is not None and form.is_valid():
        c = form.cleaned_data
        try:
            value = clean_change(kind=c["kind"], key=c["key"], value=c["value"],
                                 effective_from=c["effective_from"], reason=c["reason"])
            digest = previewed(c["kind"], c["key"], value, c["effective_from"])
            if request.POST.get("action") == "save" and c["previewed"] != digest:
                messages.warning(request, "预览之后新值或生效日期改过了：请核对下面的新预览，再确认保存。")
            elif request.POST.get("action") == "save":
                do_change_policy(actor=request.user, kind=c["kind"], key=c["key"], value=value,
                                 effective_from=c["effective_from"], reason=c["reason"])
                messages.success(request, f"已保存：{key} 自 {c['effective_from']} 起为 {value}。请运行扫描使其生效。")
                return redirect("policy-changes")
            impact = preview_change(kind=c["kind"], key=c["key"], value=value, effective_from=c["effective_from"])
            form = PolicyChangeForm({**data.dict(), "previewed": digest}, initial=initial)
            form.is_valid()
        except ValidationError as e:
            form.add_error("value", e)
    return render(request, "policy_admin/change.html", {
        "form": form, "kind": kind, "key": key, "subject": subject, "impact": impact,
        "options": getattr(subject, "options", None)})


@login_required
def changes(request):
    if not is_city_admin(request.user):
        raise PermissionDenied
    return render(request, "policy_admin/changes.html", {
        "changes": PolicyChange.objects.select_related("made_by").order_by("-made_at"),
        "pack": load_pack()})
