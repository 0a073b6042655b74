"""Forms that change a planned salon: cancel it (with the reason the students read), move it
to another day or time, change its staff."""

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.core.inputs import HiddenErrorsOnTop, validate_day_in_range
from bansou.engagements.forms import TIME_INPUT, day_window
from bansou.orgs.models import Organization
from bansou.people.forms import PeopleChoiceField
from bansou.people.widgets import PersonSearchInput, point_person_searches
from bansou.salons.models import SalonBlock

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOT_STAFF = _("Only active supporters and coordinators can staff a salon.")


class SequenceForm(HiddenErrorsOnTop):
    """The salon's ``sequence`` as the page showed it: a change from an older page is
    refused."""

    sequence = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class BlockCancelForm(SequenceForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The students who reserved get it by email, e.g. 台風のため休校になりました。"),
        error_messages={
            "required": _("Write why the salon is cancelled: the students who reserved read it.")
        },
    )


class BlockMoveForm(SequenceForm):
    day = forms.DateField(label=_("Date"), widget=DATE_INPUT, validators=[validate_day_in_range])
    start_time = forms.TimeField(label=_("Starts"), widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("Ends"), widget=TIME_INPUT)

    # A taken or past start shows under the day, whose width holds who is busy.
    SERVICE_FIELD_MAP = {"starts_at": "day", "ends_at": "end_time"}

    @staticmethod
    def initial_for(block: SalonBlock) -> dict[str, Any]:
        starts = timezone.localtime(block.starts_at)
        return {
            "day": starts.date(),
            "start_time": starts.time(),
            "end_time": timezone.localtime(block.ends_at).time(),
            "sequence": block.meeting.sequence,
        }

    def window(self) -> tuple[datetime.datetime, datetime.datetime]:
        return day_window(self.cleaned_data)


class BlockRestaffForm(SequenceForm):
    staff = PeopleChoiceField(
        label=_("Staff"),
        queryset=User.objects.none(),
        widget=PersonSearchInput(role="staff", multiple=True),
        help_text=_("Supporters and coordinators. Their calendars are held for this salon."),
        error_messages={
            "invalid_choice": NOT_STAFF,
            "invalid_pk_value": NOT_STAFF,
            "required": _("Choose at least one supporter for the salon."),
        },
    )

    # Someone busy then is named on the staff field.
    SERVICE_FIELD_MAP = {"starts_at": "staff"}

    def __init__(
        self, *args: Any, organization: Organization, choices: QuerySet[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = choices  # type: ignore[attr-defined]
        point_person_searches(self, organization)
