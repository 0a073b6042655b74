"""Benchmark of ``manage.py backup`` and ``manage.py restore`` at 100,000 sessions.

    python bench/backup_restore.py [--sessions 100000] [--database-url URL] [--json]

Without ``--database-url`` (or ``DATABASE_URL``) the database is a new SQLite file in a
temporary directory; with a PostgreSQL URL it is ``test_<name>`` next to the database the
URL names (Django's test-database creation), with ``test_<name>_restore`` and
``test_<name>_baseline`` as the fresh restore targets; all three are dropped at the end.

The data, written with ``bulk_create``: one organisation with two programs (six topics
each), 500 supporters and one client per ten sessions (10,000 at the default), each
client with a profile, an enrolment and one engagement (events: created, then active) of
ten sessions a week apart, one supporter's sessions never overlapping. Sessions in the
past are held (a tenth no-show, a twentieth cancelled), the rest scheduled. Every session
that is not cancelled holds its supporter's calendar block; every held session has a
record (summary in Japanese, one or two topics) and a private note, two in five a
reflection; scheduled ones have two reminders; a fifth of the notes have an audit entry
(a coordinator's read with a reason). 200 uploaded files (50 kB each) are in MEDIA_ROOT.
Data generation is excluded from every figure.

What is timed, in this order, on the same data:

- ``fingerprints``: ``table_fingerprints`` over the whole database (part of both backup
  and restore).
- ``backup``: ``create_backup`` (dump, fingerprints, media, archive written and renamed).
- ``baseline_dump``: the dump alone, as an operator would make it by hand: ``pg_dump
  --format=custom`` (PostgreSQL), or SQLite's backup API into a file (SQLite), plus the
  plain copy of that file (``baseline_copy``).
- ``restore``: ``restore_backup`` into a fresh database (a new file, a new database),
  including reading the archive, the restore, the verification and the media.
- ``baseline_restore``: the dump alone restored into another fresh database: ``pg_restore
  --single-transaction --no-owner`` (PostgreSQL) or the backup API from the dumped file
  into a new file (SQLite).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # run as a script from a checkout: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SUPPORTERS = 500
SESSIONS_PER_ENGAGEMENT = 10
MEDIA_FILES, MEDIA_BYTES = 200, 50_000
BATCH = 2000
SUMMARY = (
    "今日は自己分析の続きとして、これまでのアルバイト経験から得意なことを書き出しました。"
    "次回までに志望動機の下書きを作ってきます。"
)
NOTE = (
    "緊張がほぐれるまで15分ほどかかった。家族の話題は本人から出るまで触れない。"
    "就職か進学かはまだ迷っている様子。次回は求人票を一緒に見る。"
)


# Django and the models are imported inside the functions below: the database URL and the
# settings module must be chosen before Django loads.
def _setup(database_url: str | None, var_dir: Path) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{var_dir / 'bench.sqlite3'}"
    os.environ["BANSOU_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bansou.settings.test")
    import django

    django.setup()


def build(*, sessions: int, media_root: Path) -> dict[str, int]:
    # The models load only after django.setup() (see _setup).
    from bansou.accounts.models import User
    from bansou.audit.models import AuditEntry
    from bansou.core.roles import Role
    from bansou.engagements.models import (
        CalendarBlock,
        Engagement,
        EngagementEvent,
        Reflection,
        Session,
        SessionNote,
        SessionRecord,
        SessionReminder,
    )
    from bansou.orgs.models import Membership, Organization, Venue
    from bansou.people.models import ClientProfile, SupporterProfile
    from bansou.programs.models import Enrollment, Program, Side, Topic

    rng = random.Random(0)
    tz = datetime.timezone(datetime.timedelta(hours=9))
    now = datetime.datetime(2027, 10, 1, 12, tzinfo=tz)
    start = datetime.datetime(2027, 4, 1, tzinfo=tz)
    clients_n = sessions // SESSIONS_PER_ENGAGEMENT
    org = Organization.objects.create(name="ベンチ法人 キャリア支援ネット", slug="bench")
    venue = Venue.objects.create(organization=org, name="本部 相談室")
    coordinator = User.objects.create(
        email="coordinator@bench.test", family_name="佐藤", given_name="調整"
    )
    Membership.objects.create(organization=org, user=coordinator, role=Role.COORDINATOR)
    programs = [
        Program.objects.create(
            organization=org,
            name=f"若者キャリア伴走 {year}年度",
            slug=f"career-{year}",
            starts_on=start.date(),
            ends_on=start.date() + datetime.timedelta(days=365),
        )
        for year in (2027, 2028)
    ]
    topics = {
        p.pk: Topic.objects.bulk_create(
            Topic(organization=org, program=p, name=name)
            for name in ("自己分析", "履歴書", "面接練習", "進学相談", "生活面", "家族との相談")
        )
        for p in programs
    }

    def people(prefix: str, n: int, role: Role) -> list[Any]:
        users = User.objects.bulk_create(
            (
                User(
                    email=f"{prefix}{i}@bench.test",
                    family_name=rng.choice(("山田", "鈴木", "高橋", "田中", "伊藤", "渡辺")),
                    given_name=f"{prefix}{i}",
                    family_name_kana="ヤマダ",
                    given_name_kana="タロウ",
                )
                for i in range(n)
            ),
            batch_size=BATCH,
        )
        Membership.objects.bulk_create(
            (Membership(organization=org, user=u, role=role) for u in users), batch_size=BATCH
        )
        return users

    supporters = people("supporter", SUPPORTERS, Role.SUPPORTER)
    clients = people("client", clients_n, Role.CLIENT)
    SupporterProfile.objects.bulk_create(
        (
            SupporterProfile(
                organization=org, user=u, specialties=["就職支援", "高校生"], languages=["ja"]
            )
            for u in supporters
        ),
        batch_size=BATCH,
    )
    ClientProfile.objects.bulk_create(
        (
            ClientProfile(
                organization=org,
                user=u,
                category=ClientProfile.Category.HIGH_SCHOOL,
                venue=venue,
                languages=["ja"] if i % 7 else ["ja", "vi"],
                wants_help_with="卒業後の進路について相談したい",
            )
            for i, u in enumerate(clients)
        ),
        batch_size=BATCH,
    )
    Enrollment.objects.bulk_create(
        [
            Enrollment(organization=org, program=programs[0], user=u, side=Side.SUPPORTER)
            for u in supporters
        ]
        + [
            Enrollment(organization=org, program=programs[i % 2], user=u, side=Side.CLIENT)
            for i, u in enumerate(clients)
        ],
        batch_size=BATCH,
    )
    engagements = Engagement.objects.bulk_create(
        (
            Engagement(
                organization=org,
                program=programs[i % 2],
                client=u,
                supporter=supporters[i % SUPPORTERS],
                status=Engagement.Status.ACTIVE,
                goals="卒業までに、自分で選んだ進路を決める。",
                created_by=coordinator,
            )
            for i, u in enumerate(clients)
        ),
        batch_size=BATCH,
    )
    EngagementEvent.objects.bulk_create(
        (
            EngagementEvent(
                organization=org, engagement=e, kind=kind, to_status=status, actor=coordinator
            )
            for e in engagements
            for kind, status in (("created", "proposed"), ("status", "active"))
        ),
        batch_size=BATCH,
    )
    # One supporter's sessions: 25 hours apart, so no two of them overlap (the PostgreSQL
    # exclusion constraint on calendar blocks would refuse it).
    slot = [0] * SUPPORTERS
    rows = []
    for i, engagement in enumerate(engagements):
        for _ in range(SESSIONS_PER_ENGAGEMENT):
            s = i % SUPPORTERS
            begins = start + datetime.timedelta(hours=25 * slot[s], minutes=rng.choice((0, 30)))
            slot[s] += 1
            if begins > now:
                status = Session.Status.SCHEDULED
            else:
                status = rng.choices(
                    (Session.Status.HELD, Session.Status.NO_SHOW, Session.Status.CANCELLED),
                    (17, 2, 1),
                )[0]
            rows.append(
                Session(
                    organization=org,
                    engagement=engagement,
                    starts_at=begins,
                    ends_at=begins + datetime.timedelta(minutes=rng.choice((40, 50, 60))),
                    mode=rng.choice((Session.Mode.ONLINE, Session.Mode.IN_PERSON)),
                    place="本部 相談室",
                    status=status,
                    cancel_reason="体調不良のため" if status == Session.Status.CANCELLED else "",
                    venue=venue,
                    created_by=coordinator,
                )
            )
    made = Session.objects.bulk_create(rows, batch_size=BATCH)
    supporter_of = {e.pk: e.supporter_id for e in engagements}
    CalendarBlock.objects.bulk_create(
        (
            CalendarBlock(
                organization=org,
                user_id=supporter_of[x.engagement_id],
                session=x,
                starts_at=x.starts_at,
                ends_at=x.ends_at,
            )
            for x in made
            if x.status != Session.Status.CANCELLED
        ),
        batch_size=BATCH,
    )
    held = [x for x in made if x.status == Session.Status.HELD]
    records = SessionRecord.objects.bulk_create(
        (
            SessionRecord(
                organization=org,
                session=x,
                shared_summary=SUMMARY,
                written_by_id=supporter_of[x.engagement_id],
            )
            for x in held
        ),
        batch_size=BATCH,
    )
    through = SessionRecord.topics.through
    program_of = {e.pk: e.program_id for e in engagements}
    through.objects.bulk_create(
        (
            through(sessionrecord_id=r.pk, topic_id=t.pk)
            for r, x in zip(records, held, strict=True)
            for t in rng.sample(topics[program_of[x.engagement_id]], rng.choice((1, 2)))
        ),
        batch_size=BATCH,
    )
    notes = SessionNote.objects.bulk_create(
        (
            SessionNote(
                organization=org, session=x, author_id=supporter_of[x.engagement_id], body=NOTE
            )
            for x in held
        ),
        batch_size=BATCH,
    )
    Reflection.objects.bulk_create(
        (
            Reflection(
                organization=org,
                session=x,
                important="面接で聞かれることが分かった",
                noticed="話すと考えが整理できる",
                next_step="志望動機を書いてみる",
                feeling=rng.randint(1, 5),
                via=Reflection.Via.LINK,
            )
            for x in held
            if rng.random() < 0.4
        ),
        batch_size=BATCH,
    )
    SessionReminder.objects.bulk_create(
        (
            SessionReminder(
                organization=org,
                session=x,
                hours_before=h,
                starts_at=x.starts_at - datetime.timedelta(hours=h),
            )
            for x in made
            if x.status == Session.Status.SCHEDULED
            for h in (24, 1)
        ),
        batch_size=BATCH,
    )
    AuditEntry.objects.bulk_create(
        (
            AuditEntry(
                organization=org,
                actor=coordinator,
                action="engagements.note.read",
                object_type="engagements.sessionnote",
                object_id=str(n.pk),
                reason="保護者からの問い合わせに答えるため",
                ip_address="192.0.2.10",
                data={"notes": [n.pk]},
            )
            for n in notes[::5]
        ),
        batch_size=BATCH,
    )
    for i in range(MEDIA_FILES):
        path = media_root / "consents" / f"{i // 50}" / f"同意書-{i}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(rng.randbytes(MEDIA_BYTES))
    return {"clients": clients_n, "sessions": len(made), "held": len(held)}


def _timed(run: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = run()
    return round(time.perf_counter() - t0, 2), result


def _mb(path: Path) -> float:
    return round(path.stat().st_size / 1e6, 1)


def _pg(args: list[str], settings_dict: dict[str, Any]) -> None:
    from bansou.ops.backup.databases import pg_env  # after django.setup() (see _setup)

    env = pg_env(settings_dict=settings_dict)
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)


def _pg_database(default: Any, name: str, *, create: bool) -> None:
    quoted = default.ops.quote_name(name)
    with default.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        if create:
            cursor.execute(f"CREATE DATABASE {quoted}")


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    # after django.setup() (see _setup)
    from django.core.management import call_command
    from django.db import DEFAULT_DB_ALIAS, connections
    from django_scopes import scopes_disabled

    from bansou.ops.backup.archives import create_backup, restore_backup
    from bansou.ops.backup.databases import other_connection
    from bansou.ops.backup.fingerprints import table_fingerprints

    default = connections[DEFAULT_DB_ALIAS]
    vendor = default.vendor
    old_name = default.settings_dict["NAME"]
    if vendor == "postgresql":
        default.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    else:
        call_command("migrate", verbosity=0)
    name = default.settings_dict["NAME"]
    media_root = work / "media"
    out: dict[str, Any] = {"database": vendor}
    try:
        with scopes_disabled():
            build_s, counts = _timed(lambda: build(sessions=args.sessions, media_root=media_root))
        out.update(counts)
        out["build_s"] = build_s
        fingerprints_s, fingerprints = _timed(lambda: table_fingerprints(connection=default))
        out["rows"] = sum(f["rows"] for f in fingerprints.values())
        out["tables"] = len(fingerprints)
        out["fingerprints_s"] = fingerprints_s
        out["backup_s"], manifest = _timed(
            lambda: create_backup(destination=work / "backups", media_root=media_root)
        )
        out["archive_mb"] = _mb(manifest.archive)
        baseline_dump = work / ("baseline.pgdump" if vendor == "postgresql" else "baseline.db")
        if vendor == "postgresql":
            out["baseline_dump_s"], _ = _timed(
                lambda: _pg(
                    ["pg_dump", "--format=custom", "--no-password", f"--file={baseline_dump}"],
                    default.settings_dict,
                )
            )
            out["baseline_copy_s"] = None
        else:

            def sqlite_dump() -> None:
                with sqlite3.connect(baseline_dump) as target:
                    default.connection.backup(target)

            out["baseline_dump_s"], _ = _timed(sqlite_dump)
            out["baseline_copy_s"], _ = _timed(
                lambda: shutil.copyfile(baseline_dump, work / "copy.db")
            )
            out["database_mb"] = _mb(baseline_dump)
        out["baseline_dump_mb"] = _mb(baseline_dump)

        restored_media = work / "restored-media"
        if vendor == "postgresql":
            _pg_database(default, f"{name}_restore", create=True)
            _pg_database(default, f"{name}_baseline", create=True)
            target_name = f"{name}_restore"
        else:
            target_name = str(work / "restored.sqlite3")
        with other_connection(like=default, name=target_name) as target:
            out["restore_s"], report = _timed(
                lambda: restore_backup(
                    archive=manifest.archive, connection=target, media_root=restored_media
                )
            )
        out["restored_rows"] = report.rows
        if vendor == "postgresql":
            out["baseline_restore_s"], _ = _timed(
                lambda: _pg(
                    [
                        "pg_restore",
                        "--no-password",
                        "--no-owner",
                        "--single-transaction",
                        f"--dbname={name}_baseline",
                        str(baseline_dump),
                    ],
                    default.settings_dict,
                )
            )
        else:

            def sqlite_restore() -> None:
                with (
                    sqlite3.connect(baseline_dump) as source,
                    sqlite3.connect(work / "baseline-restored.db") as target,
                ):
                    source.backup(target)

            out["baseline_restore_s"], _ = _timed(sqlite_restore)
    finally:
        if vendor == "postgresql":
            for suffix in ("_restore", "_baseline"):
                _pg_database(default, f"{name}{suffix}", create=False)
            default.creation.destroy_test_db(old_name, verbosity=0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="a PostgreSQL URL (its test_ database is used); default: a SQLite file",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bansou-bench-") as tmp:
        work = Path(tmp)
        _setup(args.database_url, work)
        out = run(args, work)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        for key, value in out.items():
            print(f"{key:>20}: {value}")


if __name__ == "__main__":
    main()
