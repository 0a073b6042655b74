"""What a private calendar address (iCal feed) shows: the sessions and internal meetings
of its owner in its organisation. A supporter's feed holds every session that holds (or,
cancelled, held) their calendar, a client's their own sessions, anyone's the meetings they
attend: from ``FEED_PAST`` ago on, so a cancellation still reaches the calendar."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from bansou.accounts.models import User
from bansou.engagements.models import CalendarBlock, Meeting, Session
from bansou.orgs.models import Organization
from bansou.orgs.selectors import active_membership
from bansou.people.models import TeamMember
from bansou.scheduling.models import CalendarFeed
from bansou.scheduling.services.feeds import feed_token_digest

FEED_PAST = datetime.timedelta(days=60)
# A feed is read whole by a calendar, not paged; this bounds it (years of weekly sessions).
FEED_LIMIT = 1000


@dataclass(frozen=True)
class FeedContent:
    feed: CalendarFeed
    sessions: list[Session]
    meetings: list[Meeting]


def feed_live(*, organization: Organization, user: User) -> CalendarFeed | None:
    """This person's live address here, if they have one (for their own page)."""
    return CalendarFeed.objects.filter(
        organization=organization, user=user, revoked_at__isnull=True
    ).first()


def feed_for_token(*, organization: Organization, token: str) -> CalendarFeed | None:
    """The live feed of this token in this organisation, whose owner is still an active
    member; None otherwise (unknown, revoked, another organisation's, a former member)."""
    feed = (
        CalendarFeed.objects.filter(
            organization=organization,
            token_hash=feed_token_digest(token),
            revoked_at__isnull=True,
        )
        .select_related("user")
        .first()
    )
    if feed is None or active_membership(organization=organization, user=feed.user) is None:
        return None
    return feed


def feed_sessions(
    *, organization: Organization, user: User, now: datetime.datetime | None = None
) -> list[Session]:
    since = (now or timezone.now()) - FEED_PAST
    recent = Session.objects.filter(organization=organization, starts_at__gte=since).order_by(
        "starts_at", "pk"
    )
    holds = CalendarBlock.objects.filter(organization=organization, user=user)
    # Two indexed reads, then the rows: one query with "held OR own" reads every recent
    # session of the organisation.
    held = recent.filter(pk__in=holds.values("session_id")).values_list("pk", flat=True)
    own = recent.filter(engagement__client=user).values_list("pk", flat=True)
    ids = {*held[:FEED_LIMIT], *own[:FEED_LIMIT]}
    members = TeamMember.objects.filter(organization=organization).select_related("user")
    return list(
        Session.objects.filter(organization=organization, pk__in=ids)
        .select_related(
            "organization",
            "engagement__client",
            "engagement__supporter",
            "engagement__team",
            "appointment_type",
            "venue",
        )
        .prefetch_related(Prefetch("engagement__team__memberships", queryset=members))
        .order_by("starts_at", "pk")[:FEED_LIMIT]
    )


def feed_meetings(
    *, organization: Organization, user: User, now: datetime.datetime | None = None
) -> list[Meeting]:
    since = (now or timezone.now()) - FEED_PAST
    return list(
        Meeting.objects.filter(
            organization=organization, attendees=user, starts_at__gte=since
        ).order_by("starts_at", "pk")[:FEED_LIMIT]
    )


def feed_content(*, organization: Organization, token: str) -> FeedContent | None:
    """The feed of this token and what it shows; None when the token is not live here."""
    feed = feed_for_token(organization=organization, token=token)
    if feed is None:
        return None
    return FeedContent(
        feed=feed,
        sessions=feed_sessions(organization=organization, user=feed.user),
        meetings=feed_meetings(organization=organization, user=feed.user),
    )
