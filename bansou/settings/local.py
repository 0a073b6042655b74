"""The embedded default: SQLite under var/, mail to the console, tasks inline."""

from bansou.settings.base import *  # noqa: F403
