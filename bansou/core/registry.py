"""Registries filled by the apps above: a low layer (the menu, the dashboard, the periodic
runner) finds ``bansou.<app>.<module>`` by name instead of importing the apps built on it."""

from collections.abc import Iterable, Iterator
from importlib import import_module
from types import ModuleType


def app_modules(*, apps: Iterable[str], module: str) -> Iterator[ModuleType]:
    """``<app>.<module>`` of each app that has one, in the order given. An app without the
    module is passed over; an import error inside an existing module is raised."""
    for app in apps:
        package = app if "." in app else f"bansou.{app}"  # "people" or "bansou.people"
        name = f"{package}.{module}"
        try:
            yield import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
