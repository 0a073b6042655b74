from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "bansou.scheduling"
    label = "scheduling"
