"""Claims, ledger, audit, notifications and the scan (namespace `fulfilment`)."""

from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("claims/", views.claim_list, name="claim-list"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("claims/<int:pk>/confirm/", views.claim_confirm, name="claim-confirm"),
    path("claims/<int:pk>/review/", views.claim_review, name="claim-review"),
    path("claims/<int:pk>/pay/", views.claim_pay, name="claim-pay"),
    path("claims/<int:pk>/reverse/", views.claim_reverse, name="claim-reverse"),
    path("claims/<int:pk>/resolve/", views.claim_resolve, name="claim-resolve"),
    path("ledger/", views.ledger, name="ledger"),
    path("audit/", views.audit, name="audit"),
    path("notifications/", views.notifications, name="notifications"),
    path("scan/", views.scan, name="scan"),
    # The application forms live in zjtx.applications; this is the name the nav links.
    path("apply/", RedirectView.as_view(pattern_name="applications:new", query_string=True), name="apply"),
]
