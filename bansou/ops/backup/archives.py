"""Backup and restore of the database and the uploaded files (docs/operations.md, "Backup
and restore").

One archive (a plain tar) holds the database dump (databases.py), the files under
``MEDIA_ROOT`` and ``manifest.json``: the format version, when, which database vendor, the
applied migrations, each table's row count and checksum as the dump holds it
(fingerprints.py), and the dump's and every media file's size and SHA-256. It is written
under a temporary name beside its final one and renamed when complete. A restore refuses
an archive of another vendor and a database that already holds tables or a MEDIA_ROOT
that holds files (unless ``replace``), restores, then computes the fingerprints again and
fails on any difference; media files are checked by SHA-256 as they are written.
"""

import dataclasses
import datetime
import hashlib
import io
import json
import os
import secrets
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from bansou.ops.backup.databases import (
    CHUNK,
    dump_postgresql,
    dump_sqlite,
    migration_drift,
    restore_postgresql,
    restore_sqlite,
)
from bansou.ops.backup.errors import BackupError, VerificationError
from bansou.ops.backup.fingerprints import Fingerprint, compare_fingerprints, table_fingerprints

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
MEDIA_PREFIX = "media/"


@dataclass(frozen=True)
class MediaFile:
    path: str
    size: int
    sha256: str


@dataclass(frozen=True)
class BackupManifest:
    format_version: int
    created_at: str
    vendor: str
    dump: str
    dump_size: int
    dump_sha256: str
    migrations: list[str]
    tables: dict[str, Fingerprint]
    media: list[MediaFile]
    # Where the archive was written (not stored in the manifest itself).
    archive: Path | None = field(default=None, compare=False)

    def to_json(self) -> bytes:
        data = asdict(self)
        del data["archive"]
        return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes, *, archive: Path | None = None) -> "BackupManifest":
        data = json.loads(raw)
        version = data.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise BackupError(
                f"The archive's format version {version!r} is newer than this version of "
                f"Bansō reads ({FORMAT_VERSION}): restore it with the version that wrote it."
            )
        data["media"] = [MediaFile(**item) for item in data["media"]]
        return cls(**data, archive=archive)

    @property
    def total_rows(self) -> int:
        return sum(t["rows"] for t in self.tables.values())


@dataclass(frozen=True)
class RestoreReport:
    manifest: BackupManifest
    database: str
    tables: int
    rows: int
    media_files: int
    media_root: Path
    replaced: bool
    # Migrations of this code that the restored database lacks (run ``migrate``), and
    # applied migrations this code does not know (the archive is from a newer version).
    pending_migrations: list[str]
    unknown_migrations: list[str]


def verify_database(
    *, manifest: BackupManifest, connection: BaseDatabaseWrapper
) -> dict[str, Fingerprint]:
    """Raises VerificationError unless the database holds exactly what the archive does."""
    actual = table_fingerprints(connection=connection)
    differences = compare_fingerprints(expected=manifest.tables, actual=actual)
    if differences:
        raise VerificationError(differences)
    return actual


class _HashingReader(io.RawIOBase):
    """Reads a file for tarfile while hashing it, so each file is read once."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def _tar_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(timezone.now().timestamp())
    return info


def _add_file(tar: tarfile.TarFile, name: str, path: Path) -> tuple[int, str]:
    with path.open("rb") as raw:
        reader = _HashingReader(raw)
        tar.addfile(_tar_info(name, path.stat().st_size), reader)
    return reader.size, reader.sha256.hexdigest()


def _media_paths(media_root: Path) -> list[tuple[str, Path]]:
    if not media_root.is_dir():
        return []
    found = [p for p in media_root.rglob("*") if p.is_file() and not p.is_symlink()]
    return sorted((p.relative_to(media_root).as_posix(), p) for p in found)


def _archive_path(destination: Path, now: datetime.datetime) -> Path:
    if destination.suffix == ".tar":
        archive = destination
    else:
        archive = destination / f"bansou-{now:%Y%m%dT%H%M%SZ}.tar"
    archive.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if archive.exists():
        raise BackupError(f"{archive} already exists: choose another name.")
    return archive


def create_backup(
    *,
    destination: Path,
    connection: BaseDatabaseWrapper | None = None,
    media_root: Path | None = None,
) -> BackupManifest:
    """Writes one archive into ``destination`` (a directory, or a file name ending in .tar):
    first under a temporary name beside it, renamed when complete."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    vendor = connection.vendor
    if vendor not in DUMP_NAMES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    now = timezone.now().astimezone(datetime.UTC)
    archive = _archive_path(destination, now)
    partial = archive.with_name(f".{archive.name}.{secrets.token_hex(4)}.partial")
    with tempfile.TemporaryDirectory(dir=archive.parent, prefix=".bansou-backup-") as work:
        dump = Path(work) / DUMP_NAMES[vendor]
        dumper = dump_postgresql if vendor == "postgresql" else dump_sqlite
        tables, migrations = dumper(connection=connection, target=dump)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
                    dump_size, dump_sha256 = _add_file(tar, dump.name, dump)
                    media = [
                        MediaFile(name, *_add_file(tar, MEDIA_PREFIX + name, path))
                        for name, path in _media_paths(media_root)
                    ]
                    manifest = BackupManifest(
                        format_version=FORMAT_VERSION,
                        created_at=now.isoformat(timespec="seconds"),
                        vendor=vendor,
                        dump=dump.name,
                        dump_size=dump_size,
                        dump_sha256=dump_sha256,
                        migrations=migrations,
                        tables=tables,
                        media=media,
                    )
                    raw = manifest.to_json()
                    tar.addfile(_tar_info(MANIFEST_NAME, len(raw)), io.BytesIO(raw))
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, archive)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    directory = os.open(archive.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)
    return dataclasses.replace(manifest, archive=archive)


@contextmanager
def _open_archive(archive: Path) -> Iterator[tarfile.TarFile]:
    """The archive for reading; a damaged or truncated one is a BackupError."""
    if not archive.is_file():
        raise BackupError(f"{archive} is not a file.")
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            yield tar
    except (EOFError, tarfile.TarError) as exc:
        raise BackupError(f"{archive} is not a backup archive, or it is damaged: {exc}") from exc


def _member(tar: tarfile.TarFile, name: str) -> IO[bytes]:
    try:
        member = tar.getmember(name)
    except KeyError:
        raise BackupError(f"The archive has no {name}: it is incomplete.") from None
    stream = tar.extractfile(member) if member.isfile() else None
    if stream is None:
        raise BackupError(f"{name} in the archive is not a regular file.")
    return stream


def read_manifest(*, archive: Path) -> BackupManifest:
    with _open_archive(archive) as tar:
        return BackupManifest.from_json(_member(tar, MANIFEST_NAME).read(), archive=archive)


def _extract(tar: tarfile.TarFile, name: str, target: Path, *, size: int, sha256: str) -> None:
    digest, written = hashlib.sha256(), 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with _member(tar, name) as stream, target.open("wb") as out:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            written += len(chunk)
            out.write(chunk)
    if written != size or digest.hexdigest() != sha256:
        raise VerificationError([f"{name}: its size or SHA-256 differs from the manifest"])


def _safe_media_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") for p in path.parts):
        raise BackupError(f"The archive names a media file outside MEDIA_ROOT: {name!r}.")
    return path


def _refuse_unless_empty(
    connection: BaseDatabaseWrapper, media_root: Path, *, replace: bool
) -> tuple[bool, bool]:
    """Whether the database holds tables and MEDIA_ROOT files (refused unless ``replace``)."""
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    name = connection.settings_dict["NAME"]
    if tables and not replace:
        raise BackupError(
            f"The database {name} already holds {len(tables)} tables. Restoring replaces "
            "everything in it: run the restore again with --replace if that is what you want."
        )
    has_media = bool(_media_paths(media_root))
    if has_media and not replace:
        raise BackupError(
            f"MEDIA_ROOT ({media_root}) already holds files. Restoring replaces them: run the "
            "restore again with --replace if that is what you want."
        )
    return bool(tables), has_media


def _stage_media(tar: tarfile.TarFile, manifest: BackupManifest, media_root: Path) -> Path:
    """The archive's files in a new directory beside MEDIA_ROOT, each checked by SHA-256."""
    media_root.parent.mkdir(parents=True, exist_ok=True)
    staging = media_root.with_name(f".{media_root.name}.restoring-{secrets.token_hex(4)}")
    staging.mkdir(mode=0o750)
    try:
        for item in manifest.media:
            target = staging.joinpath(*_safe_media_path(item.path).parts)
            _extract(tar, MEDIA_PREFIX + item.path, target, size=item.size, sha256=item.sha256)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def _swap_media(staging: Path, media_root: Path) -> None:
    old = staging.with_name(staging.name.replace(".restoring-", ".replaced-"))
    if media_root.exists():
        media_root.rename(old)
    staging.rename(media_root)
    shutil.rmtree(old, ignore_errors=True)


def restore_backup(
    *,
    archive: Path,
    replace: bool = False,
    connection: BaseDatabaseWrapper | None = None,
    media_root: Path | None = None,
) -> RestoreReport:
    """Restores an archive of ``create_backup`` into the database and MEDIA_ROOT, then
    checks every table against the manifest (VerificationError on a difference). The
    media files are unpacked and checked first, beside MEDIA_ROOT, and take its place once
    the database is restored and verified. Stop the web and worker processes first."""
    connection = connection or connections[DEFAULT_DB_ALIAS]
    media_root = Path(media_root or settings.MEDIA_ROOT)
    with _open_archive(archive) as tar:
        manifest = BackupManifest.from_json(_member(tar, MANIFEST_NAME).read(), archive=archive)
        kind = VENDOR_NAMES.get(manifest.vendor, manifest.vendor)
        if manifest.vendor != connection.vendor:
            raise BackupError(
                f"This archive holds a {kind} database and the configured database is "
                f"{VENDOR_NAMES.get(connection.vendor, connection.vendor)}: restore it into a "
                f"{kind} database."
            )
        if manifest.dump != DUMP_NAMES[manifest.vendor]:
            raise BackupError(f"The archive's manifest names an unknown dump: {manifest.dump!r}.")
        has_tables, has_media = _refuse_unless_empty(connection, media_root, replace=replace)
        staging = _stage_media(tar, manifest, media_root)
        try:
            with tempfile.TemporaryDirectory(prefix="bansou-restore-") as work:
                dump = Path(work) / manifest.dump
                _extract(
                    tar, manifest.dump, dump, size=manifest.dump_size, sha256=manifest.dump_sha256
                )
                if manifest.vendor == "postgresql":
                    restore_postgresql(connection=connection, dump=dump, replace=has_tables)
                else:
                    restore_sqlite(connection=connection, dump=dump)
            verify_database(manifest=manifest, connection=connection)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    _swap_media(staging, media_root)
    if [name for name, _ in _media_paths(media_root)] != sorted(m.path for m in manifest.media):
        raise VerificationError(["MEDIA_ROOT does not hold exactly the archive's files"])
    pending, unknown = migration_drift(connection=connection)
    return RestoreReport(
        manifest=manifest,
        database=str(connection.settings_dict["NAME"]),
        tables=len(manifest.tables),
        rows=manifest.total_rows,
        media_files=len(manifest.media),
        media_root=media_root,
        replaced=has_tables or has_media,
        pending_migrations=pending,
        unknown_migrations=unknown,
    )
