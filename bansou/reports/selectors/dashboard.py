"""What a report page shows, put together once for the program and the organisation
dashboards: the targets with their achievement, every KPI, the monthly trends as bars,
the venues, the survey figures and the voices, each figure as the viewer's role may see
it (``suppression``). A constant number of queries: the KPI selectors' own, one for the
targets and one ``kpi_values`` per distinct target period, one for the voices."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.http import Http404
from django_stubs_ext import StrOrPromise

from bansou.orgs.models import Organization
from bansou.programs.models import Program
from bansou.reports.selectors.kpis import (
    KPI_DEFINITIONS,
    KpiDefinition,
    MonthRow,
    kpi_values,
    monthly_kpis,
    venue_table,
)
from bansou.reports.selectors.suppression import (
    FewerThan,
    Shown,
    sees_small_counts,
    shown_kpis,
    shown_row,
    suppressed,
    suppressed_rate,
    threshold_for,
)
from bansou.reports.selectors.targets import TargetRow, target_report
from bansou.surveys.selectors.results import Voice, voices

VOICES_SHOWN = 12


def report_program_for(*, organization: Organization, slug: str) -> Program:
    """A program of the organisation by its slug (coordinators and viewers report on
    every program); 404 otherwise."""
    program = Program.objects.filter(organization=organization, slug=slug).first()
    if program is None:
        raise Http404
    return program


def report_programs(*, organization: Organization) -> list[Program]:
    return list(Program.objects.filter(organization=organization).order_by("name", "pk"))


@dataclass(frozen=True)
class Figure:
    """One KPI as shown: its definition and its value for this role."""

    definition: KpiDefinition
    value: Shown

    @property
    def label(self) -> StrOrPromise:
        return self.definition.label

    @property
    def hidden(self) -> bool:
        return isinstance(self.value, FewerThan)


@dataclass(frozen=True)
class TargetLine:
    """A target with its actual and achievement as this role may see them."""

    row: TargetRow
    actual: Shown
    percent: int | None
    hidden: bool

    @property
    def met(self) -> bool | None:
        return None if self.hidden else self.row.achievement.met

    @property
    def measure(self) -> str:
        return self.row.definition.measure if self.row.definition else "count"


@dataclass(frozen=True)
class Bar:
    """One segment of a month's bar: its value as shown and its width in percent of the
    longest bar."""

    key: str
    value: Shown
    width: float


@dataclass(frozen=True)
class MonthBars:
    month: datetime.date
    segments: list[Bar]
    total: Shown


@dataclass(frozen=True)
class Trend:
    """A chart: one row of bars per month, the series it stacks, the longest bar's value."""

    key: str
    title: StrOrPromise
    series: list[tuple[str, StrOrPromise]]
    months: list[MonthBars]
    maximum: Shown  # the scale's end: the longest bar, as the role may see it


@dataclass(frozen=True)
class Distribution:
    """The 5-point satisfaction answers: (point, count shown, width %) from 5 down to 1."""

    points: list[tuple[int, Shown, float]]
    n: Shown
    mean: Shown


@dataclass(frozen=True)
class ReportPage:
    start: datetime.date
    end: datetime.date
    program: Program | None
    threshold: int
    suppressing: bool
    targets: list[TargetLine]
    figures: list[Figure]
    trends: list[Trend]
    venues: list[tuple[Any, dict[str, Shown]]]
    satisfaction: Distribution | None
    nps: dict[str, Shown] | None
    voices: list[Voice]


def _trend(
    key: str,
    title: StrOrPromise,
    series: list[tuple[str, StrOrPromise]],
    months: list[MonthRow],
    *,
    threshold: int,
    role: str,
) -> Trend:
    totals = [sum(getattr(m, name) for name, _label in series) for m in months]
    maximum = max(totals, default=0)
    rows = []
    for month, total in zip(months, totals, strict=True):
        shown_total = suppressed(total, threshold=threshold, role=role)
        hide = isinstance(shown_total, FewerThan)
        segments = [
            Bar(
                key=name,
                value=suppressed(getattr(month, name), threshold=threshold, role=role),
                width=0.0 if hide or not maximum else getattr(month, name) * 100 / maximum,
            )
            for name, _label in series
        ]
        rows.append(MonthBars(month=month.month, segments=segments, total=shown_total))
    return Trend(
        key=key,
        title=title,
        series=series,
        months=rows,
        maximum=suppressed(maximum, threshold=threshold, role=role),
    )


TREND_SERIES: tuple[tuple[str, StrOrPromise, list[str]], ...] = (
    (
        "visits",
        KPI_DEFINITIONS["visits"].label,
        ["visits_walk_in", "visits_reserved", "visits_outreach"],
    ),
    ("salon_sessions_held", KPI_DEFINITIONS["salon_sessions_held"].label, ["salon_sessions_held"]),
    ("sessions_held", KPI_DEFINITIONS["sessions_held"].label, ["sessions_held"]),
    ("unique_clients", KPI_DEFINITIONS["unique_clients"].label, ["unique_clients"]),
)


def _target_line(row: TargetRow, *, threshold: int, role: str) -> TargetLine:
    counted = row.definition is not None and row.definition.measure == "count"
    actual: Shown
    if counted:
        actual = suppressed(
            None if row.actual is None else int(row.actual), threshold=threshold, role=role
        )
    else:
        actual = suppressed_rate(row.actual, base=row.base, threshold=threshold, role=role)
    hidden = isinstance(actual, FewerThan)
    return TargetLine(
        row=row,
        actual=actual,
        percent=None if hidden else row.achievement.percent,
        hidden=hidden,
    )


def _distribution(values: Any, *, threshold: int, role: str) -> Distribution | None:
    summary = values.satisfaction
    if summary is None or not summary.n:
        return None
    top = max(summary.counts.values(), default=0)
    return Distribution(
        points=[
            (
                point,
                suppressed(summary.counts.get(point, 0), threshold=threshold, role=role),
                0.0
                if not top or suppressed(summary.n, threshold=threshold, role=role) != summary.n
                else summary.counts.get(point, 0) * 100 / top,
            )
            for point in (5, 4, 3, 2, 1)
        ],
        n=suppressed(summary.n, threshold=threshold, role=role),
        mean=suppressed_rate(
            values.satisfaction_mean, base=summary.n, threshold=threshold, role=role
        ),
    )


def _nps(values: Any, *, threshold: int, role: str) -> dict[str, Shown] | None:
    figures = values.nps_figures
    if figures is None or not figures.n:
        return None
    shown: dict[str, Shown] = {
        name: suppressed(getattr(figures, name), threshold=threshold, role=role)
        for name in ("promoters", "passives", "detractors", "n")
    }
    shown["score"] = suppressed_rate(figures.score, base=figures.n, threshold=threshold, role=role)
    return shown


def report_page(
    *,
    organization: Organization,
    program: Program | None,
    start: datetime.date,
    end: datetime.date,
    role: str,
) -> ReportPage:
    """Everything a report page shows for ``program`` (None: the whole organisation) from
    ``start`` to ``end``, as ``role`` may see it."""
    scope: dict[str, Any] = {
        "organization": organization,
        "program": program,
        "start": start,
        "end": end,
    }
    threshold = threshold_for(program)
    show: dict[str, Any] = {"threshold": threshold, "role": role}
    values = kpi_values(**scope)
    shown = shown_kpis(values, **show)
    months = monthly_kpis(**scope)
    targets = (
        [_target_line(row, **show) for row in target_report(**scope, known=[values])]
        if program is not None
        else []
    )
    return ReportPage(
        start=start,
        end=end,
        program=program,
        threshold=threshold,
        suppressing=not sees_small_counts(role),
        targets=targets,
        figures=[Figure(definition=d, value=shown[key]) for key, d in KPI_DEFINITIONS.items()],
        trends=[
            _trend(key, title, [(n, KPI_DEFINITIONS[n].label) for n in names], months, **show)
            for key, title, names in TREND_SERIES
        ],
        venues=[(row.venue, shown_row(row, **show)) for row in venue_table(**scope)],
        satisfaction=_distribution(values, **show),
        nps=_nps(values, **show),
        voices=voices(**scope, limit=VOICES_SHOWN),
    )
