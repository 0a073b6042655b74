"""The report period from the query string: the current 年度 by default, a 年度 from the
menu, or a first and a last day; an end before the start is said on the end field while
the default period is used."""

import datetime

from django.http import QueryDict
from django.utils import translation

from bansou.reports.forms import period_from

TODAY = datetime.date(2026, 3, 31)  # still 2025年度


def _period(query: str, today: datetime.date = TODAY):
    return period_from(QueryDict(query), today=today)


def test_nothing_chosen_is_the_current_fiscal_year_without_errors():
    period = _period("")
    assert (period.start, period.end) == (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
    assert not period.form.is_bound and period.fiscal_year == 2025 and period.is_default
    assert _period("", today=datetime.date(2026, 4, 1)).fiscal_year == 2026


def test_a_fiscal_year_from_the_menu():
    period = _period("year=2023")
    assert (period.start, period.end) == (datetime.date(2023, 4, 1), datetime.date(2024, 3, 31))
    assert period.fiscal_year == 2023 and not period.is_default


def test_days_take_precedence_and_an_open_end_closes_with_its_fiscal_year():
    period = _period("year=2023&start=2025-10-01&end=2025-12-31")
    assert (period.start, period.end) == (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))
    assert period.fiscal_year is None
    assert (_period("start=2025-10-01").end, _period("end=2025-05-31").start) == (
        datetime.date(2026, 3, 31),
        datetime.date(2025, 4, 1),
    )
    assert _period("start=2025-10-01&end=2025-12-31").query() == "start=2025-10-01&end=2025-12-31"


def test_an_end_before_the_start_is_said_on_the_end_field_and_the_default_is_used():
    with translation.override("ja"):
        period = _period("start=2025-10-01&end=2025-09-30")
        errors = period.form.errors
    assert list(errors) == ["end"]
    assert errors["end"] == ["最終日は初日と同じか、それより後の日付にしてください。"]
    assert (period.start, period.end) == (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
    assert period.form["start"].value() == "2025-10-01"  # what was typed is shown again


def test_unreadable_input_is_said_and_the_default_is_used():
    for query in ("year=abc", "year=1800", "start=2025-13-01", "start=0001-01-01", "start=²"):
        period = _period(query)
        assert period.form.errors, query
        assert period.fiscal_year == 2025, query


def test_a_period_longer_than_ten_years_is_refused():
    period = _period("start=2010-04-01&end=2026-03-31")
    assert "end" in period.form.errors and period.fiscal_year == 2025
