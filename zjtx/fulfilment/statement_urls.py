from django.urls import path

from . import statement_views as views

urlpatterns = [
    path("", views.own_statement, name="statement-own"),
    path("<str:kind>/<int:pk>/", views.statement_of, name="statement-of"),
]
