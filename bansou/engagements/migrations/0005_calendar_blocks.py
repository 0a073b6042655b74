"""Calendar blocks: one per supporter (every team member) of each session that is not
cancelled, and on PostgreSQL the exclusion constraint that keeps one person's active blocks
from overlapping. Existing sessions that already overlap stop the migration with a list."""

from collections import defaultdict

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CONSTRAINT = "engagements_calendar_block_no_overlap"
SHOWN_CLASHES = 20


def _holders(apps, session):
    engagement = session.engagement
    if engagement.supporter_id:
        return [engagement.supporter_id]
    team_member = apps.get_model("people", "TeamMember")
    return sorted(
        team_member.objects.filter(team_id=engagement.team_id).values_list("user_id", flat=True)
    )


def _clashes(blocks):
    """Pairs of blocks of one person that overlap (sorted by start, each against the
    latest-ending block before it)."""
    by_user = defaultdict(list)
    for block in blocks:
        by_user[block.user_id].append(block)
    clashes = []
    for user_blocks in by_user.values():
        user_blocks.sort(key=lambda b: (b.starts_at, b.ends_at))
        latest = None
        for block in user_blocks:
            if latest is not None and block.starts_at < latest.ends_at:
                clashes.append((latest, block))
            if latest is None or block.ends_at > latest.ends_at:
                latest = block
    return clashes


def create_blocks(apps, schema_editor):
    session_model = apps.get_model("engagements", "Session")
    block_model = apps.get_model("engagements", "CalendarBlock")
    user_model = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    sessions = (
        session_model.objects.exclude(status="cancelled")
        .select_related("engagement")
        .order_by("pk")
    )
    blocks = [
        block_model(
            organization_id=session.organization_id,
            session_id=session.pk,
            user_id=user_id,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
        )
        for session in sessions.iterator()
        for user_id in _holders(apps, session)
    ]
    clashes = _clashes(blocks)
    if clashes:
        emails = dict(
            user_model.objects.filter(pk__in={a.user_id for a, _b in clashes}).values_list(
                "pk", "email"
            )
        )
        lines = [
            f"  {emails.get(a.user_id, a.user_id)}: session {a.session_id} "
            f"({a.starts_at:%Y-%m-%d %H:%M}–{a.ends_at:%H:%M} UTC) and session {b.session_id} "
            f"({b.starts_at:%Y-%m-%d %H:%M}–{b.ends_at:%H:%M} UTC)"
            for a, b in clashes[:SHOWN_CLASHES]
        ]
        if len(clashes) > SHOWN_CLASHES:
            lines.append(f"  … and {len(clashes) - SHOWN_CLASHES} more")
        raise RuntimeError(
            f"{len(clashes)} pair(s) of sessions overlap in one person's calendar, which "
            "calendar blocks do not allow. Move or cancel one session of each pair, then "
            "migrate again:\n" + "\n".join(lines)
        )
    block_model.objects.bulk_create(blocks, batch_size=1000)


def add_constraint(apps, schema_editor):
    # PostgreSQL only: SQLite has no exclusion constraints; there the services' check runs
    # in transactions that take the write lock at BEGIN (settings: transaction_mode).
    if schema_editor.connection.vendor != "postgresql":
        return
    # btree_gist lets the gist index compare user ids with "="; kept when migrating back
    # (Django's BtreeGistExtension operation is not used: its reverse fails on SQLite).
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE engagements_calendarblock ADD CONSTRAINT {CONSTRAINT} "
        "EXCLUDE USING gist (user_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
        "WHERE (is_active)"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE engagements_calendarblock DROP CONSTRAINT {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0004_one_open_engagement_and_team_events"),
        ("orgs", "0002_scheduling_basics"),
        ("people", "0002_teammember_joined_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarBlock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("starts_at", models.DateTimeField()),
                ("ends_at", models.DateTimeField()),
                ("is_active", models.BooleanField(default=True)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="orgs.organization"
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="blocks",
                        to="engagements.session",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="calendar_blocks",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["starts_at", "id"],
                "indexes": [
                    models.Index(fields=["user", "starts_at"], name="engagements_block_user_start")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("ends_at__gt", models.F("starts_at"))),
                        name="engagements_block_ends_after_start",
                    ),
                    models.UniqueConstraint(
                        fields=("session", "user"), name="engagements_block_once"
                    ),
                ],
            },
        ),
        migrations.RunPython(create_blocks, migrations.RunPython.noop),
        migrations.RunPython(add_constraint, drop_constraint),
    ]
