"""kpi_values, monthly_kpis and venue_table against a plain-Python recount of known data:
program scoping, the other organisation, the 年度's edges in Tokyo time, and query counts
that do not grow with the data."""

import datetime

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from bansou.programs.models import Kpi
from bansou.reports.selectors.kpis import (
    KPI_DEFINITIONS,
    kpi_values,
    monthly_kpis,
    rate,
    venue_table,
)
from tests.factories import EngagementFactory, UserFactory
from tests.reports.builders import (
    FY_END,
    FY_START,
    Records,
    at,
    block,
    build,
    expected,
    session,
    visit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario():
    return build()


def _actual(values) -> dict:
    return {key: values.value(key) for key in KPI_DEFINITIONS}


def test_every_kpi_has_a_definition_and_every_definition_a_key():
    assert set(KPI_DEFINITIONS) == set(Kpi.values)


def test_kpi_values_of_a_program_match_the_recount(scenario):
    values = kpi_values(
        organization=scenario.org, program=scenario.salon, start=FY_START, end=FY_END
    )
    wanted = expected(
        scenario, organization=scenario.org, program=scenario.salon, start=FY_START, end=FY_END
    )
    assert _actual(values) == wanted
    # The figures the data was built for, so that the recount itself is checked too.
    assert wanted == {
        "venues_served": 2,  # A高校, B高校 (C高校 cancelled, D高校 the year before)
        "salon_sessions_held": 4,
        "sessions_held": 3,  # two of e1, and e2's at 23:30 on 31 March
        "unique_clients": 4,  # c1, s1 (session and visits: once), s2, s3; anonymous aside
        "visits": 7,
        "visits_walk_in": 4,  # two anonymous
        "visits_reserved": 2,
        "visits_outreach": 1,
        "repeat_visit_rate": 66.7,  # s1 and s3 came twice, of s1, s2, s3
        "no_show_rate": 28.6,  # (1 session + 1 salon) of (3 + 1 + 2 + 1)
        "engagements_active": 2,
        "engagements_completed": 2,  # e1, e2 (23:59 on 31 March); e3 interrupted
        "reflection_rate": 66.7,
        "events_held": 2,
        "event_headcount": 30,
        "satisfaction_mean": None,
        "satisfied_rate": None,
        "nps": None,
    }
    assert (values.named_visitors, values.repeat_visitors, values.salon_no_shows) == (3, 2, 1)


def test_kpi_values_of_the_organisation_include_every_program_and_no_other_organisation(
    scenario,
):
    values = kpi_values(organization=scenario.org, start=FY_START, end=FY_END)
    assert _actual(values) == expected(
        scenario, organization=scenario.org, program=None, start=FY_START, end=FY_END
    )
    assert values.event_headcount == 30 + 50 + 7  # the event of no program too; not 999
    assert values.sessions_held == 4


def test_kpi_values_of_another_organisations_program_count_nothing_of_ours(scenario):
    values = kpi_values(
        organization=scenario.org,
        program=scenario.elsewhere_program,
        start=FY_START,
        end=FY_END,
    )
    assert values.sessions_held == 0 and values.visits == 0 and values.events_held == 0


def test_the_other_organisation_sees_only_its_own(scenario):
    values = kpi_values(organization=scenario.elsewhere, start=FY_START, end=FY_END)
    assert _actual(values) == expected(
        scenario, organization=scenario.elsewhere, program=None, start=FY_START, end=FY_END
    )
    assert (values.sessions_held, values.visits, values.event_headcount) == (1, 1, 999)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(2026, 3, 31), datetime.date(2026, 3, 31)),  # the last day alone
        (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31)),  # the next 年度
        (datetime.date(2025, 3, 1), datetime.date(2025, 3, 31)),  # the month before
        (datetime.date(2025, 5, 1), datetime.date(2025, 6, 30)),
    ],
)
def test_period_edges_are_tokyo_days(scenario, start, end):
    values = kpi_values(organization=scenario.org, program=scenario.salon, start=start, end=end)
    assert _actual(values) == expected(
        scenario, organization=scenario.org, program=scenario.salon, start=start, end=end
    )


def test_a_session_at_2330_on_31_march_belongs_to_the_old_year(scenario):
    last_day = kpi_values(
        organization=scenario.org,
        program=scenario.salon,
        start=datetime.date(2026, 3, 31),
        end=datetime.date(2026, 3, 31),
    )
    first_day = kpi_values(
        organization=scenario.org,
        program=scenario.salon,
        start=datetime.date(2026, 4, 1),
        end=datetime.date(2026, 4, 1),
    )
    # 23:30 JST on 31 March is 14:30 UTC the same day; 00:10 JST on 1 April is 15:10 UTC
    # on 31 March: a UTC day would put both in the old 年度.
    assert last_day.sessions_held == 1 and first_day.sessions_held == 1
    # e2 ended at 23:59 on 31 March, e4 at 00:01 on 1 April: one in each 年度.
    assert last_day.engagements_completed == 1 and first_day.engagements_completed == 1
    assert last_day.visits_reserved == 1 and first_day.visits_walk_in == 1


def test_a_period_ending_before_it_starts_is_refused(scenario):
    with pytest.raises(ValueError, match="before it starts"):
        kpi_values(
            organization=scenario.org,
            start=datetime.date(2025, 5, 2),
            end=datetime.date(2025, 5, 1),
        )


def test_rates_have_one_decimal_rounded_half_up():
    assert rate(1, 8) == 12.5
    assert rate(1, 3) == 33.3
    assert rate(2, 3) == 66.7
    assert rate(1, 16) == 6.3  # 6.25 → 6.3 (half up, not to even)
    assert rate(0, 0) is None


# --- monthly ----------------------------------------------------------------------------


def _recount_month(scenario, month: datetime.date) -> dict:
    nxt = (month + datetime.timedelta(days=32)).replace(day=1)
    end = min(nxt - datetime.timedelta(days=1), FY_END)
    return expected(
        scenario, organization=scenario.org, program=scenario.salon, start=month, end=end
    )


def test_monthly_kpis_give_every_month_with_the_recount(scenario):
    rows = monthly_kpis(
        organization=scenario.org, program=scenario.salon, start=FY_START, end=FY_END
    )
    assert [row.month for row in rows] == [
        datetime.date(2025 + (m > 12), (m - 1) % 12 + 1, 1) for m in range(4, 16)
    ]
    for row in rows:
        wanted = _recount_month(scenario, row.month)
        got = (
            row.sessions_held,
            row.salon_sessions_held,
            row.visits_walk_in,
            row.visits_reserved,
            row.visits_outreach,
            row.visits,
            row.unique_clients,
        )
        assert got == (
            wanted["sessions_held"],
            wanted["salon_sessions_held"],
            wanted["visits_walk_in"],
            wanted["visits_reserved"],
            wanted["visits_outreach"],
            wanted["visits"],
            wanted["unique_clients"],
        ), row.month
    may = next(row for row in rows if row.month == datetime.date(2025, 5, 1))
    assert (may.unique_clients, may.salon_no_shows) == (3, 0)  # c1 (session), s1, s2
    march = rows[-1]
    assert (march.sessions_held, march.visits_reserved, march.unique_clients) == (1, 1, 2)


def test_monthly_kpis_of_a_partial_month_count_only_its_days(scenario):
    rows = monthly_kpis(
        organization=scenario.org,
        program=scenario.salon,
        start=datetime.date(2025, 4, 15),
        end=datetime.date(2025, 5, 14),
    )
    assert [(r.month, r.sessions_held, r.salon_sessions_held) for r in rows] == [
        (datetime.date(2025, 4, 1), 1, 0),  # the salon of 9 April is before the 15th
        (datetime.date(2025, 5, 1), 0, 1),
    ]


# --- venues -----------------------------------------------------------------------------


def test_venue_table_per_venue(scenario):
    rows = venue_table(
        organization=scenario.org, program=scenario.salon, start=FY_START, end=FY_END
    )
    by_name = {row.venue.name: row for row in rows}
    assert list(by_name) == ["A高校", "B高校", "C高校"]  # by name; D高校 had none this 年度
    a, b, c = by_name["A高校"], by_name["B高校"], by_name["C高校"]
    assert (a.salon_sessions_held, a.visits_walk_in, a.visits_reserved, a.no_shows) == (2, 2, 1, 1)
    assert (a.unique_visitors, a.visits, a.no_show_rate) == (2, 3, 50.0)
    assert (b.salon_sessions_held, b.visits_walk_in, b.visits_outreach, b.visits_reserved) == (
        2,
        2,
        1,
        1,
    )
    assert b.unique_visitors == 1  # s3 twice; the anonymous walk-ins are not people
    assert (c.salon_sessions_held, c.salons_cancelled, c.visits, c.no_show_rate) == (0, 1, 0, None)
    assert sum(r.salon_sessions_held for r in rows) == 4


def test_venue_table_of_the_organisation_counts_the_other_program_at_the_same_venue(scenario):
    rows = venue_table(organization=scenario.org, start=FY_START, end=FY_END)
    a = next(row for row in rows if row.venue.name == "A高校")
    assert (a.salon_sessions_held, a.visits_walk_in, a.no_shows, a.unique_visitors) == (3, 4, 2, 2)
    assert all(row.venue.organization_id == scenario.org.pk for row in rows)


# --- query counts -----------------------------------------------------------------------


def _grow(scenario, records: Records):
    """Adds a salon with visits and a session of a new client: more rows everywhere."""

    def build_rows(n: int) -> list[str]:
        for i in range(n):
            day = at(2025, 4 + i % 12 if i % 12 < 9 else 4, 1 + i % 28)
            b = block(records, scenario.salon, scenario.venues[i % 3], day)
            student = UserFactory()
            visit(records, b, "walk_in", student)
            visit(records, b, "reserved", UserFactory())
            visit(records, b, "no_show", UserFactory(), minutes=20)
            engagement = EngagementFactory(program=scenario.salon, client=student)
            session(records, engagement, day - datetime.timedelta(hours=3))
        return []

    return build_rows


@pytest.mark.parametrize("selector", [kpi_values, monthly_kpis, venue_table])
def test_query_count_does_not_grow_with_the_data(scenario, assert_constant_queries, selector):
    def get() -> HttpResponse:
        return HttpResponse(
            repr(
                selector(
                    organization=scenario.org, program=scenario.salon, start=FY_START, end=FY_END
                )
            )
        )

    counts = assert_constant_queries(build=_grow(scenario, Records()), get=get)
    assert counts.small == {kpi_values: 7, monthly_kpis: 2, venue_table: 3}[selector]


def test_kpi_values_is_a_few_aggregate_queries(scenario):
    with CaptureQueriesContext(connection) as queries:
        kpi_values(organization=scenario.org, program=scenario.salon, start=FY_START, end=FY_END)
    assert len(queries) == 7
    assert all("COUNT(" in q["sql"].upper() or "SUM(" in q["sql"].upper() for q in queries)
