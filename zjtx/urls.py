from django.contrib import admin
from django.urls import path

from zjtx.web import views

urlpatterns = [
    path("", views.policy_index, name="home"),
    path("policy/", views.policy_index, name="policy-index"),
    path("policy/<int:number>/", views.policy_article, name="policy-article"),
    path("admin/", admin.site.urls),
]
