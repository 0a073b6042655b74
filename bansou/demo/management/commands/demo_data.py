import unicodedata
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from bansou.demo.services import demo_data_load, demo_logins


class Command(BaseCommand):
    help = "Loads the demo organisations (idempotent: keeps existing data)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quiet-logins", action="store_true", help="Do not list logins.")

    def handle(self, *args: Any, **options: Any) -> None:
        password = settings.BANSOU_DEMO_PASSWORD
        report = demo_data_load(password=password)
        self.stdout.write(
            f"Demo data: {report.organizations_created} organisations, "
            f"{report.users_created} users, {report.memberships_created} memberships, "
            f"{report.venues_created} venues, "
            f"{report.accompaniments_created} accompaniment sets, "
            f"{report.bookings_created} bookings, {report.meetings_created} internal meetings, "
            f"{report.salons_created} salons, {report.surveys_created} surveys created."
        )
        if options["quiet_logins"]:
            return
        rows = demo_logins(one_per_role=True)
        roles = max(_width(role) for _email, _org, role in rows)
        self.stdout.write(f"\nDemo logins, one per role (password for all: {password})")
        last = ""
        for email, organization, role in rows:
            if organization != last:
                self.stdout.write(f"  {organization}")
                last = organization
            self.stdout.write(f"    {_pad(role, roles)}  {email}")
        self.stdout.write("  Every demo login is listed in the README.")


def _width(text: str) -> int:
    """Columns the text takes in a terminal: wide (全角) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
