from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "bansou.ops"
    label = "ops"
