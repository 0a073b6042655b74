"""The continuity radar (つながり続ける): who is drifting out of touch."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from bansou.accounts.models import User
from bansou.engagements.models import Engagement, Nudge, Session
from bansou.orgs.models import Organization
from bansou.people.models import SupporterProfile, TeamMember
from bansou.programs.models import Enrollment, Program, Side


@dataclass
class QuietRow:
    engagement: Engagement
    last_held: datetime.datetime | None
    days_quiet: int
    last_nudged: datetime.datetime | None


@dataclass
class RecordRow:
    """An engagement with sessions whose end passed more than the grace period ago and
    that nobody has marked held, no-show or cancelled."""

    engagement: Engagement
    count: int
    oldest: datetime.datetime
    days_overdue: int
    last_nudged: datetime.datetime | None


@dataclass
class PersonRow:
    user: User
    program: Program | None
    count: int = 0
    capacity: int = 0
    # For no-shows: the program's threshold (Program.no_show_threshold) the count reached.
    threshold: int = 0
    last_nudged: datetime.datetime | None = None


@dataclass
class Radar:
    quiet: list[QuietRow] = field(default_factory=list)
    latent: list[PersonRow] = field(default_factory=list)
    no_shows: list[PersonRow] = field(default_factory=list)
    over_capacity: list[PersonRow] = field(default_factory=list)
    to_record: list[RecordRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return (
            len(self.quiet)
            + len(self.latent)
            + len(self.no_shows)
            + len(self.over_capacity)
            + len(self.to_record)
        )


# The supporter sees a past, still scheduled session at once (dashboard); the coordinators'
# radar lists it once this many days have passed since its end without an outcome.
RECORD_GRACE_DAYS = 2


def _last_nudge_on_engagement(kind: str) -> Subquery:
    """The newest nudge of this kind about the engagement of the row (whoever got it): one
    subquery in the list's own query, not one query per row."""
    return Subquery(
        Nudge.objects.filter(engagement=OuterRef("pk"), kind=kind)
        .order_by("-created_at")
        .values("created_at")[:1]
    )


def _last_nudges(
    organization: Organization, kind: str
) -> dict[tuple[int, int | None], datetime.datetime]:
    rows = (
        Nudge.objects.filter(organization=organization, kind=kind)
        .values("recipient_id", "engagement_id")
        .annotate(last=Max("created_at"))
    )
    return {(r["recipient_id"], r["engagement_id"]): r["last"] for r in rows}


def continuity_radar(
    *,
    organization: Organization,
    program: Program | None = None,
    quiet_days: int | None = None,
    now: datetime.datetime | None = None,
) -> Radar:
    now = now or timezone.now()
    radar = Radar()
    engagements = Engagement.objects.filter(
        organization=organization, status=Engagement.Status.ACTIVE
    )
    if program is not None:
        engagements = engagements.filter(program=program)
    engagements = (
        engagements.annotate(
            last_held=Max("sessions__starts_at", filter=Q(sessions__status=Session.Status.HELD))
        )
        .annotate(last_nudged=_last_nudge_on_engagement(Nudge.Kind.QUIET))
        .select_related("program", "client", "supporter", "team")
        .prefetch_related("team__members")
    )
    for engagement in engagements:
        days = quiet_days if quiet_days is not None else engagement.program.quiet_after_days
        since = engagement.last_held or engagement.created_at
        if since <= now - datetime.timedelta(days=days):
            radar.quiet.append(
                QuietRow(
                    engagement=engagement,
                    last_held=engagement.last_held,
                    days_quiet=(now - since).days,
                    last_nudged=engagement.last_nudged,
                )
            )
    radar.quiet.sort(key=lambda row: -row.days_quiet)
    radar.latent = _latent_clients(organization, program)
    radar.no_shows = _repeated_no_shows(organization, program)
    radar.over_capacity = _over_capacity(organization)
    radar.to_record = _sessions_to_record(organization, program, now)
    return radar


def _sessions_to_record(
    organization: Organization, program: Program | None, now: datetime.datetime
) -> list[RecordRow]:
    """Engagements (of any status: a session held before the end still needs its outcome)
    with sessions that ended over ``RECORD_GRACE_DAYS`` ago and are still scheduled."""
    overdue = Q(
        sessions__status=Session.Status.SCHEDULED,
        sessions__ends_at__lt=now - datetime.timedelta(days=RECORD_GRACE_DAYS),
    )
    engagements: QuerySet[Engagement] = Engagement.objects.filter(organization=organization)
    if program is not None:
        engagements = engagements.filter(program=program)
    rows = (
        engagements.annotate(
            overdue_count=Count("sessions", filter=overdue),
            oldest=Min("sessions__ends_at", filter=overdue),
        )
        .filter(overdue_count__gt=0)
        .annotate(last_nudged=_last_nudge_on_engagement(Nudge.Kind.TO_RECORD))
        .select_related("program", "client", "supporter", "team")
        .prefetch_related("team__members")
        .order_by("oldest", "pk")
    )
    return [
        RecordRow(
            engagement=e,
            count=e.overdue_count,
            oldest=e.oldest,
            days_overdue=(now - e.oldest).days,
            last_nudged=e.last_nudged,
        )
        for e in rows
    ]


def _latent_clients(organization: Organization, program: Program | None) -> list[PersonRow]:
    """Clients accepted into a program who have never had a held session in it."""
    enrollments = Enrollment.objects.filter(
        organization=organization, side=Side.CLIENT, is_active=True
    ).select_related("user", "program")
    if program is not None:
        enrollments = enrollments.filter(program=program)
    met = set(
        Session.objects.filter(organization=organization, status=Session.Status.HELD).values_list(
            "engagement__program_id", "engagement__client_id"
        )
    )
    nudged = _last_nudges(organization, Nudge.Kind.LATENT)
    return [
        PersonRow(user=e.user, program=e.program, last_nudged=nudged.get((e.user_id, None)))
        for e in enrollments
        if (e.program_id, e.user_id) not in met
    ]


def _repeated_no_shows(organization: Organization, program: Program | None) -> list[PersonRow]:
    """Clients whose no-shows in a program reached that program's threshold: one grouped
    query whatever the number of programs (the threshold is compared in HAVING)."""
    sessions = Session.objects.filter(organization=organization, status=Session.Status.NO_SHOW)
    if program is not None:
        sessions = sessions.filter(engagement__program=program)
    threshold = "engagement__program__no_show_threshold"
    rows = (
        sessions.values("engagement__client_id", "engagement__program_id", threshold)
        .annotate(n=Count("id"))
        .filter(n__gte=F(threshold))
        .order_by("engagement__program_id", "-n", "engagement__client_id")
    )
    users = User.objects.in_bulk([r["engagement__client_id"] for r in rows])
    programs = Program.objects.in_bulk([r["engagement__program_id"] for r in rows])
    nudged = _last_nudges(organization, Nudge.Kind.NO_SHOWS)
    return [
        PersonRow(
            user=users[r["engagement__client_id"]],
            program=programs[r["engagement__program_id"]],
            count=r["n"],
            threshold=r[threshold],
            last_nudged=nudged.get((r["engagement__client_id"], None)),
        )
        for r in rows
    ]


def active_engagement_counts(*, organization: Organization) -> dict[int, int]:
    """Active engagements per supporter, counting team engagements for every member."""
    counts: dict[int, int] = {}
    active = Engagement.objects.filter(organization=organization, status=Engagement.Status.ACTIVE)
    for row in (
        active.filter(supporter__isnull=False).values("supporter_id").annotate(n=Count("id"))
    ):
        counts[row["supporter_id"]] = counts.get(row["supporter_id"], 0) + row["n"]
    team_counts = active.filter(team__isnull=False).values("team_id").annotate(n=Count("id"))
    by_team = {row["team_id"]: row["n"] for row in team_counts}
    for member in TeamMember.objects.filter(organization=organization, team_id__in=by_team):
        counts[member.user_id] = counts.get(member.user_id, 0) + by_team[member.team_id]
    return counts


def _over_capacity(organization: Organization) -> list[PersonRow]:
    counts = active_engagement_counts(organization=organization)
    nudged = _last_nudges(organization, Nudge.Kind.OVER_CAPACITY)
    rows = []
    for profile in SupporterProfile.objects.filter(
        organization=organization, user_id__in=counts
    ).select_related("user"):
        if counts[profile.user_id] > profile.max_concurrent:
            rows.append(
                PersonRow(
                    user=profile.user,
                    program=None,
                    count=counts[profile.user_id],
                    capacity=profile.max_concurrent,
                    last_nudged=nudged.get((profile.user_id, None)),
                )
            )
    return rows
