"""Reads of internal meetings. Their attendees see them, coordinators see every meeting of
the organisation; nobody else (a client, a partner, a supporter who does not attend) learns
that one exists."""

import datetime
from typing import Literal

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import Meeting
from bansou.orgs.models import Organization
from bansou.people.models import Team, TeamMember

MEETINGS_PER_PAGE = 20
When = Literal["upcoming", "past"]
STAFF_ROLES = (Role.SUPPORTER, Role.COORDINATOR)


def _by_name() -> QuerySet[User]:
    return User.objects.order_by("family_name_kana", "given_name_kana", "email")


def meetings_visible_to(*, organization: Organization, user: User, role: str) -> QuerySet[Meeting]:
    meetings = Meeting.objects.filter(organization=organization)
    if role == Role.COORDINATOR:
        return meetings
    if role == Role.SUPPORTER:
        return meetings.filter(attendees=user)
    return meetings.none()


def meetings_page(
    *,
    organization: Organization,
    user: User,
    role: str,
    query: str = "",
    when: When = "upcoming",
    page: str | int | None = None,
    now: datetime.datetime | None = None,
) -> Page[Meeting]:
    """One page of the meetings this person sees: the ones still to come (or under way)
    soonest first, or the past ones latest first; ``query`` searches the titles."""
    now = now or timezone.now()
    meetings = meetings_visible_to(organization=organization, user=user, role=role)
    if query:
        meetings = meetings.filter(title__icontains=query)
    if when == "past":
        meetings = meetings.filter(ends_at__lte=now).order_by("-starts_at", "-pk")
    else:
        meetings = meetings.filter(ends_at__gt=now).order_by("starts_at", "pk")
    meetings = meetings.select_related("team").prefetch_related(
        Prefetch("attendees", queryset=_by_name())
    )
    return Paginator(meetings, MEETINGS_PER_PAGE).get_page(page)


def meeting_for(*, organization: Organization, user: User, role: str, pk: int) -> Meeting:
    """The meeting, for its attendees and the organisation's coordinators; 404 otherwise
    (no existence leak)."""
    meeting = (
        Meeting.objects.filter(organization=organization, pk=pk)
        .select_related("team", "created_by")
        .prefetch_related(Prefetch("attendees", queryset=_by_name()))
        .first()
    )
    if meeting is None:
        raise Http404
    attends = any(person.pk == user.pk for person in meeting.attendees.all())
    if not (role == Role.COORDINATOR or (role == Role.SUPPORTER and attends)):
        raise Http404
    return meeting


def meeting_attendee_choices(*, organization: Organization) -> QuerySet[User]:
    """Who may attend an internal meeting here: active supporters and coordinators."""
    return User.objects.filter(
        memberships__organization=organization,
        memberships__role__in=STAFF_ROLES,
        memberships__is_active=True,
    ).order_by("family_name_kana", "given_name_kana", "email")


def meeting_team_choices(*, organization: Organization, user: User, role: str) -> QuerySet[Team]:
    """The teams a meeting may be planned for: any team here for a coordinator, the teams a
    supporter belongs to for them."""
    teams = Team.objects.filter(organization=organization).order_by("name", "pk")
    if role == Role.COORDINATOR:
        return teams
    return teams.filter(memberships__user=user)


def meeting_team_for(
    *, organization: Organization, user: User, role: str, pk: int | None
) -> Team | None:
    """One of ``meeting_team_choices`` by id, or None (also for any other id)."""
    if pk is None:
        return None
    choices = meeting_team_choices(organization=organization, user=user, role=role)
    return choices.filter(pk=pk).first()


def team_member_ids(*, team: Team) -> list[int]:
    """The team's current members, to fill a new meeting's attendees."""
    return list(
        TeamMember.objects.filter(organization_id=team.organization_id, team=team)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
