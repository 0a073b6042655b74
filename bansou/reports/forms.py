"""The period of a report, read from the query string: a 年度 from a menu, or a first and
a last day (which take precedence). Nothing chosen gives the current 年度; input that
cannot be used is said on its field while the report shows the current 年度."""

import datetime
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.core.calendar import fiscal_year_bounds, fiscal_year_of
from bansou.core.inputs import validate_day_in_range
from bansou.reports.services.exports import EXPORTS, FORMAT_LABELS, exports_for

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# How many 年度 the menu offers, this one first.
FISCAL_YEARS_OFFERED = 8
# Longer periods are refused (a monthly chart of more than ten years says nothing).
MAX_PERIOD_DAYS = 366 * 10


class ReportPeriodForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Fiscal year"), coerce=int, required=False)
    start = forms.DateField(
        label=_("First day"), required=False, widget=DATE_INPUT, validators=[validate_day_in_range]
    )
    end = forms.DateField(
        label=_("Last day"), required=False, widget=DATE_INPUT, validators=[validate_day_in_range]
    )

    def __init__(self, data: Any = None, *, today: datetime.date) -> None:
        super().__init__(data)
        self.current_year = fiscal_year_of(today)
        years = range(self.current_year, self.current_year - FISCAL_YEARS_OFFERED, -1)
        self.fields["year"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose a fiscal year")),
            *((year, _("FY %(year)s") % {"year": year}) for year in years),
        ]
        self.fields["year"].initial = self.current_year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start or end:
            start, end = _filled(start, end)
            if end < start:
                self.add_error("end", _("The last day must not be before the first."))
            elif (end - start).days >= MAX_PERIOD_DAYS:
                self.add_error("end", _("A report covers at most ten years."))
        return data

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The days chosen, both included: the dates (an open end is the last day of the
        first day's 年度, an open start the first day of the last day's), else the 年度
        chosen, else (nothing chosen, or an error) the current 年度."""
        if not self.is_bound or not self.is_valid():
            return fiscal_year_bounds(self.current_year)
        start, end = self.cleaned_data["start"], self.cleaned_data["end"]
        if start or end:
            return _filled(start, end)
        return fiscal_year_bounds(self.cleaned_data["year"] or self.current_year)


def _filled(
    start: datetime.date | None, end: datetime.date | None
) -> tuple[datetime.date, datetime.date]:
    if start is None:
        assert end is not None
        return fiscal_year_bounds(fiscal_year_of(end))[0], end
    if end is None:
        return start, fiscal_year_bounds(fiscal_year_of(start))[1]
    return start, end


@dataclass(frozen=True)
class Period:
    """The period a report shows, and the form that chose it (for its fields and errors).
    ``fiscal_year`` is set when the period is exactly one 年度."""

    start: datetime.date
    end: datetime.date
    form: ReportPeriodForm

    @property
    def fiscal_year(self) -> int | None:
        year = fiscal_year_of(self.start)
        return year if (self.start, self.end) == fiscal_year_bounds(year) else None

    @property
    def is_default(self) -> bool:
        return self.fiscal_year == self.form.current_year

    def query(self) -> str:
        """The period as a query string, for links that keep it (exports, PDF)."""
        params = QueryDict(mutable=True)
        params.update({"start": self.start.isoformat(), "end": self.end.isoformat()})
        return params.urlencode()


def period_from(params: QueryDict, *, today: datetime.date | None = None) -> Period:
    """The report period the query string names (``year``, ``start``, ``end``); see
    ``ReportPeriodForm.period``. A query string without any of them leaves the form
    unbound, so it shows no error."""
    chosen = any(params.get(name) for name in ("year", "start", "end"))
    form = ReportPeriodForm(params if chosen else None, today=today or timezone.localdate())
    start, end = form.period()
    return Period(start=start, end=end, form=form)


class ExportForm(ReportPeriodForm):
    """What to export from a program's reports, in which format, for which period (the
    report period's fields and rules). The choices are the role's own
    (``services.exports.exports_for``); the funder report is always a PDF."""

    what = forms.ChoiceField(label=_("What to export"), widget=forms.RadioSelect)
    file_format = forms.ChoiceField(
        label=_("Format"), widget=forms.RadioSelect, required=False, initial="xlsx"
    )

    def __init__(self, data: Any = None, *, today: datetime.date, role: str, **kwargs: Any) -> None:
        super().__init__(data, today=today)
        self.initial = kwargs.get("initial") or {}
        exports = exports_for(role)
        self.fields["what"].choices = [(e.name, e.label) for e in exports]  # type: ignore[attr-defined]
        formats = [f for f in ("xlsx", "csv", "pdf") if any(f in e.formats for e in exports)]
        self.fields["file_format"].choices = [(f, FORMAT_LABELS[f]) for f in formats]  # type: ignore[attr-defined]
        self.order_fields(["what", "file_format", "year", "start", "end"])

    def choice(self) -> dict[str, Any]:
        """What was chosen, as ``services.exports.report_export_request`` takes it."""
        start, end = self.period()
        data = self.cleaned_data
        return {
            "what": data["what"],
            "file_format": data["file_format"],
            "start": start,
            "end": end,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        export = EXPORTS.get(data.get("what") or "")
        if export is not None:
            if export.formats == ("pdf",):
                data["file_format"] = "pdf"
            elif data.get("file_format") not in export.formats:
                self.add_error(
                    "file_format",
                    _("This export comes as Excel or CSV; only the funder report is a PDF."),
                )
        return data
