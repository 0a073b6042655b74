from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bansou.ops.backup.archives import restore_backup
from bansou.ops.backup.errors import BackupError


class Command(BaseCommand):
    help = (
        "Restores an archive made by 'backup' into the configured database and MEDIA_ROOT, "
        "then checks every table's row count and checksum and every file's SHA-256. Stop "
        "the web and worker processes first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="The .tar file written by 'backup'.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace a database that already holds tables and MEDIA_ROOT's files.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = restore_backup(archive=options["archive"], replace=options["replace"])
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        manifest = report.manifest
        self.stdout.write(
            f"Restored {options['archive']} (made {manifest.created_at}) into the "
            f"{manifest.vendor} database {report.database}"
            + (" (replacing what it held)" if report.replaced else "")
            + f": {report.tables} tables, {report.rows} rows; {report.media_files} media "
            f"files into {report.media_root}."
        )
        self.stdout.write(
            "Verified: every table's row count and checksum and every media file's SHA-256 "
            "match the archive."
        )
        if report.pending_migrations:
            self.stdout.write(
                f"The backup predates {len(report.pending_migrations)} migrations of this "
                "version: run 'manage.py migrate' next."
            )
        if report.unknown_migrations:
            self.stdout.write(
                f"The backup has {len(report.unknown_migrations)} migrations this version does "
                f"not know (e.g. {report.unknown_migrations[0]}): it was made by a newer "
                "version of Bansō; run that version."
            )
