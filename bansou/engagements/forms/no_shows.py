"""Forms of the no-show pages: the one-tap mark, the period of the rates, and the safe
way back to the page the tap came from."""

import datetime
from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from bansou.core.calendar import fiscal_year_bounds, fiscal_year_of
from bansou.core.inputs import validate_day_in_range
from bansou.engagements.models import Session

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
# How many 年度 the period menu offers, this one first.
FISCAL_YEARS_OFFERED = 6


class SessionMarkForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (Session.Status.HELD.value, _("Mark held")),
            (Session.Status.NO_SHOW.value, _("Mark no-show")),
        ],
        error_messages={"required": _("Choose held or no-show.")},
    )


def safe_next(request: HttpRequest, *, fallback: str) -> str:
    """The ``next`` address the page passed on, when it is a path on this site; else
    ``fallback``. Anything else (「²」, a view name) would be taken by ``redirect`` for a
    URL name."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


class NoShowPeriodForm(forms.Form):
    """A 年度, or a range of days (either end may stay open), which takes precedence."""

    year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int, required=False)
    since = forms.DateField(
        label=_("First day"), required=False, widget=DATE_INPUT, validators=[validate_day_in_range]
    )
    until = forms.DateField(
        label=_("Last day"), required=False, widget=DATE_INPUT, validators=[validate_day_in_range]
    )

    def __init__(self, data: Any = None, *, today: datetime.date) -> None:
        super().__init__(data)
        self.current_year = fiscal_year_of(today)
        years = range(self.current_year, self.current_year - FISCAL_YEARS_OFFERED, -1)
        self.fields["year"].choices = [  # type: ignore[attr-defined]
            (year, _("FY %(year)s") % {"year": year}) for year in years
        ]
        self.fields["year"].initial = self.current_year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The last day must not be before the first."))
        return data

    def period(self) -> tuple[datetime.date | None, datetime.date | None]:
        """The days chosen (both included). Nothing chosen, or input that cannot be read
        (the form then shows why): this 年度."""
        if not self.is_bound or not self.is_valid():
            return fiscal_year_bounds(self.current_year)
        since, until = self.cleaned_data["since"], self.cleaned_data["until"]
        if since or until:
            return since, until
        return fiscal_year_bounds(self.cleaned_data["year"] or self.current_year)
