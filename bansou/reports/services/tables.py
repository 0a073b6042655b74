"""What each export of the reports holds, as tables (``services.spreadsheets``): the
sessions, the salon visits and the survey answers of a program and period (one table
each), and the KPI workbook (summary with the targets, every KPI, by month, by venue).

Names: a client, a named student or a named survey's respondent appears only with
``with_names`` (coordinators, ``selectors.exports.sees_names``). The KPI tables are built
from ``selectors.dashboard.report_page``, the figures the dashboard shows, as the
requester's role may see them (small counts suppressed for viewers)."""

import datetime
from collections.abc import Iterator, Sequence
from typing import Any

from django.utils.translation import gettext as _

from bansou.orgs.models import Organization
from bansou.programs.models import Program
from bansou.reports.selectors.dashboard import TargetLine, report_page
from bansou.reports.selectors.exports import (
    CHUNK,
    export_answer_count,
    export_sessions,
    export_visits,
    session_lines,
    visit_lines,
)
from bansou.reports.selectors.kpis import monthly_kpis
from bansou.reports.selectors.suppression import shown_row
from bansou.reports.selectors.targets import ROUNDING_RULE
from bansou.reports.services.spreadsheets import Column, Table
from bansou.surveys.selectors.results import ExportRow, responses_for_export


def _period_text(start: datetime.date, end: datetime.date) -> str:
    return f"{start:%Y/%m/%d} – {end:%Y/%m/%d}"


def sessions_table(
    *,
    organization: Organization,
    program: Program,
    start: datetime.date,
    end: datetime.date,
    with_names: bool,
) -> Table:
    sessions = export_sessions(organization=organization, program=program, start=start, end=end)
    columns = [
        Column(_("Date"), 12, "date"),
        Column(_("Starts"), 7, "time"),
        Column(_("Ends"), 7, "time"),
        Column(_("Program"), 24),
        Column(_("Supporter"), 18),
        Column(_("Client"), 18),
        Column(_("Mode"), 10),
        Column(_("Status"), 10),
        Column(_("Topics"), 36),
    ]
    if not with_names:
        columns.pop(5)

    def chunks() -> Iterator[list[list[Any]]]:
        for chunk in session_lines(
            organization=organization, sessions=sessions, with_names=with_names
        ):
            rows = []
            for s in chunk:
                row: list[Any] = [s.starts_at.date(), s.starts_at.time(), s.ends_at.time()]
                row += [s.program, s.supporter, s.client, s.mode, s.status, s.topics]
                if not with_names:
                    row.pop(5)
                rows.append(row)
            yield rows

    return Table(title=_("Sessions"), columns=columns, chunks=chunks(), total=sessions.count())


def visits_table(
    *,
    organization: Organization,
    program: Program,
    start: datetime.date,
    end: datetime.date,
    with_names: bool,
) -> Table:
    visits = export_visits(organization=organization, program=program, start=start, end=end)
    columns = [
        Column(_("Date"), 12, "date"),
        Column(_("Time of the visit"), 7, "time"),
        Column(_("Venue"), 24),
        Column(_("Kind"), 16),
        Column(_("Grade or year"), 10),
        Column(_("Topics"), 36),
    ]
    if with_names:
        columns.append(Column(_("Student"), 18))

    def chunks() -> Iterator[list[list[Any]]]:
        for chunk in visit_lines(organization=organization, visits=visits, with_names=with_names):
            yield [
                [v.occurred_at.date(), v.occurred_at.time(), v.venue, v.kind, v.grade, v.topics]
                + ([v.student] if with_names else [])
                for v in chunk
            ]

    return Table(title=_("Salon visits"), columns=columns, chunks=chunks(), total=visits.count())


def _answer_row(row: ExportRow, with_names: bool) -> list[Any]:
    named_at = row.submitted_at if isinstance(row.submitted_at, datetime.datetime) else None
    values: list[Any] = [
        row.survey_title,
        row.audience,
        row.program,
        row.question,
        row.kind,
        row.value,
        row.submitted_on,
        named_at.replace(tzinfo=None) if named_at is not None else None,
    ]
    if with_names:
        values.append(row.respondent)
    return [*values, row.language, row.published_text]


def responses_table(
    *,
    organization: Organization,
    program: Program,
    start: datetime.date,
    end: datetime.date,
    with_names: bool,
) -> Table:
    """Every answer (one row each) of the responses submitted in the period for the
    program; the respondent only of a named survey, and only ``with_names``."""
    scope: dict[str, Any] = {
        "organization": organization,
        "program": program,
        "start": start,
        "end": end,
    }
    columns = [
        Column(_("Survey"), 28),
        Column(_("Audience"), 14),
        Column(_("Program"), 20),
        Column(_("Question"), 36),
        Column(_("Question type"), 12),
        Column(_("Answer"), 40),
        Column(_("Submitted on"), 12, "date"),
        Column(_("Submitted at"), 16, "datetime"),
        Column(_("Respondent"), 18),
        Column(_("Language"), 8),
        Column(_("Published text"), 40),
    ]
    if not with_names:
        columns.pop(8)

    def chunks() -> Iterator[list[list[Any]]]:
        chunk: list[list[Any]] = []
        for row in responses_for_export(**scope):
            chunk.append(_answer_row(row, with_names))
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    return Table(
        title=_("Survey answers"),
        columns=columns,
        chunks=chunks(),
        total=export_answer_count(**scope),
    )


# --- the KPI workbook -------------------------------------------------------------------


def _target_cells(line: TargetLine | None) -> list[Any]:
    if line is None:
        return [None, None, None, None]
    target = line.row.target
    return [
        target.target_value,
        _period_text(target.period_start, target.period_end),
        line.actual,
        line.percent,
    ]


def _shown_cells(
    row: Any, first: Any, names: Sequence[str], *, threshold: int, role: str
) -> list[Any]:
    shown = shown_row(row, threshold=threshold, role=role)
    return [first, *(shown[name] for name in names)]


def kpi_tables(
    *,
    organization: Organization,
    program: Program,
    start: datetime.date,
    end: datetime.date,
    role: str,
    made_on: datetime.date,
) -> list[Table]:
    """The KPI export: 概要 (the report's facts and the targets with their achievement),
    KPI (every KPI with its target), 月別 and 拠点別, as ``role`` may see them."""
    page = report_page(organization=organization, program=program, start=start, end=end, role=role)
    show: dict[str, Any] = {"threshold": page.threshold, "role": role}
    preface: list[Sequence[Any]] = [
        [_("Organisation"), organization.name],
        [_("Program"), program.name],
        [_("Period"), _period_text(start, end)],
        [_("Made on"), made_on],
        [_("Rounding"), str(ROUNDING_RULE)],
    ]
    if page.suppressing:
        preface.append(
            [
                _("Small counts"),
                _("Counts from 1 to %(n)s − 1 are shown as “fewer than %(n)s”.")
                % {"n": page.threshold},
            ]
        )
    preface.append([])
    summary = Table(
        title=_("Overview"),
        preface=preface,
        columns=[
            Column(_("Target"), 24),
            Column(_("KPI"), 28),
            Column(_("Output or outcome"), 12),
            Column(_("Target period"), 24),
            Column(_("Target value"), 10, "general"),
            Column(_("Unit"), 8),
            Column(_("Actual"), 12, "general"),
            Column(_("Achievement (%)"), 12, "general"),
        ],
        chunks=[
            [
                [
                    line.row.target.name,
                    str(line.row.definition.label) if line.row.definition else "",
                    str(line.row.target.get_kind_display()),
                    _period_text(line.row.period_start, line.row.period_end),
                    line.row.target.target_value,
                    line.row.target.unit,
                    line.actual,
                    line.percent,
                ]
                for line in page.targets
            ]
        ],
        total=len(page.targets),
    )
    by_kpi: dict[str, list[TargetLine]] = {}
    for target_line in page.targets:
        by_kpi.setdefault(target_line.row.target.kpi, []).append(target_line)
    kpi_rows: list[list[Any]] = []
    for figure in page.figures:
        key = figure.definition.key
        lines: list[TargetLine | None] = [*by_kpi.get(key, [])] or [None]
        for line in lines:
            kind = str(line.row.target.get_kind_display()) if line is not None else ""
            definition = str(figure.definition.definition)
            kpi_rows.append(
                [str(figure.label), figure.value, *_target_cells(line), kind, definition]
            )
    kpis = Table(
        title=_("KPI"),
        columns=[
            Column(_("KPI"), 28),
            Column(_("Value in the period"), 12, "general"),
            Column(_("Target value"), 10, "general"),
            Column(_("Target period"), 24),
            Column(_("Actual in the target period"), 14, "general"),
            Column(_("Achievement (%)"), 12, "general"),
            Column(_("Output or outcome"), 12),
            Column(_("Definition"), 60),
        ],
        chunks=[kpi_rows],
        total=len(kpi_rows),
    )
    months = monthly_kpis(organization=organization, program=program, start=start, end=end)
    month_names = (
        "sessions_held",
        "salon_sessions_held",
        "visits_walk_in",
        "visits_reserved",
        "visits_outreach",
        "visits",
        "salon_no_shows",
        "unique_clients",
    )
    monthly = Table(
        title=_("By month"),
        columns=[
            Column(_("Month"), 10, "month"),
            Column(_("Sessions held"), 10, "number"),
            Column(_("Salon sessions held"), 10, "number"),
            Column(_("Walk-in visits"), 10, "number"),
            Column(_("Reserved visits attended"), 10, "number"),
            Column(_("Outreach contacts (声かけ)"), 10, "number"),
            Column(_("Salon visits (all kinds)"), 10, "number"),
            Column(_("Salon no-shows"), 10, "number"),
            Column(_("Unique clients"), 10, "number"),
        ],
        chunks=[[_shown_cells(m, m.month, month_names, **show) for m in months]],
        total=len(months),
    )
    venue_names = (
        "salon_sessions_held",
        "salons_cancelled",
        "visits_walk_in",
        "visits_reserved",
        "visits_outreach",
        "visits",
        "no_shows",
        "unique_visitors",
        "no_show_rate",
    )
    venues = Table(
        title=_("By venue"),
        columns=[
            Column(_("Venue"), 24),
            Column(_("Salon sessions held"), 10, "number"),
            Column(_("Cancelled salons"), 10, "number"),
            Column(_("Walk-in visits"), 10, "number"),
            Column(_("Reserved visits attended"), 10, "number"),
            Column(_("Outreach contacts (声かけ)"), 10, "number"),
            Column(_("Salon visits (all kinds)"), 10, "number"),
            Column(_("No-shows"), 10, "number"),
            Column(_("Visitors"), 10, "number"),
            Column(_("No-show rate (%)"), 12, "percent"),
        ],
        chunks=[[[venue.name, *(row[name] for name in venue_names)] for venue, row in page.venues]],
        total=len(page.venues),
    )
    return [summary, kpis, monthly, venues]
