"""The engagement list's search, filters and order, read from the query string
(django-filter): a person finds engagements by the client's or the supporter's name in
kanji, kana or romaji, by status and by program."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.accounts.search import name_search
from bansou.core.inputs import ModelChoiceFilter
from bansou.engagements.models import Engagement
from bansou.engagements.selectors.access import engagements_visible_to
from bansou.orgs.models import Organization
from bansou.programs.selectors import programs_of


class EngagementFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Client, supporter or team"), method="search", max_length=100
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Engagement.Status.choices, empty_label=_("All")
    )
    program = ModelChoiceFilter(label=_("Program"), queryset=None, empty_label=_("All"))
    order = django_filters.OrderingFilter(
        label=_("Order"),
        fields=(("created_at", "created"), ("client__family_name_kana", "client")),
        field_labels={
            "created_at": _("Date started"),
            "client__family_name_kana": _("Client (reading)"),
        },
        empty_label=None,
    )

    class Meta:
        model = Engagement
        fields: list[str] = []

    def __init__(
        self, data: Any = None, *, organization: Organization, user: User, role: str
    ) -> None:
        visible = engagements_visible_to(organization=organization, user=user, role=role)
        super().__init__(
            data, queryset=visible.select_related("program", "client", "supporter", "team")
        )
        program = self.filters["program"]
        program.queryset = programs_of(organization=organization).order_by("-starts_on")

    def search(self, queryset: QuerySet[Engagement], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(
            name_search(value, prefix="client__", also=("supporter__",)) | _team_named(value)
        )

    @property
    def qs(self) -> QuerySet[Engagement]:
        rows = super().qs
        return rows if rows.query.order_by else rows.order_by("status", "-created_at")


def _team_named(value: str) -> Q:
    return Q(team__name__icontains=value.strip()) if value.strip() else Q(pk__in=[])
