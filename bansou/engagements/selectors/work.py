"""What a supporter or a client has to do or look at next (dashboards, journal)."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from bansou.accounts.models import User
from bansou.engagements.models import Engagement, Reflection, RematchRequest, Session
from bansou.orgs.models import Organization


def _supporter_q(user: User, prefix: str = "engagement__") -> Q:
    return Q(**{f"{prefix}supporter": user}) | Q(**{f"{prefix}team__memberships__user": user})


def supporter_upcoming_sessions(
    *, organization: Organization, user: User, now: datetime.datetime | None = None, limit: int = 10
) -> list[Session]:
    now = now or timezone.now()
    return list(
        Session.objects.filter(
            _supporter_q(user),
            organization=organization,
            ends_at__gte=now,
            status=Session.Status.SCHEDULED,
        )
        .select_related("engagement__client", "engagement__program")
        .distinct()
        .order_by("starts_at")[:limit]
    )


def supporter_sessions_to_record(
    *, organization: Organization, user: User, now: datetime.datetime | None = None, limit: int = 20
) -> list[Session]:
    """My sessions whose end has passed but that are still scheduled: held, no-show or
    cancelled is for me to say (after ``selectors.radar.RECORD_GRACE_DAYS`` they also
    reach the coordinators' radar). Oldest first."""
    return list(
        Session.objects.filter(
            _supporter_q(user),
            organization=organization,
            ends_at__lt=now or timezone.now(),
            status=Session.Status.SCHEDULED,
        )
        .select_related("engagement__client", "engagement__program")
        .distinct()
        .order_by("starts_at", "pk")[:limit]
    )


def supporter_records_to_write(*, organization: Organization, user: User) -> list[Session]:
    """Held sessions of my engagements without a record yet."""
    return list(
        Session.objects.filter(
            _supporter_q(user),
            organization=organization,
            status=Session.Status.HELD,
            record__isnull=True,
        )
        .select_related("engagement__client")
        .distinct()
        .order_by("-starts_at")[:20]
    )


def supporter_recent_reflections(
    *, organization: Organization, user: User, days: int = 14
) -> list[Reflection]:
    since = timezone.now() - datetime.timedelta(days=days)
    return list(
        Reflection.objects.filter(
            _supporter_q(user, "session__engagement__"),
            organization=organization,
            created_at__gte=since,
        )
        .select_related("session__engagement__client")
        .distinct()
        .order_by("-created_at")[:20]
    )


def my_engagements(
    *, organization: Organization, user: User, as_client: bool
) -> QuerySet[Engagement]:
    engagements = Engagement.objects.filter(organization=organization)
    engagements = (
        engagements.filter(client=user)
        if as_client
        else engagements.filter(_supporter_q(user, "")).distinct()
    )
    return engagements.select_related("program", "client", "supporter", "team").order_by(
        "-created_at"
    )


def client_next_session(
    *, organization: Organization, user: User, now: datetime.datetime | None = None
) -> Session | None:
    now = now or timezone.now()
    return (
        Session.objects.filter(
            organization=organization,
            engagement__client=user,
            ends_at__gte=now,
            status=Session.Status.SCHEDULED,
        )
        .select_related("engagement__supporter", "engagement__team")
        .order_by("starts_at")
        .first()
    )


def client_journal(*, organization: Organization, user: User) -> list[Reflection]:
    return list(
        Reflection.objects.filter(organization=organization, session__engagement__client=user)
        .select_related("session__engagement__program")
        .order_by("-session__starts_at")
    )


def client_sessions_awaiting_reflection(*, organization: Organization, user: User) -> list[Session]:
    return list(
        Session.objects.filter(
            organization=organization,
            engagement__client=user,
            status=Session.Status.HELD,
            reflection__isnull=True,
            engagement__program__reflection_enabled=True,
        ).order_by("-starts_at")[:5]
    )


def open_rematch_requests(*, organization: Organization) -> QuerySet[RematchRequest]:
    return RematchRequest.objects.filter(
        organization=organization, handled_at__isnull=True
    ).select_related(
        "engagement__client", "engagement__supporter", "engagement__team", "engagement__program"
    )
