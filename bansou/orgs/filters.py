"""The members list's search, filters and order, read from the query string (django-filter)
like the client list: a filtered list is a link, and a bad value is set aside rather than
failing. Without a status the list shows active members."""

from typing import Any

import django_filters
from django.db.models import F, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.translation import gettext_lazy as _

from bansou.accounts.search import name_search
from bansou.core.inputs import SearchFilter
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization
from bansou.orgs.selectors import memberships_of

NAME = ("user__family_name_kana", "user__given_name_kana", "user__email", "pk")
ORDERS: dict[str, tuple[str | OrderBy, ...]] = {
    "name": NAME,
    "-last_login": (F("user__last_login").desc(nulls_last=True), *NAME),
    "last_login": (F("user__last_login").asc(nulls_first=True), *NAME),
    "-joined": ("-created_at", "-pk"),
    "joined": ("created_at", "pk"),
}
ORDER_CHOICES = [
    ("name", _("Name (reading)")),
    ("-last_login", _("Last signed in, latest first")),
    ("last_login", _("Last signed in, longest ago first")),
    ("-joined", _("Joined, newest first")),
    ("joined", _("Joined, oldest first")),
]
STATUS_CHOICES = [
    ("active", _("Active")),
    ("deactivated", _("Deactivated")),
    ("all", _("Active and deactivated")),
]


class MemberFilter(django_filters.FilterSet):
    q = SearchFilter()
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices, empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, empty_label=None, method="by_status"
    )
    order = django_filters.ChoiceFilter(
        label=_("Order"), choices=ORDER_CHOICES, empty_label=None, method="order_rows"
    )

    class Meta:
        model = Membership
        fields: list[str] = []

    def __init__(self, data: Any = None, *, organization: Organization) -> None:
        super().__init__(data, queryset=memberships_of(organization=organization))

    def search(self, queryset: QuerySet[Membership], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(name_search(value, prefix="user__"))

    def by_status(self, queryset: QuerySet[Membership], name: str, value: str) -> QuerySet[Any]:
        if value == "all":
            return queryset
        return queryset.filter(is_active=value != "deactivated")

    def order_rows(self, queryset: QuerySet[Membership], name: str, value: str) -> QuerySet[Any]:
        return queryset.order_by(*ORDERS[value])

    def _chosen(self) -> dict[str, Any]:
        """What the query string asked for, bad values left out."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        return self.form.cleaned_data

    @property
    def qs(self) -> QuerySet[Membership]:
        rows = super().qs
        if not self._chosen().get("status"):
            rows = rows.filter(is_active=True)
        return rows if rows.query.order_by else rows.order_by(*NAME)

    @property
    def is_filtered(self) -> bool:
        chosen = self._chosen()
        return bool(chosen.get("q") or chosen.get("role")) or chosen.get("status") in (
            "deactivated",
            "all",
        )
