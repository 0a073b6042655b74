"""The database side of backup and restore: dumps consistent with their fingerprints,
restores, and the extra connections both need. SQLite's dump is a copy made with its
online backup API; PostgreSQL's is ``pg_dump --format=custom``, restored by ``pg_restore``
and ``psql`` in one transaction. The PostgreSQL programs get the connection's parameters
from settings.DATABASES in their environment: the password never goes on a command line."""

import contextlib
import os
import secrets
import shutil
import sqlite3
import subprocess  # runs pg_dump, pg_restore and psql: fixed arguments, no shell
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from bansou.ops.backup.errors import BackupError
from bansou.ops.backup.fingerprints import Fingerprint, table_fingerprints

CHUNK = 1 << 20


@contextmanager
def other_connection(
    *, like: BaseDatabaseWrapper, name: str | None = None, options: dict[str, Any] | None = None
) -> Iterator[BaseDatabaseWrapper]:
    """A second connection with ``like``'s settings (to the database ``name``, or the same
    one), registered under its own alias while in use (Django's internals look connections
    up by alias), closed afterwards."""
    if not isinstance(like, BaseDatabaseWrapper):  # django.db.connection, a proxy
        like = connections[like.alias]
    settings_dict = dict(like.settings_dict)
    if name is not None:
        settings_dict["NAME"] = name
    if options is not None:
        settings_dict["OPTIONS"] = options
    alias = f"bansou-backup-{secrets.token_hex(4)}"
    wrapper = type(like)(settings_dict, alias=alias)
    connections[alias] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        del connections[alias]


def applied_migrations(*, connection: BaseDatabaseWrapper) -> list[str]:
    applied = MigrationRecorder(connection).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in applied)


def pg_env(*, settings_dict: dict[str, Any]) -> dict[str, str]:
    """libpq's environment for pg_dump/pg_restore: the password never goes on a command line."""
    env = dict(os.environ)
    options = settings_dict.get("OPTIONS") or {}
    pairs = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
        "PGPASSFILE": options.get("passfile"),
        "PGSERVICE": options.get("service"),
        "PGAPPNAME": "bansou-backup",
    }
    env.update({key: str(value) for key, value in pairs.items() if value})
    return env


@dataclass
class _Running:
    """A PostgreSQL client program; its messages go to a temporary file, so that a chatty
    program cannot block on a full pipe."""

    process: subprocess.Popen[bytes]
    errors: IO[bytes]
    what: str

    def finish(self) -> None:
        self.process.wait()
        self.errors.seek(0)
        message = self.errors.read().decode(errors="replace").strip()[-2000:]
        self.errors.close()
        if self.process.returncode != 0:
            code = self.process.returncode
            raise BackupError(f"{self.what} failed (exit status {code}): {message}")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        self.errors.close()


def _run_pg(
    args: list[str], *, settings_dict: dict[str, Any], stdin: Any = None, stdout: Any = None
) -> _Running:
    program = shutil.which(args[0])
    if program is None:
        raise BackupError(f"{args[0]} was not found: install the PostgreSQL client programs.")
    errors = tempfile.TemporaryFile()  # noqa: SIM115 (closed by finish or stop)
    process = subprocess.Popen(  # fixed arguments, no shell; the password is in env
        [program, *args[1:]],
        env=pg_env(settings_dict=settings_dict),
        stdin=subprocess.DEVNULL if stdin is None else stdin,
        stdout=subprocess.DEVNULL if stdout is None else stdout,
        stderr=errors,
    )
    return _Running(process=process, errors=errors, what=args[0])


def dump_postgresql(
    *, connection: BaseDatabaseWrapper, target: Path
) -> tuple[dict[str, Fingerprint], list[str]]:
    """pg_dump and the fingerprints read the same snapshot, exported by a connection of our
    own, so rows written meanwhile are in neither."""
    with other_connection(like=connection) as snapshot_connection:
        snapshot_connection.set_autocommit(False)
        with snapshot_connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
        process = _run_pg(
            [
                "pg_dump",
                "--format=custom",
                "--no-password",
                f"--snapshot={snapshot}",
                f"--file={target}",
            ],
            settings_dict=connection.settings_dict,
        )
        try:
            fingerprints = table_fingerprints(connection=snapshot_connection)
            migrations = applied_migrations(connection=snapshot_connection)
        except BaseException:
            process.stop()
            raise
        process.finish()
    return fingerprints, migrations


def dump_sqlite(
    *, connection: BaseDatabaseWrapper, target: Path
) -> tuple[dict[str, Fingerprint], list[str]]:
    """One backup step copies every page under one read lock: a consistent copy while the
    site keeps writing (WAL lets writers go on). The fingerprints are read from the copy."""
    connection.ensure_connection()
    with closing(sqlite3.connect(target)) as copy:
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
    with other_connection(like=connection, name=str(target), options={}) as snapshot:
        return table_fingerprints(connection=snapshot), applied_migrations(connection=snapshot)


def restore_postgresql(*, connection: BaseDatabaseWrapper, dump: Path, replace: bool) -> None:
    """pg_restore writes the dump as SQL, relayed here to psql, which runs it in one
    transaction and commits only when pg_restore has written all of it: a restore that
    fails leaves the database as it was, also with --replace, whose emptying of the schema
    (so that no table of the old database stays behind) is part of the same transaction."""
    connection.close()
    settings_dict = connection.settings_dict
    commands = ["--command=SET client_min_messages = warning"]
    if replace:
        commands += [
            "--command=DROP SCHEMA public CASCADE",
            "--command=CREATE SCHEMA public",
            "--command=GRANT USAGE ON SCHEMA public TO PUBLIC",
        ]
    script = _run_pg(
        ["pg_restore", "--no-owner", "--no-privileges", "--file=-", str(dump)],
        settings_dict=settings_dict,
        stdout=subprocess.PIPE,
    )
    try:
        runner = _run_pg(
            [
                "psql",
                "--no-psqlrc",
                "--no-password",
                "--quiet",
                "--single-transaction",
                "--set=ON_ERROR_STOP=1",
                f"--dbname={settings_dict['NAME']}",
                *commands,
                "--file=-",
            ],
            settings_dict=settings_dict,
            stdin=subprocess.PIPE,
        )
    except BaseException:
        script.stop()
        raise
    source, sink = script.process.stdout, runner.process.stdin
    assert source is not None and sink is not None  # both are pipes
    try:
        with contextlib.suppress(BrokenPipeError):  # psql stopped at an error: it says which
            shutil.copyfileobj(source, sink, CHUNK)
        if script.process.wait() != 0:
            runner.stop()  # before the end of its input, so it never commits
            script.finish()
        with contextlib.suppress(BrokenPipeError):
            sink.close()  # the end of the input: psql commits
        runner.finish()
        script.finish()
    except BaseException:
        script.stop()
        runner.stop()
        raise
    finally:
        source.close()


def restore_sqlite(*, connection: BaseDatabaseWrapper, dump: Path) -> None:
    """The copy is checked first (a damaged one would stop halfway); then the backup API
    writes every page of it over the target in one transaction."""
    connection.ensure_connection()
    try:
        with closing(sqlite3.connect(dump)) as source:
            problems = [row[0] for row in source.execute("PRAGMA quick_check")]
            if problems != ["ok"]:
                raise BackupError(f"The archive's database is damaged: {problems[0]}")
            source.backup(connection.connection)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"The archive's database could not be restored: {exc}") from exc
    connection.close()  # the next connection applies the settings' PRAGMAs again (WAL)


def migration_drift(*, connection: BaseDatabaseWrapper) -> tuple[list[str], list[str]]:
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    pending = executor.migration_plan(graph.leaf_nodes())
    known = set(graph.nodes)
    applied = executor.loader.applied_migrations or {}
    return (
        [f"{m.app_label}.{m.name}" for m, _ in pending],
        sorted(f"{a}.{n}" for a, n in applied if (a, n) not in known),
    )
