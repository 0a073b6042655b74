"""The long lists of a program, searched, filtered and ordered from the query string
(django-filter), so that a filtered list is a link and bad values are set aside: the
application queue, the program's enrolments and a training's attendance checklist. Names
are found in kanji, kana (either script) or romaji (``accounts.search.name_search``)."""

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from bansou.accounts.search import name_search
from bansou.core.inputs import SearchFilter
from bansou.people.models import ClientProfile
from bansou.programs.models import Application, Enrollment, Program, Side, Training
from bansou.programs.selectors import (
    application_status_counts,
    applications_of,
    attended_training,
    enrolments_of,
    missing_required_training,
    without_guardian_consent,
)

APPLICATION_ORDERS = {
    "newest": ("-created_at", "-pk"),
    "oldest": ("created_at", "pk"),
    "reading": ("family_name_kana", "given_name_kana", "email", "pk"),
}


class ListFilter(django_filters.FilterSet):
    """What the three lists share: the name search, and whether anything is filtered."""

    def search(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(name_search(value, prefix=self.search_prefix))

    search_prefix = ""

    @property
    def values(self) -> dict[str, Any]:
        """The values the list is filtered by (a bad one is set aside, the others count)."""
        if not self.form.is_bound:
            return {}
        self.form.is_valid()  # cleans every field; an invalid one is left out
        return dict(self.form.cleaned_data)

    @property
    def is_filtered(self) -> bool:
        return any(value for key, value in self.values.items() if key != "order")


class ApplicationFilter(ListFilter):
    q = SearchFilter()
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Application.Status.choices, empty_label=_("All")
    )
    side = django_filters.ChoiceFilter(
        label=_("Applying as"), choices=Side.choices, empty_label=_("Supporters and clients")
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=ClientProfile.Category.choices, empty_label=_("All")
    )
    minors = django_filters.BooleanFilter(
        label=_("Minors without guardian consent"),
        method="without_consent",
        widget=forms.CheckboxInput,
    )
    order = django_filters.ChoiceFilter(
        label=_("Order"),
        choices=(
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("reading", _("Name (reading)")),
        ),
        empty_label=None,
        method="ordered",
    )

    class Meta:
        model = Application
        fields: list[str] = []

    def __init__(self, data: Any = None, *, program: Program) -> None:
        super().__init__(data, queryset=applications_of(program=program))

    def without_consent(
        self, queryset: QuerySet[Application], name: str, value: bool
    ) -> QuerySet[Any]:
        return queryset.filter(without_guardian_consent()) if value else queryset

    def ordered(self, queryset: QuerySet[Application], name: str, value: str) -> QuerySet[Any]:
        return queryset.order_by(*APPLICATION_ORDERS[value])

    def status_counts(self) -> dict[str, int]:
        """Applications per status under every filter but the status (for its chips)."""
        rows = self.queryset
        for key, value in self.values.items():
            if key not in ("status", "order"):
                rows = self.filters[key].filter(rows, value)
        return application_status_counts(applications=rows)

    def query_without_status(self) -> str:
        """The query string of this list with neither the status nor the page (the status
        chips add their own)."""
        query = self.data.copy() if self.data is not None else QueryDict(mutable=True)
        for key in ("status", "page"):
            query.pop(key, None)
        return str(query.urlencode())


class EnrolmentFilter(ListFilter):
    """The program page's people: supporters and clients enrolled, with readiness."""

    search_prefix = "user__"
    q = SearchFilter()
    side = django_filters.ChoiceFilter(
        label=_("Taking part as"), choices=Side.choices, empty_label=_("Supporters and clients")
    )
    readiness = django_filters.ChoiceFilter(
        label=_("Trainings"),
        choices=(("ready", _("Ready")), ("missing", _("Missing trainings"))),
        empty_label=_("All"),
        method="by_readiness",
    )

    class Meta:
        model = Enrollment
        fields: list[str] = []

    def __init__(self, data: Any = None, *, program: Program) -> None:
        super().__init__(data, queryset=enrolments_of(program=program))
        self.program = program

    def by_readiness(self, queryset: QuerySet[Enrollment], name: str, value: str) -> QuerySet[Any]:
        missing = missing_required_training(program=self.program)
        supporters = queryset.filter(side=Side.SUPPORTER)
        return supporters.filter(missing) if value == "missing" else supporters.exclude(missing)


class AttendanceFilter(ListFilter):
    """A training's checklist: the program's supporters, found by name, attended or not."""

    search_prefix = "user__"
    q = SearchFilter()
    attended = django_filters.ChoiceFilter(
        label=_("Attendance"),
        choices=(("yes", _("Attended")), ("no", _("Not attended yet"))),
        empty_label=_("All"),
        method="by_attendance",
    )

    class Meta:
        model = Enrollment
        fields: list[str] = []

    def __init__(self, data: Any = None, *, training: Training) -> None:
        super().__init__(
            data, queryset=enrolments_of(program=training.program, side=Side.SUPPORTER)
        )
        self.training = training

    def by_attendance(self, queryset: QuerySet[Enrollment], name: str, value: str) -> QuerySet[Any]:
        attended = attended_training(training=self.training)
        return queryset.filter(attended) if value == "yes" else queryset.exclude(attended)
