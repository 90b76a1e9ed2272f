from django.urls import path

from . import views

urlpatterns = [
    path("change/", views.change, name="policy-change"),
    path("changes/", views.changes, name="policy-changes"),
]
