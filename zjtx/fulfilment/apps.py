from django.apps import AppConfig


class FulfilmentConfig(AppConfig):
    name = "zjtx.fulfilment"
    label = "fulfilment"
    verbose_name = "兑现与拨付"

    def ready(self):
        from . import signals

        signals.connect()
