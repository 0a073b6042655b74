"""Forms of internal meetings: plan one (optionally for a team, whose members are then
ticked), change it, cancel it."""

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.core.inputs import ModelChoiceField, validate_day_in_range
from bansou.engagements.forms import DATE_INPUT, TIME_INPUT, day_window
from bansou.engagements.models import Meeting
from bansou.orgs.models import Organization
from bansou.people.forms import PeopleChoiceField
from bansou.people.models import Team
from bansou.people.widgets import PersonSearchInput, point_person_searches

NOT_STAFF = _(
    "Only active supporters and coordinators of the organisation can attend an internal meeting."
)


class MeetingForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=120,
        help_text=_("For example: ケース会議, ペアの振り返り"),
    )
    day = forms.DateField(label=_("Date"), widget=DATE_INPUT, validators=[validate_day_in_range])
    start_time = forms.TimeField(label=_("Starts"), widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("Ends"), widget=TIME_INPUT)
    attendees = PeopleChoiceField(
        label=_("Attendees"),
        queryset=User.objects.none(),
        widget=PersonSearchInput(role="staff", multiple=True),
        help_text=_("Supporters and coordinators only. Their calendars are held for this time."),
        error_messages={
            "invalid_choice": NOT_STAFF,
            "invalid_pk_value": NOT_STAFF,
            "required": _("Choose at least one attendee."),
        },
    )
    team = ModelChoiceField(
        label=_("For a team (optional)"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("No team"),
        error_messages={"invalid_choice": _("Choose a team of this organisation.")},
    )
    place = forms.CharField(label=_("Place"), required=False, max_length=120)
    meeting_url = forms.URLField(
        label=_("Meeting URL (online)"), required=False, max_length=200, assume_scheme="https"
    )
    sequence = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    # Service errors name model fields; the form asks for a day and two times (the
    # ``field_map`` of ``orgs.forms.add_service_errors``). A taken or past start shows under
    # the day, whose full width holds the names of whoever is busy on a phone.
    SERVICE_FIELD_MAP = {"starts_at": "day", "ends_at": "end_time"}

    def __init__(
        self,
        *args: Any,
        attendee_choices: QuerySet[User],
        organization: Organization,
        teams: QuerySet[Team] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = attendee_choices  # type: ignore[attr-defined]
        point_person_searches(self, organization)
        if teams is None:
            del self.fields["team"]
        else:
            self.fields["team"].queryset = teams  # type: ignore[attr-defined]

    def datetimes(self) -> tuple[datetime.datetime, datetime.datetime]:
        return day_window(self.cleaned_data)

    def meeting_fields(self) -> dict[str, Any]:
        """What meeting_create and meeting_update take from this form."""
        starts_at, ends_at = self.datetimes()
        fields = {
            "title": self.cleaned_data["title"],
            "starts_at": starts_at,
            "ends_at": ends_at,
            "attendees": list(self.cleaned_data["attendees"]),
            "place": self.cleaned_data["place"],
            "meeting_url": self.cleaned_data["meeting_url"],
        }
        if "team" in self.fields:
            fields["team"] = self.cleaned_data["team"]
        else:
            fields["sequence"] = self.cleaned_data["sequence"]
        return fields

    @staticmethod
    def initial_for(meeting: Meeting) -> dict[str, Any]:
        """The form filled with the meeting as it is (to change it)."""
        starts = timezone.localtime(meeting.starts_at)
        ends = timezone.localtime(meeting.ends_at)
        return {
            "title": meeting.title,
            "day": starts.date(),
            "start_time": starts.time(),
            "end_time": ends.time(),
            "attendees": [person.pk for person in meeting.attendees.all()],
            "place": meeting.place,
            "meeting_url": meeting.meeting_url,
            "sequence": meeting.sequence,
        }


class MeetingCancelForm(forms.Form):
    sequence = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
