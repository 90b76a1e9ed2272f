from django.http import Http404
from django.shortcuts import render

from zjtx.accounts.scope import is_city_admin
from zjtx.policy_admin.services import effective_pack
from zjtx.web import selectors
from zjtx.web.workbench import workbench_for


def workbench(request):
    return render(request, "zjtx/web/workbench.html", {"wb": workbench_for(request.user)})


def policy_index(request):
    return render(request, "zjtx/web/policy_index.html", {
        "overview": selectors.policy_overview(pack=effective_pack()),
        "can_edit_policy": is_city_admin(request.user)})


def policy_article(request, number: int):
    page = selectors.article_page(number=number, pack=effective_pack())
    if page is None:
        raise Http404(f"政策措施中没有第{number}条")
    return render(request, "zjtx/web/policy_article.html", {
        "page": page, "can_edit_policy": is_city_admin(request.user)})
