"""Changing a planned salon: cancelling it frees the staff's calendars and cancels every
reservation with a mail to its student; moving it moves the calendars and reservations and
is refused when a staffer is busy then; restaffing holds and frees calendars. A salon held or
begun cannot be changed. The list and the salon's planning page by role."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from bansou.core.roles import Role
from bansou.engagements.models import CalendarBlock, Meeting
from bansou.ops.models import OutboxMessage
from bansou.salons.models import Reservation, SalonBlock
from bansou.salons.services.block_changes import block_cancel, block_move, block_restaff
from tests.concurrency import one_race_at_a_time
from tests.factories import (
    MeetingFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    ReservationFactory,
    SalonBlockFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db


def ja(msgid: str) -> str:
    with translation.override("ja"):
        return gettext(msgid)


def _noon(days: int, hour: int = 13) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _salon(world, *, days: int = 9, staff=None, **extra) -> SalonBlock:
    staff = staff or [world.a.members[Role.SUPPORTER]]
    return SalonBlockFactory(
        program=world.a.extra["program"],
        venue=world.a.venue,
        starts_at=_noon(days),
        staff=staff,
        holds=True,
        **extra,
    )


def _url(world, name: str, *args) -> str:
    return reverse(f"salons:{name}", args=[world.a.organization.slug, *args])


def _coordinator(world):
    return world.a.members[Role.COORDINATOR]


# --- cancel -----------------------------------------------------------------------------


def test_cancelling_frees_the_calendars_and_mails_each_reserved_student(world, client_for):
    block = _salon(world)
    student = world.a.members[Role.CLIENT]
    reservation = ReservationFactory(block=block, student=student)
    sequence = block.meeting.sequence
    response = client_for(_coordinator(world)).post(
        _url(world, "block_cancel", block.pk), {"reason": "台風のため休校になりました。"}
    )
    assert response.status_code == 302
    block.refresh_from_db()
    assert (block.status, block.cancel_reason) == ("cancelled", "台風のため休校になりました。")
    meeting = Meeting.objects.get(pk=block.meeting_id)
    assert (meeting.status, meeting.sequence) == ("cancelled", sequence + 1)
    assert not CalendarBlock.objects.filter(meeting=meeting, is_active=True).exists()
    reservation.refresh_from_db()
    assert reservation.status == "cancelled" and reservation.cancelled_at is not None
    mail = OutboxMessage.objects.get(to_address=student.email)
    assert "台風のため休校になりました。" in mail.body
    assert world.a.venue.name in mail.body
    # The staffer hears of it too (the coordinator who cancelled does not).
    assert OutboxMessage.objects.filter(to_address=world.a.members[Role.SUPPORTER].email).exists()
    assert not OutboxMessage.objects.filter(to_address=_coordinator(world).email).exists()


def test_a_second_cancel_changes_nothing(world):
    block = _salon(world)
    ReservationFactory(block=block, student=world.a.members[Role.CLIENT])
    block_cancel(block=block, reason="講師の体調不良", actor=_coordinator(world))
    mails, sequence = (
        OutboxMessage.objects.count(),
        Meeting.objects.get(pk=block.meeting_id).sequence,
    )
    again = block_cancel(block=block, reason="別の理由", actor=_coordinator(world))
    assert again.cancel_reason == "講師の体調不良"
    assert OutboxMessage.objects.count() == mails
    assert Meeting.objects.get(pk=block.meeting_id).sequence == sequence


def test_cancelling_needs_a_reason(world, client_for):
    block = _salon(world)
    response = client_for(_coordinator(world)).post(
        _url(world, "block_cancel", block.pk), {"reason": "  "}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    block.refresh_from_db()
    assert block.status == "scheduled"


@pytest.mark.parametrize("state", ["held", "begun"])
def test_a_held_or_begun_salon_cannot_be_cancelled_or_moved(world, client_for, state):
    if state == "held":
        block = _salon(world, days=-2, status="held", closed_at=timezone.now())
        message = "This salon has been held: it can no longer be changed."
    else:
        block = _salon(world, days=-1)
        message = "This salon has already started: it can no longer be moved or cancelled."
    with pytest.raises(ValidationError) as refused:
        block_cancel(block=block, reason="雨", actor=_coordinator(world))
    assert refused.value.messages == [ja(message)]
    with pytest.raises(ValidationError):
        block_move(
            block=block, starts_at=_noon(20), ends_at=_noon(20, 16), actor=_coordinator(world)
        )
    client = client_for(_coordinator(world))
    page = client.get(_url(world, "block_cancel", block.pk))
    assert escape(ja(message)) in page.content.decode()
    assert 'name="reason"' not in page.content.decode()
    response = client.post(_url(world, "block_cancel", block.pk), {"reason": "雨"})
    assert response.status_code == 200
    assert escape(ja(message)) in response.content.decode()
    block.refresh_from_db()
    assert block.status == ("held" if state == "held" else "scheduled")


# --- move -------------------------------------------------------------------------------


def test_moving_moves_the_calendars_and_the_reservations_and_tells_the_students(world, client_for):
    block = _salon(world)
    student = world.a.members[Role.CLIENT]
    reservation = ReservationFactory(
        block=block, student=student, slot_starts_at=block.starts_at + datetime.timedelta(hours=1)
    )
    new_day = timezone.localdate() + datetime.timedelta(days=11)
    response = client_for(_coordinator(world)).post(
        _url(world, "block_move", block.pk),
        {"day": new_day.isoformat(), "start_time": "14:00", "end_time": "17:00"},
    )
    assert response.status_code == 302
    block.refresh_from_db()
    assert block.starts_at == _noon(11, 14)
    meeting = Meeting.objects.get(pk=block.meeting_id)
    assert (meeting.starts_at, meeting.ends_at) == (_noon(11, 14), _noon(11, 17))
    held = list(CalendarBlock.objects.filter(meeting=meeting, is_active=True))
    assert [(b.starts_at, b.ends_at) for b in held] == [(_noon(11, 14), _noon(11, 17))]
    reservation.refresh_from_db()
    assert reservation.slot_starts_at == _noon(11, 15)
    assert OutboxMessage.objects.filter(to_address=student.email).count() == 1


def test_moving_onto_a_busy_staffer_is_refused_naming_them(world, client_for):
    block = _salon(world)
    supporter = world.a.members[Role.SUPPORTER]
    other = MeetingFactory(organization=world.a.organization, starts_at=_noon(12, 14))
    CalendarBlock.objects.create(
        organization=world.a.organization,
        meeting=other,
        user=supporter,
        starts_at=_noon(12, 14),
        ends_at=_noon(12, 15),
    )
    day = (timezone.localdate() + datetime.timedelta(days=12)).isoformat()
    response = client_for(_coordinator(world)).post(
        _url(world, "block_move", block.pk),
        {"day": day, "start_time": "13:00", "end_time": "16:00"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["day"]
    assert any(supporter.display_name in error for error in errors)
    block.refresh_from_db()
    assert block.starts_at == _noon(9)
    assert CalendarBlock.objects.filter(meeting_id=block.meeting_id, is_active=True).count() == 1


def test_moving_needs_an_end_after_the_start(world, client_for):
    block = _salon(world)
    day = (timezone.localdate() + datetime.timedelta(days=12)).isoformat()
    response = client_for(_coordinator(world)).post(
        _url(world, "block_move", block.pk),
        {"day": day, "start_time": "16:00", "end_time": "13:00"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["end_time"] == [ja("A salon must end after it starts.")]
    block.refresh_from_db()
    assert block.starts_at == _noon(9)


# --- restaff ----------------------------------------------------------------------------


def test_restaffing_holds_the_newcomers_calendar_and_frees_the_leavers(world, client_for):
    first, second = world.a.members[Role.SUPPORTER], world.a.extra["second_supporter"]
    block = _salon(world, staff=[first])
    response = client_for(_coordinator(world)).post(
        _url(world, "block_restaff", block.pk), {"staff": [second.pk]}
    )
    assert response.status_code == 302
    holders = CalendarBlock.objects.filter(meeting_id=block.meeting_id, is_active=True)
    assert list(holders.values_list("user_id", flat=True)) == [second.pk]
    meeting = Meeting.objects.get(pk=block.meeting_id)
    assert [u.pk for u in meeting.attendees.all()] == [second.pk]
    assert OutboxMessage.objects.filter(to_address=first.email).count() == 1
    assert OutboxMessage.objects.filter(to_address=second.email).count() == 1
    mails = OutboxMessage.objects.count()
    assert block_restaff(block=block, staff=[second], actor=_coordinator(world)).pk == block.pk
    assert OutboxMessage.objects.count() == mails  # the same staff again: nothing new


def test_restaffing_with_a_student_is_refused(world):
    block = _salon(world)
    with pytest.raises(ValidationError) as refused:
        block_restaff(block=block, staff=[world.a.members[Role.CLIENT]], actor=_coordinator(world))
    assert "staff" in refused.value.message_dict


# --- the list and the page --------------------------------------------------------------


def test_the_list_filters_by_venue_status_and_dates(world, client_for):
    other_venue = VenueFactory(organization=world.a.organization, name="あおぞら高校")
    soon = _salon(world, days=5)
    later = SalonBlockFactory(
        program=world.a.extra["program"], venue=other_venue, starts_at=_noon(30)
    )
    gone = _salon(world, days=6)
    block_cancel(block=gone, reason="雨", actor=_coordinator(world))
    past = _salon(world, days=-3)
    client = client_for(_coordinator(world))

    def listed(query: str = "") -> list[int]:
        response = client.get(_url(world, "blocks") + query)
        assert response.status_code == 200
        return [b.pk for b in response.context["blocks"]]

    planted = world.a.extra["block"].pk
    assert listed() == [soon.pk, gone.pk, later.pk, planted]  # from today on
    assert listed(f"?venue={other_venue.pk}") == [later.pk]
    assert listed("?status=cancelled") == [gone.pk]
    day = timezone.localdate() + datetime.timedelta(days=5)
    assert listed(f"?since={day.isoformat()}&until={day.isoformat()}") == [soon.pk]
    assert past.pk in listed("?since=")


def test_the_salon_page_shows_slots_with_the_students_who_reserved(world, client_for):
    block = world.a.extra["block"]
    response = client_for(_coordinator(world)).get(_url(world, "block", block.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert world.a.members[Role.CLIENT].display_name in body
    assert _url(world, "block_cancel", block.pk) in body
    page = response.context["page"]
    assert page.reserved == 1
    assert dict((k, n) for k, _label, n in page.kinds)["walk_in"] == 1
    assert "LEAKCANARY" not in body


def test_the_salons_staff_reads_its_page_without_the_changes(world, client_for):
    block = world.a.extra["block"]
    response = client_for(world.a.members[Role.SUPPORTER]).get(_url(world, "block", block.pk))
    assert response.status_code == 200
    assert _url(world, "block_cancel", block.pk) not in response.content.decode()
    assert (
        client_for(world.a.members[Role.SUPPORTER])
        .get(_url(world, "block_cancel", block.pk))
        .status_code
        == 403
    )


def test_a_supporter_who_does_not_staff_it_gets_404(world, client_for):
    block = world.a.extra["block"]
    other = client_for(world.a.extra["second_supporter"])
    assert other.get(_url(world, "block", block.pk)).status_code == 404


@pytest.mark.parametrize("role", [Role.PARTNER, Role.CLIENT])
def test_teachers_and_students_are_refused(world, client_for, role):
    block = world.a.extra["block"]
    client = client_for(world.a.members[role])
    for name in ("block", "block_cancel", "block_move", "block_restaff"):
        assert client.get(_url(world, name, block.pk)).status_code == 403, name
    assert client.get(_url(world, "blocks")).status_code == 403
    assert client.post(_url(world, "block_cancel", block.pk), {"reason": "x"}).status_code == 403
    block.refresh_from_db()
    assert block.status == "scheduled"


def test_another_organisations_salon_is_404(world, client_for):
    client = client_for(_coordinator(world))
    block = world.b.extra["block"]
    for name in ("block", "block_cancel", "block_move", "block_restaff"):
        assert client.get(_url(world, name, block.pk)).status_code == 404, name
    assert client.post(_url(world, "block_cancel", block.pk), {"reason": "x"}).status_code == 404
    block.refresh_from_db()
    assert block.status == "scheduled"


# --- races ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_changing_one_salon_at_once_make_one_change(transactional_db):
    """Round after round, two coordinators post from the same page at once: cancel and
    cancel, or cancel and move. Exactly one change takes effect and the other is told (or
    finds it done), never a 500; the student gets one mail."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    venue = VenueFactory(organization=org)
    coordinators = []
    for _ in range(2):
        user = UserFactory()
        MembershipFactory(organization=org, user=user, role=Role.COORDINATOR)
        coordinators.append(user)
    supporter = UserFactory()
    MembershipFactory(organization=org, user=supporter, role=Role.SUPPORTER)
    for round_no, second in enumerate(["cancel", "move"] * 4):
        student = UserFactory()
        MembershipFactory(organization=org, user=student, role=Role.CLIENT)
        block = SalonBlockFactory(
            program=program,
            venue=venue,
            starts_at=_noon(10 + round_no),
            staff=[supporter],
            holds=True,
        )
        ReservationFactory(block=block, student=student)
        day = (timezone.localdate() + datetime.timedelta(days=40 + round_no)).isoformat()
        other = (
            {"reason": "雷", "sequence": 0}
            if second == "cancel"
            else {"day": day, "start_time": "13:00", "end_time": "16:00", "sequence": 0}
        )
        posts = [
            (
                reverse("salons:block_cancel", args=[org.slug, block.pk]),
                {"reason": "台風", "sequence": 0},
            ),
            (reverse(f"salons:block_{second}", args=[org.slug, block.pk]), other),
        ]
        statuses = _race(coordinators, posts)
        assert 500 not in statuses, statuses
        block.refresh_from_db()
        meeting = Meeting.objects.get(pk=block.meeting_id)
        assert meeting.sequence == 1, f"round {round_no}: {statuses}"
        active = CalendarBlock.objects.filter(meeting=meeting, is_active=True)
        if block.status == "cancelled":
            assert not active.exists()
            assert Reservation.objects.get(block=block).status == "cancelled"
        else:
            assert second == "move" and block.starts_at == _noon(40 + round_no)
            assert [b.starts_at for b in active] == [block.starts_at]
        assert OutboxMessage.objects.filter(to_address=student.email).count() == 1
        assert sorted(statuses) == [200, 302] or (second == "cancel" and statuses == [302, 302])


def _race(coordinators, posts) -> list[int]:
    barrier = threading.Barrier(len(posts))
    statuses: list[int] = []
    lock = threading.Lock()

    def post(user, url, data) -> None:
        browser = Client(raise_request_exception=False)
        browser.force_login(user)
        try:
            barrier.wait()
            response = browser.post(url, data)
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=post, args=(user, url, data))
        for user, (url, data) in zip(coordinators, posts, strict=True)
    ]
    with one_race_at_a_time():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return statuses
