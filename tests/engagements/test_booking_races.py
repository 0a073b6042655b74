"""Client booking under races (PostgreSQL): fifty students press "book" on the last free
time at the same moment, twenty rounds; one booking each round, the rest a clear message."""

import datetime
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bansou.core.roles import Role
from bansou.engagements.models import CalendarBlock, Session
from bansou.engagements.selectors.booking import open_times
from bansou.programs.models import Program, Side
from bansou.scheduling.models import AppointmentType, AvailabilityRule
from tests.concurrency import one_race_at_a_time, overlapping_active_blocks
from tests.factories import (
    EnrollmentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    UserFactory,
)

PARALLEL = 50
ROUNDS = 20
TAKEN = "この時間は埋まりました"


@pytest.mark.django_db(transaction=True)
def test_fifty_students_booking_the_last_free_time_at_once_give_exactly_one(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    org = OrganizationFactory(closes_new_year=False)
    program = ProgramFactory(
        organization=org,
        kind=Program.Kind.APPOINTMENTS,
        opens_on_holidays=True,
        ends_on=timezone.localdate() + datetime.timedelta(days=200),
    )
    kind = AppointmentType.objects.create(
        organization=org,
        program=program,
        name="30分相談",
        duration_minutes=30,
        mode=AppointmentType.Mode.IN_PERSON,
        min_notice_hours=1,
        max_days_ahead=30,
    )
    counsellor = UserFactory(family_name="唯一")
    MembershipFactory(organization=org, user=counsellor, role=Role.SUPPORTER)
    EnrollmentFactory(program=program, user=counsellor, side=Side.SUPPORTER)
    for weekday in range(7):
        AvailabilityRule.objects.create(
            organization=org,
            user=counsellor,
            weekday=weekday,
            starts_at=datetime.time(9),
            ends_at=datetime.time(18),
        )
    slots = open_times(appointment_type=kind, supporter_ids=[counsellor.pk], mode="pool")
    # Twenty times, one per round, far enough apart that no booking touches the next.
    times = [slot.starts_at for slot in slots[2::4][:ROUNDS]]
    assert len(times) == ROUNDS
    url = reverse("engagements:book_confirm", args=[org.slug, kind.pk])
    browsers = []
    for n in range(PARALLEL):
        student = UserFactory(family_name=f"学生{n}")
        MembershipFactory(organization=org, user=student, role=Role.CLIENT)
        EnrollmentFactory(program=program, user=student, side=Side.CLIENT)
        browser = Client(raise_request_exception=False)
        browser.force_login(student)
        browsers.append(browser)
    barrier = threading.Barrier(PARALLEL)
    lock = threading.Lock()
    results: dict[int, list[tuple[int, str]]] = {r: [] for r in range(ROUNDS)}

    def book(browser: Client) -> None:
        try:
            for round_no, starts_at in enumerate(times):
                barrier.wait(timeout=180)
                response = browser.post(
                    url, {"starts_at": starts_at.isoformat(), "supporter": "any"}
                )
                with lock:
                    results[round_no].append((response.status_code, response.content.decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(b,)) for b in browsers]
    with one_race_at_a_time():
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    for round_no, responses in results.items():
        statuses = sorted(status for status, _body in responses)
        assert statuses == [200] * (PARALLEL - 1) + [302], (round_no, statuses)
        assert all(TAKEN in body for status, body in responses if status == 200), round_no
    assert Session.objects.filter(engagement__supporter=counsellor).count() == ROUNDS
    assert CalendarBlock.objects.filter(user=counsellor, is_active=True).count() == ROUNDS
    assert overlapping_active_blocks() == 0
