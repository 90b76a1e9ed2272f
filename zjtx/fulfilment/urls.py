"""Fulfilment pages: the statement (statement_urls), claims, ledger, audit and
scans (claim_urls)."""

from django.urls import include, path

app_name = "fulfilment"

urlpatterns = [
    path("statement/", include("zjtx.fulfilment.statement_urls")),
    path("", include("zjtx.fulfilment.claim_urls")),
]
