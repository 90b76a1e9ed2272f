from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

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
    path("jobs/", include("zjtx.jobs.urls")),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says; anyone may have the icon.
    path("favicon.ico", login_not_required(RedirectView.as_view(url=static("zjtx/favicon.svg"))),
         name="favicon"),
]
