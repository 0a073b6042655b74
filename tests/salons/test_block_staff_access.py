"""A supporter who staffs today's salon at a school but is not one of the school's own
supporters: on the day, the salon screen's student search finds the school's students
(and no one else's); the school's liaison stays with its supporters, teachers and the
coordinators, and the screen does not offer it to someone who cannot open it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from bansou.core.roles import Role
from bansou.salons.models import SalonBlock, VenueStaff
from bansou.salons.selectors.liaison import venue_for_student_search
from bansou.salons.services.staffing import works_venue_today
from tests.factories import (
    ClientProfileFactory,
    MembershipFactory,
    SalonBlockFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def _url(world, name, *args):
    return reverse(f"salons:{name}", args=[world.a.organization.slug, *args])


def _stand_in(world):
    """An active supporter of A who works at no school (no VenueStaff row)."""
    user = UserFactory(family_name="代理", given_name="支援")
    MembershipFactory(organization=world.a.organization, user=user, role=Role.SUPPORTER)
    return user


def _today(world, staff, *, venue=None, days=0, **fields):
    """A salon at A's school (or ``venue``) ``days`` from today, at noon."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return SalonBlockFactory(
        program=world.a.extra["program"],
        venue=venue or world.a.venue,
        starts_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))),
        staff=[staff],
        **fields,
    )


def _search(browser, world, venue_pk, query="ORGAMARK"):
    return browser.get(
        _url(world, "venue_students", venue_pk), {"field": "student", "student_q": query}
    )


def test_a_stand_in_on_the_day_finds_the_schools_students_only(world, client_for):
    stand_in = _stand_in(world)
    block = _today(world, stand_in)
    other = VenueFactory(organization=world.a.organization, name="G高校")
    elsewhere = UserFactory(family_name="ORGAMARK他校", given_name="生徒")
    MembershipFactory(organization=world.a.organization, user=elsewhere, role=Role.CLIENT)
    ClientProfileFactory(organization=world.a.organization, user=elsewhere, venue=other)
    browser = client_for(stand_in)

    screen = browser.get(_url(world, "screen", block.pk)).content.decode()
    search = _url(world, "venue_students", world.a.venue.pk)
    assert search in screen  # the screen's student search asks there

    response = _search(browser, world, world.a.venue.pk)
    assert response.status_code == 200
    body = response.content.decode()
    assert world.a.members[Role.CLIENT].display_name in body
    assert "ORGAMARK他校" not in body
    # Another school's search stays closed: they staff no salon there today.
    assert _search(browser, world, other.pk).status_code == 404


def test_the_screen_offers_the_liaison_only_to_who_can_open_it(world, client_for):
    stand_in = _stand_in(world)
    block = _today(world, stand_in)
    liaison = _url(world, "liaison", world.a.venue.pk)
    browser = client_for(stand_in)
    screen = browser.get(_url(world, "screen", block.pk)).content.decode()
    assert f'href="{liaison}"' not in screen
    assert world.a.venue.access in screen  # the way in is still shown
    assert browser.get(liaison).status_code == 404
    # The school's own supporter, staffing it, and a coordinator see the link and open it.
    supporter = world.a.members[Role.SUPPORTER]
    block.meeting.attendees.add(supporter)
    for person in (supporter, world.a.members[Role.COORDINATOR]):
        own = client_for(person)
        page = own.get(_url(world, "screen", block.pk)).content.decode()
        assert f'href="{liaison}"' in page, person
        assert own.get(liaison).status_code == 200, person


@pytest.mark.parametrize(
    ("days", "status"),
    [(1, SalonBlock.Status.SCHEDULED), (-1, SalonBlock.Status.HELD), (0, "cancelled")],
)
def test_no_search_without_a_salon_there_today(world, client_for, days, status):
    stand_in = _stand_in(world)
    _today(world, stand_in, days=days, status=status, closed_at=timezone.now())
    assert _search(client_for(stand_in), world, world.a.venue.pk).status_code == 404


def test_a_salon_closed_with_its_log_today_still_lets_its_staff_search(world, client_for):
    stand_in = _stand_in(world)
    _today(world, stand_in, status=SalonBlock.Status.HELD, closed_at=timezone.now())
    assert _search(client_for(stand_in), world, world.a.venue.pk).status_code == 200


def test_who_works_a_venue_today(world):
    venue, org = world.a.venue, world.a.organization
    stand_in = _stand_in(world)
    assert not works_venue_today(venue=venue, user=stand_in, role=Role.SUPPORTER)
    _today(world, stand_in)
    assert works_venue_today(venue=venue, user=stand_in, role=Role.SUPPORTER)
    # Another role (a teacher added to the meeting by mistake) does not search students.
    teacher = world.a.members[Role.PARTNER]
    _today(world, teacher)
    assert not works_venue_today(venue=venue, user=teacher, role=Role.PARTNER)
    # The school's own supporter needs no salon today.
    supporter = world.a.members[Role.SUPPORTER]
    assert VenueStaff.objects.filter(venue=venue, user=supporter, kind="supporter").exists()
    assert (
        venue_for_student_search(organization=org, user=supporter, role=Role.SUPPORTER, pk=venue.pk)
        == venue
    )
