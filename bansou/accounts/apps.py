from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bansou.accounts"
    label = "accounts"

    def ready(self) -> None:
        from bansou.accounts import receivers  # noqa: F401
