"""Forms of the venue pages: a venue with its campus notes, who works there, and the
school's closed days."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.core.inputs import HiddenErrorsOnTop, validate_day_in_range
from bansou.orgs.models import Organization, Venue
from bansou.people.forms import PersonChoiceField
from bansou.people.widgets import PersonSearchInput, point_person_searches
from bansou.salons.models import VenueClosure, VenueStaff
from bansou.scheduling.forms.availability import RemoveForm

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOT_TEACHER = _("A teacher must be an active partner member of this organisation.")
NOT_STAFF = _("A venue's supporter must be an active supporter or coordinator here.")


class VenueForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=120, help_text=_("e.g. ひかり通信制高等学校 本校")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Venue.Kind.choices)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    room = forms.CharField(
        label=_("Room"),
        max_length=120,
        required=False,
        help_text=_("Where the salon usually is, e.g. 図書室. Each weekly salon may name another."),
    )
    access = forms.CharField(
        label=_("How to get in"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The gate, the reception, a pass: what a supporter needs on the day."),
    )
    contact = forms.CharField(
        label=_("Contact at the venue"),
        max_length=200,
        required=False,
        help_text=_("e.g. 進路指導部 渡辺先生（内線 214）"),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    FIELDS = ("name", "kind", "address", "room", "access", "contact", "notes")

    @classmethod
    def initial_for(cls, venue: Venue) -> dict[str, Any]:
        return {name: getattr(venue, name) for name in cls.FIELDS}


class VenueStateForm(HiddenErrorsOnTop):
    """Taking a venue out of use, or back into it."""

    active = forms.TypedChoiceField(
        choices=(("0", "0"), ("1", "1")), coerce=lambda v: v == "1", widget=forms.HiddenInput
    )


# Adding someone who works at the venue, by kind: the field's label, whom its search
# offers, and what a wrong or a missing choice says.
STAFF_FIELDS = {
    VenueStaff.Kind.TEACHER: (_("Teacher"), "partner", NOT_TEACHER, _("Choose a teacher.")),
    VenueStaff.Kind.SUPPORTER: (_("Supporter"), "staff", NOT_STAFF, _("Choose a supporter.")),
}


class StaffAddForm(forms.Form):
    """Someone who works at the venue as ``kind``, found by name as one types: a teacher
    among the partner members, a supporter among the supporters and coordinators
    (coordinators only)."""

    def __init__(
        self,
        *args: Any,
        kind: str,
        choices: QuerySet[User],
        organization: Organization,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        label, role, invalid, required = STAFF_FIELDS[VenueStaff.Kind(kind)]
        self.fields["user"] = PersonChoiceField(
            label=label,
            queryset=choices,
            widget=PersonSearchInput(role=role),
            error_messages={"invalid_choice": invalid, "required": required},
        )
        point_person_searches(self, organization)


class VenueStaffForms:
    """The forms of the venue's people page, bound by ``action``: add a teacher, add a
    supporter, remove someone."""

    ACTIONS = ("teacher", "supporter", "remove")

    def __init__(
        self,
        *,
        organization: Organization,
        staff: Sequence[VenueStaff],
        teachers: QuerySet[User],
        supporters: QuerySet[User],
        data: Any = None,
    ) -> None:
        posted = data.get("action") if data is not None else None
        self.action = posted if posted in self.ACTIONS else "supporter"

        def bound(action: str) -> Any:
            return data if self.action == action else None

        def adding(kind: str, choices: QuerySet[User]) -> StaffAddForm:
            return StaffAddForm(
                bound(kind), kind=kind, choices=choices, organization=organization, prefix=kind
            )

        self.teacher = adding(VenueStaff.Kind.TEACHER, teachers)
        self.supporter = adding(VenueStaff.Kind.SUPPORTER, supporters)
        self.remove: RemoveForm[VenueStaff] = RemoveForm(
            bound("remove"), objects=staff, prefix="remove"
        )

    @property
    def posted(self) -> forms.Form:
        form: forms.Form = getattr(self, self.action)
        return form

    @property
    def kind(self) -> str:
        if self.action == "teacher":
            return VenueStaff.Kind.TEACHER
        return VenueStaff.Kind.SUPPORTER

    def context(self) -> dict[str, Any]:
        return {
            "teacher_form": self.teacher,
            "supporter_form": self.supporter,
            "remove_errors": [str(e) for errors in self.remove.errors.values() for e in errors],
        }


class VenueClosureForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=120, help_text=_("e.g. 前期試験, 体育祭, 入試")
    )
    starts_on = forms.DateField(
        label=_("First day"), widget=DATE_INPUT, validators=[validate_day_in_range]
    )
    ends_on = forms.DateField(
        label=_("Last day"),
        widget=DATE_INPUT,
        validators=[validate_day_in_range],
        help_text=_("The same as the first day for a single day."),
    )


class VenueClosureForms:
    """The forms of the school closed days page, bound by ``action``."""

    ACTIONS = ("add", "remove")

    def __init__(self, *, closures: Sequence[VenueClosure], data: Any = None) -> None:
        posted = data.get("action") if data is not None else None
        self.action = posted if posted in self.ACTIONS else "add"
        self.add = VenueClosureForm(data if self.action == "add" else None, prefix="closure")
        self.remove: RemoveForm[VenueClosure] = RemoveForm(
            data if self.action == "remove" else None, objects=closures, prefix="remove"
        )

    @property
    def posted(self) -> forms.Form:
        form: forms.Form = getattr(self, self.action)
        return form

    def context(self) -> dict[str, Any]:
        return {
            "closure_form": self.add,
            "remove_errors": [str(e) for errors in self.remove.errors.values() for e in errors],
        }
