from django.apps import AppConfig


class PolicyAdminConfig(AppConfig):
    name = "zjtx.policy_admin"
    label = "policy_admin"
    verbose_name = "政策参数与解读"
