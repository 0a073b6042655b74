import datetime

import pytest

from bansou.core.roles import Role
from bansou.programs.models import Enrollment
from bansou.programs.selectors import program_timeline, programs_visible_to
from tests.factories import PhaseFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def test_program_timeline_positions_phases_across_the_period():
    program = ProgramFactory(
        starts_on=datetime.date(2025, 11, 1), ends_on=datetime.date(2026, 2, 28)
    )  # 120 days
    first = PhaseFactory(
        program=program, starts_on=datetime.date(2025, 11, 1), ends_on=datetime.date(2025, 11, 30)
    )
    last = PhaseFactory(
        program=program, starts_on=datetime.date(2026, 2, 1), ends_on=datetime.date(2026, 2, 28)
    )
    timeline = program_timeline(
        program=program, phases=[first, last], today=datetime.date(2025, 11, 15)
    )
    assert (timeline.rows[0].offset, timeline.rows[0].width) == (0.0, 25.0)
    assert timeline.rows[1].offset == 76.67  # 92 of 120 days
    assert timeline.rows[1].offset + timeline.rows[1].width == pytest.approx(100.0)
    assert timeline.rows[0].is_current and not timeline.rows[1].is_current
    assert timeline.today_offset == pytest.approx(100 * 14.5 / 120, abs=0.01)  # middle of day 15


def test_program_timeline_has_no_today_marker_outside_the_period():
    program = ProgramFactory(starts_on=datetime.date(2025, 1, 1), ends_on=datetime.date(2025, 1, 1))
    timeline = program_timeline(program=program, phases=[], today=datetime.date(2025, 1, 2))
    assert timeline.today_offset is None
    one_day = PhaseFactory(program=program)
    row = program_timeline(program=program, phases=[one_day], today=program.starts_on).rows[0]
    assert (row.offset, row.width, row.is_current) == (0.0, 100.0, True)


def test_programs_visible_to_depends_on_role_and_enrollment(world, program):
    org = world.a.organization
    other = ProgramFactory(organization=org)
    coordinator = world.a.members[Role.COORDINATOR]
    supporter = world.a.members[Role.SUPPORTER]
    assert set(programs_visible_to(organization=org, user=coordinator, role=Role.COORDINATOR)) == {
        program,
        other,
    }
    assert list(programs_visible_to(organization=org, user=supporter, role=Role.SUPPORTER)) == [
        program
    ]
    Enrollment.objects.filter(user=supporter).update(is_active=False)
    assert not programs_visible_to(organization=org, user=supporter, role=Role.SUPPORTER).exists()
    partner = world.a.members[Role.PARTNER]
    assert not programs_visible_to(organization=org, user=partner, role=Role.PARTNER).exists()
