"""The salons' signals on the continuity radar (found through the registry, never imported
by the engagements app): each fires for a planted case and not for the case next to it, the
page shows them to coordinators only, never with a visit's private note, and an
organisation without salons gets no salon section."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from bansou.core.roles import Role
from bansou.engagements.selectors.radar import RADAR_PAGE_SIZE, radar_app_sections
from bansou.salons.models import Referral, Visit
from bansou.salons.selectors.radar import (
    falling_venues,
    one_visit_students,
    referred_never_came,
    repeated_salon_no_shows,
)
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    ReservationFactory,
    SalonBlockFactory,
    UserFactory,
    VenueFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

_serial = iter(range(1, 10_000))
NOW = timezone.now()


def _student(world, name="生徒", org="a"):
    user = UserFactory(family_name=f"{name}{next(_serial):04d}")
    MembershipFactory(organization=getattr(world, org).organization, user=user, role=Role.CLIENT)
    return user


def _block(world, *, days_ago, venue=None, program=None, org="a"):
    side = getattr(world, org)
    return SalonBlockFactory(
        program=program or side.extra["program"],
        venue=venue or side.venue,
        starts_at=NOW - datetime.timedelta(days=days_ago),
    )


def _came(world, student, *, days_ago, kind=Visit.Kind.WALK_IN, **block):
    return VisitFactory(block=_block(world, days_ago=days_ago, **block), student=student, kind=kind)


def _no_show(world, student, *, days_ago):
    block = _block(world, days_ago=days_ago)
    reservation = ReservationFactory(block=block, student=student)
    return VisitFactory(
        block=block, student=student, kind=Visit.Kind.NO_SHOW, reservation=reservation
    )


def _referral(world, student, *, days_ago, **fields):
    referral = Referral.objects.create(
        organization=world.a.organization,
        venue=world.a.venue,
        teacher=world.a.members[Role.PARTNER],
        student=student,
        reason="家庭のことで悩んでいる",
        **fields,
    )
    Referral.objects.filter(pk=referral.pk).update(
        created_at=NOW - datetime.timedelta(days=days_ago)
    )
    return referral


def _ids(rows, key="student_id"):
    return {row[key] for row in rows}


def test_a_student_who_came_once_over_four_weeks_ago_is_listed(world):
    once = _student(world)
    _came(world, once, days_ago=30)
    recent = _student(world)  # came once, 3 weeks ago: still time to come back
    _came(world, recent, days_ago=21)
    twice = _student(world)
    _came(world, twice, days_ago=42)
    _came(world, twice, days_ago=14)
    booked = _student(world)  # came once, but has a salon booked ahead
    _came(world, booked, days_ago=42)
    ReservationFactory(block=world.a.extra["block"], student=booked)
    missed = _student(world)  # came once, then missed a booked visit: a no-show is no visit
    _came(world, missed, days_ago=42)
    _no_show(world, missed, days_ago=7)
    rows = one_visit_students(organization=world.a.organization, now=NOW)
    assert _ids(rows) == {once.pk, missed.pk}
    row = next(r for r in rows if r["student_id"] == once.pk)
    assert row["at_venue"] == world.a.venue.pk
    assert row["came"] == NOW - datetime.timedelta(days=30)
    # Eight weeks instead of four: 30 days ago is not long enough yet.
    rows = one_visit_students(organization=world.a.organization, weeks=8, now=NOW)
    assert once.pk not in _ids(rows)


def test_a_student_who_left_or_came_to_another_programs_salon_is_not_listed(world):
    left = _student(world)
    _came(world, left, days_ago=40)
    left.memberships.update(is_active=False)
    elsewhere = _student(world)
    other = ProgramFactory(organization=world.a.organization, slug="other-program")
    _came(world, elsewhere, days_ago=40, program=other)
    org, program = world.a.organization, world.a.extra["program"]
    assert _ids(one_visit_students(organization=org, now=NOW)) == {elsewhere.pk}
    assert _ids(one_visit_students(organization=org, program=program, now=NOW)) == set()


def test_a_referred_student_who_never_came_is_listed_after_two_weeks(world):
    waiting = _student(world)
    waiting_referral = _referral(world, waiting, days_ago=15)
    came_before_only = _student(world)  # a visit before the referral does not count
    _came(world, came_before_only, days_ago=40)
    before_referral = _referral(world, came_before_only, days_ago=20)
    came = _student(world)
    _referral(world, came, days_ago=20)
    _came(world, came, days_ago=10)
    fresh = _student(world)  # 13 days: not yet
    _referral(world, fresh, days_ago=13)
    closed = _student(world)
    _referral(world, closed, days_ago=30, status=Referral.Status.CLOSED)
    no_show = _student(world)  # booked but did not come: still never came
    no_show_referral = _referral(world, no_show, days_ago=30)
    _no_show(world, no_show, days_ago=5)
    Referral.objects.create(  # not registered: nobody to find on the radar
        organization=world.a.organization,
        venue=world.a.venue,
        teacher=world.a.members[Role.PARTNER],
        student_label="Aさん",
    )
    Referral.objects.filter(student__isnull=True).update(
        created_at=NOW - datetime.timedelta(days=30)
    )
    found = list(referred_never_came(organization=world.a.organization, now=NOW))
    assert found == [no_show_referral, before_referral, waiting_referral]  # the oldest first


def test_two_no_shows_in_eight_weeks_are_listed_and_one_is_not(world):
    repeated = _student(world)
    _no_show(world, repeated, days_ago=50)
    _no_show(world, repeated, days_ago=3)
    spread = _student(world)  # the second no-show was over 8 weeks ago
    _no_show(world, spread, days_ago=60)
    _no_show(world, spread, days_ago=3)
    once = _student(world)
    _no_show(world, once, days_ago=3)
    _came(world, once, days_ago=10)
    rows = list(repeated_salon_no_shows(organization=world.a.organization, now=NOW))
    assert [(r["student_id"], r["n"]) for r in rows] == [(repeated.pk, 2)]
    assert rows[0]["last"] == NOW - datetime.timedelta(days=3)


def _visits(world, venue, *, before, recent):
    """``before`` visits 5 weeks ago and ``recent`` ones 1 week ago (anonymous walk-ins)."""
    for days_ago, count in ((35, before), (7, recent)):
        block = _block(world, days_ago=days_ago, venue=venue)
        for _ in range(count):
            VisitFactory(block=block)


def test_a_venue_whose_visits_fell_by_thirty_percent_is_listed(world):
    org = world.a.organization
    falling = VenueFactory(organization=org, name="南高校")
    _visits(world, falling, before=10, recent=7)  # −30 %: listed
    steady = VenueFactory(organization=org, name="東高校")
    _visits(world, steady, before=10, recent=8)  # −20 %
    small = VenueFactory(organization=org, name="西高校")
    _visits(world, small, before=4, recent=0)  # too few before to say
    steep = VenueFactory(organization=org, name="北高校")
    _visits(world, steep, before=6, recent=1)
    found = list(falling_venues(organization=org, now=NOW))
    assert found == [steep, falling]  # the steepest fall first
    assert [(v.before, v.recent) for v in found] == [(6, 1), (10, 7)]


def test_no_shows_are_not_visits_for_a_falling_venue(world):
    venue = VenueFactory(organization=world.a.organization, name="中央高校")
    _visits(world, venue, before=5, recent=4)
    for _ in range(3):
        _no_show(world, _student(world), days_ago=35)
    assert list(falling_venues(organization=world.a.organization, now=NOW)) == []


def test_the_radar_page_shows_the_salon_sections_to_coordinators_only(world, client_for):
    once = _student(world, "一度")
    visit = _came(world, once, days_ago=30)
    Visit.objects.filter(pk=visit.pk).update(private_note="NOTESECRET")
    referred = _student(world, "紹介")
    _referral(world, referred, days_ago=20)
    theirs = _student(world, "LEAKCANARY", org="b")
    _came(world, theirs, days_ago=30, org="b")
    url = reverse("engagements:radar", args=[world.a.organization.slug])
    response = client_for(world.a.members[Role.COORDINATOR]).get(url)
    body = response.content.decode()
    for key in ("salon_once", "salon_referred", "salon_no_shows", "salon_falling"):
        assert f'<section id="{key}"' in body
    assert once.display_name in body and referred.display_name in body
    assert "NOTESECRET" not in body and "家庭のことで悩んでいる" not in body
    assert "LEAKCANARY" not in body
    assert client_for(world.a.members[Role.SUPPORTER]).get(url).status_code == 403


def test_an_organisation_without_salons_has_no_salon_section(world, client_for):
    org = OrganizationFactory(slug="no-salons")
    coordinator = UserFactory()
    MembershipFactory(organization=org, user=coordinator, role=Role.COORDINATOR)
    assert radar_app_sections(organization=org, params={}) == []
    body = client_for(coordinator).get(reverse("engagements:radar", args=[org.slug]))
    assert 'id="salon_once"' not in body.content.decode()


def test_the_salon_sections_page_and_keep_the_filters(world, client_for):
    block = _block(world, days_ago=40)
    made = [_student(world, "一度") for _ in range(RADAR_PAGE_SIZE + 2)]
    for student in made:
        VisitFactory(block=block, student=student)
    client = client_for(world.a.members[Role.COORDINATOR])
    url = reverse("engagements:radar", args=[world.a.organization.slug])
    first = client.get(url, {"salon_weeks": 5}).context["app_sections"]
    section, query = first[0]
    assert section.key == "salon_once" and section.page.paginator.count == len(made)
    assert len(section.page.object_list) == RADAR_PAGE_SIZE
    assert "salon_weeks=5" in query
    second = client.get(url, {"salon_weeks": 5, "salon_once_page": 2}).context["app_sections"]
    rows = second[0][0].page.object_list
    assert len(rows) == 2 and second[1][0].page.number == 1
    shown = {row.student for row in first[0][0].page.object_list} | {row.student for row in rows}
    assert shown == set(made)
