"""Counts below the program's threshold (but above 0) are hidden from viewers and partners;
coordinators and supporters see everything."""

import datetime

import pytest
from django.utils import translation

from bansou.core.roles import Role
from bansou.reports.selectors.kpis import KpiValues, MonthRow, VenueRow
from bansou.reports.selectors.suppression import (
    DEFAULT_THRESHOLD,
    FewerThan,
    sees_small_counts,
    shown_kpis,
    shown_row,
    suppressed,
    suppressed_rate,
    threshold_for,
)
from tests.factories import ProgramFactory, VenueFactory

HIDDEN_FROM = (Role.VIEWER, Role.PARTNER)
SEES_ALL = (Role.COORDINATOR, Role.SUPPORTER)


@pytest.mark.parametrize("role", HIDDEN_FROM)
def test_small_counts_become_fewer_than_for_viewers_and_partners(role):
    assert suppressed(4, threshold=5, role=role) == FewerThan(5)
    assert suppressed(1, threshold=5, role=role) == FewerThan(5)
    assert suppressed(5, threshold=5, role=role) == 5
    assert suppressed(0, threshold=5, role=role) == 0  # nobody to recognise
    assert suppressed(None, threshold=5, role=role) is None
    assert suppressed(9, threshold=10, role=role) == FewerThan(10)


@pytest.mark.parametrize("role", SEES_ALL)
def test_coordinators_and_supporters_see_every_count(role):
    assert sees_small_counts(role)
    assert suppressed(1, threshold=5, role=role) == 1
    assert suppressed_rate(100.0, base=1, threshold=5, role=role) == 100.0


def test_a_rate_on_few_people_is_withheld():
    assert suppressed_rate(100.0, base=2, threshold=5, role=Role.VIEWER) == FewerThan(5, rate=True)
    assert suppressed_rate(40.0, base=5, threshold=5, role=Role.VIEWER) == 40.0
    assert suppressed_rate(None, base=0, threshold=5, role=Role.VIEWER) is None


def test_the_marker_reads_in_the_active_language():
    with translation.override("en"):
        assert str(FewerThan(5)) == "fewer than 5"
    with translation.override("ja"):
        assert str(FewerThan(5)) == "5未満"
        assert str(FewerThan(5, rate=True)) == "非表示（5未満）"


def test_shown_kpis_hides_small_counts_and_rates_on_small_bases():
    values = KpiValues(
        start=datetime.date(2025, 4, 1),
        end=datetime.date(2026, 3, 31),
        venues_served=3,
        salon_sessions_held=40,
        sessions_held=2,
        reflections=2,
        named_visitors=30,
        repeat_visitors=4,
        visits_walk_in=100,
    )
    viewer = shown_kpis(values, threshold=5, role=Role.VIEWER)
    assert viewer["venues_served"] == FewerThan(5)
    assert viewer["salon_sessions_held"] == 40
    assert viewer["sessions_held"] == FewerThan(5)
    assert viewer["reflection_rate"] == FewerThan(5, rate=True)  # 2 of 2 sessions
    assert viewer["repeat_visit_rate"] == 13.3  # 4 of 30 people: the base is large enough
    assert viewer["engagements_completed"] == 0
    assert viewer["satisfaction_mean"] is None
    coordinator = shown_kpis(values, threshold=5, role=Role.COORDINATOR)
    assert coordinator["venues_served"] == 3 and coordinator["reflection_rate"] == 100.0


def test_shown_row_for_month_and_venue_rows():
    month = MonthRow(
        month=datetime.date(2025, 4, 1),
        sessions_held=3,
        visits_walk_in=2,
        visits_reserved=2,
        unique_clients=12,
    )
    shown = shown_row(month, threshold=5, role=Role.PARTNER)
    assert shown["sessions_held"] == FewerThan(5) and shown["unique_clients"] == 12
    assert shown["visits"] == FewerThan(5)  # 4 visits in all
    venue = VenueRow(
        venue=VenueFactory.build(), salon_sessions_held=8, visits_reserved=1, no_shows=1
    )
    shown = shown_row(venue, threshold=5, role=Role.VIEWER)
    assert shown["salon_sessions_held"] == 8
    assert shown["no_show_rate"] == FewerThan(5, rate=True)
    assert shown_row(venue, threshold=5, role=Role.COORDINATOR)["no_show_rate"] == 50.0


@pytest.mark.django_db
def test_the_threshold_is_the_programs_or_the_default():
    assert threshold_for(ProgramFactory(suppression_threshold=10)) == 10
    assert threshold_for(None) == DEFAULT_THRESHOLD == 5
