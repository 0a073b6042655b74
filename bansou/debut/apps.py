from django.apps import AppConfig


class DebutConfig(AppConfig):
    name = "bansou.debut"
    label = "debut"
