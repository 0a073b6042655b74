"""Races at the salon, fired as parallel requests (PostgreSQL only: SQLite serialises every
writer, so the race cannot happen there): the last place of a slot, one tap sent many
times, and one reservation marked by two phones."""

import datetime
import json
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bansou.core.roles import Role
from bansou.salons.models import Reservation, Visit
from tests.concurrency import one_race_at_a_time
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    ReservationFactory,
    SalonBlockFactory,
    UserFactory,
    VenueFactory,
)

PARALLEL = 8


def _fire(posts: list[tuple[Client, str, dict, dict]]) -> list[tuple[int, str]]:
    """Sends every request at the same moment, each from its own thread and connection."""
    barrier = threading.Barrier(len(posts))
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def send(browser: Client, url: str, data: dict, headers: dict) -> None:
        try:
            barrier.wait()
            response = browser.post(url, data, **headers)
            with lock:
                answers.append((response.status_code, response.content.decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=post) for post in posts]
    with one_race_at_a_time():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return answers


def _person(org, role):
    user = UserFactory()
    MembershipFactory(organization=org, user=user, role=role)
    browser = Client(raise_request_exception=False)
    browser.force_login(user)
    return user, browser


def _salon(*, started: bool):
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    supporter, _ = _person(org, Role.SUPPORTER)
    now = timezone.now().replace(second=0, microsecond=0)
    starts = now - datetime.timedelta(minutes=30) if started else now + datetime.timedelta(days=2)
    block = SalonBlockFactory(
        program=program,
        venue=VenueFactory(organization=org),
        starts_at=starts,
        staff=[supporter],
    )
    return org, block, supporter


@pytest.mark.django_db(transaction=True)
def test_students_racing_for_the_last_place_of_a_slot_get_one_reservation(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    org, block, _supporter = _salon(started=False)
    url = reverse("salons:reserve", args=[org.slug])
    data = {"block": block.pk, "slot": block.starts_at.isoformat()}
    posts = [(_person(org, Role.CLIENT)[1], url, data, {}) for _ in range(PARALLEL)]
    answers = _fire(posts)
    assert sorted(status for status, _ in answers) == [200] * (PARALLEL - 1) + [302]
    refused = [body for status, body in answers if status == 200]
    assert all("この時間は満席です" in body for body in refused)
    assert Reservation.objects.filter(block=block, status="reserved").count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_tap_sent_many_times_at_once_records_one_visit(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    org, block, supporter = _salon(started=True)
    url = reverse("salons:tap", args=[org.slug, block.pk])
    data = {"key": str(uuid.uuid4()), "kind": "walk_in", "grade": "1年"}
    posts = []
    for _ in range(PARALLEL):
        browser = Client(raise_request_exception=False)
        browser.force_login(supporter)
        posts.append((browser, url, data, {"HTTP_ACCEPT": "application/json"}))
    answers = _fire(posts)
    assert [status for status, _ in answers] == [200] * PARALLEL
    assert sum('"created": true' in body for _, body in answers) == 1
    (visit,) = Visit.objects.filter(block=block)
    assert all(f'"visit": {visit.pk}' in body for _, body in answers)


@pytest.mark.django_db(transaction=True)
def test_two_phones_marking_one_reservation_record_it_once(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    org, block, supporter = _salon(started=True)
    student, _ = _person(org, Role.CLIENT)
    reservation = ReservationFactory(block=block, student=student, slot_starts_at=block.starts_at)
    url = reverse("salons:tap", args=[org.slug, block.pk])
    posts = []
    for kind in ["reserved", "no_show"] * (PARALLEL // 2):
        browser = Client(raise_request_exception=False)
        browser.force_login(supporter)
        data = {"key": str(uuid.uuid4()), "kind": kind, "reservation": reservation.pk}
        posts.append((browser, url, data, {"HTTP_ACCEPT": "application/json"}))
    answers = _fire(posts)
    assert sorted(status for status, _ in answers) == [200] + [409] * (PARALLEL - 1)
    refused = [json.loads(body)["error"] for status, body in answers if status == 409]
    assert all("この予約はすでに" in error for error in refused), refused
    assert Visit.objects.filter(reservation=reservation).count() == 1
