"""At the salon: the supporter's screen, taps in two steps, idempotency, closing with the
log, a visit's details afterwards (and who reads its note), a next visit, and individual
support from a visit."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.engagements.models import Engagement
from bansou.ops.models import OutboxMessage
from bansou.people.models import ClientProfile, GuardianConsent
from bansou.programs.models import Topic, TrainingAttendance
from bansou.salons.models import Referral, Reservation, SalonBlock, Visit
from tests.factories import (
    MembershipFactory,
    ReservationFactory,
    SalonBlockFactory,
    UserFactory,
    VisitFactory,
)

JSON = {"HTTP_ACCEPT": "application/json"}


def _started(world, student=None, **fields):
    """A salon of organisation A that started half an hour ago, staffed by its supporter,
    with the client's reservation at the second slot."""
    org = world.a
    starts = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(minutes=30)
    block = SalonBlockFactory(
        program=org.extra["program"],
        venue=org.venue,
        starts_at=starts,
        staff=[org.members[Role.SUPPORTER]],
        **fields,
    )
    reservation = ReservationFactory(
        block=block,
        student=student or org.members[Role.CLIENT],
        slot_starts_at=starts + datetime.timedelta(minutes=30),
    )
    return block, reservation


def _url(name, world, *args):
    return reverse(f"salons:{name}", args=[world.a.organization.slug, *args])


def _tap(client, world, block, **data):
    data.setdefault("key", str(uuid.uuid4()))
    return client.post(_url("tap", world, block.pk), data, **JSON)


def test_the_screen_lists_reservations_referrals_and_the_buttons(world, client_for):
    block, reservation = _started(world)
    supporter = world.a.members[Role.SUPPORTER]
    response = client_for(supporter).get(_url("screen", world, block.pk))
    body = response.content.decode()
    assert world.a.members[Role.CLIENT].display_name in body
    assert reverse("salons:tap", args=[world.a.organization.slug, block.pk]) in body
    assert 'value="walk_in"' in body and 'value="outreach"' in body
    assert f'name="reservation" value="{reservation.pk}"' in body
    # The world's teacher referred the client at this venue: on the screen until they come.
    assert world.a.extra["referral"].reason in body


def test_a_walk_in_is_anonymous_with_a_grade_unless_a_student_is_chosen(world, client_for):
    block, _ = _started(world)
    browser = client_for(world.a.members[Role.SUPPORTER])
    answer = _tap(browser, world, block, kind="walk_in", grade="2年").json()
    assert answer["ok"] and answer["created"] and answer["kind"] == "walk_in"
    visit = Visit.objects.get(pk=answer["visit"])
    assert (visit.student, visit.grade, visit.venue_id) == (None, "2年", block.venue_id)
    student = world.a.members[Role.CLIENT]
    answer = _tap(browser, world, block, kind="outreach", student=student.pk).json()
    assert Visit.objects.get(pk=answer["visit"]).student == student
    # The referred student came: the teacher's referral is done.
    referral = Referral.objects.get(pk=world.a.extra["referral"].pk)
    assert referral.status == Referral.Status.CLOSED


def test_a_double_tap_or_a_retry_records_one_visit(world, client_for):
    block, reservation = _started(world)
    browser = client_for(world.a.members[Role.SUPPORTER])
    key = str(uuid.uuid4())
    first = _tap(browser, world, block, key=key, kind="reserved", reservation=reservation.pk)
    again = _tap(browser, world, block, key=key, kind="reserved", reservation=reservation.pk)
    assert first.json()["created"] is True
    assert again.json() == {**first.json(), "created": False}
    assert Visit.objects.filter(block=block).count() == 1
    # Another key for the same reservation: refused, with the reason.
    other = _tap(browser, world, block, kind="no_show", reservation=reservation.pk)
    assert other.status_code == 409
    assert "予約来室" in other.json()["error"] or "Reserved" in other.json()["error"]
    assert Visit.objects.filter(block=block).count() == 1


def test_without_script_a_tap_redirects_back_with_a_message(world, client_for):
    block, _ = _started(world)
    browser = client_for(world.a.members[Role.SUPPORTER])
    response = browser.post(
        _url("tap", world, block.pk), {"key": str(uuid.uuid4()), "kind": "walk_in"}, follow=True
    )
    assert response.redirect_chain[-1][0] == _url("screen", world, block.pk)
    assert Visit.objects.filter(block=block, kind="walk_in").count() == 1
    assert any("来室" in str(m) or "Walk-in" in str(m) for m in response.context["messages"])


@pytest.mark.parametrize("status", ["cancelled", "held"])
def test_a_tap_on_a_cancelled_or_closed_salon_records_nothing(world, client_for, status):
    extra = {"closed_at": timezone.now()} if status == "held" else {}
    block, _ = _started(world, status=status, **extra)
    response = _tap(client_for(world.a.members[Role.SUPPORTER]), world, block, kind="walk_in")
    assert response.status_code == 409
    assert response.json()["ok"] is False and response.json()["error"]
    assert not Visit.objects.filter(block=block).exists()


def test_a_reserved_tap_needs_a_reservation_of_this_salon(world, client_for):
    block, _ = _started(world)
    other_block, other_reservation = _started(world, student=UserFactory())
    browser = client_for(world.a.members[Role.SUPPORTER])
    response = _tap(browser, world, block, kind="reserved", reservation=other_reservation.pk)
    assert response.status_code == 409
    response = _tap(browser, world, block, kind="no_show")
    assert response.status_code == 409
    assert not Visit.objects.filter(block__in=[block, other_block]).exists()


def test_only_the_salons_staff_and_coordinators_use_its_screen(world, client_for):
    block, _ = _started(world)
    other_supporter = UserFactory()
    MembershipFactory(organization=world.a.organization, user=other_supporter, role=Role.SUPPORTER)
    assert client_for(other_supporter).get(_url("screen", world, block.pk)).status_code == 404
    assert _tap(client_for(other_supporter), world, block, kind="walk_in").status_code == 404
    coordinator = world.a.members[Role.COORDINATOR]
    assert _tap(client_for(coordinator), world, block, kind="walk_in").json()["ok"]
    assert (
        client_for(world.a.members[Role.CLIENT]).get(_url("screen", world, block.pk)).status_code
        == 403
    )
    # Organisation B's coordinator, with B's slug or A's: never A's salon.
    outsider = client_for(world.b.members[Role.COORDINATOR])
    b_url = reverse("salons:screen", args=[world.b.organization.slug, block.pk])
    assert outsider.get(b_url).status_code == 404
    assert Visit.objects.filter(block=block).count() == 1


def test_closing_records_unmarked_reservations_as_no_shows_and_counts_as_held(world, client_for):
    block, reservation = _started(world)
    browser = client_for(world.a.members[Role.SUPPORTER])
    empty = browser.post(_url("close", world, block.pk), {"summary": "  ", "issues": "x"})
    assert empty.status_code == 200 and empty.context["form"].errors["summary"]
    assert empty.context["form"]["issues"].value() == "x"
    response = browser.post(
        _url("close", world, block.pk),
        {"summary": "来室3名。面接練習。", "room": "図書室", "issues": "机が足りない"},
    )
    assert response.status_code == 302
    block.refresh_from_db()
    assert block.status == SalonBlock.Status.HELD and block.closed_by is not None
    assert (block.log_summary, block.log_issues) == ("来室3名。面接練習。", "机が足りない")
    assert block.meeting.place == "図書室"
    no_show = Visit.objects.get(reservation=reservation)
    assert no_show.kind == Visit.Kind.NO_SHOW and no_show.student == reservation.student


def test_a_salon_that_has_not_started_cannot_be_closed(world, client_for):
    block = world.a.extra["block"]  # 120 days ahead, staffed by the supporter
    response = client_for(world.a.members[Role.SUPPORTER]).post(
        _url("close", world, block.pk), {"summary": "まだ"}
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    block.refresh_from_db()
    assert block.status == SalonBlock.Status.SCHEDULED


def test_topics_and_a_private_note_are_added_afterwards_and_the_note_stays_private(
    world, client_for
):
    block, _ = _started(world)
    visit = VisitFactory(block=block, kind="walk_in", recorded_by=world.a.members[Role.SUPPORTER])
    topic = Topic.objects.create(
        organization=world.a.organization, program=block.program, name="進路選択"
    )
    supporter = client_for(world.a.members[Role.SUPPORTER])
    response = supporter.post(
        _url("visit", world, visit.pk),
        {"topics": [topic.pk], "private_note": "家庭の事情で迷い", "grade": "3年"},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.private_note == "家庭の事情で迷い" and list(visit.topics.all()) == [topic]
    shown = supporter.get(_url("visit", world, visit.pk))
    assert "家庭の事情で迷い" in shown.content.decode()
    assert AuditEntry.objects.filter(action="salon_visit_note.shown", object_id=str(visit.pk))
    # A coordinator who does not staff the salon sees that a note exists, not the note.
    coordinator = client_for(world.a.members[Role.COORDINATOR])
    page = coordinator.get(_url("visit", world, visit.pk)).content.decode()
    assert "家庭の事情で迷い" not in page
    refused = coordinator.post(_url("visit_note", world, visit.pk), {"reason": "x"})
    assert "家庭の事情で迷い" not in refused.content.decode()
    read = coordinator.post(
        _url("visit_note", world, visit.pk), {"reason": "保護者からの問い合わせ対応"}
    )
    assert "家庭の事情で迷い" in read.content.decode()
    entry = AuditEntry.objects.get(action="salon_visit_note.read", object_id=str(visit.pk))
    assert entry.reason == "保護者からの問い合わせ対応"


def test_a_topic_of_another_program_is_refused_and_the_input_kept(world, client_for):
    block, _ = _started(world)
    visit = VisitFactory(block=block, kind="walk_in")
    response = client_for(world.a.members[Role.SUPPORTER]).post(
        _url("visit", world, visit.pk), {"topics": [999999], "private_note": "残す"}
    )
    assert response.status_code == 200 and response.context["form"].errors["topics"]
    assert "残す" in response.content.decode()
    visit.refresh_from_db()
    assert visit.private_note == ""


def test_the_next_visit_is_booked_in_one_step(world, client_for):
    block, _ = _started(world)
    student = world.a.members[Role.CLIENT]
    visit = VisitFactory(block=block, kind="walk_in", student=student)
    next_block = SalonBlockFactory(
        program=block.program,
        venue=block.venue,
        starts_at=block.starts_at + datetime.timedelta(days=7),
    )
    choice = f"{next_block.pk}|{next_block.starts_at.isoformat()}"
    mailed_before = OutboxMessage.objects.filter(to_address=student.email).count()
    response = client_for(world.a.members[Role.SUPPORTER]).post(
        _url("next_visit", world, visit.pk), {"choice": choice}
    )
    assert response.status_code == 302
    reservation = Reservation.objects.get(block=next_block, student=student)
    assert reservation.booked_via == Reservation.BookedVia.SUPPORTER
    assert reservation.slot_starts_at == next_block.starts_at
    assert OutboxMessage.objects.filter(to_address=student.email).count() == mailed_before + 1


def test_individual_support_starts_from_a_visit_and_a_minor_needs_consent(world, client_for):
    block, _ = _started(world)
    student = world.a.members[Role.CLIENT]
    visit = VisitFactory(
        block=block, kind="walk_in", student=student, recorded_by=world.a.members[Role.SUPPORTER]
    )
    profile = ClientProfile.objects.get(organization=world.a.organization, user=student)
    profile.is_minor = True
    profile.save(update_fields=["is_minor"])
    GuardianConsent.objects.filter(client=profile).delete()
    browser = client_for(world.a.members[Role.SUPPORTER])
    refused = browser.post(_url("visit_engage", world, visit.pk), follow=True)
    assert any("18" in str(m) for m in refused.context["messages"])
    assert not Engagement.objects.filter(salon_visits=visit).exists()
    GuardianConsent.objects.create(
        organization=world.a.organization,
        client=profile,
        guardian_name="保護者 花子",
        relationship="母",
        method="paper",
        given_on=timezone.localdate(),
    )
    Engagement.objects.filter(client=student).update(status="ended")
    TrainingAttendance.objects.create(
        organization=world.a.organization,
        training=world.a.extra["training"],
        user=world.a.members[Role.SUPPORTER],
        attended_on=timezone.localdate(),
    )
    response = browser.post(_url("visit_engage", world, visit.pk))
    visit.refresh_from_db()
    assert visit.engagement is not None
    assert response["Location"] == reverse(
        "engagements:detail", args=[world.a.organization.slug, visit.engagement.pk]
    )
    assert visit.engagement.supporter == world.a.members[Role.SUPPORTER]
    assert visit.engagement.program == block.program
