from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "bansou.audit"
    label = "audit"

    def ready(self) -> None:
        # Connects the signal receivers; models are not importable before ready().
        from bansou.audit import receivers  # noqa: F401
