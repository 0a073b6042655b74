"""A student reserves a salon slot from their phone: the slots of their school's coming
salons, capacity per slot, one reservation per salon and per time, cancelling."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from bansou.core.roles import Role
from bansou.salons.models import Reservation
from tests.factories import (
    MembershipFactory,
    ReservationFactory,
    SalonBlockFactory,
    UserFactory,
    VenueFactory,
)


def _url(world, name="reserve", *args):
    return reverse(f"salons:{name}", args=[world.a.organization.slug, *args])


def _coming(world, **fields):
    starts = timezone.localtime().replace(hour=13, minute=0, second=0, microsecond=0)
    fields.setdefault("venue", world.a.venue)
    return SalonBlockFactory(
        program=world.a.extra["program"],
        starts_at=starts + datetime.timedelta(days=2),
        staff=[world.a.members[Role.SUPPORTER]],
        **fields,
    )


def _reserve(client, world, block, slot, note=""):
    return client.post(
        _url(world), {"block": block.pk, "slot": slot.isoformat(), "note": note}, follow=True
    )


def _student(world):
    student = UserFactory()
    MembershipFactory(organization=world.a.organization, user=student, role=Role.CLIENT)
    return student


def test_a_student_sees_their_schools_salons_and_reserves_a_slot(world, client_for):
    block = _coming(world)
    elsewhere = _coming(world, venue=VenueFactory(organization=world.a.organization, name="他校"))
    student = world.a.members[Role.CLIENT]  # their profile names world.a.venue as school
    browser = client_for(student)
    page = browser.get(_url(world)).content.decode()
    assert f'name="block" value="{block.pk}"' in page
    assert f'name="block" value="{elsewhere.pk}"' not in page
    slot = block.starts_at + datetime.timedelta(minutes=30)
    response = _reserve(browser, world, block, slot, note="面接の練習")
    reservation = Reservation.objects.get(block=block, student=student)
    assert (reservation.slot_starts_at, reservation.note) == (slot, "面接の練習")
    assert reservation.booked_via == Reservation.BookedVia.STUDENT
    assert response.redirect_chain[-1][0] == _url(world)
    # Another school's salon is not theirs to reserve, even with its id typed in.
    refused = browser.post(
        _url(world), {"block": elsewhere.pk, "slot": elsewhere.starts_at.isoformat()}
    )
    assert refused.status_code == 404
    assert not Reservation.objects.filter(block=elsewhere).exists()


def test_a_full_slot_is_refused_with_a_message_and_nothing_saved(world, client_for):
    block = _coming(world)
    ReservationFactory(block=block, student=_student(world), slot_starts_at=block.starts_at)
    response = _reserve(client_for(world.a.members[Role.CLIENT]), world, block, block.starts_at)
    assert response.context["form"].errors["slot"]
    assert "この時間は満席です" in response.content.decode()
    assert Reservation.objects.filter(block=block).count() == 1


def test_one_reservation_per_salon_and_a_time_that_is_a_slot(world, client_for):
    block = _coming(world, slot_capacity=3)
    browser = client_for(world.a.members[Role.CLIENT])
    _reserve(browser, world, block, block.starts_at)
    second = _reserve(browser, world, block, block.starts_at + datetime.timedelta(minutes=30))
    assert second.context["form"].non_field_errors()
    odd = _reserve(browser, world, block, block.starts_at + datetime.timedelta(minutes=7))
    assert odd.context["form"].errors["slot"]
    assert Reservation.objects.filter(block=block).count() == 1


def test_a_cancelled_salon_takes_no_reservation(world, client_for):
    block = _coming(world, status="cancelled")
    response = _reserve(client_for(world.a.members[Role.CLIENT]), world, block, block.starts_at)
    assert response.context["form"].non_field_errors()
    assert not Reservation.objects.filter(block=block).exists()


def test_a_student_cancels_their_reservation_and_the_place_is_free_again(world, client_for):
    block = _coming(world)
    student = world.a.members[Role.CLIENT]
    reservation = ReservationFactory(block=block, student=student, slot_starts_at=block.starts_at)
    browser = client_for(student)
    confirm = browser.get(_url(world, "reservation_cancel", reservation.pk)).content.decode()
    assert "13:00" in confirm and 'method="post"' in confirm
    browser.post(_url(world, "reservation_cancel", reservation.pk))
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCELLED and reservation.cancelled_at
    other = _student(world)
    _reserve(client_for(other), world, block, block.starts_at)
    assert Reservation.objects.filter(block=block, student=other, status="reserved").exists()


def test_another_students_reservation_is_not_theirs_to_cancel(world, client_for):
    block = _coming(world)
    reservation = ReservationFactory(
        block=block, student=_student(world), slot_starts_at=block.starts_at
    )
    response = client_for(world.a.members[Role.CLIENT]).post(
        _url(world, "reservation_cancel", reservation.pk)
    )
    assert response.status_code == 404
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.RESERVED


@pytest.mark.parametrize("role", [Role.SUPPORTER, Role.PARTNER, Role.VIEWER])
def test_the_reservation_page_is_for_students(world, client_for, role):
    assert client_for(world.a.members[role]).get(_url(world)).status_code == 403
