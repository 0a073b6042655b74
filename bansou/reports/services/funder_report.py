"""The funder report of one program and period as an A4 PDF: cover, summary (each target
as "22 / 20 = 110%"), the targets table with output or outcome and the rounding rule,
every KPI, the monthly trends as charts, the venues, the survey results and the voices.

The figures are ``selectors.dashboard.report_page``'s, the ones the program's dashboard
shows, as the requester's role may see them (a viewer's small counts suppressed). The
document is the template ``reports/pdf/program_report.html`` with its stylesheet, laid
out by WeasyPrint as ``privacy.documents`` does: Noto Sans CJK JP through fontconfig,
page numbers in the footer, every URL refused (nothing is fetched, not even ``data:``).
The charts are inline SVG drawn from the geometry computed here: no script, no file."""

import datetime
import logging
from dataclasses import dataclass

from django.template.loader import render_to_string

from bansou.orgs.models import Organization
from bansou.programs.models import Program
from bansou.reports.selectors.dashboard import ReportPage, Trend, report_page
from bansou.reports.selectors.suppression import FewerThan, Shown
from bansou.reports.selectors.targets import ROUNDING_RULE

logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
PDF_CONTENT_TYPE = "application/pdf"
VOICES_IN_PDF = 20

# The chart's drawing area, in SVG units (the image is scaled to its column's width).
CHART_WIDTH, CHART_HEIGHT = 320.0, 150.0
PLOT_LEFT, PLOT_TOP, PLOT_BOTTOM = 26.0, 10.0, 128.0


# The series' colours, bottom of the stack first (the legend's swatches use the same).
SERIES_COLOURS = ("#15573f", "#5fa98a", "#e0a040")


@dataclass(frozen=True)
class SvgRect:
    x: float
    y: float
    width: float
    height: float
    series: int  # the segment's place in the stack

    @property
    def colour(self) -> str:
        return SERIES_COLOURS[self.series % len(SERIES_COLOURS)]


@dataclass(frozen=True)
class SvgLabel:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    """A monthly column chart: stacked rectangles, month labels under the columns, each
    column's value over it, and the scale's top."""

    trend: Trend
    rects: list[SvgRect]
    months: list[SvgLabel]
    values: list[SvgLabel]
    top: str
    width: float = CHART_WIDTH
    height: float = CHART_HEIGHT
    plot_left: float = PLOT_LEFT
    plot_top: float = PLOT_TOP
    plot_bottom: float = PLOT_BOTTOM

    @property
    def scale_x(self) -> float:
        return self.plot_left - 3

    @property
    def top_y(self) -> float:
        return self.plot_top + 3


def _shown(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, FewerThan):
        return f"<{value.threshold}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def chart_of(trend: Trend) -> Chart:
    """The columns of ``trend``: one per month, its segments stacked from the bottom in
    proportion to the longest column (a suppressed month has no column, only its
    marker)."""
    count = max(len(trend.months), 1)
    slot = (CHART_WIDTH - PLOT_LEFT) / count
    bar = slot * 0.62
    plot = PLOT_BOTTOM - PLOT_TOP
    rects, months, values = [], [], []
    for i, month in enumerate(trend.months):
        x = PLOT_LEFT + i * slot + (slot - bar) / 2
        y = PLOT_BOTTOM
        for series, segment in enumerate(month.segments):
            height = plot * segment.width / 100
            if height > 0:
                y -= height
                rects.append(SvgRect(x=x, y=y, width=bar, height=height, series=series))
        centre = x + bar / 2
        months.append(SvgLabel(x=centre, y=PLOT_BOTTOM + 10, text=f"{month.month.month}"))
        if month.total != 0:  # zeros are in the table under the charts
            values.append(
                SvgLabel(x=centre, y=max(y - 2.5, PLOT_TOP - 2), text=_shown(month.total))
            )
    # The scale's top is the longest column, unless that column is itself withheld.
    shown_top = any(m.total == trend.maximum for m in trend.months if isinstance(m.total, int))
    top = _shown(trend.maximum) if shown_top or not trend.maximum else "–"
    return Chart(trend=trend, rects=rects, months=months, values=values, top=top)


@dataclass(frozen=True)
class FunderReport:
    organization: Organization
    program: Program
    page: ReportPage
    charts: list[Chart]
    made_on: datetime.date
    rounding_rule: str

    @property
    def months(self) -> list[tuple[datetime.date, list[Shown]]]:
        """The charts as a table: each month with every chart's total."""
        if not self.page.trends:
            return []
        return [
            (month.month, [trend.months[i].total for trend in self.page.trends])
            for i, month in enumerate(self.page.trends[0].months)
        ]


def funder_report(
    *,
    organization: Organization,
    program: Program,
    start: datetime.date,
    end: datetime.date,
    role: str,
    made_on: datetime.date,
) -> FunderReport:
    """What the PDF shows: the dashboard's page of the program for ``role``, with the
    geometry of its charts."""
    page = report_page(organization=organization, program=program, start=start, end=end, role=role)
    return FunderReport(
        organization=organization,
        program=program,
        page=page,
        charts=[chart_of(trend) for trend in page.trends],
        made_on=made_on,
        rounding_rule=str(ROUNDING_RULE),
    )


def funder_report_pdf(report: FunderReport) -> bytes:
    """The report as an A4 PDF in the active language."""
    # Imported here: WeasyPrint takes half a second to import (``privacy.documents``).
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher  # imported here for the same reason

    context = {"report": report, "page": report.page, "voices": report.page.voices[:VOICES_IN_PDF]}
    html = render_to_string("reports/pdf/program_report.html", context)
    css = render_to_string("reports/pdf/program_report.css")
    fetch_nothing = URLFetcher(allowed_protocols=())
    document = HTML(string=html, url_fetcher=fetch_nothing)
    pdf: bytes = document.write_pdf(stylesheets=[CSS(string=css, url_fetcher=fetch_nothing)])
    return pdf
