"""Booking on a phone (375 px): a student books 30 minutes with "any counsellor", gets the
confirmation whose .ics the icalendar library reads, and reschedules once from the mailed
link; a client books a time with a mentor pair and both mentors' calendar feeds show it;
a cancelled booking leaves the coordinator's reminders page."""

import datetime
import re
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import Browser, Page, expect

from bansou.core.roles import Role
from bansou.engagements.models import Engagement, Session
from bansou.programs.models import Program, Side
from bansou.scheduling.models import AppointmentType, AvailabilityRule
from bansou.scheduling.services.feeds import feed_issue
from tests.e2e.conftest import PHONE, log_in, screenshot
from tests.factories import (
    PASSWORD,
    EngagementFactory,
    EnrollmentFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
TOKYO = ZoneInfo("Asia/Tokyo")
BOOKING_LINK = re.compile(r"https?://\S+(/o/[^/\s]+/bookings/\d+/)")


def _member(org, role, email, family, given):
    user = UserFactory(email=email, family_name=family, given_name=given, language="ja")
    MembershipFactory(organization=org, user=user, role=role)
    return user


def _available(org, user):
    for weekday in range(7):
        AvailabilityRule.objects.create(
            organization=org,
            user=user,
            weekday=weekday,
            starts_at=datetime.time(9),
            ends_at=datetime.time(18),
        )


def _program(org, kind):
    return ProgramFactory(
        organization=org,
        kind=kind,
        opens_on_holidays=True,
        starts_on=timezone.localdate() - datetime.timedelta(days=30),
        ends_on=timezone.localdate() + datetime.timedelta(days=300),
    )


def _type(program, name, minutes, mode=AppointmentType.Mode.IN_PERSON):
    return AppointmentType.objects.create(
        organization=program.organization,
        program=program,
        name=name,
        duration_minutes=minutes,
        mode=mode,
        meeting_link=(
            AppointmentType.MeetingLink.JITSI
            if mode == AppointmentType.Mode.ONLINE
            else AppointmentType.MeetingLink.NONE
        ),
        min_notice_hours=2,
        max_days_ahead=21,
        change_deadline_hours=2,
    )


@pytest.fixture
def phone(browser: Browser):
    context = browser.new_context(viewport=PHONE, locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def centre(transactional_db):
    """A university career centre: three counsellors in a pool, 20/30/40-minute types."""
    org = OrganizationFactory(
        name="さくら大学キャリアセンター", slug="sakura", closes_new_year=False
    )
    with scope(organization=org):
        program = _program(org, Program.Kind.APPOINTMENTS)
        counsellors = [
            _member(org, Role.SUPPORTER, f"c{i}@sakura.example", family, "相談員")
            for i, family in enumerate(("青木", "石井", "上田"))
        ]
        for counsellor in counsellors:
            EnrollmentFactory(program=program, user=counsellor, side=Side.SUPPORTER)
            _available(org, counsellor)
        for name, minutes in (("20分相談", 20), ("30分相談", 30), ("40分相談", 40)):
            _type(program, name, minutes)
        student = _member(org, Role.CLIENT, "student@sakura.example", "学生", "花子")
        EnrollmentFactory(program=program, user=student, side=Side.CLIENT)
        coordinator = _member(org, Role.COORDINATOR, "coord@sakura.example", "本田", "恵")
    return org, student, coordinator


def _invite(message) -> icalendar.Event:
    [part] = message.attachments  # the MIME part the outbox attached
    assert part.get_filename() == "invite.ics" and part.get_content_type() == "text/calendar"
    [event] = icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")
    return event


def test_a_student_books_any_counsellor_on_a_phone_and_reschedules_once(
    phone: Page, live_server, centre, settings
):
    settings.BANSOU_BASE_URL = live_server.url
    org, student, _coordinator = centre
    base = f"{live_server.url}/o/{org.slug}"

    log_in(phone, live_server.url, student.email, PASSWORD)
    phone.goto(f"{base}/book/")
    phone.get_by_role("link", name=re.compile("30分相談")).click()
    expect(phone.get_by_label("相談員")).to_have_value("")  # any counsellor
    screenshot(phone, "booking-times-375")
    first_slot = phone.locator(".slot-list a.slot").first
    chosen_label = first_slot.get_attribute("aria-label")
    first_slot.click()
    expect(phone.get_by_role("heading", name="予約内容の確認")).to_be_visible()
    expect(phone.get_by_text(chosen_label)).to_be_visible()
    phone.get_by_role("button", name="この時間で予約する").click()
    expect(phone.get_by_text("予約しました")).to_be_visible()
    screenshot(phone, "booking-done-375")

    with scopes_disabled():
        session = Session.objects.get(engagement__client=student)
        counsellor = session.engagement.supporter
    assert session.status == Session.Status.SCHEDULED
    assert session.ends_at - session.starts_at == datetime.timedelta(minutes=30)
    [confirmation] = [m for m in mail.outbox if m.to == [student.email]]
    event = _invite(confirmation)
    assert event.decoded("dtstart") == session.starts_at
    assert event["dtstart"].params.get("TZID") == "Asia/Tokyo"
    assert (
        event.decoded("dtstart").astimezone(TOKYO).hour == session.starts_at.astimezone(TOKYO).hour
    )
    uid = str(event["uid"])
    assert counsellor.email in {m.to[0] for m in mail.outbox}

    # Reschedule once, from the link in the mail.
    path = BOOKING_LINK.search(confirmation.body).group(1)
    phone.goto(f"{live_server.url}{path}")
    new_slot = phone.locator("#reschedule .slot-list button").nth(3)
    new_label = new_slot.get_attribute("aria-label")
    mail.outbox.clear()
    new_slot.click()
    expect(phone.get_by_text("予約を変更しました")).to_be_visible()
    screenshot(phone, "booking-moved-375")
    with scopes_disabled():
        session.refresh_from_db()
    assert session.starts_at.astimezone(TOKYO).strftime("%-H:%M") in new_label
    assert session.sequence == 1
    [change] = [m for m in mail.outbox if m.to == [student.email]]
    moved = _invite(change)
    assert str(moved["uid"]) == uid and moved.decoded("dtstart") == session.starts_at
    assert int(moved["sequence"]) == 1
    # The same link cannot move it again from the old page: the list now shows the new time.
    expect(phone.locator(".booking-summary")).to_contain_text(new_label.split(" ")[-1])


def test_a_pair_booking_shows_in_both_mentors_feeds(phone: Page, live_server, settings):
    settings.BANSOU_BASE_URL = live_server.url
    org = OrganizationFactory(name="つなぐプロボノ", slug="tsunagu", closes_new_year=False)
    with scope(organization=org):
        program = _program(org, Program.Kind.MENTORING)
        kind = _type(program, "メンター面談（オンライン）", 60, AppointmentType.Mode.ONLINE)
        mentors = [
            _member(org, Role.SUPPORTER, "mari@tsunagu.example", "中村", "真理子"),
            _member(org, Role.SUPPORTER, "megumi@tsunagu.example", "加藤", "恵"),
        ]
        team = TeamFactory(organization=org)
        for mentor in mentors:
            TeamMemberFactory(team=team, user=mentor)
            EnrollmentFactory(program=program, user=mentor, side=Side.SUPPORTER)
            _available(org, mentor)
        client = _member(org, Role.CLIENT, "staff@npo.example", "森", "彩")
        EnrollmentFactory(program=program, user=client, side=Side.CLIENT)
        EngagementFactory(program=program, client=client, supporter=None, team=team)
        tokens = [feed_issue(user=m, organization=org) for m in mentors]

    log_in(phone, live_server.url, client.email, PASSWORD)
    phone.goto(f"{live_server.url}/o/{org.slug}/book/{kind.pk}/")
    phone.locator(".slot-list a.slot").first.click()
    phone.get_by_role("button", name="この時間で予約する").click()
    expect(phone.get_by_text("予約しました")).to_be_visible()
    with scopes_disabled():
        session = Session.objects.get(engagement__team=team)
        engagement = Engagement.objects.get(team=team)

    for token in tokens:
        response = phone.request.get(f"{live_server.url}/o/{org.slug}/calendar/feed/{token}.ics")
        assert response.ok
        calendar = icalendar.Calendar.from_ical(response.body())
        starts = [e.decoded("dtstart") for e in calendar.walk("VEVENT")]
        assert session.starts_at in starts
        assert engagement.client.family_name in response.text()  # a supporter sees whom


def test_a_cancelled_booking_leaves_the_reminders_page(
    phone: Page, browser: Browser, live_server, centre, settings
):
    settings.BANSOU_BASE_URL = live_server.url
    org, student, coordinator = centre
    base = f"{live_server.url}/o/{org.slug}"
    log_in(phone, live_server.url, student.email, PASSWORD)
    phone.goto(f"{base}/book/")
    phone.get_by_role("link", name=re.compile("20分相談")).click()
    phone.locator(".slot-list a.slot").first.click()
    phone.get_by_role("button", name="この時間で予約する").click()
    expect(phone.get_by_text("予約しました")).to_be_visible()

    desk = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo").new_page()
    log_in(desk, live_server.url, coordinator.email, PASSWORD)
    desk.goto(f"{base}/reminders/")
    row = desk.locator("tbody tr", has_text="学生 花子")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("送信待ち")
    screenshot(desk, "reminders-desktop")

    phone.goto(f"{base}/book/")
    phone.locator(".booking-types a", has_text="20分相談").first.click()
    phone.get_by_label("キャンセルの理由").fill("授業が入りました")
    phone.get_by_role("button", name="予約をキャンセルする").click()
    expect(phone.get_by_text("予約をキャンセルしました")).to_be_visible()

    desk.reload()
    expect(desk.locator("tbody tr", has_text="学生 花子")).to_have_count(0)
    expect(desk.get_by_text("今後1週間の面談はありません。")).to_be_visible()
    desk.context.close()
