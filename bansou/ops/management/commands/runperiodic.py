from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bansou.ops.periodic import run_periodic


class Command(BaseCommand):
    help = "Runs every periodic job once (call it from cron every few minutes)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", help="Run only the job with this name.")

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes = run_periodic(only=options.get("only"))
        for outcome in outcomes:
            status = "ok" if outcome.ok else f"FAILED {outcome.error}"
            self.stdout.write(f"{outcome.name}: {status} ({outcome.seconds:.3f}s) {outcome.result}")
        if any(not outcome.ok for outcome in outcomes):
            raise CommandError("Some periodic jobs failed.")
