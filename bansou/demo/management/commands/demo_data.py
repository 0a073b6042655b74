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
            f"{report.bookings_created} bookings, {report.meetings_created} internal meetings "
            "created."
        )
        if options["quiet_logins"]:
            return
        self.stdout.write(f"\nDemo logins (password: {password})")
        for email, organization, role in demo_logins():
            self.stdout.write(f"  {email:<28} {role:<24} {organization}")
