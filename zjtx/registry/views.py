"""Enterprise pages: the list and the one-file page (一户一档). Views only parse the
request and render; what is shown, and to whom, is decided in selectors.py (which
starts every read from the user's scope)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from . import selectors


@login_required
def enterprise_list(request):
    filters = selectors.EnterpriseFilters.from_query(request.GET)
    listing = selectors.enterprise_list_page(user=request.user, filters=filters,
                                             page_number=request.GET.get("page") or 1)
    return render(request, "registry/enterprise_list.html", {"listing": listing})


@login_required
def enterprise_detail(request, pk: int):
    # Outside the user's scope is "not found", so that an id says nothing about
    # another jurisdiction's enterprises.
    file = selectors.enterprise_file(user=request.user, pk=pk)
    if file is None:
        raise Http404("没有这家企业，或不在您的查看范围内")
    return render(request, "registry/enterprise_detail.html",
                  {"file": file, "statement": rewards_of(request.user, file.enterprise)})


@login_required
def enterprise_history(request, pk: int):
    """The one-file page's change history: the fragment the page loads when it scrolls
    into view (htmx), or a page of its own."""
    found = selectors.history_visible_to(request.user, pk)
    if found is None:
        raise Http404("没有这家企业，或不在您的查看范围内")
    enterprise, history = found
    template = ("registry/_enterprise_history.html" if request.headers.get("HX-Request")
                else "registry/enterprise_history.html")
    return render(request, template, {"enterprise": enterprise, "history": history})


def rewards_of(user, enterprise):
    """The enterprise's 红利账单 for its one-file page; an investor who may open the
    page of a company it invested in does not see that company's money."""
    from zjtx.accounts.models import Role, role_of
    from zjtx.fulfilment.statement import statement_for

    if role_of(user) in (Role.INVESTOR, Role.OPERATOR):
        return None
    return statement_for(enterprise=enterprise)
