"""The appointment-type form. It parses; the rules (durations, ranges, venue or link,
unique name) are in services/appointment_types.py, whose errors land on these fields."""

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bansou.core.inputs import ModelChoiceField
from bansou.orgs.models import Organization, Venue
from bansou.programs.models import Program
from bansou.scheduling.models import AppointmentType
from bansou.scheduling.selectors.appointment_types import in_person_venues
from bansou.scheduling.services.appointment_types import (
    DURATIONS,
    LIMITS,
    appointment_type_problems,
    default_mode,
)

Link = AppointmentType.MeetingLink


def _number(label: Any, field: str, help_text: Any) -> forms.IntegerField:
    # The range is checked by the service (one message for both ends); the attributes
    # only give a phone the number keypad and the arrows their bounds.
    low, high = LIMITS[field]
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"min": low, "max": high, "inputmode": "numeric"}),
    )


def _duration_choices() -> list[tuple[int, str]]:
    # A callable, so that the labels follow the language of each request.
    return [(d, gettext("%(minutes)s minutes") % {"minutes": d}) for d in DURATIONS]


class AppointmentTypeForm(forms.Form):
    name = forms.CharField(
        label=_("Appointment name"),
        max_length=120,
        help_text=_("What clients see when they book, e.g. 30-minute online consultation."),
    )
    duration_minutes = forms.TypedChoiceField(
        label=_("Length"),
        coerce=int,
        choices=_duration_choices,
        widget=forms.RadioSelect,
    )
    mode = forms.ChoiceField(
        label=_("How you meet"), choices=AppointmentType.Mode.choices, widget=forms.RadioSelect
    )
    venue: ModelChoiceField[Venue] = ModelChoiceField(
        label=_("Place"),
        queryset=Venue.objects.none(),
        required=False,
        empty_label=_("Choose a venue"),
        help_text=_("In person: where the appointment takes place."),
    )
    room = forms.CharField(
        label=_("Room or meeting point"),
        max_length=120,
        required=False,
        help_text=_("Optional, e.g. Career Centre 2F, booth 3."),
    )
    meeting_link = forms.ChoiceField(
        label=_("Online meeting link"),
        choices=[(Link.JITSI, Link.JITSI.label), (Link.FIXED, Link.FIXED.label)],
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Online: a new Jitsi room is made for each booking, or everyone uses one URL."),
    )
    meeting_url = forms.CharField(
        label=_("Meeting URL"),
        max_length=200,
        required=False,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
        help_text=_("Only for a fixed URL, e.g. your Zoom or Teams room."),
    )
    bookable_by = forms.ChoiceField(
        label=_("Who may book"),
        choices=AppointmentType.BookableBy.choices,
        widget=forms.RadioSelect,
    )
    buffer_before_minutes = _number(
        _("Free time before (minutes)"),
        "buffer_before_minutes",
        _("Kept free before each appointment, e.g. to prepare. 0 to 60."),
    )
    buffer_after_minutes = _number(
        _("Free time after (minutes)"),
        "buffer_after_minutes",
        _("Kept free after each appointment, e.g. to write the record. 0 to 60."),
    )
    min_notice_hours = _number(
        _("Book at least (hours ahead)"),
        "min_notice_hours",
        _("0 to 168 (one week). 0 means up to the last moment."),
    )
    max_days_ahead = _number(
        _("Bookable up to (days ahead)"),
        "max_days_ahead",
        _("1 to 180 days."),
    )
    change_deadline_hours = _number(
        _("Changes and cancellations until (hours before)"),
        "change_deadline_hours",
        _("Until then clients can reschedule or cancel themselves. 0 to 168."),
    )
    is_active = forms.BooleanField(label=_("Open for booking"), required=False)

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        program: Program,
        appointment_type: AppointmentType | None = None,
        **kwargs: Any,
    ) -> None:
        if appointment_type is not None:
            kwargs["initial"] = _initial_of(appointment_type)
        else:
            kwargs.setdefault("initial", new_type_initial(program))
        super().__init__(*args, **kwargs)
        self.program = program
        self.appointment_type = appointment_type
        venue_field = self.fields["venue"]
        assert isinstance(venue_field, forms.ModelChoiceField)
        venue_field.queryset = in_person_venues(organization=organization)

    def clean(self) -> dict[str, Any]:
        """Every problem at once: the services' rules for the fields that could be read,
        next to the field-level errors (e.g. a missing name and a wrong venue together)."""
        cleaned = super().clean() or {}
        if "mode" not in cleaned:
            return cleaned
        values = {name: cleaned.get(name) for name in self.fields}
        values["meeting_link"] = values["meeting_link"] or Link.NONE
        values.pop("is_active")
        problems = appointment_type_problems(
            program=self.program,
            exclude_pk=self.appointment_type.pk if self.appointment_type else None,
            values=values,
        )
        for field, messages in problems.items():
            if field in self.fields and field not in self.errors:
                for message in messages:
                    self.add_error(field, message)
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        """What ``appointment_type_create`` and ``appointment_type_update`` take."""
        values = dict(self.cleaned_data)
        values["meeting_link"] = values["meeting_link"] or Link.NONE
        return values


def new_type_initial(program: Program) -> dict[str, Any]:
    """A new type starts as a 30-minute appointment in the program's usual mode, for
    enrolled clients, bookable a day ahead up to eight weeks out."""
    return {
        "duration_minutes": 30,
        "mode": default_mode(program),
        "meeting_link": Link.JITSI,
        "bookable_by": AppointmentType.BookableBy.ENROLLED,
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "min_notice_hours": 24,
        "max_days_ahead": 56,
        "change_deadline_hours": 24,
        "is_active": True,
    }


def _initial_of(t: AppointmentType) -> dict[str, Any]:
    return {
        "name": t.name,
        "duration_minutes": t.duration_minutes,
        "mode": t.mode,
        "venue": t.venue_id,
        "room": t.room,
        "meeting_link": t.meeting_link if t.meeting_link != Link.NONE else Link.JITSI,
        "meeting_url": t.meeting_url,
        "bookable_by": t.bookable_by,
        "buffer_before_minutes": t.buffer_before_minutes,
        "buffer_after_minutes": t.buffer_after_minutes,
        "min_notice_hours": t.min_notice_hours,
        "max_days_ahead": t.max_days_ahead,
        "change_deadline_hours": t.change_deadline_hours,
        "is_active": t.is_active,
    }
