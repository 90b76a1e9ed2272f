"""Registry pages. Import pages live in imports/urls.py, the enterprise pages
(list, one-file page) in enterprise_urls.py."""

from django.urls import include, path

app_name = "registry"

urlpatterns = [
    path("imports/", include("zjtx.registry.imports.urls")),
    path("enterprises/", include("zjtx.registry.enterprise_urls")),
]
