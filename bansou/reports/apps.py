from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "bansou.reports"
    label = "reports"
