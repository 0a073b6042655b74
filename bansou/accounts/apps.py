from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bansou.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Connects the signal receivers; models are not importable before ready().
        from bansou.accounts import receivers  # noqa: F401
