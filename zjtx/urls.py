from django.contrib import admin
from django.urls import include, path

from zjtx.web import views

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("", views.workbench, name="home"),  # the older name of the same page
    path("policy/", views.policy_index, name="policy-index"),
    path("policy/<int:number>/", views.policy_article, name="policy-article"),
    path("policy/", include("zjtx.policy_admin.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("registry/", include("zjtx.registry.urls")),
    path("fulfilment/", include("zjtx.fulfilment.urls")),
    path("applications/", include("zjtx.applications.urls")),
    path("admin/", admin.site.urls),
]
