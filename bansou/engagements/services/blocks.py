"""No double-booking: calendar blocks.

Every session that is not cancelled holds a ``CalendarBlock`` in the calendar of each of its
supporters (every member, for a team), and one person's active blocks never overlap. Every
write path (``services.sessions``, the team membership changes, and later client booking,
pools and imports) checks first, inside its transaction, for a friendly message naming
whose calendar is taken; the database decides under races: on PostgreSQL the exclusion
constraint ``CALENDAR_BLOCK_NO_OVERLAP``, whose violation becomes the same message; on
SQLite every transaction takes the write lock at BEGIN (settings: ``transaction_mode``), so
nothing runs between the check and the write.
"""

import datetime
from collections.abc import Callable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from bansou.accounts.models import User
from bansou.engagements.models import (
    CALENDAR_BLOCK_NO_OVERLAP,
    OPEN_STATUSES,
    CalendarBlock,
    Engagement,
    Session,
)
from bansou.people.models import Team, TeamMember
from bansou.scheduling.models import AppointmentType

Window = tuple[datetime.datetime, datetime.datetime]


def block_window(
    *,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    appointment_type: AppointmentType | None = None,
) -> Window:
    """The time a session holds in its supporters' calendars: widened by its appointment
    type's buffers, from starts_at - buffer_before to ends_at + buffer_after."""
    if appointment_type is None:
        return starts_at, ends_at
    return (
        starts_at - datetime.timedelta(minutes=appointment_type.buffer_before_minutes),
        ends_at + datetime.timedelta(minutes=appointment_type.buffer_after_minutes),
    )


def session_window(session: Session) -> Window:
    """``block_window`` of a session (its type, when it has one, is read once)."""
    return block_window(
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        appointment_type=session.appointment_type if session.appointment_type_id else None,
    )


def session_holders(*, engagement: Engagement) -> list[User]:
    """Whose calendars a session of this engagement holds: its supporter, or every current
    member of its team; ordered by id."""
    if engagement.supporter_id is not None:
        return [User.objects.get(pk=engagement.supporter_id)]
    assert engagement.team_id is not None  # a check constraint: a supporter or a team
    members = TeamMember.objects.filter(
        organization_id=engagement.organization_id, team_id=engagement.team_id
    ).select_related("user")
    return [m.user for m in members.order_by("user_id")]


def lock_team_of(engagement: Engagement) -> None:
    """For a team's engagement, locks the team row before the engagement (the order
    ``team_member_add`` takes): a member joining meanwhile then sees the new session, or
    the new session sees them."""
    if engagement.team_id is not None:
        list(
            Team.objects.select_for_update().filter(
                organization_id=engagement.organization_id, pk=engagement.team_id
            )
        )


def clashes(
    *, users: Sequence[User], windows: Sequence[Window], ignore_session: int | None = None
) -> dict[int, list[User]]:
    """For each window (by index) that overlaps an active block of one of these people,
    who they are. Across every organisation a person works in, since one person attends one
    session at a time; only the names of the people asked about are ever shown."""
    if not users or not windows:
        return {}
    low = min(start for start, _end in windows)
    high = max(end for _start, end in windows)
    with scopes_disabled():
        found_blocks = CalendarBlock.objects.filter(
            user_id__in=[u.pk for u in users],
            is_active=True,
            starts_at__lt=high,
            ends_at__gt=low,
        )
        if ignore_session is not None:
            found_blocks = found_blocks.exclude(session_id=ignore_session)
        blocks = list(found_blocks.values_list("user_id", "starts_at", "ends_at"))
    by_id = {u.pk: u for u in users}
    found: dict[int, list[User]] = {}
    for index, (start, end) in enumerate(windows):
        taken = sorted({user_id for user_id, s, e in blocks if s < end and e > start})
        if taken:
            found[index] = [by_id[user_id] for user_id in taken]
    return found


def taken_message(users: Sequence[User]) -> str:
    """「この時間は埋まりました」 and whose calendar is taken."""
    parts = [_("Just taken: this time is no longer free.")]
    parts += [
        _("%(name)s already has something booked then.") % {"name": user.display_name}
        for user in users
    ]
    return " ".join(parts)


def check_free(*, users: Sequence[User], window: Window, ignore_session: int | None = None) -> None:
    """Refuses (on ``starts_at``) when one of these people is busy during the window."""
    taken = clashes(users=users, windows=[window], ignore_session=ignore_session)
    if taken:
        raise ValidationError({"starts_at": ValidationError(taken_message(taken[0]), "taken")})


def _day(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATE_FORMAT")


def check_series_free(*, users: Sequence[User], windows: Sequence[Window]) -> None:
    """Refuses a whole series, listing each date that clashes and whose calendar is taken."""
    taken = clashes(users=users, windows=windows)
    if taken:
        dates = ", ".join(
            f"{_day(windows[i][0])} ({'、'.join(u.display_name for u in people)})"
            for i, people in sorted(taken.items())
        )
        raise ValidationError(
            _("Just taken: these dates are no longer free, so no session was scheduled: %(dates)s.")
            % {"dates": dates},
            code="taken",
        )


def hold(
    *, sessions: Sequence[Session], users: Sequence[User], recheck: Callable[[], None]
) -> None:
    """Writes the blocks of these (saved) sessions for these people. When a concurrent
    booking committed first the database refuses (PostgreSQL's exclusion constraint), and
    ``recheck`` then raises the friendly message, which that booking has made true."""
    blocks = []
    for session in sessions:
        start, end = session_window(session)
        blocks += [
            CalendarBlock(
                organization_id=session.organization_id,
                session=session,
                user=user,
                starts_at=start,
                ends_at=end,
            )
            for user in users
        ]
    blocks_write(blocks=blocks, recheck=recheck)


def blocks_write(*, blocks: list[CalendarBlock], recheck: Callable[[], None]) -> None:
    """Writes calendar blocks (of sessions or internal meetings). When a concurrent writer
    committed first the database refuses (PostgreSQL's exclusion constraint), and
    ``recheck`` then raises the friendly message, which that writer has made true."""
    blocks.sort(key=lambda b: (b.user_id, b.starts_at))
    try:
        with transaction.atomic():
            _queue_behind_other_writers(user_ids=[b.user_id for b in blocks])
            CalendarBlock.objects.bulk_create(blocks)
    except IntegrityError as error:
        if CALENDAR_BLOCK_NO_OVERLAP not in str(error):
            raise
        recheck()
        raise ValidationError({"starts_at": ValidationError(taken_message([]), "taken")}) from error


def _queue_behind_other_writers(*, user_ids: list[int]) -> None:
    """PostgreSQL checks the exclusion constraint against a row another transaction has not
    committed yet by waiting for that transaction; two bookings of one person inserted at
    once wait on each other and one dies of a deadlock. Locking the people's rows first, in
    one order, makes concurrent writers queue: the later one then meets the committed block
    and gets the friendly message."""
    ids = sorted(set(user_ids))
    list(
        User.objects.select_for_update(no_key=True)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def blocks_move(*, session: Session, users: Sequence[User], recheck: Callable[[], None]) -> None:
    """The blocks follow a moved session (and its team as it is now)."""
    CalendarBlock.objects.filter(organization_id=session.organization_id, session=session).delete()
    hold(sessions=[session], users=users, recheck=recheck)


def blocks_release(*, session: Session) -> None:
    """A cancelled session frees its time; a held or missed one keeps its blocks."""
    CalendarBlock.objects.filter(organization_id=session.organization_id, session=session).update(
        is_active=False
    )


@transaction.atomic
def session_blocks_hold(*, session: Session) -> None:
    """Holds the calendars for a session written outside ``services.sessions`` (demo data,
    an import): refused like scheduling when a supporter is already busy then."""
    if session.status == Session.Status.CANCELLED:
        return
    users = session_holders(engagement=session.engagement)
    window = session_window(session)

    def recheck() -> None:
        check_free(users=users, window=window, ignore_session=session.pk)

    recheck()
    hold(sessions=[session], users=users, recheck=recheck)


def _upcoming_team_sessions(team: Team) -> list[Session]:
    return list(
        Session.objects.filter(
            organization_id=team.organization_id,
            engagement__team=team,
            engagement__status__in=OPEN_STATUSES,
            status=Session.Status.SCHEDULED,
            starts_at__gt=timezone.now(),
        ).order_by("starts_at", "pk")
    )


def team_member_blocks_add(*, team: Team, user: User) -> None:
    """A newcomer takes part in the team's upcoming sessions, so these hold the newcomer's
    calendar too; refused, naming the dates, when they are busy then. Called by
    ``team_member_add`` with the team locked."""
    sessions = _upcoming_team_sessions(team)
    windows = [session_window(s) for s in sessions]

    def recheck() -> None:
        taken = clashes(users=[user], windows=windows)
        if taken:
            dates = ", ".join(
                formats.date_format(timezone.localtime(windows[i][0]), "SHORT_DATETIME_FORMAT")
                for i in sorted(taken)
            )
            raise ValidationError(
                {
                    "members": ValidationError(
                        _(
                            "%(name)s cannot join yet: they already have a session when the "
                            "team meets: %(dates)s."
                        ),
                        params={"name": user.display_name, "dates": dates},
                        code="taken",
                    )
                }
            )

    recheck()
    hold(sessions=sessions, users=[user], recheck=recheck)


def team_member_blocks_remove(*, team: Team, user: User) -> None:
    """A member leaving frees their calendar of the team's upcoming sessions; past ones keep
    their blocks (they were there)."""
    CalendarBlock.objects.filter(
        organization_id=team.organization_id,
        user=user,
        session_id__in=[s.pk for s in _upcoming_team_sessions(team)],
    ).delete()
