"""The 红利账单 on screen and as a PDF, for the recipient itself and for the officials
whose scope covers it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from zjtx.accounts.models import Role, role_of
from zjtx.accounts.scope import CITY_WIDE, LOCAL, enterprises_visible_to
from zjtx.registry.models import Investor, ServiceOperator

from .pdf import render_pdf
from .statement import statement_for

KINDS = {"enterprise", "investor", "operator"}


def _respond(request, statement, kind: str, pk: int):
    context = {"statement": statement, "kind": kind, "pk": pk}
    if request.GET.get("format") == "pdf":
        pdf = render_pdf("fulfilment/statement_pdf.html", context)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="statement-{kind}-{pk}.pdf"'
        return response
    return render(request, "fulfilment/statement.html", context)


@login_required
def own_statement(request):
    """The recipient's own statement: an enterprise, investor or operator user."""
    profile = getattr(request.user, "profile", None)
    role = role_of(request.user)
    if role == Role.ENTERPRISE and profile.enterprise_id:
        return _respond(request, statement_for(enterprise=profile.enterprise), "enterprise", profile.enterprise_id)
    if role == Role.INVESTOR and profile.investor_id:
        return _respond(request, statement_for(investor=profile.investor), "investor", profile.investor_id)
    if role == Role.OPERATOR and profile.operator_id:
        return _respond(request, statement_for(operator=profile.operator), "operator", profile.operator_id)
    raise Http404("只有企业、投资机构和平台运营机构有红利账单")


@login_required
def statement_of(request, kind: str, pk: int):
    """An official's view of a recipient's statement, within the official's scope
    (a refusal is a 404, so that ids of other jurisdictions reveal nothing)."""
    if kind not in KINDS:
        raise Http404
    role = role_of(request.user)
    profile = getattr(request.user, "profile", None)
    if kind == "enterprise":
        # Officials within their scope, and the enterprise itself. An investor sees
        # its investees in the registry, but not the rewards the city pays them: its
        # own rewards are on its own statement.
        own = role == Role.ENTERPRISE and profile.enterprise_id == pk
        if not (own or role in CITY_WIDE | LOCAL):
            raise Http404
        enterprise = get_object_or_404(enterprises_visible_to(request.user), pk=pk)
        return _respond(request, statement_for(enterprise=enterprise), kind, pk)
    if kind == "investor":
        own = role == Role.INVESTOR and profile.investor_id == pk
        if not (own or role in CITY_WIDE):
            raise Http404
        return _respond(request, statement_for(investor=get_object_or_404(Investor, pk=pk)), kind, pk)
    own = role == Role.OPERATOR and profile.operator_id == pk
    if not (own or role in CITY_WIDE):
        raise Http404
    return _respond(request, statement_for(operator=get_object_or_404(ServiceOperator, pk=pk)), kind, pk)
