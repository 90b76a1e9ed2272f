from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "zjtx.registry"
    label = "registry"
    verbose_name = "企业库"
