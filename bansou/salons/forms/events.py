"""Forms of group events: plan or change one (a day, two times, a venue or an online link,
its staff), and record it as held (a headcount and, optionally, the students by name)."""

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.core.inputs import ModelChoiceField, validate_day_in_range
from bansou.engagements.forms import DATE_INPUT, TIME_INPUT, day_window
from bansou.orgs.models import Organization, Venue
from bansou.people.forms import PeopleChoiceField
from bansou.people.widgets import PersonSearchInput, point_person_searches
from bansou.programs.models import Program
from bansou.salons.models import GroupEvent
from bansou.salons.services.events import MAX_HEADCOUNT

NOT_STAFF = _("Only active supporters and coordinators can staff an event.")
NOT_STUDENT = _("Choose students of this organisation.")


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=GroupEvent.Kind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        help_text=_("For example: 3年生向け 職業講話（介護の仕事）"),
    )
    day = forms.DateField(label=_("Date"), widget=DATE_INPUT, validators=[validate_day_in_range])
    start_time = forms.TimeField(label=_("Starts"), widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("Ends"), widget=TIME_INPUT)
    venue = ModelChoiceField(
        label=_("Venue"),
        queryset=Venue.objects.none(),
        required=False,
        empty_label=_("Online only"),
        error_messages={"invalid_choice": _("Choose a venue of this organisation.")},
    )
    meeting_url = forms.URLField(
        label=_("Online link"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("For an online event, or one at a venue that is also streamed."),
    )
    program = ModelChoiceField(
        label=_("Program (optional)"),
        queryset=Program.objects.none(),
        required=False,
        empty_label=_("No program"),
        error_messages={"invalid_choice": _("Choose a program of this organisation.")},
    )
    staff = PeopleChoiceField(
        label=_("Staff"),
        queryset=User.objects.none(),
        required=False,
        widget=PersonSearchInput(role="staff", multiple=True),
        help_text=_("Supporters and coordinators who run it; they can record it afterwards."),
        error_messages={"invalid_choice": NOT_STAFF, "invalid_pk_value": NOT_STAFF},
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Seen by the organisation's supporters and coordinators, never by students."),
    )

    # Service errors name model fields; the form asks for a day and two times.
    SERVICE_FIELD_MAP = {"starts_at": "day", "ends_at": "end_time"}

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        venues: QuerySet[Venue],
        programs: QuerySet[Program],
        staff: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = venues  # type: ignore[attr-defined]
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]
        point_person_searches(self, organization)

    def datetimes(self) -> tuple[datetime.datetime, datetime.datetime]:
        return day_window(self.cleaned_data)

    def event_fields(self) -> dict[str, Any]:
        """What event_create and event_update take from this form."""
        starts_at, ends_at = self.datetimes()
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title": data["title"],
            "starts_at": starts_at,
            "ends_at": ends_at,
            "venue": data["venue"],
            "meeting_url": data["meeting_url"],
            "program": data["program"],
            "staff": list(data["staff"]),
            "notes": data["notes"],
        }

    @staticmethod
    def initial_for(event: GroupEvent) -> dict[str, Any]:
        """The form filled with the event as it is (to change it)."""
        starts = timezone.localtime(event.starts_at)
        ends = timezone.localtime(event.ends_at)
        return {
            "kind": event.kind,
            "title": event.title,
            "day": starts.date(),
            "start_time": starts.time(),
            "end_time": ends.time(),
            "venue": event.venue_id,
            "meeting_url": event.meeting_url,
            "program": event.program_id,
            "staff": [person.pk for person in event.staff.all()],
            "notes": event.notes,
        }


class EventRecordForm(forms.Form):
    headcount = forms.IntegerField(
        label=_("Headcount"),
        min_value=0,
        max_value=MAX_HEADCOUNT,
        help_text=_("Everyone who came, whether named below or not."),
    )
    attendees = PeopleChoiceField(
        label=_("Students who came, by name (optional)"),
        queryset=User.objects.none(),
        required=False,
        widget=PersonSearchInput(role="client", multiple=True),
        help_text=_("Only registered students; the headcount counts the others."),
        error_messages={"invalid_choice": NOT_STUDENT, "invalid_pk_value": NOT_STUDENT},
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How it went, what to follow up. Never seen by students."),
    )

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        students: QuerySet[User] | None,
        **kwargs: Any,
    ) -> None:
        """``students`` None: this person may not look students up (the person search
        offers clients to coordinators only), so the form leaves the named attendees as
        they are."""
        super().__init__(*args, **kwargs)
        if students is None:
            del self.fields["attendees"]
        else:
            self.fields["attendees"].queryset = students  # type: ignore[attr-defined]
            point_person_searches(self, organization)

    def record_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        attendees = list(data["attendees"]) if "attendees" in self.fields else None
        return {"headcount": data["headcount"], "attendees": attendees, "notes": data["notes"]}

    @staticmethod
    def initial_for(event: GroupEvent) -> dict[str, Any]:
        return {
            "headcount": event.headcount,
            "attendees": [person.pk for person in event.attendees.all()],
            "notes": event.notes,
        }
