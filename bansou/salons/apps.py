from django.apps import AppConfig


class SalonsConfig(AppConfig):
    name = "bansou.salons"
    label = "salons"
    verbose_name = "Salons"
