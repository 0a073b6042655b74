"""Internal meetings: supporters only (a mentor pair's own reflection meeting, a case
conference). A meeting holds a ``CalendarBlock`` in each attendee's calendar like a session,
so it never overlaps another active block of theirs: the check first names who is busy
(「この時間は埋まりました」), and on PostgreSQL the exclusion constraint decides under races
(``blocks_write``). Attendees are active supporters and coordinators of the organisation;
no client ever attends, so no client's page, journal or feed can show one.

The attendees' memberships are checked as locked (ordered by user, so two writers never
wait on each other crosswise): two people planning a meeting with the same person at the
same moment go one after the other, and the second reads the first's blocks. Changes lock
the meeting row and re-read it: a move and a cancel cannot cross, and a page whose
``sequence`` is no longer the meeting's changes nothing. Every change raises ``sequence``
(calendars update the event they hold) and mails the other attendees. A meeting's team
only says whom it was planned for: no rule binds its attendees to the team's members.
"""

import datetime
from collections.abc import Sequence
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bansou.accounts.models import User
from bansou.core.inputs import validate_days_in_range
from bansou.core.links import absolute_url
from bansou.core.roles import Role
from bansou.engagements.models import CalendarBlock, Meeting
from bansou.engagements.services.blocks import blocks_write, check_free
from bansou.ops.mail import send_templated_mail
from bansou.orgs.models import Membership, Organization
from bansou.people.models import Team

MAX_MEETING_MINUTES = 8 * 60
STAFF_ROLES = (Role.SUPPORTER, Role.COORDINATOR)

Change = Literal["planned", "changed", "removed", "cancelled"]

SUBJECTS = {
    "planned": gettext_lazy("New internal meeting"),
    "changed": gettext_lazy("An internal meeting has been changed"),
    "removed": gettext_lazy("You are no longer invited to an internal meeting"),
    "cancelled": gettext_lazy("An internal meeting has been cancelled"),
}


def _validate_times(
    *, starts_at: datetime.datetime, ends_at: datetime.datetime, now: datetime.datetime
) -> None:
    validate_days_in_range(starts_at=starts_at, ends_at=ends_at)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The meeting must end after it starts.")})
    if ends_at - starts_at > datetime.timedelta(minutes=MAX_MEETING_MINUTES):
        raise ValidationError({"ends_at": _("A meeting cannot be longer than 8 hours.")})
    if starts_at <= now:
        raise ValidationError(
            {"starts_at": _("This time has already passed. Choose another time.")}
        )


def _role_of(*, organization: Organization, user: User) -> str | None:
    return (
        Membership.objects.filter(organization=organization, user=user, is_active=True)
        .values_list("role", flat=True)
        .first()
    )


def _checked_attendees(
    *, organization: Organization, attendees: Sequence[User], actor: User, actor_role: str | None
) -> list[User]:
    """The attendees, once each and ordered by id, when every one is an active supporter or
    coordinator here (an id typed into the page is refused, whoever it names); a supporter
    plans only meetings they attend."""
    unique = {user.pk: user for user in attendees}
    if not unique:
        raise ValidationError({"attendees": _("Choose at least one attendee.")})
    staff = set(
        Membership.objects.select_for_update()
        .filter(
            organization=organization,
            user_id__in=list(unique),
            is_active=True,
            role__in=STAFF_ROLES,
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    if set(unique) - staff:
        raise ValidationError(
            {
                "attendees": _(
                    "Only active supporters and coordinators of the organisation can attend "
                    "an internal meeting."
                )
            }
        )
    if actor_role == Role.SUPPORTER and actor.pk not in unique:
        raise ValidationError(
            {"attendees": _("Include yourself: supporters plan the meetings they attend.")}
        )
    return [unique[pk] for pk in sorted(unique)]


def _check_actor(*, organization: Organization, actor: User) -> str:
    role = _role_of(organization=organization, user=actor)
    if role not in STAFF_ROLES:
        raise ValidationError(_("Only supporters and coordinators can plan internal meetings."))
    assert role is not None
    return role


def meeting_hold(*, meeting: Meeting, users: Sequence[User]) -> None:
    """Holds each attendee's calendar for the meeting; refused, naming who is busy, when one
    of them already has a session or another meeting then (the meeting's own blocks are
    gone by now, in this transaction, when it moves)."""
    window = (meeting.starts_at, meeting.ends_at)

    def recheck() -> None:
        check_free(users=users, window=window)

    recheck()
    blocks_write(
        blocks=[
            CalendarBlock(
                organization_id=meeting.organization_id,
                meeting=meeting,
                user=user,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
            )
            for user in users
        ],
        recheck=recheck,
    )


def meeting_link(meeting: Meeting) -> str:
    path = reverse(
        "engagements:meeting",
        kwargs={"org_slug": meeting.organization.slug, "meeting_pk": meeting.pk},
    )
    return absolute_url(path)


def _notify(*, meeting: Meeting, users: Sequence[User], change: Change, actor: User) -> None:
    """A short notice to each of these people but the one who made the change."""
    attendees = sorted(meeting.attendees.all(), key=lambda u: u.pk)
    for user in users:
        if user.pk == actor.pk:
            continue
        send_templated_mail(
            recipient=user,
            organization=meeting.organization,
            subject=SUBJECTS[change],
            template="engagements/email/meeting_notice.txt",
            context={
                "meeting": meeting,
                "change": change,
                "actor": actor,
                "attendees": [a.display_name for a in attendees],
                "url": meeting_link(meeting) if change in ("planned", "changed") else "",
            },
        )


@transaction.atomic
def meeting_create(
    *,
    organization: Organization,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    attendees: Sequence[User],
    actor: User,
    team: Team | None = None,
    place: str = "",
    meeting_url: str = "",
) -> Meeting:
    """Plans an internal meeting and holds every attendee's calendar for it."""
    role = _check_actor(organization=organization, actor=actor)
    _validate_times(starts_at=starts_at, ends_at=ends_at, now=timezone.now())
    users = _checked_attendees(
        organization=organization, attendees=attendees, actor=actor, actor_role=role
    )
    if team is not None and team.organization_id != organization.pk:
        raise ValidationError({"team": _("Choose a team of this organisation.")})
    meeting = Meeting(
        organization=organization,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip(),
        meeting_url=meeting_url.strip(),
        team=team,
        created_by=actor,
    )
    meeting.full_clean()
    meeting.save()
    meeting.attendees.set(users)
    meeting_hold(meeting=meeting, users=users)
    _notify(meeting=meeting, users=users, change="planned", actor=actor)
    return meeting


def _lock(meeting: Meeting) -> Meeting:
    """The meeting as it is now, locked (the copy the caller holds may be older)."""
    return Meeting.objects.select_for_update().select_related("organization").get(pk=meeting.pk)


def _check_may_change(*, meeting: Meeting, actor: User) -> tuple[list[User], str]:
    """Refuses someone who neither attends nor coordinates; returns the attendees (by id)
    and the actor's role."""
    if Meeting.objects.filter(pk=meeting.pk, salon_block__isnull=False).exists():
        raise ValidationError(
            _("This meeting is a career salon: change it on the salon's own page.")
        )
    attendees = sorted(meeting.attendees.all(), key=lambda u: u.pk)
    role = _check_actor(organization=meeting.organization, actor=actor)
    if role != Role.COORDINATOR and actor.pk not in {u.pk for u in attendees}:
        raise ValidationError(_("Only its attendees and coordinators can change this meeting."))
    return attendees, role


def _check_changeable(*, meeting: Meeting, sequence: int | None, now: datetime.datetime) -> None:
    """Refuses a change of a cancelled or started meeting, or from a page older than the
    last change."""
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("This meeting has been cancelled and cannot be changed."))
    if meeting.starts_at <= now:
        raise ValidationError(_("A meeting that has already started cannot be changed."))
    if sequence is not None and sequence != meeting.sequence:
        raise ValidationError(
            _("Someone changed this meeting meanwhile. Check it again, then save your change.")
        )


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    attendees: Sequence[User],
    actor: User,
    place: str = "",
    meeting_url: str = "",
    sequence: int | None = None,
) -> Meeting:
    """Changes a meeting's title, time, attendees, place or link; the calendars follow. The
    attendees hear of it (someone added as of a new meeting, someone left out that they no
    longer attend). Nothing changed, nothing happens."""
    now = timezone.now()
    locked = _lock(meeting)
    before, role = _check_may_change(meeting=locked, actor=actor)
    _check_changeable(meeting=locked, sequence=sequence, now=now)
    _validate_times(starts_at=starts_at, ends_at=ends_at, now=now)
    users = _checked_attendees(
        organization=locked.organization, attendees=attendees, actor=actor, actor_role=role
    )
    fields = {
        "title": title.strip(),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": place.strip(),
        "meeting_url": meeting_url.strip(),
    }
    before_ids = {u.pk for u in before}
    after_ids = {u.pk for u in users}
    if before_ids == after_ids and all(getattr(locked, k) == v for k, v in fields.items()):
        return locked
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.sequence += 1
    # created_by empties when its author's account goes (SET_NULL): not this edit's concern.
    locked.full_clean(exclude=["created_by"])
    # Its own blocks would clash with the new time; gone in this transaction only.
    CalendarBlock.objects.filter(organization_id=locked.organization_id, meeting=locked).delete()
    locked.save()
    locked.attendees.set(users)
    meeting_hold(meeting=locked, users=users)
    notices: list[tuple[Change, list[User]]] = [
        ("changed", [u for u in users if u.pk in before_ids]),
        ("planned", [u for u in users if u.pk not in before_ids]),
        ("removed", [u for u in before if u.pk not in after_ids]),
    ]
    for change, people in notices:
        _notify(meeting=locked, users=people, change=change, actor=actor)
    return locked


@transaction.atomic
def meeting_move(
    *,
    meeting: Meeting,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    actor: User,
    sequence: int | None = None,
) -> Meeting:
    """Moves a meeting to another time, with the same attendees."""
    locked = _lock(meeting)
    return meeting_update(
        meeting=locked,
        title=locked.title,
        starts_at=starts_at,
        ends_at=ends_at,
        attendees=list(locked.attendees.all()),
        place=locked.place,
        meeting_url=locked.meeting_url,
        actor=actor,
        sequence=sequence,
    )


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, actor: User, sequence: int | None = None) -> Meeting:
    """Cancels a meeting and frees its attendees' time (the blocks stay, inactive). A second
    cancel (a double submit) finds it cancelled and changes nothing."""
    locked = _lock(meeting)
    attendees, _role = _check_may_change(meeting=locked, actor=actor)
    if locked.status == Meeting.Status.CANCELLED:
        return locked
    _check_changeable(meeting=locked, sequence=sequence, now=timezone.now())
    locked.status = Meeting.Status.CANCELLED
    locked.sequence += 1
    locked.save(update_fields=["status", "sequence"])
    CalendarBlock.objects.filter(organization_id=locked.organization_id, meeting=locked).update(
        is_active=False
    )
    _notify(meeting=locked, users=attendees, change="cancelled", actor=actor)
    return locked
