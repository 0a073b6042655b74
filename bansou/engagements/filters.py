"""The engagement and session lists' search, filters and order, read from the query string
(django-filter): a person finds engagements by the client's or the supporter's name in
kanji, kana or romaji, by status and by program."""

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.accounts.search import name_search
from bansou.core.inputs import ModelChoiceFilter, OrderingFilter, SearchFilter
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, Session
from bansou.engagements.selectors.access import engagements_visible_to
from bansou.orgs.models import Organization
from bansou.programs.selectors import programs_of


class EngagementFilter(django_filters.FilterSet):
    q = SearchFilter(label=_("Client, supporter or team"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Engagement.Status.choices, empty_label=_("All")
    )
    program = ModelChoiceFilter(label=_("Program"), queryset=None, empty_label=_("All"))
    order = OrderingFilter(
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


def _team_named(value: str, *, prefix: str = "") -> Q:
    if not value.strip():
        return Q(pk__in=[])
    return Q(**{f"{prefix}team__name__icontains": value.strip()})


class SessionFilter(django_filters.FilterSet):
    """The sessions list: what is coming (the default), what has passed, what still waits
    for its record, or everything; between two dates; by the client's or supporter's name;
    by status and program."""

    WHEN_CHOICES = (
        ("upcoming", _("Coming")),
        ("to_record", _("To record (passed, still scheduled)")),
        ("past", _("Past")),
        ("all", _("All")),
    )

    q = SearchFilter(label=_("Client or supporter"))
    when = django_filters.ChoiceFilter(
        label=_("Which sessions"), choices=WHEN_CHOICES, method="by_when", empty_label=None
    )
    since = django_filters.DateFilter(
        label=_("From"), method="by_since", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label=_("Until"), method="by_until", widget=forms.DateInput(attrs={"type": "date"})
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Session.Status.choices, empty_label=_("All")
    )
    program = ModelChoiceFilter(
        label=_("Program"), queryset=None, empty_label=_("All"), field_name="engagement__program"
    )

    class Meta:
        model = Session
        fields: list[str] = []

    def __init__(
        self, data: Any = None, *, organization: Organization, user: User, role: str
    ) -> None:
        data = (data or QueryDict()).copy()
        if data.get("when") not in dict(self.WHEN_CHOICES):
            data["when"] = "upcoming"  # no (or an unknown) choice: what is coming
        visible = engagements_visible_to(organization=organization, user=user, role=role)
        sessions = Session.objects.filter(organization=organization)
        if role != Role.COORDINATOR:
            sessions = sessions.filter(engagement__in=visible)
        super().__init__(
            data,
            queryset=sessions.select_related(
                "engagement__program",
                "engagement__client",
                "engagement__supporter",
                "engagement__team",
                "venue",
            ),
        )
        self.now = timezone.now()
        self.filters["program"].queryset = programs_of(organization=organization).order_by(
            "-starts_on"
        )

    def search(self, queryset: QuerySet[Session], name: str, value: str) -> QuerySet[Any]:
        people = name_search(
            value, prefix="engagement__client__", also=("engagement__supporter__",)
        )
        return queryset.filter(people | _team_named(value, prefix="engagement__"))

    def by_when(self, queryset: QuerySet[Session], name: str, value: str) -> QuerySet[Session]:
        if value == "upcoming":
            return queryset.filter(ends_at__gte=self.now).order_by("starts_at", "pk")
        if value == "to_record":
            return queryset.filter(ends_at__lt=self.now, status=Session.Status.SCHEDULED).order_by(
                "starts_at", "pk"
            )
        if value == "past":
            return queryset.filter(ends_at__lt=self.now).order_by("-starts_at", "-pk")
        return queryset.order_by("-starts_at", "-pk")

    def by_since(
        self, queryset: QuerySet[Session], name: str, value: datetime.date
    ) -> QuerySet[Session]:
        return queryset.filter(starts_at__gte=_day_start(value))

    def by_until(
        self, queryset: QuerySet[Session], name: str, value: datetime.date
    ) -> QuerySet[Session]:
        return queryset.filter(starts_at__lt=_day_start(value + datetime.timedelta(days=1)))


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())
