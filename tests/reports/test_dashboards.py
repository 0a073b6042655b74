"""The report pages: targets against actuals recounted from the records, small counts
hidden from viewers, a period that cannot be used explained on its field, and a query
count that does not grow with the data."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.test import Client
from django.urls import reverse

from bansou.core.roles import Role
from bansou.programs.models import Target
from bansou.reports.selectors.suppression import FewerThan
from tests.conftest import ConstantQueries
from tests.factories import MembershipFactory, UserFactory
from tests.reports.builders import FY_END, FY_START, at, block, build, expected, visit

pytestmark = pytest.mark.django_db
FY = {"year": "2025"}


def _member(org, role: Role):
    user = UserFactory()
    MembershipFactory(organization=org, user=user, role=role)
    client = Client()
    client.force_login(user)
    return client


def _target(scenario, kpi: str, value: int, name: str) -> Target:
    return Target.objects.create(
        organization=scenario.org,
        program=scenario.salon,
        name=name,
        unit="",
        kpi=kpi,
        target_value=value,
        period_start=FY_START,
        period_end=FY_END,
    )


def _percent(actual: float, target: int) -> int:
    exact = Decimal(str(actual)) * 100 / Decimal(target)
    return int(exact.quantize(Decimal(1), ROUND_HALF_UP))


def _program_url(scenario) -> str:
    return reverse("reports:program", args=[scenario.org.slug, scenario.salon.slug])


def test_targets_show_the_recounted_actuals_and_their_achievement():
    scenario = build()
    want = expected(
        scenario, organization=scenario.org, program=scenario.salon, start=FY_START, end=FY_END
    )
    targets = {
        "salon_sessions_held": _target(scenario, "salon_sessions_held", 3, "サロン開催回数"),
        "visits": _target(scenario, "visits", 4, "来室数"),
        "sessions_held": _target(scenario, "sessions_held", 3, "面談回数"),
    }
    response = _member(scenario.org, Role.COORDINATOR).get(_program_url(scenario), FY)
    assert response.status_code == 200
    lines = {line.row.target.kpi: line for line in response.context["report"].targets}
    body = response.content.decode()
    for kpi, target in targets.items():
        actual = want[kpi]
        assert lines[kpi].actual == actual
        assert lines[kpi].percent == _percent(actual, target.target_value)
        assert f"{_percent(actual, target.target_value)}%" in body
    figures = {f.definition.key: f.value for f in response.context["report"].figures}
    for key in ("venues_served", "unique_clients", "no_show_rate", "repeat_visit_rate"):
        assert figures[key] == want[key], key
    assert "四捨五入" in body  # the rounding rule is stated


def test_a_viewer_sees_small_counts_hidden_and_no_names():
    scenario = build()
    _target(scenario, "salon_sessions_held", 10, "サロン開催回数")
    students = {v.student for v in scenario.records.visits if v.student is not None}
    for student in students:
        student.family_name = f"秘匿{student.pk}"
        student.save(update_fields=["family_name"])
    viewer = _member(scenario.org, Role.VIEWER)
    response = viewer.get(_program_url(scenario), FY)
    report = response.context["report"]
    figures = {f.definition.key: f for f in report.figures}
    assert figures["salon_sessions_held"].hidden  # 3 salons, under the threshold of 5
    assert figures["repeat_visit_rate"].hidden  # it rests on 3 named visitors
    trends = {t.key: t for t in report.trends}
    assert isinstance(trends["salon_sessions_held"].maximum, FewerThan)  # the scale too
    assert report.targets[0].percent is None  # 30% of 10 would reveal the count of 3
    body = response.content.decode()
    assert "5未満" in body
    for student in students:
        assert f"秘匿{student.pk}" not in body and student.email not in body
    coordinator = _member(scenario.org, Role.COORDINATOR).get(_program_url(scenario), FY)
    assert not {f.definition.key: f for f in coordinator.context["report"].figures}[
        "salon_sessions_held"
    ].hidden


def test_a_period_ending_before_it_starts_is_explained_and_the_fiscal_year_shown():
    scenario = build()
    coordinator = _member(scenario.org, Role.COORDINATOR)
    response = coordinator.get(_program_url(scenario), {"start": "2025-09-01", "end": "2025-08-01"})
    assert response.status_code == 200
    form = response.context["period"].form
    assert form.errors["end"] and 'value="2025-09-01"' in response.content.decode()
    report = response.context["report"]
    assert (report.start, report.end) != (datetime.date(2025, 9, 1), datetime.date(2025, 8, 1))


def test_other_organisations_and_roles_are_kept_out():
    scenario = build()
    foreign = reverse("reports:program", args=[scenario.org.slug, scenario.elsewhere_program.slug])
    assert _member(scenario.org, Role.COORDINATOR).get(foreign).status_code == 404
    for role in (Role.SUPPORTER, Role.CLIENT, Role.PARTNER):
        assert _member(scenario.org, role).get(_program_url(scenario)).status_code == 403
    organization = _member(scenario.org, Role.VIEWER).get(
        reverse("reports:organization", args=[scenario.org.slug]), FY
    )
    assert scenario.salon.name in organization.content.decode()


def test_report_pages_keep_their_query_count(assert_constant_queries: ConstantQueries):
    scenario = build()
    _target(scenario, "visits", 10, "来室数")
    coordinator = _member(scenario.org, Role.COORDINATOR)
    serial = iter(range(1000))

    def more(n: int) -> list[str]:
        names = []
        for _ in range(n):
            name = f"校{next(serial):03d}"
            venue = scenario.venues[0].__class__.objects.create(
                organization=scenario.org, name=name
            )
            salon = block(scenario.records, scenario.salon, venue, at(2025, 11, 5))
            visit(scenario.records, salon, "walk_in", UserFactory())
            names.append(name)
        return names

    for url in (
        _program_url(scenario),
        reverse("reports:organization", args=[scenario.org.slug]),
    ):
        assert_constant_queries(build=more, get=lambda url=url: coordinator.get(url, FY))
