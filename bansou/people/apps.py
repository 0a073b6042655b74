from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "bansou.people"
    label = "people"
