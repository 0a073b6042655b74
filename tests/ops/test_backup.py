"""Backup and restore (bansou/ops/backup.py): real data backed up, restored into a fresh
database (SQLite: a new file; PostgreSQL: the test database's name + "_restore", dropped
afterwards) and compared table by table; a changed row, a non-empty target, another vendor
and a changed media file are refused. Runs on whichever database the suite runs on."""

import datetime
import hashlib
import io
import json
import subprocess
import tarfile
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from bansou.audit.services import audit_log
from bansou.core.roles import Role
from bansou.engagements.models import Reflection, SessionRecord
from bansou.ops.backup import archives, databases, fingerprints
from bansou.ops.backup.archives import (
    create_backup,
    read_manifest,
    restore_backup,
    verify_database,
)
from bansou.ops.backup.databases import other_connection
from bansou.ops.backup.errors import BackupError, VerificationError
from bansou.ops.backup.fingerprints import table_fingerprints
from tests.conftest import World
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db(transaction=True)

MEDIA = {
    "avatars/山田.png": bytes(range(256)) * 40,
    "documents/2027/同意書 (署名).pdf": b"%PDF-1.4 consent\n" * 100,
    "empty.txt": b"",
}


def _default() -> BaseDatabaseWrapper:
    return connections[DEFAULT_DB_ALIAS]


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[BaseDatabaseWrapper]:
    default = _default()
    if default.vendor == "sqlite":
        with other_connection(like=default, name=str(tmp_path / "restored.sqlite3")) as target:
            yield target
        return
    name = f"{default.settings_dict['NAME']}_restore"
    quoted = default.ops.quote_name(name)
    with default.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quoted}")
    try:
        with other_connection(like=default, name=name) as target:
            yield target
    finally:
        with default.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


@pytest.fixture
def media_root(tmp_path: Path) -> Path:
    root = tmp_path / "media"
    for name, content in MEDIA.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    return root


@pytest.fixture
def data(world: World) -> World:
    """The permission matrix's two organisations, plus what they lacked: held sessions with
    records (topics), a reflection, a series id, calendar blocks, audit entries."""
    org = world.a.organization
    engagement = world.a.extra["engagement"]
    supporter = world.a.members[Role.SUPPORTER]
    series = uuid.uuid4()
    for days in (9, 16, 23):
        session = SessionFactory(
            engagement=engagement,
            starts_at=timezone.now() - datetime.timedelta(days=days),
            series=series,
            blocks=True,
            place="会議室「はなみずき」",
        )
        record = SessionRecord.objects.create(
            organization=org, session=session, shared_summary=f"{days}日前: 履歴書を確認"
        )
        record.topics.add(world.a.extra["topic"])
    Reflection.objects.create(
        organization=org,
        session=world.a.extra["session"],
        important="面接の練習",
        feeling=4,
        via=Reflection.Via.WEB,
    )
    for action in ("note.read", "reflection.read"):
        audit_log(
            organization=org,
            actor=world.a.members[Role.COORDINATOR],
            action=action,
            target=world.a.extra["note"],
            reason="保護者からの問い合わせ対応",
            ip_address="2001:db8::1",
            data={"z": [1, 2.5, None], "a": {"名前": "値"}, "ok": True},
        )
    assert supporter.calendar_blocks.exists()
    return world


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _rewrite(archive: Path, change: Callable[[str, bytes], bytes]) -> Path:
    """A copy of the archive with ``change`` applied to each member's bytes."""
    out = archive.with_name("changed-" + archive.name)
    with tarfile.open(archive) as src, tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as dst:
        for member in src.getmembers():
            stream = src.extractfile(member)
            assert stream is not None
            content = change(member.name, stream.read())
            member.size = len(content)
            dst.addfile(member, io.BytesIO(content))
    return out


def _manifest_change(edit: Callable[[dict[str, Any]], None]) -> Callable[[str, bytes], bytes]:
    def change(name: str, content: bytes) -> bytes:
        if name != archives.MANIFEST_NAME:
            return content
        manifest = json.loads(content)
        edit(manifest)
        return json.dumps(manifest).encode()

    return change


def test_restore_into_a_fresh_database_matches_table_by_table(
    data: World, fresh_database: BaseDatabaseWrapper, media_root: Path, tmp_path: Path
) -> None:
    before = table_fingerprints(connection=_default())
    manifest = create_backup(destination=tmp_path / "backups", media_root=media_root)

    assert manifest.archive is not None and manifest.archive.parent == tmp_path / "backups"
    assert manifest.archive.name.startswith("bansou-") and manifest.archive.suffix == ".tar"
    assert manifest.archive.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert not [p for p in manifest.archive.parent.iterdir() if p != manifest.archive]
    assert manifest.vendor == _default().vendor
    assert manifest.tables == before
    for table in (
        "engagements_session",
        "engagements_sessionrecord_topics",
        "engagements_calendarblock",
        "audit_auditentry",
        "django_migrations",
    ):
        assert before[table]["rows"] > 0, table
    assert any(m.startswith("audit.0003_") for m in manifest.migrations)
    assert read_manifest(archive=manifest.archive) == manifest

    restored_media = tmp_path / "restored-media"
    report = restore_backup(
        archive=manifest.archive, connection=fresh_database, media_root=restored_media
    )

    after = table_fingerprints(connection=fresh_database)
    assert sorted(after) == sorted(before)
    for table, fingerprint in before.items():
        assert after[table] == fingerprint, table
    assert report.tables == len(before) and report.rows == manifest.total_rows
    assert report.pending_migrations == [] and report.unknown_migrations == []
    assert _files(restored_media) == MEDIA
    assert report.media_files == len(MEDIA)


def test_a_changed_row_fails_verification(
    data: World, fresh_database: BaseDatabaseWrapper, media_root: Path, tmp_path: Path
) -> None:
    manifest = create_backup(destination=tmp_path / "b.tar", media_root=media_root)
    restore_backup(archive=tmp_path / "b.tar", connection=fresh_database, media_root=tmp_path / "m")
    verify_database(manifest=manifest, connection=fresh_database)

    with fresh_database.cursor() as cursor:
        cursor.execute(
            "UPDATE engagements_session SET place = %s WHERE id = "
            "(SELECT MIN(id) FROM engagements_session)",
            ["別の場所"],
        )
    with pytest.raises(VerificationError) as failed:
        verify_database(manifest=manifest, connection=fresh_database)
    assert len(failed.value.differences) == 1
    assert failed.value.differences[0].startswith("engagements_session:")
    assert "Do not use this database" in str(failed.value)


def test_an_archive_whose_data_differs_from_its_manifest_fails_the_restore(
    data: World, fresh_database: BaseDatabaseWrapper, tmp_path: Path
) -> None:
    manifest = create_backup(destination=tmp_path / "b.tar", media_root=tmp_path / "none")
    assert manifest.archive is not None
    session_rows = manifest.tables["engagements_session"]["rows"]

    def one_more_row(data: dict[str, Any]) -> None:
        data["tables"]["engagements_session"]["rows"] = session_rows + 1

    changed = _rewrite(manifest.archive, _manifest_change(one_more_row))
    with pytest.raises(VerificationError, match="engagements_session"):
        restore_backup(archive=changed, connection=fresh_database, media_root=tmp_path / "m")


def test_a_restore_that_fails_leaves_the_database_as_it_was(
    data: World, fresh_database: BaseDatabaseWrapper, tmp_path: Path
) -> None:
    """A damaged dump (its manifest entry made to match, so only the restore finds out)."""
    manifest = create_backup(destination=tmp_path / "b.tar", media_root=tmp_path / "none")
    assert manifest.archive is not None
    restore_backup(archive=manifest.archive, connection=fresh_database, media_root=tmp_path / "m")
    before = table_fingerprints(connection=fresh_database)
    damaged = b""

    def truncate(name: str, content: bytes) -> bytes:
        nonlocal damaged
        if name == manifest.dump:
            damaged = content[: len(content) * 2 // 3]
            return damaged
        return content

    first = _rewrite(manifest.archive, truncate)

    def match(data: dict[str, Any]) -> None:
        data["dump_size"] = len(damaged)
        data["dump_sha256"] = hashlib.sha256(damaged).hexdigest()

    changed = _rewrite(first, _manifest_change(match))
    with pytest.raises(BackupError):
        restore_backup(
            archive=changed, connection=fresh_database, replace=True, media_root=tmp_path / "m"
        )
    assert table_fingerprints(connection=fresh_database) == before


def test_a_non_empty_database_is_refused_unless_replace(
    data: World, fresh_database: BaseDatabaseWrapper, tmp_path: Path
) -> None:
    empty_media = tmp_path / "no-media"
    manifest = create_backup(destination=tmp_path / "b.tar", media_root=empty_media)
    before = table_fingerprints(connection=_default())

    with pytest.raises(BackupError, match=r"already holds .* tables.*--replace"):
        restore_backup(archive=tmp_path / "b.tar", media_root=empty_media)
    assert table_fingerprints(connection=_default()) == before  # untouched

    restore_backup(archive=tmp_path / "b.tar", connection=fresh_database, media_root=empty_media)
    with fresh_database.cursor() as cursor:
        cursor.execute("CREATE TABLE left_over (id integer PRIMARY KEY)")
        cursor.execute("DELETE FROM engagements_sessionnote")
    with pytest.raises(BackupError, match="--replace"):
        restore_backup(archive=tmp_path / "b.tar", connection=fresh_database)
    report = restore_backup(
        archive=tmp_path / "b.tar", connection=fresh_database, replace=True, media_root=empty_media
    )
    assert report.replaced
    assert table_fingerprints(connection=fresh_database) == manifest.tables


def test_media_files_already_there_are_refused_unless_replace(
    data: World, fresh_database: BaseDatabaseWrapper, media_root: Path, tmp_path: Path
) -> None:
    create_backup(destination=tmp_path / "b.tar", media_root=media_root)
    target = tmp_path / "target-media"
    (target / "old").mkdir(parents=True)
    (target / "old" / "stale.txt").write_text("古いファイル")

    with pytest.raises(BackupError, match=r"MEDIA_ROOT .* already holds files"):
        restore_backup(archive=tmp_path / "b.tar", connection=fresh_database, media_root=target)
    with fresh_database.cursor() as cursor:
        assert fresh_database.introspection.table_names(cursor) == []  # refused before anything

    restore_backup(
        archive=tmp_path / "b.tar", connection=fresh_database, media_root=target, replace=True
    )
    assert _files(target) == MEDIA  # the stale file is gone, every file as it was backed up
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".target-media")]


def test_a_changed_media_file_fails_the_restore(
    data: World, fresh_database: BaseDatabaseWrapper, media_root: Path, tmp_path: Path
) -> None:
    manifest = create_backup(destination=tmp_path / "b.tar", media_root=media_root)
    assert manifest.archive is not None
    assert {m.path: m.sha256 for m in manifest.media} == {
        name: hashlib.sha256(content).hexdigest() for name, content in MEDIA.items()
    }

    def flip(name: str, content: bytes) -> bytes:
        return content.replace(b"consent", b"CONSENT") if name.endswith(".pdf") else content

    changed = _rewrite(manifest.archive, flip)
    target = tmp_path / "target-media"
    with pytest.raises(VerificationError, match="同意書"):
        restore_backup(archive=changed, connection=fresh_database, media_root=target)
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".target-media")]
    with fresh_database.cursor() as cursor:  # checked before the database was touched
        assert fresh_database.introspection.table_names(cursor) == []


def test_an_archive_of_the_other_vendor_is_refused(data: World, tmp_path: Path) -> None:
    manifest = create_backup(destination=tmp_path / "b.tar", media_root=tmp_path / "none")
    assert manifest.archive is not None
    other = "postgresql" if manifest.vendor == "sqlite" else "sqlite"

    def other_vendor(data: dict[str, Any]) -> None:
        data["vendor"] = other

    changed = _rewrite(manifest.archive, _manifest_change(other_vendor))
    with pytest.raises(BackupError, match=f"holds a {archives.VENDOR_NAMES[other]} database"):
        restore_backup(archive=changed, replace=True)


def test_a_newer_format_and_a_broken_archive_are_refused(data: World, tmp_path: Path) -> None:
    manifest = create_backup(destination=tmp_path / "b.tar", media_root=tmp_path / "none")
    assert manifest.archive is not None

    def newer(data: dict[str, Any]) -> None:
        data["format_version"] = archives.FORMAT_VERSION + 1

    with pytest.raises(BackupError, match="format version"):
        read_manifest(archive=_rewrite(manifest.archive, _manifest_change(newer)))
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(manifest.archive.read_bytes()[:5000])
    with pytest.raises(BackupError):
        restore_backup(archive=truncated, replace=True)
    with pytest.raises(BackupError, match="already exists"):
        create_backup(destination=tmp_path / "b.tar", media_root=tmp_path / "none")


@pytest.mark.skipif(
    "connections['default'].vendor != 'postgresql'", reason="PostgreSQL's own objects"
)
def test_postgresql_restore_keeps_triggers_and_constraints(
    data: World, fresh_database: BaseDatabaseWrapper, tmp_path: Path
) -> None:
    create_backup(destination=tmp_path / "b.tar", media_root=tmp_path / "none")
    restore_backup(archive=tmp_path / "b.tar", connection=fresh_database, media_root=tmp_path / "m")
    with fresh_database.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conname = "
            "'engagements_calendar_block_no_overlap'"
        )
        assert cursor.fetchone() is not None
    with pytest.raises(Exception, match="append-only"), fresh_database.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET reason = ''")


def test_the_password_goes_to_pg_dump_in_its_environment_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[dict[str, Any]] = []

    class FakePopen:
        def __init__(self, args: list[str], **kwargs: Any) -> None:
            calls.append({"args": args, **kwargs})

    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    monkeypatch.setattr(databases.shutil, "which", lambda name: f"/usr/bin/{name}")
    settings_dict = {
        "NAME": "bansou",
        "USER": "bansou",
        "PASSWORD": "pa55-w0rd-secret",
        "HOST": "db.internal",
        "PORT": 5433,
        "OPTIONS": {"sslmode": "require"},
    }
    databases._run_pg(["pg_dump", "--format=custom"], settings_dict=settings_dict).errors.close()
    (call,) = calls
    assert not any("pa55" in arg for arg in call["args"])
    assert call["env"]["PGPASSWORD"] == "pa55-w0rd-secret"
    assert call["env"]["PGHOST"] == "db.internal" and call["env"]["PGPORT"] == "5433"
    assert call["env"]["PGSSLMODE"] == "require"
    assert "shell" not in call


def test_values_have_one_spelling_whichever_vendor_returned_them() -> None:
    """What SQLite and PostgreSQL hand back for the same stored value."""
    fp = fingerprints
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    aware = datetime.datetime(2027, 4, 1, 19, 30, tzinfo=tokyo)
    assert fp._canonical(aware) == fp._canonical(datetime.datetime(2027, 4, 1, 10, 30))
    assert fp._canonical(aware) == "2027-04-01T10:30:00.000000"
    assert fp._canonical_number(12) == fp._canonical_number(Decimal("12.00"))
    assert fp._canonical_number(0.5) == fp._canonical_number(Decimal("0.50"))
    assert fp._canonical_json('{"b": [1, 2], "a": "名"}') == fp._canonical_json(
        {"a": "名", "b": [1, 2]}
    )
    value = uuid.uuid4()
    assert fp._canonical_uuid(value.hex) == fp._canonical_uuid(str(value))
    assert fp._ROW_ENCODER.encode((1, True, None, "名", aware)) == (
        '[1,true,null,"名","2027-04-01T10:30:00.000000"]'
    )


def test_the_commands_print_what_they_did(
    data: World, media_root: Path, tmp_path: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = media_root
    out = io.StringIO()
    call_command("backup", output=tmp_path / "out", stdout=out)
    lines = out.getvalue().splitlines()
    archive = Path(lines[0])
    assert archive.parent == tmp_path / "out" and archive.is_file()
    assert f"{len(MEDIA)} media files" in lines[1] and " tables, " in lines[1]
    assert lines[1].rstrip().endswith(" s")

    with pytest.raises(CommandError, match="--replace"):
        call_command("restore", str(archive), stdout=io.StringIO())
