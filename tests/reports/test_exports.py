"""Exports of a program's reports through the export page: the KPIs as XLSX and the funder
report as PDF show the dashboard's actuals and achievements, recounted here from the
objects created (``builders.expected``, never the selectors); CSV with a BOM and formula
escaping; no private text in any file; viewers get aggregates only, with small counts
suppressed and no name; every export is audited; a bad period keeps what was typed."""

import csv
import datetime
import io
import re
import uuid
from decimal import ROUND_HALF_UP, Decimal

import pypdfium2 as pdfium
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook

from bansou.audit.describe import audit_lines
from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.engagements.models import SessionRecord
from bansou.ops.models import PreparedFile
from bansou.ops.services.files import prepared_file_build
from bansou.programs.models import Kpi, Target
from bansou.reports.selectors.suppression import FewerThan
from bansou.reports.services.exports import report_export_request
from bansou.surveys.models import Answer, Question, Response, Survey
from tests.factories import MembershipFactory, SessionNoteFactory, TopicFactory, UserFactory
from tests.prepared import prepared_download, prepared_request
from tests.reports.builders import FY_END, FY_START, TOKYO, Scenario, at, build, expected

pytestmark = pytest.mark.django_db

H1_END = datetime.date(2025, 9, 30)
PRIVATE = (
    "非公開メモCANARY",
    "来室メモCANARY",
    "中止理由CANARY",
    "振り返りCANARY",
    "共有要約CANARY",
)
FORMULA = '=HYPERLINK("http://evil.example/","押して")'
CLIENT_NAME = ("名前", "見本子")
RESPONDENT = ("回答", "太郎")
# (target name, KPI, kind, value, period end)
TARGETS = (
    ("支援校数", Kpi.VENUES_SERVED, Target.Kind.OUTPUT, 2, FY_END),
    ("サロン開催回数", Kpi.SALON_SESSIONS_HELD, Target.Kind.OUTPUT, 3, FY_END),
    ("来室数", Kpi.VISITS, Target.Kind.OUTPUT, 6, FY_END),
    ("面談（上半期）", Kpi.SESSIONS_HELD, Target.Kind.OUTPUT, 3, H1_END),
    ("欠席率", Kpi.NO_SHOW_RATE, Target.Kind.OUTCOME, 30, FY_END),
    ("満足度", Kpi.SATISFACTION_MEAN, Target.Kind.OUTCOME, 4, FY_END),
)


def ja(msgid: str) -> str:
    """A new string as the Japanese file says it (its translation once merged)."""
    with translation.override("ja"):
        return gettext(msgid)


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _survey(scenario: Scenario, *, anonymous: bool) -> tuple[Survey, Question, Question]:
    org, program = scenario.org, scenario.salon
    survey = Survey.objects.create(
        organization=org,
        program=program,
        title_ja="名前つき調査" if not anonymous else "満足度調査",
        audience=Survey.Audience.CLIENTS,
        anonymous=anonymous,
        closes_on=FY_END,
    )
    scale = Question.objects.create(
        organization=org,
        survey=survey,
        kind=Question.Kind.SCALE,
        text_ja="満足度",
        measures_satisfaction=True,
        position=0,
    )
    text = Question.objects.create(
        organization=org, survey=survey, kind=Question.Kind.TEXT, text_ja="感想", position=1
    )
    return survey, scale, text


def _respond(survey, scenario, day, answers, respondent=None) -> None:
    response = Response.objects.create(
        organization=scenario.org,
        survey=survey,
        program=scenario.salon,
        respondent=respondent,
        via=Response.Via.INVITATION if respondent else Response.Via.LINK,
        key=uuid.uuid4(),
        submitted_on=day,
        submitted_at=at(day.year, day.month, day.day, 15) if respondent else None,
    )
    for question, value, published in answers:
        Answer.objects.create(
            organization=scenario.org,
            response=response,
            question=question,
            number=value if isinstance(value, int) else None,
            text=value if isinstance(value, str) else "",
            publishable=bool(published),
            published_text=published or "",
        )


@pytest.fixture
def seeded():
    """The builders' scenario, with targets, surveys, topics, private text that must never
    reach a file, and a coordinator and a viewer of the organisation."""
    scenario = build()
    org, salon = scenario.org, scenario.salon
    for name, kpi, kind, value, end in TARGETS:
        Target.objects.create(
            organization=org,
            program=salon,
            name=name,
            kpi=kpi,
            kind=kind,
            unit="件",
            target_value=value,
            period_start=FY_START,
            period_end=end,
        )
    survey, scale, text = _survey(scenario, anonymous=True)
    for day, point, answer, published in (
        (datetime.date(2025, 6, 1), 5, FORMULA, None),
        (datetime.date(2025, 7, 1), 4, "+SUM(A1)", None),
        (datetime.date(2025, 8, 1), 3, "とても話しやすかった", "話しやすかったです"),
        (datetime.date(2026, 4, 2), 1, "来年度", None),  # outside the period
    ):
        _respond(survey, scenario, day, [(scale, point, None), (text, answer, published)])
    named, named_scale, named_text = _survey(scenario, anonymous=False)
    respondent = UserFactory(family_name=RESPONDENT[0], given_name=RESPONDENT[1])
    _respond(
        named,
        scenario,
        datetime.date(2025, 9, 1),
        [(named_scale, 4, None), (named_text, "@SUM(1)", None)],
        respondent=respondent,
    )
    # A held session with a named client, a record with topics, a note, a reflection and
    # a cancelled one with its reason: only the session's facts may leave.
    engagement = scenario.records.sessions[0].engagement
    client = engagement.client
    client.family_name, client.given_name = CLIENT_NAME
    client.save()
    first = scenario.records.sessions[0]
    SessionNoteFactory(session=first, body=PRIVATE[0])
    record = SessionRecord.objects.create(
        organization=org, session=first, shared_summary=PRIVATE[4]
    )
    record.topics.set(
        [TopicFactory(program=salon, name="自己理解"), TopicFactory(program=salon, name="進路")]
    )
    first.reflection.noticed = PRIVATE[3]
    first.reflection.save()
    cancelled = next(s for s in scenario.records.sessions if s.status == "cancelled")
    cancelled.cancel_reason = PRIVATE[2]
    cancelled.save()
    visit = scenario.records.visits[0]
    visit.private_note, visit.grade = PRIVATE[1], "2年"
    visit.save()
    visit.topics.add(TopicFactory(program=salon, name="進路相談"))
    coordinator = UserFactory(family_name="調整", given_name="役")
    MembershipFactory(organization=org, user=coordinator, role=Role.COORDINATOR)
    viewer = UserFactory(family_name="助成", given_name="財団")
    MembershipFactory(organization=org, user=viewer, role=Role.VIEWER)
    return scenario, coordinator, viewer


def _export_url(scenario: Scenario) -> str:
    return reverse("reports:program_export", args=[scenario.org.slug, scenario.salon.slug])


def _export(browser, scenario, what, file_format="xlsx", start=FY_START, end=FY_END):
    return prepared_request(
        browser,
        _export_url(scenario),
        {"what": what, "file_format": file_format, "start": start, "end": end},
    )


def _expected_targets(scenario: Scenario) -> list[tuple[str, str, int | float, int, int]]:
    """(name, KPI, actual, target, achievement %) of each target, recounted."""
    rows = []
    for name, kpi, _kind, value, end in TARGETS:
        actual = expected(
            scenario, organization=scenario.org, program=scenario.salon, start=FY_START, end=end
        )[kpi]
        if kpi == Kpi.SATISFACTION_MEAN:
            actual = float(Decimal(5 + 4 + 3 + 4) / 4)  # the four answers in the 年度
        assert actual is not None
        rows.append((name, kpi, actual, value, _half_up(Decimal(str(actual)) * 100 / value)))
    return rows


def _pdf_text(content: bytes) -> str:
    document = pdfium.PdfDocument(content)
    text = "".join(page.get_textpage().get_text_bounded() for page in document)
    return re.sub(r"\s+", "", text)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _workbook_text(content: bytes) -> str:
    book = load_workbook(io.BytesIO(content))
    return "\n".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )


def _figure(kpi: str, value: int | float) -> str:
    """How the dashboard and the PDF write an actual (``report_figures.figure``)."""
    if kpi == Kpi.NO_SHOW_RATE:
        return f"{value:.1f}%"
    if kpi == Kpi.SATISFACTION_MEAN:
        return f"{value:.2f}"
    return f"{value:,}"


def test_dashboard_xlsx_and_pdf_show_the_recounted_actuals_and_achievements(seeded, client_for):
    scenario, coordinator, _viewer = seeded
    browser = client_for(coordinator)
    targets = _expected_targets(scenario)
    assert [row[4] for row in targets] == [100, 133, 117, 67, 95, 100]  # the scenario's

    dashboard = browser.get(
        reverse("reports:program", args=[scenario.org.slug, scenario.salon.slug]),
        {"start": FY_START, "end": FY_END},
    )
    page = _squash(re.sub(r"<[^>]+>", " ", dashboard.content.decode()))
    for _name, kpi, actual, target, percent in targets:
        assert f"{_figure(kpi, actual)}/{target}" in page
        assert f"{percent}%" in page

    book = load_workbook(
        io.BytesIO(prepared_download(browser, _export(browser, scenario, "kpis")).content)
    )
    assert book.sheetnames == [ja("Overview"), ja("KPI"), "月別", "拠点別"]
    summary = list(book[ja("Overview")].iter_rows(values_only=True))
    header = summary.index(next(r for r in summary if r[0] == "目標"))
    lines = {r[0]: r for r in summary[header + 1 :] if r[0]}
    for name, _kpi, actual, target, percent in targets:
        assert lines[name][4] == target
        assert lines[name][6] == pytest.approx(actual)
        assert lines[name][7] == percent
    assert lines["欠席率"][2] == "成果指標" and lines["支援校数"][2] == "活動指標"

    kpis = {r[0]: r for r in book[ja("KPI")].iter_rows(min_row=2, values_only=True)}
    recount = expected(
        scenario, organization=scenario.org, program=scenario.salon, start=FY_START, end=FY_END
    )
    assert kpis["来室数（全種別）"][1] == recount["visits"]
    assert kpis["支援校数"][2:6] == (2, "2025/04/01 – 2026/03/31", recount["venues_served"], 100)

    pdf = _pdf_text(prepared_download(browser, _export(browser, scenario, "report", "pdf")).content)
    for _name, kpi, actual, target, percent in targets:
        assert f"{_figure(kpi, actual)}/{target}={percent}%" in pdf
    assert "2025年4月1日(火)–2026年3月31日(火)" in pdf
    assert scenario.salon.name.replace(" ", "") in pdf
    assert "活動指標" in pdf and "成果指標" in pdf
    assert "話しやすかったです" in pdf  # the published voice
    assert "とても話しやすかった" not in pdf  # never the original text


ALL_EXPORTS = (
    ("sessions", "xlsx"),
    ("sessions", "csv"),
    ("visits", "xlsx"),
    ("visits", "csv"),
    ("responses", "xlsx"),
    ("responses", "csv"),
    ("kpis", "xlsx"),
    ("kpis", "csv"),
    ("report", "pdf"),
)


def _text_of(content: bytes, file_format: str) -> str:
    if file_format == "xlsx":
        return _workbook_text(content)
    if file_format == "pdf":
        return _pdf_text(content)
    return content.decode("utf-8-sig")


def test_no_export_holds_a_private_note_record_text_reflection_or_reason(seeded, client_for):
    scenario, coordinator, _viewer = seeded
    browser = client_for(coordinator)
    for what, file_format in ALL_EXPORTS:
        content = prepared_download(browser, _export(browser, scenario, what, file_format)).content
        text = _text_of(content, file_format)
        assert text, (what, file_format)
        for private in PRIVATE:
            assert private not in text, (what, file_format, private)


def test_sessions_xlsx_has_real_dates_names_topics_and_set_widths_for_a_coordinator(
    seeded, client_for
):
    scenario, coordinator, _viewer = seeded
    browser = client_for(coordinator)
    content = prepared_download(browser, _export(browser, scenario, "sessions")).content
    book = load_workbook(io.BytesIO(content))
    assert len(book.sheetnames) == 1
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["日付", "開始", "終了"] and "相談者" in header
    assert all(cell.font.b for cell in sheet[1])
    assert all(sheet.column_dimensions[letter].width >= 7 for letter in "ABCDEFGHI")
    first = sheet[2]
    assert first[0].is_date and first[0].value == datetime.datetime(2025, 4, 20)
    assert first[0].number_format == "yyyy/mm/dd" and first[1].number_format == "h:mm"
    assert first[1].value == datetime.time(10, 0)
    client = " ".join(CLIENT_NAME)
    assert [c.value for c in first][5:] == [client, "オンライン", "実施", "自己理解、進路"]
    in_period = [
        s
        for s in scenario.records.sessions
        if s.engagement.program_id == scenario.salon.pk
        and FY_START <= s.starts_at.astimezone(TOKYO).date() <= FY_END
    ]
    assert sheet.max_row == 1 + len(in_period)  # every status, the 年度 only


def test_visits_name_students_for_a_coordinator_only_in_named_visits(seeded, client_for):
    scenario, coordinator, _viewer = seeded
    browser = client_for(coordinator)
    content = prepared_download(browser, _export(browser, scenario, "visits", "csv")).content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["日付", ja("Time of the visit"), "拠点"]
    first = scenario.records.visits[0]
    assert rows[1][2] == "A高校" and rows[1][4] == "2年" and rows[1][5] == "進路相談"
    assert rows[1][6] == first.student.display_name
    anonymous = [r for r in rows[1:] if r[6] == ""]
    assert len(anonymous) == 2  # the two anonymous walk-ins of the measured program


def test_csv_starts_with_a_bom_and_keeps_formula_like_answers_as_text(seeded, client_for):
    scenario, coordinator, _viewer = seeded
    browser = client_for(coordinator)
    content = prepared_download(browser, _export(browser, scenario, "responses", "csv")).content
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    answers = [row[5] for row in rows[1:]]
    assert "'" + FORMULA in answers and "'+SUM(A1)" in answers and "'@SUM(1)" in answers
    assert not any(a.startswith(("=", "+", "-", "@")) for a in answers)
    named = [row for row in rows[1:] if row[0] == "名前つき調査"]
    assert named and all(row[8] == " ".join(RESPONDENT) for row in named)
    assert all(row[8] == "" for row in rows[1:] if row[0] == "満足度調査")

    book = load_workbook(
        io.BytesIO(prepared_download(browser, _export(browser, scenario, "responses")).content)
    )
    cells = [row[5] for row in book.active.iter_rows(min_row=2)]
    formula = next(c for c in cells if FORMULA in str(c.value))
    assert formula.data_type == "s" and formula.value == "'" + FORMULA


def test_viewer_exports_suppress_small_counts_and_name_nobody(seeded, client_for):
    scenario, coordinator, viewer = seeded
    browser = client_for(viewer)
    content = prepared_download(browser, _export(browser, scenario, "kpis")).content
    book = load_workbook(io.BytesIO(content))
    with translation.override("ja"):
        fewer, withheld = str(FewerThan(5)), str(FewerThan(5, rate=True))
    kpis = {r[0]: r for r in book[ja("KPI")].iter_rows(min_row=2, values_only=True)}
    assert kpis["支援校数"][1] == fewer  # 2 venues
    assert kpis["支援校数"][4] == fewer and kpis["支援校数"][5] is None  # no achievement
    assert kpis["来室数（全種別）"][1] == 7 and kpis["来室数（全種別）"][5] == 117
    venues = list(book["拠点別"].iter_rows(min_row=2, values_only=True))
    assert venues and all(v in (fewer, withheld, 0, None) for row in venues for v in row[1:])
    text = _workbook_text(content)
    pdf = _pdf_text(prepared_download(browser, _export(browser, scenario, "report", "pdf")).content)
    people = [" ".join(CLIENT_NAME), " ".join(RESPONDENT)]
    people += [v.student.display_name for v in scenario.records.visits if v.student_id]
    for name in people:
        assert name not in text and _squash(name) not in pdf
    assert _squash(fewer) in pdf
    coordinator_text = _workbook_text(
        prepared_download(
            client_for(coordinator), _export(client_for(coordinator), scenario, "kpis")
        ).content
    )
    assert fewer not in coordinator_text  # coordinators see every count


@pytest.mark.parametrize("what", ["sessions", "visits", "responses"])
def test_a_viewer_cannot_export_rows_and_nothing_is_recorded(seeded, client_for, what):
    scenario, _coordinator, viewer = seeded
    browser = client_for(viewer)
    page = browser.get(_export_url(scenario))
    assert page.status_code == 200
    offered = [value for value, _label in page.context["form"].fields["what"].choices]
    assert offered == ["report", "kpis"]
    response = _export(browser, scenario, what, "csv")
    assert response.status_code == 200
    assert response.context["form"].errors["what"]
    assert not PreparedFile.objects.filter(requested_by=viewer).exists()
    assert not AuditEntry.objects.filter(actor=viewer).exists()


def test_a_file_asked_for_by_a_coordinator_who_became_a_viewer_is_not_built(seeded, client_for):
    scenario, coordinator, _viewer = seeded
    membership = coordinator.memberships.get(organization=scenario.org)
    prepared = report_export_request(
        organization=scenario.org,
        user=coordinator,
        role=Role.COORDINATOR,
        program=scenario.salon,
        what="sessions",
        file_format="csv",
        start=FY_START,
        end=FY_END,
    )
    membership.role = Role.VIEWER
    membership.save()
    assert prepared_file_build(prepared_id=prepared.pk) == "failed"


def test_every_export_is_audited_without_personal_data(seeded, client_for):
    scenario, coordinator, viewer = seeded
    _export(client_for(coordinator), scenario, "sessions", "csv")
    _export(client_for(viewer), scenario, "report", "pdf")
    entries = AuditEntry.objects.filter(organization=scenario.org, action="reports.exported")
    assert [(e.actor, e.data) for e in entries.order_by("pk")] == [
        (
            coordinator,
            {
                "kind": "reports.sessions_csv",
                "format": "csv",
                "program": scenario.salon.pk,
                "start": "2025-04-01",
                "end": "2026-03-31",
            },
        ),
        (
            viewer,
            {
                "kind": "reports.program_pdf",
                "format": "pdf",
                "program": scenario.salon.pk,
                "start": "2025-04-01",
                "end": "2026-03-31",
            },
        ),
    ]
    assert all(e.object_id == str(scenario.salon.pk) for e in entries)
    with translation.override("ja"):
        line = audit_lines(organization=scenario.org, entries=entries[:1])[0]
    assert scenario.salon.name in line.sentence and "reports.exported" not in line.sentence


def test_a_period_ending_before_it_starts_is_said_on_the_end_field_and_kept(seeded, client_for):
    scenario, coordinator, _viewer = seeded
    browser = client_for(coordinator)
    response = _export(browser, scenario, "kpis", start="2025-09-01", end="2025-08-01")
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["end"]
    body = response.content.decode()
    assert 'value="2025-09-01"' in body and 'value="2025-08-01"' in body
    assert re.search(r'<input[^>]*value="kpis"[^>]*checked', body)  # the choice kept
    assert not PreparedFile.objects.filter(requested_by=coordinator).exists()
    assert not AuditEntry.objects.filter(action="reports.exported").exists()


def test_the_export_page_answers_each_role_and_outsider(seeded, client_for):
    scenario, coordinator, viewer = seeded
    url = _export_url(scenario)
    assert client_for(coordinator).get(url).status_code == 200
    assert client_for(viewer).get(url).status_code == 200
    supporter = UserFactory()
    MembershipFactory(organization=scenario.org, user=supporter, role=Role.SUPPORTER)
    assert client_for(supporter).get(url).status_code == 403
    outsider = UserFactory()
    MembershipFactory(organization=scenario.elsewhere, user=outsider, role=Role.VIEWER)
    outside = client_for(outsider)
    assert outside.get(url).status_code == 404
    assert _export(outside, scenario, "kpis").status_code == 404
    # Their own organisation's slug with this organisation's program: not found either.
    theirs = reverse("reports:program_export", args=[scenario.elsewhere.slug, scenario.salon.slug])
    assert outside.get(theirs).status_code == 404
    assert not PreparedFile.objects.filter(requested_by=outsider).exists()
