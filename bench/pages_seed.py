"""The organisations of ``bench/pages.py``: the backup benchmark's 100,000-session builder
(``bench/backup_restore.py``, imported) plus what else the pages show.

Import only after ``django.setup()``.
"""

from __future__ import annotations

import datetime
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps
from django.db.models import F, Value
from django.db.models.functions import Replace
from django.utils import timezone

from bansou.accounts.models import User
from bansou.audit.models import AuditEntry
from bansou.audit.services import audit_export_request
from bansou.core.roles import Role
from bansou.engagements.models import (
    CalendarBlock,
    Engagement,
    EngagementEvent,
    Meeting,
    ReflectionLink,
    RematchRequest,
    Session,
    SessionNote,
    SessionRecord,
    SessionReminder,
)
from bansou.engagements.selectors.reflections import token_digest
from bansou.matching.models import MatchRequest, MatchRound
from bansou.ops.models import OutboxMessage, PreparedFile
from bansou.ops.services.files import prepared_file_request
from bansou.orgs.models import Membership, Organization
from bansou.people.models import (
    ClientProfile,
    GuardianConsent,
    Qualification,
    SupporterProfile,
    Team,
    TeamMember,
)
from bansou.privacy.services.export import personal_data_export_request
from bansou.programs.models import (
    Application,
    Phase,
    Program,
    Side,
    Target,
    Training,
    TrainingAttendance,
)
from bansou.scheduling.models import (
    AppointmentType,
    AvailabilityException,
    AvailabilityRule,
    BookingLimits,
    CalendarFeed,
    Closure,
)
from bansou.scheduling.services.feeds import feed_token_digest
from bench import backup_restore

BATCH = 2000
FULL = {"sessions": 100_000, "supporters": 500, "applications": 3000, "teams": 50}
# The builder's own clock: sessions before this moment are held (see backup_restore.build).
TOKYO = datetime.timezone(datetime.timedelta(hours=9))
BUILDER_NOW = datetime.datetime(2027, 10, 1, 12, tzinfo=TOKYO)
BUILDER_SLOT = datetime.timedelta(hours=25)  # one supporter's sessions are 25 hours apart


@dataclass
class Seeded:
    """One organisation and the objects its URLs are requested with."""

    label: str
    organization: Organization
    actors: dict[str, User]  # role -> the person who signs in with it
    kwargs: dict[str, Any] = field(default_factory=dict)  # URL keyword -> value
    counts: dict[str, int] = field(default_factory=dict)


def seed(*, label: str, size: float) -> Seeded:
    """Builds one organisation at ``size`` times the full size (1.0: 10,000 clients, 500
    supporters, 20,000 engagements, 100,000 sessions)."""
    sessions = round(FULL["sessions"] * size)
    backup_restore.SUPPORTERS = max(2, round(FULL["supporters"] * size))
    with tempfile.TemporaryDirectory(prefix="bansou-pages-") as media:
        backup_restore.build(sessions=sessions, media_root=Path(media))
    org = Organization.objects.get(slug="bench")
    # The builder names its organisation and people the same each time: rename them so
    # that the next organisation can be built next to this one.
    Organization.objects.filter(pk=org.pk).update(slug=f"pages-{label}", name=f"ベンチ法人 {label}")
    org.refresh_from_db()
    User.objects.filter(email__endswith="@bench.test").update(
        email=Replace("email", Value("@bench.test"), Value(f"@{label}.bench.test"))
    )
    _shift_to_now(org)
    return _extras(org, label=label, size=size)


def _shift_to_now(org: Organization) -> None:
    """Moves the builder's calendar so that its "now" is today: held sessions in the past,
    scheduled ones ahead. The shift is whole 25-hour slots plus 12 hours, so that no moved
    calendar block lands on one of the same person's blocks not yet moved."""
    slots = round((timezone.now() - BUILDER_NOW) / BUILDER_SLOT)
    delta = slots * BUILDER_SLOT + datetime.timedelta(hours=12)
    days = datetime.timedelta(days=round(delta / datetime.timedelta(days=1)))
    for model in (Session, CalendarBlock):
        model.objects.filter(organization=org).update(
            starts_at=F("starts_at") + delta, ends_at=F("ends_at") + delta
        )
    SessionReminder.objects.filter(organization=org).update(starts_at=F("starts_at") + delta)
    Program.objects.filter(organization=org).update(
        starts_on=F("starts_on") + days, ends_on=F("ends_on") + days, is_public=True
    )


def _members(org: Organization, role: Role) -> list[User]:
    return list(
        User.objects.filter(memberships__organization=org, memberships__role=role).order_by("pk")
    )


def _extras(org: Organization, *, label: str, size: float) -> Seeded:
    rng = random.Random(1)
    now = timezone.now()
    today = timezone.localdate()
    coordinator = _members(org, Role.COORDINATOR)[0]
    supporters = _members(org, Role.SUPPORTER)
    clients = _members(org, Role.CLIENT)
    programs = list(Program.objects.filter(organization=org).order_by("pk"))
    main = programs[0]
    engagements = list(Engagement.objects.filter(organization=org).order_by("pk"))
    extra_people = {}
    for role in (Role.PARTNER, Role.VIEWER):
        user = User.objects.create(
            email=f"{role.value}@{label}.bench.test", family_name="連携", given_name=role.value
        )
        Membership.objects.create(organization=org, user=user, role=role)
        extra_people[role] = user
    for i in range(3):
        programs.append(
            Program.objects.create(
                organization=org,
                name=f"キャリアサロン {i + 1}",
                slug=f"salon-{i + 1}",
                kind=Program.Kind.SALON,
                starts_on=today - datetime.timedelta(days=60),
                ends_on=today + datetime.timedelta(days=120),
            )
        )
    month = datetime.timedelta(days=30)
    for p in programs:
        Phase.objects.bulk_create(
            Phase(organization=org, program=p, name=name, kind=kind, starts_on=a, ends_on=b)
            for name, kind, a, b in (
                ("事前研修", Phase.Kind.PRE_TRAINING, p.starts_on, p.starts_on + month),
                ("伴走期間", Phase.Kind.ACTIVE, p.starts_on + month, p.ends_on),
            )
        )
        Target.objects.create(
            organization=org,
            program=p,
            name="面談回数",
            unit="回",
            target_value=1000,
            period_start=p.starts_on,
            period_end=p.ends_on,
        )

    # A second, ended engagement for every client (with the previous year's program and
    # another supporter; the first ones of them with a team): 20,000 at full size.
    n_teams = max(2, round(FULL["teams"] * size))
    teams = Team.objects.bulk_create(
        Team(organization=org, name=f"ペア{i + 1}") for i in range(n_teams)
    )
    TeamMember.objects.bulk_create(
        TeamMember(
            organization=org,
            team=t,
            user=supporters[(2 * i + k) % len(supporters)],
            joined_at=now - datetime.timedelta(days=200),
        )
        for i, t in enumerate(teams)
        for k in (0, 1)
    )
    ended = Engagement.objects.bulk_create(
        (
            Engagement(
                organization=org,
                program=programs[(i + 1) % 2],
                client=c,
                supporter=None if i < n_teams else supporters[(i + 7) % len(supporters)],
                team=teams[i] if i < n_teams else None,
                status=Engagement.Status.ENDED if i % 4 else Engagement.Status.INTERRUPTED,
                goals="就職活動の進め方を一緒に考える。",
                created_by=coordinator,
            )
            for i, c in enumerate(clients)
        ),
        batch_size=BATCH,
    )
    EngagementEvent.objects.bulk_create(
        (
            EngagementEvent(
                organization=org,
                engagement=e,
                kind=kind,
                from_status=a,
                to_status=b,
                actor=coordinator,
                reason="年度末で終了" if b == e.status else "",
            )
            for e in ended
            for kind, a, b in (
                ("created", "", "proposed"),
                ("status", "proposed", "active"),
                ("status", "active", e.status),
            )
        ),
        batch_size=BATCH,
    )

    # The busy engagement: its supporter's sessions plus one more every slot, held.
    busy = engagements[0]
    supporter = busy.supporter
    assert supporter is not None
    client = busy.client
    extra_n = max(10, round(FULL["sessions"] * size / 1000))
    theirs = list(
        Session.objects.filter(organization=org, engagement__supporter=supporter)
        .exclude(status=Session.Status.SCHEDULED)
        .order_by("-starts_at")[:extra_n]
    )
    extra = Session.objects.bulk_create(
        Session(
            organization=org,
            engagement=busy,
            starts_at=s.starts_at + datetime.timedelta(hours=6),
            ends_at=s.starts_at + datetime.timedelta(hours=6, minutes=50),
            mode=Session.Mode.ONLINE,
            status=Session.Status.HELD,
            created_by=coordinator,
        )
        for s in theirs
    )
    CalendarBlock.objects.bulk_create(
        CalendarBlock(
            organization=org, user=supporter, session=s, starts_at=s.starts_at, ends_at=s.ends_at
        )
        for s in extra
    )
    SessionRecord.objects.bulk_create(
        SessionRecord(
            organization=org, session=s, shared_summary=backup_restore.SUMMARY, written_by=supporter
        )
        for s in extra
    )
    SessionNote.objects.bulk_create(
        SessionNote(organization=org, session=s, author=supporter, body=backup_restore.NOTE)
        for s in extra
    )
    latest = (
        Session.objects.filter(
            organization=org, engagement=busy, status=Session.Status.HELD, reflection__isnull=True
        )
        .order_by("-starts_at")
        .first()
    )
    assert latest is not None
    note = SessionNote.objects.filter(session=latest).first()
    token = f"pages-{label}-reflection-token"
    ReflectionLink.objects.create(
        organization=org,
        session=latest,
        nonce=token_digest(token),
        expires_at=now + datetime.timedelta(days=7),
    )

    # Applications, trainings, matching.
    n_apps = max(30, round(FULL["applications"] * size))
    statuses = [Application.Status.PENDING] * 6 + [
        Application.Status.ACCEPTED,
        Application.Status.DECLINED,
        Application.Status.WAITLISTED,
    ]
    applications = Application.objects.bulk_create(
        (
            Application(
                organization=org,
                program=programs[i % 5 if i % 3 else 0],
                side=Side.SUPPORTER if i % 5 == 0 else Side.CLIENT,
                email=f"applicant{i}@{label}.bench.test",
                family_name=rng.choice(("佐々木", "山本", "中村", "小林", "加藤")),
                given_name=f"応募{i}",
                family_name_kana="ササキ",
                given_name_kana="オウボ",
                message="高校卒業後の進路について相談したいです。",
                status=statuses[i % len(statuses)],
            )
            for i in range(n_apps)
        ),
        batch_size=BATCH,
    )
    trainings = Training.objects.bulk_create(
        Training(organization=org, program=p, name=name, held_on=p.starts_on, is_required=True)
        for p in programs[:2]
        for name in ("メンター事前研修", "守秘義務と記録")
    )
    TrainingAttendance.objects.bulk_create(
        (
            TrainingAttendance(
                organization=org,
                training=t,
                user=u,
                attended_on=main.starts_on,
                recorded_by=coordinator,
            )
            for t in trainings[:2]
            for u in supporters
        ),
        batch_size=BATCH,
    )
    rounds = [
        MatchRound.objects.create(
            organization=org, program=main, title=f"第{i + 1}回 マッチング", created_by=coordinator
        )
        for i in range(3)
    ]
    MatchRequest.objects.bulk_create(
        (
            MatchRequest(
                organization=org,
                program=main,
                client=c,
                supporter=supporters[(i // 2) % 5 if i % 2 else i % len(supporters)],
                message="よろしくお願いします。",
            )
            for i, c in enumerate(clients[::10])
        ),
        batch_size=BATCH,
    )
    request = MatchRequest.objects.filter(organization=org, supporter=supporter).first()
    if request is None:
        request = MatchRequest.objects.create(
            organization=org, program=main, client=client, supporter=supporter
        )
    RematchRequest.objects.bulk_create(
        RematchRequest(organization=org, engagement=e, requested_by=e.client)
        for e in engagements[5::100]
    )

    # Scheduling: weekly hours, days off, limits, closures, appointment types, meetings.
    AvailabilityRule.objects.bulk_create(
        (
            AvailabilityRule(
                organization=org,
                user=u,
                weekday=wd,
                starts_at=datetime.time(a),
                ends_at=datetime.time(b),
            )
            for u in supporters
            for wd in range(5)
            for a, b in ((10, 12), (13, 18))
        ),
        batch_size=BATCH,
    )
    AvailabilityException.objects.bulk_create(
        (
            AvailabilityException(
                organization=org,
                user=u,
                day=today + datetime.timedelta(days=d),
                kind=AvailabilityException.Kind.OFF,
                note="休暇",
            )
            for i, u in enumerate(supporters)
            for d in (3 + i % 7, 17 + i % 5)
        ),
        batch_size=BATCH,
    )
    BookingLimits.objects.bulk_create(
        (
            BookingLimits(organization=org, user=u, per_day=6, per_week=25, per_month=80)
            for u in supporters
        ),
        batch_size=BATCH,
    )
    Closure.objects.bulk_create(
        Closure(
            organization=org,
            name=name,
            starts_on=today + datetime.timedelta(days=a),
            ends_on=today + datetime.timedelta(days=b),
        )
        for name, a, b in (("研修日", 10, 10), ("事務所移転", 40, 42))
    )
    appointment_types = AppointmentType.objects.bulk_create(
        AppointmentType(
            organization=org,
            program=p,
            name=name,
            duration_minutes=minutes,
            mode=AppointmentType.Mode.ONLINE,
            buffer_after_minutes=10,
            min_notice_hours=24,
            max_days_ahead=56,
        )
        for p in programs[:2]
        for name, minutes in (("オンライン相談 30分", 30), ("じっくり相談 60分", 60))
    )
    # Meetings over the same hundred days at every size (20 past, 80 ahead).
    n_meetings = max(10, round(100 * size))
    meetings = Meeting.objects.bulk_create(
        Meeting(
            organization=org,
            title=f"ケース会議 {i + 1}",
            starts_at=now + datetime.timedelta(days=100 * i / n_meetings - 20, hours=3),
            ends_at=now + datetime.timedelta(days=100 * i / n_meetings - 20, hours=4),
            place="本部 会議室",
            created_by=coordinator,
        )
        for i in range(n_meetings)
    )
    through = Meeting.attendees.through
    through.objects.bulk_create(
        through(meeting_id=m.pk, user_id=u.pk)
        for i, m in enumerate(meetings)
        for u in {
            coordinator,
            supporter,
            supporters[(3 * i + 1) % len(supporters)],
            supporters[(3 * i + 2) % len(supporters)],
        }
    )
    feed_token = f"pages-{label}-feed-token"
    CalendarFeed.objects.create(
        organization=org, user=supporter, token_hash=feed_token_digest(feed_token)
    )

    # People: qualifications, guardian consents, more audit entries, mail.
    profiles = list(SupporterProfile.objects.filter(organization=org).order_by("user_id"))
    Qualification.objects.bulk_create(
        (
            Qualification(organization=org, profile=p, kind=Qualification.Kind.SKILL_2)
            for p in profiles
        ),
        batch_size=BATCH,
    )
    minors = list(ClientProfile.objects.filter(organization=org).order_by("user_id")[1::20])
    ClientProfile.objects.filter(pk__in=[c.pk for c in minors]).update(is_minor=True)
    GuardianConsent.objects.bulk_create(
        (
            GuardianConsent(
                organization=org,
                client=c,
                guardian_name="山田 花子",
                relationship="母",
                method=GuardianConsent.Method.PAPER,
                given_on=today - datetime.timedelta(days=100),
                recorded_by=coordinator,
            )
            for c in minors
        ),
        batch_size=BATCH,
    )
    AuditEntry.objects.bulk_create(
        (
            AuditEntry(
                organization=org,
                actor=coordinator,
                action="engagement.status_changed",
                object_type="engagements.engagement",
                object_id=str(e.pk),
                reason="年度末で終了",
                ip_address="192.0.2.10",
                data={"from": "active", "to": e.status, "sessions_cancelled": 0},
            )
            for e in ended
        ),
        batch_size=BATCH,
    )
    OutboxMessage.objects.bulk_create(
        (
            OutboxMessage(
                organization=org,
                to_address=c.email,
                subject="面談のお知らせ",
                status=OutboxMessage.Status.FAILED if i % 500 == 0 else OutboxMessage.Status.SENT,
                attempts=5 if i % 500 == 0 else 1,
                sent_at=now,
                last_error="SMTPDataError: 550" if i % 500 == 0 else "",
            )
            for i, c in enumerate(clients + clients)
        ),
        batch_size=BATCH,
    )

    kwargs: dict[str, Any] = {}
    invitation = _invitations(org, label=label, size=size, by=coordinator)
    if invitation is not None:
        kwargs["invitation_pk"] = invitation

    actors = {
        Role.COORDINATOR.value: coordinator,
        Role.SUPPORTER.value: supporter,
        Role.CLIENT.value: client,
        Role.PARTNER.value: extra_people[Role.PARTNER],
        Role.VIEWER.value: extra_people[Role.VIEWER],
    }
    for user in actors.values():
        # The two-factor pages show something instead of answering 404 (as in the matrix).
        TOTP.activate(user, generate_totp_secret())
        RecoveryCodes.activate(user)
    kwargs |= {
        "org_slug": org.slug,
        "key": "not-a-real-key",
        "uidb36": "zz",
        "side": "client",
        "token": token,
        "feed_token": feed_token,
        "program_slug": main.slug,
        "application_pk": next(
            a.pk
            for a in applications
            if a.program_id == main.pk and a.status == Application.Status.PENDING
        ),
        "training_pk": trainings[0].pk,
        "supporter_pk": SupporterProfile.objects.get(organization=org, user=supporter).pk,
        "client_pk": ClientProfile.objects.get(organization=org, user=client).pk,
        "team_pk": teams[0].pk,
        "engagement_pk": busy.pk,
        "session_pk": latest.pk,
        "note_pk": note.pk if note else 0,
        "round_pk": rounds[0].pk,
        "request_pk": request.pk,
        "type_pk": appointment_types[0].pk,
        "meeting_pk": meetings[-1].pk,
        "user_pk": supporter.pk,
    }
    seeded = Seeded(label=label, organization=org, actors=actors, kwargs=kwargs, counts=counts(org))
    _prepared_files(seeded)
    return seeded


def _prepared_files(seeded: Seeded) -> None:
    """Every person's own prepared file (``file_pk`` differs by role). The coordinator's is
    the whole audit log as CSV and the client's their data as PDF, each built by the real
    builder (inline: no broker), and its build time is counted."""
    org = seeded.organization
    files: dict[str, int] = {}
    t0 = time.perf_counter()
    coordinator = seeded.actors[Role.COORDINATOR.value]
    made = audit_export_request(organization=org, actor=coordinator, filters={})
    seeded.counts["audit_csv_build_ms"] = round((time.perf_counter() - t0) * 1000)
    files[Role.COORDINATOR.value] = made.pk
    t0 = time.perf_counter()
    client = seeded.actors[Role.CLIENT.value]
    made = personal_data_export_request(
        organization=org, client=client, file_format="pdf", ip_address=None
    )
    seeded.counts["my_data_pdf_build_ms"] = round((time.perf_counter() - t0) * 1000)
    files[Role.CLIENT.value] = made.pk
    for role in (Role.SUPPORTER, Role.PARTNER, Role.VIEWER):
        made = prepared_file_request(
            organization=org,
            user=seeded.actors[role.value],
            kind="audit.log_csv",
            params={"actor": seeded.actors[role.value].pk},
        )
        files[role.value] = made.pk
    ready = PreparedFile.objects.filter(pk__in=files.values(), status="ready").count()
    assert ready == len(files), "a prepared file was not built"
    seeded.kwargs["file_pk"] = files  # by role


def _invitations(org: Organization, *, label: str, size: float, by: User) -> int | None:
    """Pending invitations to join, where the organisation has them."""
    try:
        invitation = apps.get_model("orgs", "Invitation")
    except LookupError:
        return None
    now = timezone.now()
    made = invitation.objects.bulk_create(
        invitation(
            organization=org,
            email=f"invitee{i}@{label}.bench.test",
            role=Role.SUPPORTER if i % 3 else Role.CLIENT,
            family_name="招待",
            given_name=f"{i}",
            token_hash=f"pages-{label}-invitation-{i}",
            expires_at=now + datetime.timedelta(days=7),
            invited_by=by,
            sent_at=now,
        )
        for i in range(max(5, round(200 * size)))
    )
    return int(made[0].pk)


def counts(org: Organization) -> dict[str, int]:
    scoped = {
        "clients": ClientProfile,
        "supporters": SupporterProfile,
        "engagements": Engagement,
        "sessions": Session,
        "records": SessionRecord,
        "notes": SessionNote,
        "applications": Application,
        "audit_entries": AuditEntry,
        "teams": Team,
    }
    return {name: model.objects.filter(organization=org).count() for name, model in scoped.items()}
