"""The enterprise list and the one-file page (included under registry/enterprises/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.enterprise_list, name="enterprise-list"),
    path("<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("<int:pk>/history/", views.enterprise_history, name="enterprise-history"),
]
