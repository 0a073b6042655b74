"""The salon pages answer in the same number of queries however much a salon holds: the
screen (reservations, visits, referrals), a tap, today's salons and the student's
reservation page (the shared ``assert_constant_queries`` fixture, 3 rows and 30)."""

import datetime
import itertools
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bansou.core.roles import Role
from bansou.salons.models import Referral
from tests.factories import (
    MembershipFactory,
    ReservationFactory,
    SalonBlockFactory,
    UserFactory,
    VisitFactory,
)

_serial = itertools.count(1)


def _started(world, **fields):
    starts = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(minutes=30)
    starts = fields.pop("starts_at", starts)
    return SalonBlockFactory(
        program=world.a.extra["program"],
        venue=world.a.venue,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=10),
        slot_minutes=10,
        slot_capacity=40,
        staff=[world.a.members[Role.SUPPORTER]],
        **fields,
    )


def _student(world, label):
    student = UserFactory(family_name=label, given_name="生徒")
    MembershipFactory(organization=world.a.organization, user=student, role=Role.CLIENT)
    return student


def _fill(world, block, n):
    """n reserved students, n visits and n referrals more."""
    shown = []
    for _ in range(n):
        i = next(_serial)
        student = _student(world, f"予約{i:03d}")
        ReservationFactory(
            block=block,
            student=student,
            slot_starts_at=block.starts_at + datetime.timedelta(minutes=10 * (i % 60)),
        )
        VisitFactory(block=block, kind="walk_in", student=_student(world, f"来室{i:03d}"))
        Referral.objects.create(
            organization=world.a.organization,
            venue=block.venue,
            teacher=world.a.members[Role.PARTNER],
            student_label=f"紹介{i:03d}",
        )
        shown += [f"予約{i:03d}", f"来室{i:03d}", f"紹介{i:03d}"]
    return shown


def test_salon_screen_query_count_constant(world, client_for, assert_constant_queries):
    block = _started(world)
    browser = client_for(world.a.members[Role.SUPPORTER])
    url = reverse("salons:screen", args=[world.a.organization.slug, block.pk])
    assert_constant_queries(build=lambda n: _fill(world, block, n), get=lambda: browser.get(url))


def test_salon_tap_query_count_constant(world, client_for):
    block = _started(world)
    browser = client_for(world.a.members[Role.SUPPORTER])
    url = reverse("salons:tap", args=[world.a.organization.slug, block.pk])

    def tap():
        data = {"key": str(uuid.uuid4()), "kind": "outreach", "grade": "2年"}
        with CaptureQueriesContext(connection) as queries:
            answer = browser.post(url, data, HTTP_ACCEPT="application/json").json()
        assert answer["ok"] and answer["created"]
        return len(queries)

    tap()  # warms the session and translation caches
    _fill(world, block, 3)
    few = tap()
    _fill(world, block, 30)
    assert tap() == few


def test_todays_salons_query_count_constant(world, client_for, assert_constant_queries):
    supporter = world.a.members[Role.SUPPORTER]

    def build(n):
        shown = []
        for _ in range(n):
            # Later today or in the coming days (30 minutes ago may be yesterday in Tokyo).
            block = _started(world, starts_at=timezone.now() + datetime.timedelta(hours=1))
            VisitFactory(block=block, kind="walk_in")
            shown.append(reverse("salons:screen", args=[world.a.organization.slug, block.pk]))
        return shown

    url = reverse("salons:today", args=[world.a.organization.slug])
    browser = client_for(supporter)
    assert_constant_queries(build=build, get=lambda: browser.get(url))


def test_reserve_page_query_count_constant(world, client_for, assert_constant_queries):
    student = world.a.members[Role.CLIENT]
    start = timezone.localtime().replace(hour=13, minute=0, second=0, microsecond=0)

    def build(n):
        shown = []
        for _ in range(n):
            i = next(_serial)
            block = SalonBlockFactory(
                program=world.a.extra["program"],
                venue=world.a.venue,
                starts_at=start + datetime.timedelta(days=1, minutes=i),
                slot_capacity=2,
            )
            ReservationFactory(block=block, student=_student(world, f"他{i}"))
            shown.append(f'name="block" value="{block.pk}"')
        return shown

    url = reverse("salons:reserve", args=[world.a.organization.slug])
    browser = client_for(student)
    assert_constant_queries(build=build, get=lambda: browser.get(url))
