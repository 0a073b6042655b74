"""The client list's search, filters and order, read from the query string (django-filter),
so that a filtered list is a link and bad values are ignored rather than failing."""

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bansou.accounts.search import name_search
from bansou.core.inputs import ModelChoiceFilter
from bansou.orgs.models import Organization
from bansou.people.models import ClientProfile
from bansou.people.selectors import (
    NAME_ORDER,
    active_consent_exists,
    client_profiles_of,
    client_venues,
)


class ClientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Name, reading or email"), method="search", max_length=100
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=ClientProfile.Category.choices, empty_label=_("All")
    )
    venue = ModelChoiceFilter(label=_("Venue"), queryset=None, empty_label=_("All"))
    consent = django_filters.BooleanFilter(
        label=_("Minors without guardian consent"),
        method="without_consent",
        widget=forms.CheckboxInput,
    )
    order = django_filters.OrderingFilter(
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
