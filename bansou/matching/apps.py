from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "bansou.matching"
    label = "matching"
