"""Reads of group events: the list (searched and filtered in the query string), one event,
who may be chosen on its forms, and the figures per kind for the reports (counted apart
from salon visits). Coordinators and supporters see every event of the organisation; only
the coordinators and the event's staff record one."""

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404, QueryDict

from bansou.accounts.models import User
from bansou.core.paging import ListPage, page_of
from bansou.core.roles import Role
from bansou.engagements.selectors.meetings import meeting_attendee_choices
from bansou.orgs.models import Organization, Venue
from bansou.programs.models import Program
from bansou.programs.selectors import programs_of
from bansou.salons.filters import GroupEventFilter
from bansou.salons.models import GroupEvent
from bansou.salons.selectors.stats import period_bounds

EVENTS_PER_PAGE = 20


def _by_name() -> QuerySet[User]:
    return User.objects.order_by("family_name_kana", "given_name_kana", "email")


def events_page(
    *, organization: Organization, params: QueryDict
) -> tuple[GroupEventFilter, ListPage]:
    """The filter (its form shows the choices and errors) and the page it names: the latest
    events first, 20 a page; a bad filter value is said on its field and ignored."""
    found = GroupEventFilter(params, organization=organization)
    return found, page_of(found.qs, params=params, per_page=EVENTS_PER_PAGE)


def event_for(*, organization: Organization, pk: int) -> GroupEvent:
    """One event of this organisation with its venue, program, staff and named attendees;
    404 for any other id."""
    event = (
        GroupEvent.objects.filter(organization=organization, pk=pk)
        .select_related("venue", "program", "created_by")
        .prefetch_related(
            Prefetch("staff", queryset=_by_name()), Prefetch("attendees", queryset=_by_name())
        )
        .first()
    )
    if event is None:
        raise Http404
    return event


def may_record(*, event: GroupEvent, user: User, role: str) -> bool:
    """Coordinators and the event's staff (from its prefetched staff: no query)."""
    if role == Role.COORDINATOR:
        return True
    return role == Role.SUPPORTER and any(p.pk == user.pk for p in event.staff.all())


def event_for_recording(
    *, organization: Organization, user: User, role: str, pk: int
) -> GroupEvent:
    """The event, for the coordinators and its staff; 404 for anyone else."""
    event = event_for(organization=organization, pk=pk)
    if not may_record(event=event, user=user, role=role):
        raise Http404
    return event


def event_staff_choices(*, organization: Organization) -> QuerySet[User]:
    """Who may staff an event: the active supporters and coordinators (as for meetings)."""
    return meeting_attendee_choices(organization=organization)


def event_attendee_choices(*, organization: Organization) -> QuerySet[User]:
    """Who may be named as an attendee: the organisation's active students (clients)."""
    return _by_name().filter(
        memberships__organization=organization,
        memberships__role=Role.CLIENT,
        memberships__is_active=True,
    )


def event_venue_choices(
    *, organization: Organization, current: Venue | None = None
) -> QuerySet[Venue]:
    """The active venues, and the event's own one even if it is no longer active."""
    keep = Q(pk=current.pk) if current is not None else Q(pk__in=[])
    return Venue.objects.filter(organization=organization).filter(Q(is_active=True) | keep)


def event_program_choices(*, organization: Organization) -> QuerySet[Program]:
    return programs_of(organization=organization).order_by("-starts_on", "name")


def held_events_in(
    *,
    organization: Organization,
    start: datetime.date,
    end: datetime.date,
    program: Program | None = None,
) -> QuerySet[GroupEvent]:
    """The events held that started between ``start`` and ``end`` (days in Tokyo, both
    included), of one program or of all."""
    first, after = period_bounds(start, end)
    events = GroupEvent.objects.filter(
        organization=organization,
        status=GroupEvent.Status.HELD,
        starts_at__gte=first,
        starts_at__lt=after,
    )
    return events if program is None else events.filter(program=program)


def event_counts(
    *,
    organization: Organization,
    start: datetime.date,
    end: datetime.date,
    program: Program | None = None,
) -> dict[str, tuple[int, int]]:
    """For each kind, the events held (``held_events_in``) and their total headcount (an
    event without one counts 0): one query, every kind present."""
    rows = (
        held_events_in(organization=organization, start=start, end=end, program=program)
        .values("kind")
        .annotate(n=Count("pk"), people=Sum("headcount"))
        .order_by("kind")
    )
    counts = {kind: (0, 0) for kind in GroupEvent.Kind.values}
    for row in rows:
        counts[row["kind"]] = (row["n"], row["people"] or 0)
    return counts
