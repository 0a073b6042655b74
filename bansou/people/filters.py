"""The client and supporter lists' search, filters and order, read from the query string
(django-filter), so that a filtered list is a link and bad values are ignored rather than
failing."""

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bansou.accounts.search import name_search
from bansou.core.inputs import ModelChoiceFilter, OrderingFilter, SearchFilter
from bansou.orgs.models import Organization
from bansou.people.models import LANGUAGE_CHOICES, ClientProfile, Qualification, SupporterProfile
from bansou.people.selectors import (
    NAME_ORDER,
    active_consent_exists,
    by_load,
    client_profiles_of,
    client_venues,
    enrolled_in,
    has_qualification,
    list_holds,
    specialty_suggestions,
    supporter_programs,
    supporters_listed,
)


class ClientFilter(django_filters.FilterSet):
    q = SearchFilter()
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=ClientProfile.Category.choices, empty_label=_("All")
    )
    venue = ModelChoiceFilter(label=_("Venue"), queryset=None, empty_label=_("All"))
    consent = django_filters.BooleanFilter(
        label=_("Minors without guardian consent"),
        method="without_consent",
        widget=forms.CheckboxInput,
    )
    order = OrderingFilter(
        label=_("Order"),
        fields=(("user__family_name_kana", "reading"), ("created_at", "created")),
        field_labels={"user__family_name_kana": _("Reading"), "created_at": _("Date added")},
        empty_label=None,
    )

    class Meta:
        model = ClientProfile
        fields: list[str] = []

    def __init__(self, data: Any = None, *, organization: Organization) -> None:
        super().__init__(data, queryset=client_profiles_of(organization=organization))
        venue = self.filters["venue"]
        venue.queryset = client_venues(organization=organization)

    def search(self, queryset: QuerySet[ClientProfile], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(name_search(value, prefix="user__"))

    def without_consent(
        self, queryset: QuerySet[ClientProfile], name: str, value: bool
    ) -> QuerySet[Any]:
        if not value:
            return queryset
        return queryset.filter(~active_consent_exists(), is_minor=True)

    @property
    def qs(self) -> QuerySet[ClientProfile]:
        rows = super().qs
        return rows if rows.query.order_by else rows.order_by(*NAME_ORDER)

    @property
    def is_filtered(self) -> bool:
        data = self.form.cleaned_data if self.form.is_valid() else {}
        return any(data.get(key) for key in ("q", "category", "venue", "consent"))


SUPPORTER_ORDERS = {"reading": (*NAME_ORDER, "pk"), "newest": ("-created_at", "-pk")}


class SupporterFilter(django_filters.FilterSet):
    """The supporter list: found by name, reading (kana or romaji) or email; filtered by
    program (enrolled as a supporter), qualification, specialty, language and load."""

    q = SearchFilter()
    program = ModelChoiceFilter(
        label=_("Program"), queryset=None, empty_label=_("All"), method="in_program"
    )
    qualification = django_filters.ChoiceFilter(
        label=_("Qualification"),
        choices=Qualification.Kind.choices,
        empty_label=_("All"),
        method="qualified",
    )
    specialty = django_filters.ChoiceFilter(
        label=_("Specialty"), choices=(), empty_label=_("All"), method="with_specialty"
    )
    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=LANGUAGE_CHOICES, empty_label=_("All"), method="speaks"
    )
    load = django_filters.ChoiceFilter(
        label=_("Load"),
        choices=(("room", _("Can take another client")), ("full", _("At capacity"))),
        empty_label=_("All"),
        method="load_is",
    )
    order = django_filters.ChoiceFilter(
        label=_("Order"),
        choices=(("reading", _("Name (reading)")), ("newest", _("Newest profiles first"))),
        empty_label=None,
        method="ordered",
    )

    class Meta:
        model = SupporterProfile
        fields: list[str] = []

    def __init__(self, data: Any = None, *, organization: Organization) -> None:
        super().__init__(data, queryset=supporters_listed(organization=organization))
        self.organization = organization
        self.filters["program"].queryset = supporter_programs(organization=organization)
        specialties = specialty_suggestions(organization=organization)
        self.filters["specialty"].extra["choices"] = [(tag, tag) for tag in specialties]

    def search(self, queryset: QuerySet[SupporterProfile], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(name_search(value, prefix="user__"))

    def in_program(
        self, queryset: QuerySet[SupporterProfile], name: str, value: Any
    ) -> QuerySet[Any]:
        return queryset.filter(enrolled_in(value))

    def qualified(
        self, queryset: QuerySet[SupporterProfile], name: str, value: str
    ) -> QuerySet[Any]:
        return queryset.filter(has_qualification(organization=self.organization, kind=value))

    def with_specialty(
        self, queryset: QuerySet[SupporterProfile], name: str, value: str
    ) -> QuerySet[Any]:
        return queryset.filter(list_holds("specialties", value))

    def speaks(self, queryset: QuerySet[SupporterProfile], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(list_holds("languages", value))

    def load_is(self, queryset: QuerySet[SupporterProfile], name: str, value: str) -> QuerySet[Any]:
        full = value == "full"
        return queryset.filter(
            by_load(organization=self.organization, profiles=queryset, full=full)
        )

    def ordered(self, queryset: QuerySet[SupporterProfile], name: str, value: str) -> QuerySet[Any]:
        return queryset.order_by(*SUPPORTER_ORDERS[value])

    @property
    def qs(self) -> QuerySet[SupporterProfile]:
        rows = super().qs
        return rows if rows.query.order_by else rows.order_by(*SUPPORTER_ORDERS["reading"])

    @property
    def is_filtered(self) -> bool:
        """Whether a filter narrows the list (a bad value, set aside, does not)."""
        if not self.form.is_bound:
            return False
        self.form.is_valid()  # cleans every field; an invalid one is left out
        data = self.form.cleaned_data
        return any(data.get(key) for key in self.filters if key != "order")
