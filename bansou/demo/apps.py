from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "bansou.demo"
    label = "demo"
