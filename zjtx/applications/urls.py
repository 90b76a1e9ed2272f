from django.urls import path

from . import views

app_name = "applications"

urlpatterns = [
    path("", views.application_list, name="list"),
    path("new/", views.application_new, name="new"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/decide/", views.application_decide, name="decide"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
]
