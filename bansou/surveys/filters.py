"""The survey list's search, filters and order, read from the query string (django-filter)."""

from typing import Any

import django_filters
from django import forms
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from bansou.core.inputs import ModelChoiceFilter, SearchFilter
from bansou.orgs.models import Organization
from bansou.programs.models import Program
from bansou.surveys.models import Question, Response, Survey, SurveyInvitation


def _count(rows: QuerySet[Any]) -> Coalesce:
    counted = rows.order_by().values("survey_id").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def surveys_counted(*, organization: Organization) -> QuerySet[Survey]:
    """The organisation's surveys with their questions asked, people invited and
    responses (subqueries: one query for a page of any size)."""
    return (
        Survey.objects.filter(organization=organization)
        .select_related("program")
        .annotate(
            question_count=_count(
                Question.objects.filter(survey_id=OuterRef("pk"), retired_at__isnull=True)
            ),
            invited_count=_count(SurveyInvitation.objects.filter(survey_id=OuterRef("pk"))),
            response_count=_count(Response.objects.filter(survey_id=OuterRef("pk"))),
        )
    )


class SurveyFilter(django_filters.FilterSet):
    """The surveys: by title (either language), status, audience and program; the newest
    first."""

    q = SearchFilter(
        label=_("Title"),
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("e.g. 満足度")}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Survey.Status.choices, empty_label=_("All")
    )
    audience = django_filters.ChoiceFilter(
        label=_("Audience"), choices=Survey.Audience.choices, empty_label=_("All")
    )
    program = ModelChoiceFilter(label=_("Program"), queryset=None, empty_label=_("All"))

    class Meta:
        model = Survey
        fields: list[str] = []

    def __init__(self, data: Any = None, *, organization: Organization) -> None:
        super().__init__(data, queryset=surveys_counted(organization=organization))
        self.filters["program"].queryset = Program.objects.filter(
            organization=organization
        ).order_by("-starts_on", "name")

    def search(self, queryset: QuerySet[Survey], name: str, value: str) -> QuerySet[Any]:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(Q(title_ja__icontains=text) | Q(title_en__icontains=text))

    @property
    def qs(self) -> QuerySet[Survey]:
        return super().qs.order_by("-created_at", "-pk")
