"""Client booking: with one's supporter, a mentor pair or a pool ("any counsellor"), by the
client or by staff on their behalf; reschedule and cancel with deadline and reason; and
every bad input refused with a message while nothing changes."""

import datetime
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import CalendarBlock, Engagement, Session
from bansou.engagements.selectors.booking import open_times
from bansou.engagements.services.booking import (
    booking_cancel,
    booking_create,
    booking_reschedule,
)
from bansou.engagements.services.sessions import session_set_status
from bansou.ops.models import OutboxMessage
from bansou.orgs.models import Organization
from bansou.programs.models import Program, Side
from bansou.scheduling.models import AppointmentType, AvailabilityRule, BookingLimits, Closure
from tests.factories import (
    EngagementFactory,
    EnrollmentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TAKEN = "この時間は埋まりました"


def _person(org: Organization, role: str, family: str = "山田", given: str = "") -> User:
    user = UserFactory(family_name=family, **({"given_name": given} if given else {}))
    MembershipFactory(organization=org, user=user, role=role)
    return user


def _always_available(org: Organization, user: User) -> None:
    for weekday in range(7):
        AvailabilityRule.objects.create(
            organization=org,
            user=user,
            weekday=weekday,
            starts_at=datetime.time(9),
            ends_at=datetime.time(18),
        )


@pytest.fixture
def org() -> Organization:
    # No year-end closure, and holidays open below: the tests run on any date.
    return OrganizationFactory(closes_new_year=False)


@pytest.fixture
def program(org: Organization) -> Program:
    return ProgramFactory(
        organization=org,
        kind=Program.Kind.APPOINTMENTS,
        opens_on_holidays=True,
        starts_on=timezone.localdate() - datetime.timedelta(days=10),
        ends_on=timezone.localdate() + datetime.timedelta(days=400),
    )


@pytest.fixture
def kind(program: Program) -> AppointmentType:
    return AppointmentType.objects.create(
        organization=program.organization,
        program=program,
        name="30分相談",
        duration_minutes=30,
        mode=AppointmentType.Mode.ONLINE,
        meeting_link=AppointmentType.MeetingLink.JITSI,
        min_notice_hours=24,
        max_days_ahead=28,
        change_deadline_hours=24,
    )


def _counsellor(program: Program, family: str) -> User:
    user = _person(program.organization, Role.SUPPORTER, family)
    EnrollmentFactory(program=program, user=user, side=Side.SUPPORTER)
    _always_available(program.organization, user)
    return user


def _student(program: Program, family: str = "学生") -> User:
    user = _person(program.organization, Role.CLIENT, family)
    EnrollmentFactory(program=program, user=user, side=Side.CLIENT)
    return user


def _first_open(kind: AppointmentType, ids: list[int], mode: str = "pool", index: int = 0):
    slots = open_times(appointment_type=kind, supporter_ids=ids, mode=mode)
    return slots[index]


# --- who the client books with ------------------------------------------------------------


def test_client_books_their_own_supporter_and_both_get_mail_with_the_session(org, program, kind):
    supporter = _counsellor(program, "佐藤")
    _counsellor(program, "鈴木")  # in the pool, but not this client's supporter
    client = _student(program)
    EngagementFactory(program=program, client=client, supporter=supporter)
    slot = _first_open(kind, [supporter.pk], mode="one")

    session = booking_create(
        appointment_type=kind, client=client, starts_at=slot.starts_at, booked_by=client
    )

    assert session.engagement.supporter == supporter
    assert session.booked_via == Session.BookedVia.CLIENT
    assert session.appointment_type == kind
    assert session.meeting_url.startswith("https://meet.jit.si/")
    assert list(CalendarBlock.objects.filter(session=session).values_list("user", flat=True)) == [
        supporter.pk
    ]
    assert sorted(OutboxMessage.objects.values_list("to_address", flat=True)) == sorted(
        [client.email, supporter.email]
    )


def test_any_counsellor_picks_the_least_booked_then_prefers_the_one_seen_last(org, program, kind):
    busy = _counsellor(program, "青木")
    quiet = _counsellor(program, "井上")
    # 青木 already has a booking this month, 井上 none.
    first = _student(program, "一番")
    slot = _first_open(kind, [busy.pk, quiet.pk])
    booking_create(
        appointment_type=kind,
        client=first,
        starts_at=slot.starts_at,
        booked_by=first,
        supporter_id=busy.pk,
    )
    later = _first_open(kind, [busy.pk, quiet.pk], index=4)
    second = _student(program, "二番")

    chosen = booking_create(
        appointment_type=kind, client=second, starts_at=later.starts_at, booked_by=second
    )
    assert chosen.engagement.supporter == quiet

    # Next time the first student books "any", the counsellor they saw (青木) comes first
    # although 井上 is now as booked.
    again = _first_open(kind, [busy.pk, quiet.pk], index=10)
    repeat = booking_create(
        appointment_type=kind, client=first, starts_at=again.starts_at, booked_by=first
    )
    assert repeat.engagement.supporter == busy
    assert repeat.engagement == Session.objects.get(starts_at=slot.starts_at).engagement


def test_a_counsellor_at_their_daily_limit_is_passed_over(org, program, kind):
    full = _counsellor(program, "上限")
    other = _counsellor(program, "余裕")
    BookingLimits.objects.create(organization=org, user=full, per_day=1)
    slot = _first_open(kind, [full.pk, other.pk])
    booking_create(
        appointment_type=kind,
        client=_student(program, "一"),
        starts_at=slot.starts_at,
        booked_by=full,
        supporter_id=full.pk,
    )
    later_same_day = next(
        s
        for s in open_times(appointment_type=kind, supporter_ids=[full.pk, other.pk], mode="pool")
        if s.day == slot.day and s.starts_at > slot.ends_at
    )
    student = _student(program, "二")
    session = booking_create(
        appointment_type=kind,
        client=student,
        starts_at=later_same_day.starts_at,
        booked_by=student,
    )
    assert session.engagement.supporter == other


def test_a_one_off_pool_booking_lands_in_the_journal_and_asks_for_a_reflection(org, program, kind):
    counsellor = _counsellor(program, "単発")
    student = _student(program)
    slot = _first_open(kind, [counsellor.pk])
    session = booking_create(
        appointment_type=kind, client=student, starts_at=slot.starts_at, booked_by=student
    )
    engagement = Engagement.objects.get(client=student)
    assert engagement.status == Engagement.Status.ACTIVE
    assert session.engagement == engagement
    Session.objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        ends_at=timezone.now() - datetime.timedelta(hours=1, minutes=30),
    )
    session.refresh_from_db()
    session_set_status(session=session, status=Session.Status.HELD, actor=counsellor)
    assert session.reflection_links.count() == 1


def test_a_pair_is_open_only_when_both_are_free_and_the_booking_holds_both(org, program, kind):
    first = _counsellor(program, "一ノ瀬")
    second = _counsellor(program, "二宮")
    team = TeamFactory(organization=org)
    TeamMemberFactory(team=team, user=first)
    TeamMemberFactory(team=team, user=second)
    client = _student(program)
    EngagementFactory(program=program, client=client, supporter=None, team=team)
    # The second mentor is away on the first open day.
    day = _first_open(kind, [first.pk, second.pk], mode="team").day
    from bansou.scheduling.models import AvailabilityException

    AvailabilityException.objects.create(
        organization=org, user=second, day=day, kind=AvailabilityException.Kind.OFF
    )
    slots = open_times(appointment_type=kind, supporter_ids=[first.pk, second.pk], mode="team")
    assert all(s.day != day for s in slots)

    session = booking_create(
        appointment_type=kind, client=client, starts_at=slots[0].starts_at, booked_by=client
    )
    assert sorted(CalendarBlock.objects.filter(session=session).values_list("user", flat=True)) == [
        first.pk,
        second.pk,
    ]


# --- bad input ----------------------------------------------------------------------------


def _refusal(**kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        booking_create(**kwargs)
    return caught.value


def test_past_inside_notice_beyond_window_and_closed_days_are_refused_plainly(org, program, kind):
    counsellor = _counsellor(program, "境界")
    student = _student(program)
    base = {"appointment_type": kind, "client": student, "booked_by": student}
    tz = timezone.get_default_timezone()
    now = timezone.now()

    def at(day: datetime.date) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(10), tzinfo=tz)

    cases = {
        "already passed": at(timezone.localdate() - datetime.timedelta(days=1)),
        "notice": now + datetime.timedelta(hours=2),
        "up to 28 days ahead": at(timezone.localdate() + datetime.timedelta(days=40)),
    }
    for expected, starts_at in cases.items():
        error = _refusal(starts_at=starts_at, **base)
        assert expected in " ".join(error.message_dict["starts_at"]), expected
    closed = _first_open(kind, [counsellor.pk]).day + datetime.timedelta(days=1)
    Closure.objects.create(organization=org, name="学園祭", starts_on=closed, ends_on=closed)
    error = _refusal(starts_at=at(closed), **base)
    assert "学園祭" in " ".join(error.message_dict["starts_at"])
    assert not Session.objects.exists()


def test_a_forged_supporter_and_an_off_grid_time_are_refused(org, program, kind):
    counsellor = _counsellor(program, "正規")
    outsider = _person(org, Role.SUPPORTER, "部外")  # not in this program's pool
    student = _student(program)
    slot = _first_open(kind, [counsellor.pk])
    error = _refusal(
        appointment_type=kind,
        client=student,
        booked_by=student,
        starts_at=slot.starts_at,
        supporter_id=outsider.pk,
    )
    assert "supporter" in error.message_dict
    error = _refusal(
        appointment_type=kind,
        client=student,
        booked_by=student,
        starts_at=slot.starts_at + datetime.timedelta(minutes=7),
    )
    assert "just taken" in " ".join(error.message_dict["starts_at"]).lower()
    assert not Session.objects.exists()


def test_the_same_instant_written_in_another_offset_books_the_same_time(org, program, kind):
    counsellor = _counsellor(program, "時差")
    student = _student(program)
    slot = _first_open(kind, [counsellor.pk])
    utc = slot.starts_at.astimezone(datetime.UTC)
    session = booking_create(
        appointment_type=kind, client=student, starts_at=utc, booked_by=student
    )
    assert session.starts_at == slot.starts_at


def test_a_double_submit_makes_one_booking(org, program, kind, client):
    counsellor = _counsellor(program, "二重")
    student = _student(program)
    slot = _first_open(kind, [counsellor.pk])
    client.force_login(student)
    url = reverse("engagements:book_confirm", args=[org.slug, kind.pk])
    data = {"starts_at": slot.starts_at.isoformat(), "supporter": "any"}
    first = client.post(url, data)
    second = client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Session.objects.count() == 1


def test_a_client_cannot_book_for_another_client(org, program, kind, client):
    counsellor = _counsellor(program, "他人")
    student = _student(program, "本人")
    other = _student(program, "他人")
    slot = _first_open(kind, [counsellor.pk])
    client.force_login(student)
    url = reverse("engagements:book_confirm", args=[org.slug, kind.pk]) + f"?client={other.pk}"
    response = client.post(url, {"starts_at": slot.starts_at.isoformat()})
    assert response.status_code == 404
    assert not Session.objects.exists()


def test_a_taken_time_redisplays_the_confirmation_with_the_choice_kept(org, program, kind, client):
    counsellor = _counsellor(program, "満席")
    slot = _first_open(kind, [counsellor.pk])
    booking_create(
        appointment_type=kind,
        client=_student(program, "先客"),
        starts_at=slot.starts_at,
        booked_by=counsellor,
    )
    student = _student(program, "後客")
    client.force_login(student)
    url = reverse("engagements:book_confirm", args=[org.slug, kind.pk])
    response = client.post(url, {"starts_at": slot.starts_at.isoformat(), "supporter": "any"})
    body = response.content.decode()
    assert response.status_code == 200
    assert TAKEN in body
    assert f'value="{slot.starts_at.isoformat()}"' in body
    assert Session.objects.count() == 1


# --- staff on behalf, reschedule, cancel ---------------------------------------------------


def test_a_coordinator_books_on_a_clients_behalf(org, program, kind, client):
    counsellor = _counsellor(program, "代理")
    coordinator = _person(org, Role.COORDINATOR, "調整")
    student = _student(program)
    slot = _first_open(kind, [counsellor.pk])
    client.force_login(coordinator)
    url = reverse("engagements:book_confirm", args=[org.slug, kind.pk]) + f"?client={student.pk}"
    response = client.post(url, {"starts_at": slot.starts_at.isoformat(), "supporter": "any"})
    assert response.status_code == 302
    session = Session.objects.get()
    assert session.engagement.client == student
    assert session.booked_via == Session.BookedVia.STAFF
    assert session.created_by == coordinator


def _booked(program, kind):
    counsellor = _counsellor(program, "変更")
    student = _student(program)
    slot = _first_open(kind, [counsellor.pk], index=20)
    session = booking_create(
        appointment_type=kind, client=student, starts_at=slot.starts_at, booked_by=student
    )
    return counsellor, student, session


def test_reschedule_moves_the_booking_once_and_a_stale_form_changes_nothing(org, program, kind):
    counsellor, student, session = _booked(program, kind)
    target = next(
        s
        for s in open_times(appointment_type=kind, supporter_ids=[counsellor.pk], mode="one")
        if s.starts_at > session.ends_at + datetime.timedelta(hours=2)
    )
    moved = booking_reschedule(
        session=session, starts_at=target.starts_at, actor=student, sequence=session.sequence
    )
    assert moved.starts_at == target.starts_at
    assert moved.sequence == session.sequence + 1
    assert CalendarBlock.objects.get(session=session, is_active=True).starts_at == target.starts_at
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        booking_reschedule(
            session=moved,
            starts_at=session.starts_at,
            actor=student,
            sequence=session.sequence,  # the old page's
        )
    assert "changed since" in " ".join(caught.value.messages)
    moved.refresh_from_db()
    assert moved.starts_at == target.starts_at


def test_after_the_deadline_the_client_cannot_change_but_staff_can(org, program, kind):
    counsellor, student, session = _booked(program, kind)
    late = session.starts_at - datetime.timedelta(hours=3)
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        booking_cancel(
            session=session, actor=student, reason="体調不良", sequence=session.sequence, now=late
        )
    assert "deadline" in " ".join(caught.value.messages)
    cancelled = booking_cancel(
        session=session,
        actor=counsellor,
        reason="本人から電話",
        sequence=session.sequence,
        now=late,
    )
    assert cancelled.status == Session.Status.CANCELLED
    assert not CalendarBlock.objects.filter(session=session, is_active=True).exists()


def test_cancel_needs_a_reason_and_the_page_keeps_the_form(org, program, kind, client):
    _, student, session = _booked(program, kind)
    client.force_login(student)
    url = reverse("engagements:booking_cancel", args=[org.slug, session.pk])
    response = client.post(url, {"reason": "  ", "sequence": session.sequence})
    assert response.status_code == 200
    assert "理由" in response.content.decode()
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED
    response = client.post(url, {"reason": "就職が決まりました", "sequence": session.sequence})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    assert session.cancel_reason == "就職が決まりました"


def test_the_booking_page_lists_the_days_with_open_times(org, program, kind, client):
    counsellor = _counsellor(program, "一覧")
    student = _student(program)
    slot = _first_open(kind, [counsellor.pk])
    client.force_login(student)
    response = client.get(reverse("engagements:book_times", args=[org.slug, kind.pk]))
    body = response.content.decode()
    assert quote(slot.starts_at.isoformat(), safe="/") in body
    weekday = "月火水木金土日"[slot.day.weekday()]
    assert f"{slot.day.month}月{slot.day.day}日({weekday})" in body


def test_a_reschedule_respects_the_daily_limit_and_may_stay_on_its_own_day(org, program, kind):
    supporter = _counsellor(program, "上限")
    BookingLimits.objects.create(organization=org, user=supporter, per_day=1)
    first, second = _student(program, "一"), _student(program, "二")
    for client in (first, second):
        EngagementFactory(program=program, client=client, supporter=supporter)
    slots = open_times(appointment_type=kind, supporter_ids=[supporter.pk], mode="one")
    day_one = slots[0]
    day_two = next(s for s in slots if s.day > day_one.day)
    mine = booking_create(
        appointment_type=kind, client=first, starts_at=day_one.starts_at, booked_by=first
    )
    booking_create(
        appointment_type=kind, client=second, starts_at=day_two.starts_at, booked_by=second
    )
    later_day_two = next(s for s in slots if s.day == day_two.day and s.starts_at > day_two.ends_at)
    with pytest.raises(ValidationError), translation.override("en"):
        booking_reschedule(
            session=mine, starts_at=later_day_two.starts_at, actor=first, sequence=mine.sequence
        )
    mine.refresh_from_db()
    assert mine.starts_at == day_one.starts_at
    # Its own day stays open to it: the session being moved does not count against it.
    later_day_one = next(s for s in slots if s.day == day_one.day and s.starts_at > day_one.ends_at)
    moved = booking_reschedule(
        session=mine, starts_at=later_day_one.starts_at, actor=first, sequence=mine.sequence
    )
    assert moved.starts_at == later_day_one.starts_at


def test_a_booking_can_move_to_a_time_overlapping_its_own(org, program, kind):
    kind.buffer_after_minutes = 30  # the 30 minutes after a booking stay free
    kind.save()
    supporter = _counsellor(program, "重複")
    client = _student(program)
    EngagementFactory(program=program, client=client, supporter=supporter)
    slot = _first_open(kind, [supporter.pk], mode="one")
    session = booking_create(
        appointment_type=kind, client=client, starts_at=slot.starts_at, booked_by=client
    )
    half_later = session.starts_at + datetime.timedelta(minutes=30)
    others = open_times(appointment_type=kind, supporter_ids=[supporter.pk], mode="one")
    assert half_later not in [s.starts_at for s in others]  # to anyone else it is taken
    mine = open_times(
        appointment_type=kind, supporter_ids=[supporter.pk], mode="one", moving=session.pk
    )
    assert half_later in [s.starts_at for s in mine]
    moved = booking_reschedule(
        session=session, starts_at=half_later, actor=client, sequence=session.sequence
    )
    assert moved.starts_at == half_later
    assert list(
        CalendarBlock.objects.filter(session=moved, is_active=True).values_list(
            "ends_at", flat=True
        )
    ) == [half_later + datetime.timedelta(minutes=60)]
