import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bansou.ops.backup.archives import create_backup
from bansou.ops.backup.errors import BackupError


class Command(BaseCommand):
    help = (
        "Backs up the database and the uploaded files (MEDIA_ROOT) into one archive "
        "(docs/operations.md, 'Backup and restore')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="A directory (the archive is named bansou-<UTC time>.tar) or a file name "
            "ending in .tar. Default: var/backups/.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        destination = options["output"] or Path(settings.VAR_DIR) / "backups"
        started = time.monotonic()
        try:
            manifest = create_backup(destination=destination)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        assert manifest.archive is not None  # create_backup always sets it
        size = manifest.archive.stat().st_size
        self.stdout.write(str(manifest.archive))
        self.stdout.write(
            f"  {size / 1e6:.1f} MB, {manifest.vendor} database: {len(manifest.tables)} tables, "
            f"{manifest.total_rows} rows; {len(manifest.media)} media files; "
            f"{elapsed:.1f} s"
        )
