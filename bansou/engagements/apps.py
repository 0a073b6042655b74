from django.apps import AppConfig


class EngagementsConfig(AppConfig):
    name = "bansou.engagements"
    label = "engagements"
