from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "bansou.audit"
    label = "audit"
