"""Writes of appointment types: what a client can book in a program (e.g. a 30-minute
online consultation), and the input rules the appointment-type form shares with them.

Every function is keyword-only, checks its input (each problem on the field it concerns)
and saves inside a transaction with an audit entry."""

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.orgs.models import Venue
from bansou.programs.models import Program
from bansou.scheduling.models import AppointmentType

Mode = AppointmentType.Mode
MeetingLink = AppointmentType.MeetingLink
BookableBy = AppointmentType.BookableBy

DURATIONS = (20, 30, 40, 60)
NAME_CONSTRAINT = "scheduling_appointment_type_name"
NAME_MAX_LENGTH = 120
ROOM_MAX_LENGTH = 120
# field → (lowest, highest) accepted value
LIMITS: dict[str, tuple[int, int]] = {
    "buffer_before_minutes": (0, 60),
    "buffer_after_minutes": (0, 60),
    "min_notice_hours": (0, 168),
    "max_days_ahead": (1, 180),
    "change_deadline_hours": (0, 168),
}
_https_url = URLValidator(schemes=["https"])


def default_mode(program: Program) -> str:
    """A school salon meets in person at the school; the other kinds default to online."""
    return Mode.IN_PERSON if program.kind == Program.Kind.SALON else Mode.ONLINE


def name_key(name: str) -> str:
    """Two names that differ only in width, case or spacing are the same name."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _name_taken_message() -> str:
    return str(_("This program already has an appointment type with this name."))


def _name_taken(*, program: Program, name: str, exclude_pk: int | None) -> bool:
    others = AppointmentType.objects.filter(program=program)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    key = name_key(name)
    return any(name_key(other) == key for other in others.values_list("name", flat=True))


def _check_name(name: str, errors: dict[str, list[str]]) -> str:
    name = " ".join(name.split())
    if not name:
        errors["name"] = [str(_("Please enter a name, e.g. 30-minute consultation."))]
    elif len(name) > NAME_MAX_LENGTH:
        errors["name"] = [
            str(_("Please use at most %(max)s characters.")) % {"max": NAME_MAX_LENGTH}
        ]
    return name


def _check_numbers(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    if values["duration_minutes"] not in DURATIONS:
        errors["duration_minutes"] = [str(_("Please choose 20, 30, 40 or 60 minutes."))]
    for field, (low, high) in LIMITS.items():
        value = values[field]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            errors[field] = [
                str(_("Please enter a whole number from %(low)s to %(high)s."))
                % {"low": low, "high": high}
            ]


def _check_place(program: Program, values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """In person: a venue of the organisation (a room optional), no link. Online: a link
    rule (a fixed https URL or a Jitsi room per booking), no venue."""
    venue: Venue | None = values["venue"]
    if values["mode"] == Mode.IN_PERSON:
        values.update(meeting_link=MeetingLink.NONE, meeting_url="")
        values["room"] = " ".join((values["room"] or "").split())
        if venue is None:
            errors["venue"] = [str(_("Please choose where the appointment takes place."))]
        elif venue.organization_id != program.organization_id:
            errors["venue"] = [str(_("Please choose one of your organisation's venues."))]
        elif venue.kind == Venue.Kind.ONLINE:
            errors["venue"] = [str(_("An online venue cannot host an in-person appointment."))]
        if len(values["room"]) > ROOM_MAX_LENGTH:
            errors["room"] = [
                str(_("Please use at most %(max)s characters.")) % {"max": ROOM_MAX_LENGTH}
            ]
        return
    values.update(venue=None, room="")
    link = values["meeting_link"]
    if link == MeetingLink.FIXED:
        values["meeting_url"] = (values["meeting_url"] or "").strip()
        try:
            _https_url(values["meeting_url"])
        except ValidationError:
            errors["meeting_url"] = [
                str(_("Please enter the meeting URL, starting with https://."))
            ]
    elif link == MeetingLink.JITSI:
        values["meeting_url"] = ""
    else:
        errors["meeting_link"] = [str(_("Please choose how clients join online."))]


def appointment_type_problems(
    *, program: Program, exclude_pk: int | None, values: dict[str, Any]
) -> dict[str, list[str]]:
    """What the services would refuse in these values, by field, for a form that wants to
    show every problem at once. A field the form could not read is passed as None and
    not judged here."""
    partial = dict(values)
    errors: dict[str, list[str]] = {}
    if partial.get("name") is None:
        partial["name"] = "-"
    if partial.get("duration_minutes") is None:
        partial["duration_minutes"] = DURATIONS[0]
    for field, (low, _high) in LIMITS.items():
        if partial.get(field) is None:
            partial[field] = low
    try:
        _validated(program=program, exclude_pk=exclude_pk, values=partial)
    except ValidationError as exc:
        errors = exc.message_dict
    return errors


def _validated(
    *, program: Program, exclude_pk: int | None, values: dict[str, Any]
) -> dict[str, Any]:
    """The values normalised (names and rooms tidied, fields of the other mode emptied), or
    a ValidationError naming every field that is wrong."""
    values = dict(values)
    errors: dict[str, list[str]] = {}
    values["name"] = _check_name(values["name"], errors)
    if values["mode"] is None:
        values["mode"] = default_mode(program)
    if values["meeting_link"] is None:
        online = values["mode"] == Mode.ONLINE
        values["meeting_link"] = MeetingLink.JITSI if online else MeetingLink.NONE
    choices = (("mode", Mode), ("meeting_link", MeetingLink), ("bookable_by", BookableBy))
    for field, enum in choices:
        if values[field] not in enum.values:
            errors[field] = [str(_("Please choose one of the options."))]
    _check_numbers(values, errors)
    if "mode" not in errors and "meeting_link" not in errors:
        _check_place(program, values, errors)
    if "name" not in errors and _name_taken(
        program=program, name=values["name"], exclude_pk=exclude_pk
    ):
        errors["name"] = [_name_taken_message()]
    if errors:
        raise ValidationError(errors)
    return values


def _is_name_clash(exc: IntegrityError) -> bool:
    """PostgreSQL names the constraint; SQLite names the columns of the unique index."""
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name) == NAME_CONSTRAINT
    table = AppointmentType._meta.db_table
    return NAME_CONSTRAINT in str(exc) or f"{table}.program_id, {table}.name" in str(exc)


def _save(appointment_type: AppointmentType) -> None:
    # The unique name is checked above and, for two saves at the same moment, by the
    # database: full_clean would only repeat the query with a generic message.
    appointment_type.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            appointment_type.save()
    except IntegrityError as exc:
        if _is_name_clash(exc):
            raise ValidationError({"name": [_name_taken_message()]}) from exc
        raise


@transaction.atomic
def appointment_type_create(
    *,
    program: Program,
    actor: User | None,
    name: str,
    duration_minutes: int,
    mode: str | None = None,
    venue: Venue | None = None,
    room: str = "",
    meeting_link: str | None = None,
    meeting_url: str = "",
    bookable_by: str = BookableBy.ENROLLED,
    buffer_before_minutes: int = 0,
    buffer_after_minutes: int = 0,
    min_notice_hours: int = 24,
    max_days_ahead: int = 56,
    change_deadline_hours: int = 24,
    is_active: bool = True,
) -> AppointmentType:
    """Adds an appointment type to the program. ``mode=None`` takes the program's default
    (``default_mode``); ``meeting_link=None`` a Jitsi room when online."""
    values = _validated(
        program=program,
        exclude_pk=None,
        values={
            "name": name,
            "duration_minutes": duration_minutes,
            "mode": mode,
            "venue": venue,
            "room": room,
            "meeting_link": meeting_link,
            "meeting_url": meeting_url,
            "bookable_by": bookable_by,
            "buffer_before_minutes": buffer_before_minutes,
            "buffer_after_minutes": buffer_after_minutes,
            "min_notice_hours": min_notice_hours,
            "max_days_ahead": max_days_ahead,
            "change_deadline_hours": change_deadline_hours,
        },
    )
    appointment_type = AppointmentType(
        organization=program.organization, program=program, is_active=is_active, **values
    )
    _save(appointment_type)
    audit_log(
        organization=program.organization,
        actor=actor,
        action="scheduling.appointment_type.created",
        target=appointment_type,
    )
    return appointment_type


@transaction.atomic
def appointment_type_update(
    *,
    appointment_type: AppointmentType,
    actor: User | None,
    name: str,
    duration_minutes: int,
    mode: str,
    venue: Venue | None = None,
    room: str = "",
    meeting_link: str | None = None,
    meeting_url: str = "",
    bookable_by: str = BookableBy.ENROLLED,
    buffer_before_minutes: int = 0,
    buffer_after_minutes: int = 0,
    min_notice_hours: int = 24,
    max_days_ahead: int = 56,
    change_deadline_hours: int = 24,
    is_active: bool = True,
) -> AppointmentType:
    """Replaces every setting of the appointment type (the form sends them all). Bookings
    made earlier keep the times they were given."""
    locked = AppointmentType.objects.select_for_update().get(pk=appointment_type.pk)
    values = _validated(
        program=locked.program,
        exclude_pk=locked.pk,
        values={
            "name": name,
            "duration_minutes": duration_minutes,
            "mode": mode,
            "venue": venue,
            "room": room,
            "meeting_link": meeting_link,
            "meeting_url": meeting_url,
            "bookable_by": bookable_by,
            "buffer_before_minutes": buffer_before_minutes,
            "buffer_after_minutes": buffer_after_minutes,
            "min_notice_hours": min_notice_hours,
            "max_days_ahead": max_days_ahead,
            "change_deadline_hours": change_deadline_hours,
        },
    )
    for field, value in values.items():
        setattr(locked, field, value)
    locked.is_active = is_active
    _save(locked)
    audit_log(
        organization=locked.organization,
        actor=actor,
        action="scheduling.appointment_type.updated",
        target=locked,
    )
    return locked


@transaction.atomic
def appointment_type_set_active(
    *, appointment_type: AppointmentType, actor: User | None, is_active: bool
) -> AppointmentType:
    """Opens or closes the type for new bookings; bookings already made stay."""
    locked = AppointmentType.objects.select_for_update().get(pk=appointment_type.pk)
    if locked.is_active == is_active:
        return locked
    locked.is_active = is_active
    locked.save(update_fields=["is_active"])
    audit_log(
        organization=locked.organization,
        actor=actor,
        action="scheduling.appointment_type." + ("activated" if is_active else "deactivated"),
        target=locked,
    )
    return locked
