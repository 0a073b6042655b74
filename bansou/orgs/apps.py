from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "bansou.orgs"
    label = "orgs"
