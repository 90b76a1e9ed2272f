"""/registry/imports/: the city admin's import page (namespace `registry`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="import-home"),
    path("upload/", views.upload, name="import-upload"),
    path("<int:pk>/", views.detail, name="import-detail"),
    path("<int:pk>/progress/", views.progress, name="import-progress"),
    path("<int:pk>/confirm/", views.confirm, name="import-confirm"),
    path("<int:pk>/errors.csv", views.error_list, name="import-errors"),
    path("templates/<slug:kind>.xlsx", views.template, name="import-template"),
    path("exports/<slug:kind>.xlsx", views.export, name="import-export"),
]
