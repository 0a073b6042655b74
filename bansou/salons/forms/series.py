"""The weekly salon form: which day, which hours, how, where, its slots, the period and the
staff. The same fields go to the preview and to the creation."""

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.core.calendar import fiscal_year_bounds, fiscal_year_of
from bansou.core.inputs import ModelChoiceField, validate_day_in_range
from bansou.engagements.forms import TIME_INPUT
from bansou.orgs.models import Organization, Venue
from bansou.people.forms import PeopleChoiceField
from bansou.people.widgets import PersonSearchInput, point_person_searches
from bansou.programs.models import Program
from bansou.salons.models import SLOT_MINUTES_MAX, SLOT_MINUTES_MIN, Mode, SalonSeries
from bansou.salons.services.series import MAX_SLOT_CAPACITY
from bansou.scheduling.models import Weekday

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOT_STAFF = _("Only active supporters and coordinators can staff a salon.")


class SeriesForm(forms.Form):
    program = ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.none(),
        error_messages={"invalid_choice": _("Choose a program of this organisation.")},
    )
    weekday = forms.TypedChoiceField(
        label=_("Day of the week"), choices=Weekday.choices, coerce=int
    )
    start_time = forms.TimeField(label=_("Starts"), widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("Ends"), widget=TIME_INPUT)
    mode = forms.ChoiceField(
        label=_("Mode"), choices=Mode.choices, initial=Mode.IN_PERSON, widget=forms.RadioSelect
    )
    room = forms.CharField(label=_("Room"), max_length=120, required=False)
    meeting_url = forms.URLField(
        label=_("Meeting URL (online)"), required=False, max_length=200, assume_scheme="https"
    )
    slot_minutes = forms.IntegerField(
        label=_("Slot length (minutes)"),
        min_value=SLOT_MINUTES_MIN,
        max_value=SLOT_MINUTES_MAX,
        initial=30,
    )
    slot_capacity = forms.IntegerField(
        label=_("Students per slot"), min_value=1, max_value=MAX_SLOT_CAPACITY, initial=1
    )
    starts_on = forms.DateField(
        label=_("First day"), widget=DATE_INPUT, validators=[validate_day_in_range]
    )
    ends_on = forms.DateField(
        label=_("Last day"),
        widget=DATE_INPUT,
        validators=[validate_day_in_range],
        help_text=_("A year at most. Public holidays and closed days are skipped."),
    )
    staff = PeopleChoiceField(
        label=_("Staff"),
        queryset=User.objects.none(),
        widget=PersonSearchInput(role="staff", multiple=True),
        help_text=_("Supporters and coordinators. Their calendars are held for every salon."),
        error_messages={
            "invalid_choice": NOT_STAFF,
            "invalid_pk_value": NOT_STAFF,
            "required": _("Choose at least one supporter for the salon."),
        },
    )

    # Service errors name the model's fields; the form asks for two times.
    SERVICE_FIELD_MAP = {"starts_at": "start_time", "ends_at": "end_time"}

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        programs: QuerySet[Program],
        staff_choices: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        self.fields["staff"].queryset = staff_choices  # type: ignore[attr-defined]
        point_person_searches(self, organization)

    @staticmethod
    def initial_for(
        *,
        venue: Venue,
        staff_ids: list[int],
        program: Program | None,
        latest: SalonSeries | None = None,
    ) -> dict[str, Any]:
        """A sensible start: from tomorrow until the end of this 年度 with the venue's
        supporters, on the day, hours and room of the venue's latest weekly salon (without
        one: the next school day, 13:00–16:00 in the venue's usual room)."""
        today = timezone.localdate()
        first = today + datetime.timedelta(days=1)
        last = fiscal_year_bounds(fiscal_year_of(today))[1]
        if last < first + datetime.timedelta(days=28):
            last = fiscal_year_bounds(fiscal_year_of(today) + 1)[1]
        school_day = next(
            d for d in (first + datetime.timedelta(days=n) for n in range(7)) if d.weekday() < 5
        )
        initial: dict[str, Any] = {
            "program": program.pk if program else None,
            "weekday": school_day.weekday(),
            "start_time": datetime.time(13),
            "end_time": datetime.time(16),
            "room": venue.room,
            "starts_on": first,
            "ends_on": last,
            "staff": staff_ids,
        }
        if latest is not None:
            initial.update(
                program=latest.program_id,
                weekday=latest.weekday,
                start_time=latest.starts_at,
                end_time=latest.ends_at,
                mode=latest.mode,
                room=latest.room or venue.room,
                meeting_url=latest.meeting_url,
                slot_minutes=latest.slot_minutes,
                slot_capacity=latest.slot_capacity,
            )
        return initial

    def plan(self) -> dict[str, Any]:
        """What series_preview and series_create take from this form (but the venue)."""
        data = self.cleaned_data
        return {
            "program": data["program"],
            "weekday": data["weekday"],
            "starts_at": data["start_time"],
            "ends_at": data["end_time"],
            "mode": data["mode"],
            "room": data["room"],
            "meeting_url": data["meeting_url"],
            "slot_minutes": data["slot_minutes"],
            "slot_capacity": data["slot_capacity"],
            "starts_on": data["starts_on"],
            "ends_on": data["ends_on"],
            "staff": list(data["staff"]),
        }
