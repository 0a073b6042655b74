from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "bansou.surveys"
    label = "surveys"
