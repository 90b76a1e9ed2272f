from django.http import Http404
from django.shortcuts import render

from zjtx.web import selectors


def policy_index(request):
    return render(request, "zjtx/web/policy_index.html", {"overview": selectors.policy_overview()})


def policy_article(request, number: int):
    page = selectors.article_page(number=number)
    if page is None:
        raise Http404(f"政策措施中没有第{number}条")
    return render(request, "zjtx/web/policy_article.html", {"page": page})
