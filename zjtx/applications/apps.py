from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "zjtx.applications"
    label = "applications"
    verbose_name = "申报材料"
