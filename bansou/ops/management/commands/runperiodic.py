import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bansou.ops.periodic import run_periodic


class Command(BaseCommand):
    help = (
        "Runs every periodic job once (call it from cron every few minutes), or every "
        "--every seconds until stopped (the scans of a set-up without Celery beat)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", help="Run only the job with this name.")
        parser.add_argument(
            "--every", type=int, default=0, help="Run again every this many seconds."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = options["every"]
        if every < 0:
            raise CommandError("--every must be a number of seconds.")
        while True:
            failed = self._run_once(only=options.get("only"))
            if not every:
                break
            time.sleep(every)
        if failed:
            raise CommandError("Some periodic jobs failed.")

    def _run_once(self, *, only: str | None) -> bool:
        outcomes = run_periodic(only=only)
        for outcome in outcomes:
            status = "ok" if outcome.ok else f"FAILED {outcome.error}"
            self.stdout.write(f"{outcome.name}: {status} ({outcome.seconds:.3f}s) {outcome.result}")
        self.stdout.flush()
        return any(not outcome.ok for outcome in outcomes)
