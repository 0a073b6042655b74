"""Whom a client books with, for each appointment type they may book.

A client with an open engagement in the program books their own supporter (or their
mentor pair, open only when both are free); a client without one books the program's
pool ("any counsellor", or one of them by name). ``bookable_by`` decides who may book at
all: clients enrolled in the program, or any client of the organisation (public intake).
"""

import datetime
import math
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.accounts.selectors import person_search
from bansou.core.roles import Role
from bansou.engagements.models import CalendarBlock, Engagement, Session
from bansou.engagements.rules import is_engagement_supporter
from bansou.engagements.selectors.booking import Mode, OpenDay, open_times, open_times_by_day
from bansou.engagements.services.lifecycle import OPEN_STATUSES
from bansou.orgs.models import Membership, Organization
from bansou.people.models import TeamMember
from bansou.programs.models import Enrollment, Side
from bansou.scheduling.models import AppointmentType


@dataclass(frozen=True)
class BookingTarget:
    """Who the client would meet: ``mode`` "one" (their supporter), "team" (every member of
    their pair) or "pool" (any of ``supporter_ids``). ``engagement`` is the client's open
    engagement for "one" and "team"; ``names`` maps supporter ids to display names."""

    appointment_type: AppointmentType
    mode: Mode
    supporter_ids: tuple[int, ...]
    names: dict[int, str]
    engagement: Engagement | None = None

    @property
    def team_name(self) -> str:
        if self.engagement is not None and self.engagement.team is not None:
            return self.engagement.team.name
        return ""


def _is_enrolled_client(appointment_type: AppointmentType, client: User) -> bool:
    return Enrollment.objects.filter(
        organization_id=appointment_type.organization_id,
        program_id=appointment_type.program_id,
        user=client,
        side=Side.CLIENT,
        is_active=True,
    ).exists()


def _open_engagement(appointment_type: AppointmentType, client: User) -> Engagement | None:
    """The client's current engagement in the program (the most recent open one)."""
    return (
        Engagement.objects.filter(
            organization_id=appointment_type.organization_id,
            program_id=appointment_type.program_id,
            client=client,
            status__in=OPEN_STATUSES,
        )
        .select_related("supporter", "team")
        .order_by("-created_at", "-pk")
        .first()
    )


def pool_supporters(*, appointment_type: AppointmentType) -> dict[int, str]:
    """The counsellors of the program's pool: supporters enrolled in it who are active
    supporters of the organisation; id → display name, ordered by name."""
    enrolled = Enrollment.objects.filter(
        organization_id=appointment_type.organization_id,
        program_id=appointment_type.program_id,
        side=Side.SUPPORTER,
        is_active=True,
    ).values("user_id")
    members = (
        Membership.objects.filter(
            organization_id=appointment_type.organization_id,
            role=Role.SUPPORTER,
            is_active=True,
            user_id__in=enrolled,
        )
        .select_related("user")
        .order_by("user__family_name_kana", "user__family_name", "user_id")
    )
    return {m.user_id: m.user.display_name for m in members}


def booking_target(*, appointment_type: AppointmentType, client: User) -> BookingTarget:
    """Whom ``client`` books ``appointment_type`` with; refuses (``ValidationError``) when
    they may not book it."""
    if not appointment_type.is_active:
        raise ValidationError(_("This appointment type is not open for booking."))
    engagement = _open_engagement(appointment_type, client)
    if (
        appointment_type.bookable_by == AppointmentType.BookableBy.ENROLLED
        and engagement is None
        and not _is_enrolled_client(appointment_type, client)
    ):
        raise ValidationError(
            _("Only clients of “%(program)s” can book this appointment.")
            % {"program": appointment_type.program.name}
        )
    if engagement is not None and engagement.supporter_id is not None:
        assert engagement.supporter is not None
        return BookingTarget(
            appointment_type=appointment_type,
            mode="one",
            supporter_ids=(engagement.supporter_id,),
            names={engagement.supporter_id: engagement.supporter.display_name},
            engagement=engagement,
        )
    if engagement is not None:
        members = TeamMember.objects.filter(
            organization_id=engagement.organization_id, team_id=engagement.team_id or 0
        ).select_related("user")
        names = {m.user_id: m.user.display_name for m in members.order_by("user_id")}
        return BookingTarget(
            appointment_type=appointment_type,
            mode="team",
            supporter_ids=tuple(names),
            names=names,
            engagement=engagement,
        )
    names = pool_supporters(appointment_type=appointment_type)
    if not names:
        raise ValidationError(_("No counsellor takes bookings for this appointment yet."))
    return BookingTarget(
        appointment_type=appointment_type,
        mode="pool",
        supporter_ids=tuple(sorted(names)),
        names=names,
    )


def bookable_types(*, organization: Organization, client: User) -> list[BookingTarget]:
    """Every appointment type ``client`` may book now, each with whom, by program."""
    types = (
        AppointmentType.objects.filter(
            organization=organization, is_active=True, program__ends_on__gte=timezone.localdate()
        )
        .select_related("program", "venue")
        .order_by("program__starts_on", "program__name", "duration_minutes", "name")
    )
    targets = []
    for appointment_type in types:
        try:
            targets.append(booking_target(appointment_type=appointment_type, client=client))
        except ValidationError:
            continue
    return targets


def last_counsellor(*, appointment_type: AppointmentType, client: User) -> int | None:
    """The counsellor the client last met (or is booked with) in this program."""
    session = (
        Session.objects.filter(
            organization_id=appointment_type.organization_id,
            engagement__program_id=appointment_type.program_id,
            engagement__client=client,
            engagement__supporter__isnull=False,
        )
        .exclude(status=Session.Status.CANCELLED)
        .order_by("-starts_at", "-pk")
        .values_list("engagement__supporter_id", flat=True)
        .first()
    )
    return session


def booked_in_month(
    *, organization: Organization, user_ids: list[int], day: datetime.date
) -> dict[int, int]:
    """How many sessions each of these people holds in the calendar month of ``day`` in
    this organisation (the fairness count of the pool)."""
    tz = timezone.get_default_timezone()
    first = day.replace(day=1)
    after = (first + datetime.timedelta(days=32)).replace(day=1)
    low = datetime.datetime.combine(first, datetime.time(0), tzinfo=tz)
    high = datetime.datetime.combine(after, datetime.time(0), tzinfo=tz)
    rows = (
        CalendarBlock.objects.filter(
            organization=organization,
            user_id__in=user_ids,
            is_active=True,
            session__isnull=False,
        )
        .filter(Q(starts_at__gte=low) & Q(starts_at__lt=high))
        .values("user_id")
        .annotate(n=Count("id"))
    )
    return {row["user_id"]: row["n"] for row in rows}


def client_upcoming_bookings(*, organization: Organization, client: User) -> list[Session]:
    """The client's scheduled sessions from now on, with whom and what."""
    return list(
        Session.objects.filter(
            organization=organization,
            engagement__client=client,
            status=Session.Status.SCHEDULED,
            ends_at__gt=timezone.now(),
        )
        .select_related("engagement__supporter", "engagement__team", "appointment_type", "venue")
        .order_by("starts_at", "pk")
    )


def booking_client_for(
    *, organization: Organization, user: User, role: str, client_pk: int | None
) -> User | None:
    """Who is being booked for: a client books for themselves; a coordinator for any client
    of the organisation; a supporter for a client they accompany or who is enrolled in a
    program they support (None: staff who have not chosen yet). 404 otherwise (a forged id
    reveals nothing)."""
    if role == Role.CLIENT:
        if client_pk not in (None, user.pk):
            raise Http404
        return user
    if role not in (Role.COORDINATOR, Role.SUPPORTER):
        raise Http404
    if client_pk is None:
        return None
    if (
        not bookable_clients(organization=organization, user=user, role=role)
        .filter(pk=client_pk)
        .exists()
    ):
        raise Http404
    return User.objects.get(pk=client_pk)


def bookable_clients(
    *, organization: Organization, user: User, role: str, query: str = ""
) -> QuerySet[User]:
    """The clients this staff member may book for, by name: every active client for a
    coordinator; for a supporter those they accompany or enrolled in a program they
    support."""
    clients = User.objects.filter(
        memberships__organization=organization,
        memberships__role=Role.CLIENT,
        memberships__is_active=True,
    )
    if role == Role.SUPPORTER:
        accompanied = Engagement.objects.filter(
            Q(supporter=user) | Q(team__memberships__user=user),
            organization=organization,
            status__in=OPEN_STATUSES,
        ).values("client_id")
        supported_programs = Enrollment.objects.filter(
            organization=organization, user=user, side=Side.SUPPORTER, is_active=True
        ).values("program_id")
        enrolled = Enrollment.objects.filter(
            organization=organization,
            side=Side.CLIENT,
            is_active=True,
            program_id__in=supported_programs,
        ).values("user_id")
        clients = clients.filter(Q(pk__in=accompanied) | Q(pk__in=enrolled))
    clients = clients.filter(person_search(query, max_words=4))
    return clients.distinct().order_by("family_name_kana", "given_name_kana", "pk")


def bookable_type_for(*, organization: Organization, pk: int) -> AppointmentType:
    appointment_type = (
        AppointmentType.objects.filter(organization=organization, pk=pk, is_active=True)
        .select_related("program", "venue")
        .first()
    )
    if appointment_type is None:
        raise Http404
    return appointment_type


def booking_for(*, organization: Organization, user: User, role: str, pk: int) -> Session:
    """A booked session for its client, its supporters or a coordinator; 404 otherwise."""
    session = (
        Session.objects.filter(organization=organization, pk=pk)
        .select_related(
            "engagement__client",
            "engagement__supporter",
            "engagement__team",
            "engagement__program",
            "appointment_type__program",
            "venue",
        )
        .first()
    )
    if session is None:
        raise Http404
    engagement = session.engagement
    allowed = (
        role == Role.COORDINATOR
        or (role == Role.CLIENT and engagement.client_id == user.pk)
        or (role == Role.SUPPORTER and is_engagement_supporter(user, engagement))
    )
    if not allowed:
        raise Http404
    return session


@dataclass(frozen=True)
class TimesPage:
    """One week of open times for the booking page (``week`` 0 is the coming seven days)."""

    days: list[OpenDay]
    week: int
    has_next: bool
    first_day: datetime.date
    last_day: datetime.date


def booking_times(
    *,
    target: BookingTarget,
    supporter_id: int | None = None,
    week: int = 0,
    now: datetime.datetime | None = None,
    moving: int | None = None,
) -> TimesPage:
    """The open times of one week, grouped by day: the target's, or in a pool one chosen
    counsellor's; ``moving`` (a session's id) frees that session's own time."""
    now = now or timezone.now()
    appointment_type = target.appointment_type
    weeks = max(1, math.ceil((appointment_type.max_days_ahead + 1) / 7))
    week = min(max(week, 0), weeks - 1)
    today = timezone.localdate(now)
    first_day = today + datetime.timedelta(days=7 * week)
    last_day = min(
        first_day + datetime.timedelta(days=6),
        today + datetime.timedelta(days=appointment_type.max_days_ahead),
    )
    ids = [supporter_id] if supporter_id is not None else list(target.supporter_ids)
    slots = open_times(
        appointment_type=appointment_type,
        supporter_ids=ids,
        mode=target.mode,
        now=now,
        days=(last_day - today).days,
        moving=moving,
    )
    days = [d for d in open_times_by_day(slots) if first_day <= d.day <= last_day]
    return TimesPage(
        days=days, week=week, has_next=week + 1 < weeks, first_day=first_day, last_day=last_day
    )


def reschedule_target(*, session: Session) -> BookingTarget:
    """A booking moves within the open times of the people it holds now."""
    assert session.appointment_type is not None
    engagement = session.engagement
    if engagement.supporter_id is not None:
        assert engagement.supporter is not None
        return BookingTarget(
            appointment_type=session.appointment_type,
            mode="one",
            supporter_ids=(engagement.supporter_id,),
            names={engagement.supporter_id: engagement.supporter.display_name},
            engagement=engagement,
        )
    members = TeamMember.objects.filter(
        organization_id=engagement.organization_id, team_id=engagement.team_id or 0
    ).select_related("user")
    names = {m.user_id: m.user.display_name for m in members.order_by("user_id")}
    return BookingTarget(
        appointment_type=session.appointment_type,
        mode="team",
        supporter_ids=tuple(names),
        names=names,
        engagement=engagement,
    )
