"""The salon screen's forms: a tap, a visit's details afterwards, a next visit, the closing
log, and a student's reservation."""

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.orgs.models import Organization
from bansou.people.forms import PersonChoiceField
from bansou.people.widgets import PersonSearchInput
from bansou.programs.models import Topic
from bansou.salons.forms.liaison import point_to_school_students
from bansou.salons.models import Reservation, SalonBlock, Visit
from bansou.salons.services.visits import GRADE_MAX, NOTE_MAX

# The grade chips of the salon screen; the value kept is the Japanese school year.
GRADES = (
    ("1年", _("1st year")),
    ("2年", _("2nd year")),
    ("3年", _("3rd year")),
    ("4年", _("4th year")),
)
# The two buttons of a reservation's row.
RESERVATION_KINDS = ((Visit.Kind.RESERVED, _("Came")), (Visit.Kind.NO_SHOW, _("No-show")))
# A referred student's row: they came, or the supporter spoke to them.
REFERRAL_KINDS = ((Visit.Kind.WALK_IN, _("Came")), (Visit.Kind.OUTREACH, _("Outreach")))


def _students(organization: Organization) -> Any:
    return User.objects.filter(
        memberships__organization=organization,
        memberships__role=Role.CLIENT,
        memberships__is_active=True,
    ).order_by("family_name_kana", "given_name_kana", "email")


class SlotField(forms.CharField):
    """A slot's start, posted as an ISO moment (the page offers the slots)."""

    def to_python(self, value: Any) -> datetime.datetime | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        moment = parse_datetime(text)
        if moment is None:
            raise forms.ValidationError(_("Choose one of the times offered."))
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment


class TapForm(forms.Form):
    """One tap: the page made ``key`` for it, so a retry or a double tap records once."""

    key = forms.UUIDField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=Visit.Kind.choices, widget=forms.HiddenInput)
    reservation = forms.ModelChoiceField(
        queryset=Reservation.objects.none(), required=False, widget=forms.HiddenInput
    )
    student = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Student (leave empty to stay anonymous)"),
        widget=PersonSearchInput(role="client"),
    )
    grade = forms.CharField(label=_("Grade or year"), required=False, max_length=GRADE_MAX)

    def __init__(self, *args: Any, block: SalonBlock, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reservation"].queryset = Reservation.objects.filter(block=block)  # type: ignore[attr-defined]
        self.fields["student"].queryset = _students(block.organization)  # type: ignore[attr-defined]
        point_to_school_students(self.fields["student"], block.venue)


class VisitForm(forms.Form):
    student = PersonChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Student (leave empty to stay anonymous)"),
        widget=PersonSearchInput(role="client"),
    )
    grade = forms.CharField(label=_("Grade or year"), required=False, max_length=GRADE_MAX)
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.none(),
        required=False,
        label=_("What we talked about"),
        widget=forms.CheckboxSelectMultiple,
    )
    private_note = forms.CharField(
        label=_("Private note (only this salon's supporters read it)"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        block = visit.block
        self.fields["student"].queryset = _students(block.organization)  # type: ignore[attr-defined]
        self.fields["topics"].queryset = Topic.objects.filter(  # type: ignore[attr-defined]
            program_id=block.program_id
        ).order_by("position", "pk")
        point_to_school_students(self.fields["student"], block.venue)
        if visit.reservation_id is not None:
            del self.fields["student"]  # a kept reservation keeps its student

    @staticmethod
    def initial_for(visit: Visit) -> dict[str, Any]:
        return {
            "student": visit.student_id,
            "grade": visit.grade,
            "topics": [t.pk for t in visit.topics.all()],
            "private_note": visit.private_note,
        }


class NoteReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to read this note?"), max_length=300, strip=True
    )


class NextVisitForm(forms.Form):
    """The next visit, booked for the student in one step: a free slot of the venue's next
    salons, offered as ``block:slot``."""

    choice = forms.CharField(label=_("Next visit"), max_length=80)

    def __init__(self, *args: Any, slots: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if slots is not None:
            self.fields["choice"].widget = forms.Select(
                choices=[
                    (
                        f"{n.block.pk}|{n.slot.starts_at.isoformat()}",
                        date_format(timezone.localtime(n.slot.starts_at), "DATETIME_FORMAT"),
                    )
                    for n in slots
                ]
            )

    def clean_choice(self) -> tuple[int, datetime.datetime]:
        block_pk, _sep, slot = self.cleaned_data["choice"].partition("|")
        moment = parse_datetime(slot)
        if not block_pk.isdigit() or moment is None:
            raise forms.ValidationError(_("Choose one of the times offered."))
        return int(block_pk), moment


class CloseForm(forms.Form):
    summary = forms.CharField(
        label=_("How the salon went"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    room = forms.CharField(label=_("Room used"), required=False, max_length=120)
    issues = forms.CharField(
        label=_("Issues to follow up"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReserveForm(forms.Form):
    block = forms.IntegerField(widget=forms.HiddenInput)
    slot = SlotField(label=_("Time"))
    note = forms.CharField(
        label=_("What would you like to talk about? (optional)"), required=False, max_length=200
    )
