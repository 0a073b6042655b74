"""Group events (職業講話, ガイダンス, 保護者セミナー, supporter training): planned, changed and
cancelled by coordinators; recorded as held, with a headcount and optionally the students
who came by name, by the coordinators or the event's own staff. Counted apart from salon
visits (``selectors.events.event_counts``).

An event has a place: a venue of this organisation or an online link (a check constraint
holds it too). Unlike a salon it holds nobody's calendar: its staff are named so that the
right people may record it. Every change locks the event's row and re-reads it, so a
cancel and a record cannot cross."""

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.core.inputs import validate_days_in_range
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization, Venue
from bansou.programs.models import Program
from bansou.salons.models import GroupEvent
from bansou.salons.services.staffing import check_venue, checked_staff, role_of

MAX_EVENT_HOURS = 12
MAX_HEADCOUNT = 100_000
PLACE_FIELDS = ["kind", "title", "program", "venue", "meeting_url", "starts_at", "ends_at"]


def _check_coordinator(*, organization: Organization, actor: User) -> None:
    if role_of(organization=organization, user=actor) != Role.COORDINATOR:
        raise ValidationError(_("Only coordinators can plan and change group events."))


def _check_times(*, starts_at: datetime.datetime, ends_at: datetime.datetime) -> None:
    """Past times are allowed: an event held last month may be entered for the reports."""
    validate_days_in_range(starts_at=starts_at, ends_at=ends_at)
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("An event must end after it starts.")})
    if ends_at - starts_at > datetime.timedelta(hours=MAX_EVENT_HOURS):
        raise ValidationError({"ends_at": _("An event cannot be longer than 12 hours.")})


def _check_place(
    *, organization: Organization, venue: Venue | None, meeting_url: str, kept: Venue | None
) -> None:
    """A venue of this organisation (active, unless it is the one the event already has)
    or an online link."""
    if venue is None:
        if not meeting_url:
            raise ValidationError(
                {"venue": _("Choose a venue of this organisation or give an online link.")}
            )
        return
    if kept is not None and venue.pk == kept.pk and venue.organization_id == organization.pk:
        return
    check_venue(organization=organization, venue=venue)


def _check_program(*, organization: Organization, program: Program | None) -> None:
    if program is not None and program.organization_id != organization.pk:
        raise ValidationError({"program": _("Choose a program of this organisation.")})


def _checked_event_staff(*, organization: Organization, staff: Sequence[User]) -> list[User]:
    """The staff (none is allowed), once each, when every one is an active supporter or
    coordinator here; their memberships are locked as for a salon's staff."""
    if not staff:
        return []
    try:
        return checked_staff(organization=organization, staff=staff)
    except ValidationError:  # the shared check words its refusal for a salon
        raise ValidationError(
            {"staff": _("Only active supporters and coordinators can staff an event.")}
        ) from None


def _fill(
    event: GroupEvent,
    *,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    venue: Venue | None,
    meeting_url: str,
    program: Program | None,
    notes: str,
) -> None:
    organization = event.organization
    if not title.strip():
        raise ValidationError({"title": _("Give the event a title.")})
    _check_times(starts_at=starts_at, ends_at=ends_at)
    kept = event.venue if event.pk else None
    _check_place(organization=organization, venue=venue, meeting_url=meeting_url.strip(), kept=kept)
    _check_program(organization=organization, program=program)
    event.kind = kind
    event.title = title.strip()
    event.starts_at, event.ends_at = starts_at, ends_at
    event.venue = venue
    event.meeting_url = meeting_url.strip()
    event.program = program
    event.notes = notes.strip()
    event.full_clean(exclude=["created_by", "organization"])


@transaction.atomic
def event_create(
    *,
    organization: Organization,
    actor: User,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    venue: Venue | None = None,
    meeting_url: str = "",
    staff: Sequence[User] = (),
    program: Program | None = None,
    notes: str = "",
) -> GroupEvent:
    """Plans a group event (or enters one already held, to record it next)."""
    _check_coordinator(organization=organization, actor=actor)
    event = GroupEvent(organization=organization, created_by=actor)
    _fill(
        event,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        venue=venue,
        meeting_url=meeting_url,
        program=program,
        notes=notes,
    )
    users = _checked_event_staff(organization=organization, staff=staff)
    event.save()
    event.staff.set(users)
    return event


def _lock(event: GroupEvent) -> GroupEvent:
    """The event as it is now, locked: changes, cancelling and recording go one at a time
    and each reads what the one before wrote."""
    return (
        GroupEvent.objects.select_for_update(of=("self",))
        .select_related("organization", "venue")
        .get(organization_id=event.organization_id, pk=event.pk)
    )


@transaction.atomic
def event_update(
    *,
    event: GroupEvent,
    actor: User,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    venue: Venue | None = None,
    meeting_url: str = "",
    staff: Sequence[User] = (),
    program: Program | None = None,
    notes: str = "",
) -> GroupEvent:
    """Changes an event that is not cancelled (a held one too: its details may need
    correcting after the day)."""
    _check_coordinator(organization=event.organization, actor=actor)
    locked = _lock(event)
    if locked.status == GroupEvent.Status.CANCELLED:
        raise ValidationError(_("This event was cancelled: it can no longer be changed."))
    _fill(
        locked,
        kind=kind,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        venue=venue,
        meeting_url=meeting_url,
        program=program,
        notes=notes,
    )
    users = _checked_event_staff(organization=locked.organization, staff=staff)
    locked.save(update_fields=[*PLACE_FIELDS, "notes"])
    locked.staff.set(users)
    return locked


@transaction.atomic
def event_cancel(*, event: GroupEvent, actor: User) -> GroupEvent:
    """Cancels a scheduled event (a held one stays held: it happened)."""
    _check_coordinator(organization=event.organization, actor=actor)
    locked = _lock(event)
    if locked.status == GroupEvent.Status.HELD:
        raise ValidationError(_("This event has been recorded as held: it cannot be cancelled."))
    if locked.status == GroupEvent.Status.CANCELLED:
        raise ValidationError(_("This event has already been cancelled."))
    locked.status = GroupEvent.Status.CANCELLED
    locked.save(update_fields=["status"])
    return locked


def _check_records(*, event: GroupEvent, actor: User) -> None:
    """The coordinators and the event's own staff (an active supporter named on it)."""
    role = role_of(organization=event.organization, user=actor)
    if role == Role.COORDINATOR:
        return
    if role == Role.SUPPORTER and event.staff.filter(pk=actor.pk).exists():
        return
    raise ValidationError(_("Only this event's staff and the coordinators can record it."))


def _checked_attendees(*, organization: Organization, attendees: Sequence[User]) -> list[User]:
    """The named attendees, once each, when every one is an active student (client) here:
    one query whatever their number."""
    unique = {user.pk: user for user in attendees}
    students = set(
        Membership.objects.filter(
            organization=organization,
            user_id__in=list(unique),
            is_active=True,
            role=Role.CLIENT,
        ).values_list("user_id", flat=True)
    )
    if set(unique) - students:
        raise ValidationError({"attendees": _("Choose students of this organisation.")})
    return [unique[pk] for pk in sorted(unique)]


@transaction.atomic
def event_record(
    *,
    event: GroupEvent,
    actor: User,
    headcount: int,
    attendees: Sequence[User] | None = None,
    notes: str = "",
) -> GroupEvent:
    """Marks an event that has started as held, with how many came (anonymous ones
    included) and, optionally, the students who came by name (None keeps those already
    named). Recording again corrects the figures."""
    locked = _lock(event)
    _check_records(event=locked, actor=actor)
    if locked.status == GroupEvent.Status.CANCELLED:
        raise ValidationError(_("This event was cancelled: nothing can be recorded for it."))
    if locked.starts_at > timezone.now():
        raise ValidationError(_("An event can be recorded once it has started."))
    if not 0 <= headcount <= MAX_HEADCOUNT:
        raise ValidationError(
            {"headcount": _("Enter a number between 0 and %(max)s.") % {"max": MAX_HEADCOUNT}}
        )
    if attendees is None:
        users = list(locked.attendees.all())
    else:
        users = _checked_attendees(organization=locked.organization, attendees=attendees)
    if headcount < len(users):
        raise ValidationError(
            {
                "headcount": _("The headcount cannot be smaller than the students named (%(n)s).")
                % {"n": len(users)}
            }
        )
    locked.status = GroupEvent.Status.HELD
    locked.headcount = headcount
    locked.notes = notes.strip()
    locked.save(update_fields=["status", "headcount", "notes"])
    if attendees is not None:
        locked.attendees.set(users)
    return locked
