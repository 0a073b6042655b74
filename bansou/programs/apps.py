from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "bansou.programs"
    label = "programs"
