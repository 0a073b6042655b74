import datetime
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.core.inputs import (
    ModelChoiceField,
    ModelMultipleChoiceField,
    validate_day_in_range,
    whole_number,
)
from bansou.core.roles import Role
from bansou.engagements.cadence import MAX_PER_MONTH, Rule
from bansou.engagements.models import OPEN_STATUS_VALUES, Engagement, Session
from bansou.engagements.services.lifecycle import (
    CLOSING,
    FUTURE_CANCEL,
    FUTURE_KEEP,
    TRANSITIONS,
    FutureChoice,
)
from bansou.engagements.services.sessions import jitsi_room_url
from bansou.orgs.models import Organization
from bansou.people.forms import PersonChoiceField
from bansou.people.models import Team
from bansou.people.widgets import PersonSearchInput, point_person_searches
from bansou.programs.models import Phase, Program, Topic
from bansou.scheduling.models import Weekday

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def day_window(data: dict[str, Any]) -> tuple[datetime.datetime, datetime.datetime]:
    """A form's ``day``, ``start_time`` and ``end_time`` as a start and an end in the
    current (Tokyo) time zone."""
    tz = timezone.get_current_timezone()
    day = data["day"]
    starts = datetime.datetime.combine(day, data["start_time"], tzinfo=tz)
    ends = datetime.datetime.combine(day, data["end_time"], tzinfo=tz)
    return starts, ends


def _members(organization: Organization, role: Role) -> Any:
    return User.objects.filter(
        memberships__organization=organization, memberships__role=role, memberships__is_active=True
    ).order_by("family_name_kana", "given_name_kana", "email")


class EngagementCreateForm(forms.Form):
    program = ModelChoiceField(queryset=Program.objects.none(), label=_("Program"))
    client = PersonChoiceField(
        queryset=User.objects.none(), label=_("Client"), widget=PersonSearchInput(role="client")
    )
    supporter = PersonChoiceField(
        queryset=User.objects.none(),
        label=_("Supporter"),
        required=False,
        widget=PersonSearchInput(role="supporter"),
    )
    team = ModelChoiceField(queryset=Team.objects.none(), label=_("or a team"), required=False)
    goals = forms.CharField(
        label=_("Goals"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    start_now = forms.BooleanField(
        label=_("Start accompanying now (otherwise it stays proposed)"), required=False
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(organization=organization)  # type: ignore[attr-defined]
        self.fields["client"].queryset = _members(organization, Role.CLIENT)  # type: ignore[attr-defined]
        self.fields["supporter"].queryset = _members(organization, Role.SUPPORTER)  # type: ignore[attr-defined]
        point_person_searches(self, organization)
        self.fields["team"].queryset = Team.objects.filter(organization=organization)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("supporter")) == bool(data.get("team")):
            raise forms.ValidationError(_("Choose either one supporter or one team."))
        return data


class StatusForm(forms.Form):
    """The new status and its reason; when sessions lie ahead, what to do with them
    (``upcoming``: the engagement's future scheduled sessions, shown with their dates)."""

    to_status = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(
        self, *args: Any, engagement: Engagement, upcoming: list[Session], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        allowed = TRANSITIONS.get(engagement.status, set())
        self.fields["to_status"].choices = [  # type: ignore[attr-defined]
            (value, label) for value, label in Engagement.Status.choices if value in allowed
        ]
        self.upcoming = upcoming
        if upcoming and allowed & {Engagement.Status.PAUSED, *CLOSING}:
            self.fields["future_sessions"] = forms.ChoiceField(
                label=_("Future sessions"),
                choices=[
                    (FUTURE_CANCEL, _("Cancel them and tell the client and the supporters")),
                    (FUTURE_KEEP, _("Keep them (only when pausing)")),
                ],
                widget=forms.RadioSelect,
                required=False,
                help_text=_(
                    "Ending or interrupting always cancels them. When pausing, choose "
                    "whether they stay on the calendar."
                ),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        to_status, choice = data.get("to_status"), data.get("future_sessions") or None
        if "future_sessions" not in self.fields or to_status not in (
            Engagement.Status.PAUSED,
            *CLOSING,
        ):
            choice = None
        elif to_status == Engagement.Status.PAUSED and choice is None:
            self.add_error(
                "future_sessions", _("Choose whether to cancel or keep the future sessions.")
            )
        data["future_sessions"] = choice
        return data

    def future(self) -> FutureChoice | None:
        """What the status service takes as ``future``."""
        choice = self.cleaned_data.get("future_sessions")
        if choice == FUTURE_CANCEL:
            return "cancel"
        return "keep" if choice == FUTURE_KEEP else None


class GoalsForm(forms.Form):
    goals = forms.CharField(
        label=_("Goals"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=4000
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )


def meeting_url_for(form: forms.Form) -> str:
    """The typed URL, or a generated Jitsi room when asked for an online session."""
    url = str(form.cleaned_data.get("meeting_url") or "")
    wants_room = form.cleaned_data.get("generate_room")
    if not url and wants_room and form.cleaned_data["mode"] == Session.Mode.ONLINE:
        url = jitsi_room_url()
    return url


class SessionPlaceFields(forms.Form):
    mode = forms.ChoiceField(
        label=_("Mode"), choices=Session.Mode.choices, initial=Session.Mode.ONLINE
    )
    place = forms.CharField(label=_("Place (in person)"), required=False, max_length=120)
    meeting_url = forms.URLField(
        label=_("Meeting URL (online)"), required=False, max_length=200, assume_scheme="https"
    )
    generate_room = forms.BooleanField(
        label=_("Create a Jitsi Meet room for me"),
        required=False,
        help_text=_("A hard-to-guess room address is generated when the URL is left empty."),
    )


class SessionForm(SessionPlaceFields):
    day = forms.DateField(label=_("Date"), widget=DATE_INPUT, validators=[validate_day_in_range])
    start_time = forms.TimeField(label=_("Starts"), widget=TIME_INPUT)
    end_time = forms.TimeField(label=_("Ends"), widget=TIME_INPUT)

    field_order = ["day", "start_time", "end_time", "mode", "place", "meeting_url", "generate_room"]

    # Service errors name model fields; the form asks for a day and two times
    # (the ``field_map`` of ``orgs.forms.add_service_errors``).
    SERVICE_FIELD_MAP = {"starts_at": "start_time", "ends_at": "end_time"}

    def session_fields(self) -> dict[str, Any]:
        """What session_schedule and session_move take from this form."""
        starts_at, ends_at = self.datetimes()
        return {
            "starts_at": starts_at,
            "ends_at": ends_at,
            "mode": self.cleaned_data["mode"],
            "place": self.cleaned_data["place"],
            "meeting_url": meeting_url_for(self),
        }

    def datetimes(self) -> tuple[datetime.datetime, datetime.datetime]:
        return day_window(self.cleaned_data)


DURATIONS = [
    (20, _("20 minutes")),
    (30, _("30 minutes")),
    (40, _("40 minutes")),
    (60, _("60 minutes")),
    (90, _("90 minutes")),
    (180, _("3 hours")),
]


class CadenceForm(SessionPlaceFields):
    rule = forms.ChoiceField(
        label=_("Repeat"),
        choices=[
            (Rule.WEEKLY.value, _("Every week")),
            (Rule.BIWEEKLY.value, _("Every two weeks")),
            (Rule.TWICE_MONTHLY.value, _("Twice a month (1st and 3rd, or 2nd and 4th weekday)")),
            (Rule.MONTHLY.value, _("Once a month")),
            (Rule.PER_MONTH.value, _("N times a month, spread evenly")),
        ],
        initial=Rule.TWICE_MONTHLY.value,
    )
    per_month = forms.IntegerField(
        label=_("Times a month (N)"),
        required=False,
        min_value=1,
        max_value=MAX_PER_MONTH,
        initial=2,
        help_text=_("For “N times a month”: 1 to 4. Twice a month is about two weeks apart."),
    )
    weekday = forms.TypedChoiceField(
        label=_("On (N times a month)"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("The first session’s weekday"))]
        + [(str(value), label) for value, label in Weekday.choices],
    )
    first_day = forms.DateField(
        label=_("First session"), widget=DATE_INPUT, validators=[validate_day_in_range]
    )
    start_time = forms.TimeField(label=_("Starts"), widget=TIME_INPUT)
    duration_minutes = forms.TypedChoiceField(
        label=_("Length"), choices=DURATIONS, coerce=int, initial=40
    )
    until = forms.DateField(label=_("Until"), widget=DATE_INPUT, validators=[validate_day_in_range])
    limit = forms.IntegerField(
        label=_("At most this many sessions"), required=False, min_value=1, max_value=60
    )

    field_order = [
        "rule",
        "per_month",
        "weekday",
        "first_day",
        "start_time",
        "duration_minutes",
        "until",
        "limit",
        "mode",
        "place",
        "meeting_url",
        "generate_room",
    ]

    @classmethod
    def initial_for(cls, *, program: Program, phase: Phase | None) -> dict[str, Any]:
        """From today (or the start) to the end of the active phase, or of the program."""
        first = max(timezone.localdate(), phase.starts_on if phase else program.starts_on)
        return {
            "first_day": first,
            "until": phase.ends_on if phase else program.ends_on,
            "rule": Rule.TWICE_MONTHLY.value,
            "duration_minutes": 40,
            "generate_room": True,
        }

    def plan_fields(self) -> dict[str, Any]:
        """What ``plan_series`` takes from this form."""
        data = self.cleaned_data
        return {
            "first_day": data["first_day"],
            "until": data["until"],
            "rule": Rule(data["rule"]),
            "start_time": data["start_time"],
            "duration_minutes": data["duration_minutes"],
            "per_month": data["per_month"] or 2,
            "weekday": data["weekday"],
            "limit": data["limit"],
        }

    def previewed_days(self) -> list[datetime.date] | None:
        """The days the preview showed (posted back with the confirm), or None without a
        preview; an unreadable value gives [] so that it matches no plan."""
        raw = self.data.get("planned")
        if raw is None:
            return None
        try:
            return [datetime.date.fromisoformat(part) for part in raw.split(",") if part]
        except ValueError:
            return []

    def series_fields(self) -> dict[str, Any]:
        """What ``session_series_create`` takes from this form (may generate a room)."""
        data = self.cleaned_data
        return {
            **self.plan_fields(),
            "expected": self.previewed_days(),
            "mode": data["mode"],
            "place": data["place"],
            "meeting_url": meeting_url_for(self),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, until = data.get("first_day"), data.get("until")
        if first and until:
            if until < first:
                self.add_error("until", _("The end date must be on or after the first session."))
            elif (until - first).days > 366:
                self.add_error("until", _("A series can cover at most one year."))
        per_month_missing = not data.get("per_month") and "per_month" not in self.errors
        if data.get("rule") == Rule.PER_MONTH.value and per_month_missing:
            self.add_error("per_month", _("Choose how many times a month (1 to 4)."))
        return data


class SessionStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("What happened?"),
        choices=[
            (Session.Status.HELD.value, _("Held")),
            (Session.Status.NO_SHOW.value, _("The client did not come (no-show)")),
            (Session.Status.CANCELLED.value, _("Cancelled")),
        ],
        widget=forms.RadioSelect,
    )
    cancel_reason = forms.CharField(
        label=_("Reason for cancelling"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SessionRecordForm(forms.Form):
    topics = ModelMultipleChoiceField(
        queryset=Topic.objects.none(),
        label=_("Topics"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    shared_summary = forms.CharField(
        label=_("Summary shared with the client"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The client can read this."),
    )
    private_note = forms.CharField(
        label=_("Private note (supporters only)"),
        required=False,
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Only the supporters of this engagement can read it. A coordinator can read it "
            "only by giving a reason, which is recorded."
        ),
    )

    def __init__(self, *args: Any, program: Program, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = Topic.objects.filter(program=program)  # type: ignore[attr-defined]


class AuditedReadForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to read this note?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


FEELINGS = [(1, "1"), (2, "2"), (3, "3"), (4, "4"), (5, "5")]


class ReflectionForm(forms.Form):
    important = forms.CharField(
        label=_("What information from today's session mattered to you?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    noticed = forms.CharField(
        label=_("What did you notice today?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_step = forms.CharField(
        label=_("What is your next step?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    feeling = forms.TypedChoiceField(
        label=_("How do you feel now? (1 = heavy, 5 = light; optional)"),
        choices=FEELINGS,
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any((data.get(k) or "").strip() for k in ("important", "noticed", "next_step")):
            raise forms.ValidationError(_("Please write at least one answer."))
        return data


def nudge_target_ids(params: Mapping[str, Any]) -> dict[str, Any] | None:
    """The nudge's kind and the ids of its recipient and engagement, as the radar's link
    and the preview's form send them; None without a recipient id."""
    recipient = whole_number(params.get("recipient"))
    if recipient is None:
        return None
    return {
        "kind": params.get("kind", ""),
        "recipient_id": recipient,
        "engagement_id": whole_number(params.get("engagement")),
    }


class BulkStatusForm(forms.Form):
    """Ending or interrupting the engagements chosen on the list, with one reason."""

    engagements = ModelMultipleChoiceField(
        queryset=Engagement.objects.none(), label=_("Engagements"), widget=forms.MultipleHiddenInput
    )
    to_status = forms.ChoiceField(
        label=_("What happens to them"),
        choices=[
            (Engagement.Status.ENDED, _("End them (the goal was reached or the period is over)")),
            (Engagement.Status.INTERRUPTED, _("Interrupt them (stopped before the end)")),
        ],
        widget=forms.RadioSelect,
        initial=Engagement.Status.ENDED,
    )
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["engagements"]
        assert isinstance(field, ModelMultipleChoiceField)
        field.queryset = Engagement.objects.filter(
            organization=organization, status__in=OPEN_STATUS_VALUES
        ).select_related("client", "supporter", "team", "program")

    def choose(self, ids: list[str]) -> list[Engagement]:
        """The open engagements of the organisation among ``ids`` (others are left out)."""
        field = self.fields["engagements"]
        assert isinstance(field, ModelMultipleChoiceField)
        wanted = [n for n in (whole_number(i) for i in ids[:200]) if n is not None]
        queryset = field.queryset
        assert queryset is not None
        found = list(queryset.filter(pk__in=wanted).order_by("client__family_name_kana"))
        if not self.is_bound:
            self.initial["engagements"] = [e.pk for e in found]
        return found
