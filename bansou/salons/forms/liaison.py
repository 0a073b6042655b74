"""Forms of the teacher liaison: a teacher's referral, recording a student's consent,
sending a report, a message in the school's thread, and the confirmations of closing a
referral and withdrawing a consent. They parse input; the rules live in
``salons.services.liaison``."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.core.inputs import validate_day_in_range
from bansou.orgs.models import Venue
from bansou.people.forms import PersonChoiceField
from bansou.people.widgets import PersonSearchInput
from bansou.salons.models import ShareConsent
from bansou.salons.services.liaison import (
    GRADE_MAX_LENGTH,
    LABEL_MAX_LENGTH,
    MESSAGE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    REPORT_MAX_LENGTH,
)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOT_A_STUDENT = _("Choose a student of this school.")
NOT_A_TEACHER = _("Choose a teacher of this school.")


def point_to_school_students(field: forms.Field, venue: Venue) -> None:
    """Points the student search at the school's own students (supporters may not search
    the organisation's clients, only the students of a school they work at)."""
    widget = field.widget
    assert isinstance(widget, PersonSearchInput)
    widget.search_url = reverse(
        "salons:venue_students",
        kwargs={"org_slug": venue.organization.slug, "venue_pk": venue.pk},
    )


class ReferralForm(forms.Form):
    """A teacher's referral: a student who already shares with them, chosen, or a name or
    initials (the teacher never sees which of their students are registered)."""

    student = PersonChoiceField(
        label=_("A student who shares with you"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Not in this list"),
        error_messages={"invalid_choice": NOT_A_STUDENT},
    )
    student_label = forms.CharField(
        label=_("Student (name or initials)"),
        max_length=LABEL_MAX_LENGTH,
        required=False,
        help_text=_("For example: 2年 K.S. Initials are enough; the supporters will ask."),
    )
    grade = forms.CharField(label=_("Grade or year"), max_length=GRADE_MAX_LENGTH, required=False)
    reason = forms.CharField(
        label=_("Why the student could use the salon"),
        max_length=REASON_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the supporters should know to start the conversation. No diagnosis."),
    )

    def __init__(self, *args: Any, students: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["student"]
        assert isinstance(field, PersonChoiceField)
        field.queryset = students
        if not students.exists():
            del self.fields["student"]


class ConsentForm(forms.Form):
    student = PersonChoiceField(
        label=_("Student"),
        queryset=User.objects.none(),
        widget=PersonSearchInput(role="client"),
        error_messages={"invalid_choice": NOT_A_STUDENT, "required": NOT_A_STUDENT},
    )
    teacher = PersonChoiceField(
        label=_("Teacher"),
        queryset=User.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": NOT_A_TEACHER, "required": NOT_A_TEACHER},
    )
    scope = forms.ChoiceField(
        label=_("What the student agreed to share"),
        choices=ShareConsent.Scope.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what the student agreed to share.")},
    )
    given_on = forms.DateField(
        label=_("Agreed on"), widget=DATE_INPUT, validators=[validate_day_in_range]
    )

    def __init__(
        self,
        *args: Any,
        venue: Venue,
        students: QuerySet[User],
        teachers: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("given_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        _people(self, students=students, teachers=teachers)
        point_to_school_students(self.fields["student"], venue)


class ReportForm(forms.Form):
    student = PersonChoiceField(
        label=_("Student"),
        queryset=User.objects.none(),
        widget=PersonSearchInput(role="client"),
        error_messages={"invalid_choice": NOT_A_STUDENT, "required": NOT_A_STUDENT},
    )
    teacher = PersonChoiceField(
        label=_("Teacher"),
        queryset=User.objects.none(),
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": NOT_A_TEACHER, "required": NOT_A_TEACHER},
    )
    body = forms.CharField(
        label=_("Report"),
        max_length=REPORT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "A few lines the student would be happy for the teacher to read. Never copy a "
            "private note here."
        ),
        error_messages={"required": _("Write the report (a few lines are enough).")},
    )

    def __init__(
        self,
        *args: Any,
        venue: Venue,
        students: QuerySet[User],
        teachers: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _people(self, students=students, teachers=teachers)
        point_to_school_students(self.fields["student"], venue)


def _people(form: forms.Form, *, students: QuerySet[User], teachers: QuerySet[User]) -> None:
    for name, queryset in (("student", students), ("teacher", teachers)):
        field = form.fields[name]
        assert isinstance(field, PersonChoiceField)
        field.queryset = queryset


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everyone in this thread reads it: no student's private matters here."),
        error_messages={"required": _("Write a message first.")},
    )


class ConfirmForm(forms.Form):
    """A confirmation by POST (closing a referral, withdrawing a consent)."""
