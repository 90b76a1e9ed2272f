from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "zjtx.web"
    label = "web"
    verbose_name = "网页界面"
