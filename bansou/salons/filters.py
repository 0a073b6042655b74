"""The salon lists' search, filters and order, read from the query string (django-filter).
One section per area."""

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Prefetch, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.accounts.search import name_search
from bansou.core.inputs import ModelChoiceFilter, SearchFilter, validate_day_in_range
from bansou.orgs.models import Organization, Venue
from bansou.orgs.selectors import venues_of
from bansou.salons.models import GroupEvent, SalonBlock, ShareConsent
from bansou.salons.selectors.planning import planned_blocks
from bansou.salons.selectors.stats import period_bounds

# --- group events ---------------------------------------------------------------------------


class GroupEventFilter(django_filters.FilterSet):
    """The group events: by title, kind, venue, status and between two days (both
    included), the latest first."""

    q = SearchFilter(
        label=_("Title"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 職業講話")}),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=GroupEvent.Kind.choices, empty_label=_("All")
    )
    venue = ModelChoiceFilter(label=_("Venue"), queryset=None, empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=GroupEvent.Status.choices, empty_label=_("All")
    )
    since = django_filters.DateFilter(
        label=_("From"), method="by_since", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        label=_("Until"), method="by_until", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = GroupEvent
        fields: list[str] = []

    def __init__(self, data: Any = None, *, organization: Organization) -> None:
        staff = User.objects.order_by("family_name_kana", "given_name_kana", "email")
        events = (
            GroupEvent.objects.filter(organization=organization)
            .select_related("venue", "program")
            .prefetch_related(Prefetch("staff", queryset=staff))
        )
        super().__init__(data, queryset=events)
        self.filters["venue"].queryset = venues_of(organization=organization)

    def search(self, queryset: QuerySet[GroupEvent], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(title__icontains=value.strip()) if value.strip() else queryset

    def by_since(
        self, queryset: QuerySet[GroupEvent], name: str, value: datetime.date
    ) -> QuerySet[GroupEvent]:
        return queryset.filter(starts_at__gte=period_bounds(value, value)[0])

    def by_until(
        self, queryset: QuerySet[GroupEvent], name: str, value: datetime.date
    ) -> QuerySet[GroupEvent]:
        return queryset.filter(starts_at__lt=period_bounds(value, value)[1])

    @property
    def qs(self) -> QuerySet[GroupEvent]:
        return super().qs.order_by("-starts_at", "-pk")


# --- venues and salon planning ----------------------------------------------------------------


class VenueFilter(django_filters.FilterSet):
    """The venues: by name or address, kind, and in use (the default) or not."""

    STATE_CHOICES = (("active", _("In use")), ("inactive", _("Out of use")), ("all", _("All")))

    q = SearchFilter(
        label=_("Name or address"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. ひかり, 横浜")}),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Venue.Kind.choices, empty_label=_("All")
    )
    state = django_filters.ChoiceFilter(
        label=_("In use"), choices=STATE_CHOICES, method="by_state", empty_label=None
    )

    class Meta:
        model = Venue
        fields: list[str] = []

    def __init__(self, data: Any = None, *, organization: Organization) -> None:
        data = (data or QueryDict()).copy()
        if data.get("state") not in dict(self.STATE_CHOICES):
            data["state"] = "active"
        super().__init__(data, queryset=venues_of(organization=organization))

    def search(self, queryset: QuerySet[Venue], name: str, value: str) -> QuerySet[Any]:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(Q(name__icontains=text) | Q(address__icontains=text))

    def by_state(self, queryset: QuerySet[Venue], name: str, value: str) -> QuerySet[Venue]:
        if value == "all":
            return queryset
        return queryset.filter(is_active=value == "active")

    @property
    def qs(self) -> QuerySet[Venue]:
        return super().qs.order_by("name", "pk")


class SalonBlockFilter(django_filters.FilterSet):
    """The salons across venues: by venue, status and between two days (both included),
    from today on unless another first day (or none) is asked for; soonest first."""

    venue = ModelChoiceFilter(label=_("Venue"), queryset=None, empty_label=_("All"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=SalonBlock.Status.choices, empty_label=_("All")
    )
    since = django_filters.DateFilter(
        label=_("From"),
        method="by_since",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_day_in_range],
    )
    until = django_filters.DateFilter(
        label=_("Until"),
        method="by_until",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_day_in_range],
    )

    class Meta:
        model = SalonBlock
        fields: list[str] = []

    def __init__(self, data: Any = None, *, organization: Organization) -> None:
        data = (data or QueryDict()).copy()
        if "since" not in data:
            data["since"] = timezone.localdate().isoformat()
        super().__init__(data, queryset=planned_blocks(organization=organization))
        self.filters["venue"].queryset = venues_of(organization=organization)

    def by_since(
        self, queryset: QuerySet[SalonBlock], name: str, value: datetime.date
    ) -> QuerySet[SalonBlock]:
        return queryset.filter(starts_at__gte=period_bounds(value, value)[0])

    def by_until(
        self, queryset: QuerySet[SalonBlock], name: str, value: datetime.date
    ) -> QuerySet[SalonBlock]:
        return queryset.filter(starts_at__lt=period_bounds(value, value)[1])

    @property
    def qs(self) -> QuerySet[SalonBlock]:
        return super().qs.order_by("starts_at", "pk")


# --- teacher liaison ------------------------------------------------------------------------


class ConsentFilter(django_filters.FilterSet):
    """A school's consents on its liaison page: by the student's or the teacher's name,
    live or withdrawn (live first, then the latest)."""

    STATE_CHOICES = (("live", _("Live")), ("withdrawn", _("Withdrawn")))

    q = SearchFilter(label=_("Student or teacher"))
    state = django_filters.ChoiceFilter(
        label=_("Consent"), choices=STATE_CHOICES, empty_label=_("All"), method="by_state"
    )

    class Meta:
        model = ShareConsent
        fields: list[str] = []

    def search(self, queryset: QuerySet[ShareConsent], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(name_search(value, prefix="student__", also=("teacher__",)))

    def by_state(
        self, queryset: QuerySet[ShareConsent], name: str, value: str
    ) -> QuerySet[ShareConsent]:
        if value == "live":
            return queryset.filter(revoked_at__isnull=True)
        if value == "withdrawn":
            return queryset.filter(revoked_at__isnull=False)
        return queryset
