"""A school career salon on phones (375 px): a student reserves a slot; at the salon the
supporter records the reserved visit as attended, a walk-in, an anonymous 声かけ and a
no-show in two taps each, and closes the salon with its log; then sends a report about a
student who consented to share with the teacher, which the teacher sees, while a student
without that consent stays invisible to the teacher."""

import datetime
import re

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import Browser, Page, expect

from bansou.core.roles import Role
from bansou.engagements.models import Meeting
from bansou.people.models import ClientProfile
from bansou.programs.models import Program
from bansou.salons.models import (
    Reservation,
    SalonBlock,
    ShareConsent,
    TeacherReport,
    VenueStaff,
    Visit,
)
from tests.e2e.conftest import PHONE, log_in, screenshot
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _member(org, role, email, family, given):
    user = UserFactory(email=email, family_name=family, given_name=given, language="ja")
    MembershipFactory(organization=org, user=user, role=role)
    return user


@pytest.fixture
def phone(browser: Browser):
    context = browser.new_context(viewport=PHONE, locale="ja-JP", timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def school(transactional_db):
    """A salon NPO at one correspondence high school: today's salon under way (started ten
    minutes ago, 30-minute slots), its supporter, the school's teacher and three students
    (one already reserved, one who consented to share reports with the teacher)."""
    org = OrganizationFactory(name="NPO法人 みらいサロン", slug="mirai")
    with scope(organization=org):
        program = ProgramFactory(organization=org, kind=Program.Kind.SALON)
        venue = VenueFactory(organization=org, name="ひかり高校", room="図書室")
        supporter = _member(org, Role.SUPPORTER, "sup@mirai.example", "佐藤", "支援")
        teacher = _member(org, Role.PARTNER, "teacher@mirai.example", "田中", "先生")
        VenueStaff.objects.create(organization=org, venue=venue, user=supporter, kind="supporter")
        VenueStaff.objects.create(organization=org, venue=venue, user=teacher, kind="teacher")
        students = {}
        for key, family, given in (
            ("reserver", "山本", "はな"),
            ("early", "中村", "そら"),
            ("consented", "小林", "りく"),
            ("private", "加藤", "ゆい"),
        ):
            students[key] = _member(org, Role.CLIENT, f"{key}@mirai.example", family, given)
            ClientProfile.objects.create(organization=org, user=students[key], venue=venue)
        starts = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(minutes=10)
        meeting = Meeting.objects.create(
            organization=org,
            title="キャリアサロン（ひかり高校）",
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=3),
            place="図書室",
        )
        meeting.attendees.add(supporter)
        block = SalonBlock.objects.create(
            organization=org,
            venue=venue,
            program=program,
            meeting=meeting,
            starts_at=starts,
            ends_at=starts + datetime.timedelta(hours=3),
            slot_minutes=30,
        )
        # A reservation made yesterday, for the slot that is under way: this one is missed.
        Reservation.objects.create(
            organization=org, block=block, student=students["early"], slot_starts_at=starts
        )
        ShareConsent.objects.create(
            organization=org,
            venue=venue,
            student=students["consented"],
            teacher=teacher,
            scope="reports",
            given_on=timezone.localdate(),
            recorded_by=supporter,
        )
    return org, block, supporter, teacher, students


def _recorded(phone: Page, n: int) -> None:
    """Waits for the screen to come back listing n recorded visits."""
    expect(phone.locator("h2", has_text="記録した来室")).to_contain_text(f"({n}")


def _tap_kind(phone: Page, label: str, n: int) -> None:
    """Two taps: the kind's big button, then 記録する."""
    phone.locator(".salon-kind", has_text=label).click()
    phone.get_by_role("button", name="記録する").click()
    _recorded(phone, n)


def test_a_salon_day_on_phones(browser: Browser, phone: Page, live_server, school, settings):
    settings.BANSOU_BASE_URL = live_server.url
    org, block, supporter, teacher, students = school
    base = f"{live_server.url}/o/{org.slug}"

    # The student reserves the next free slot from their phone.
    log_in(phone, live_server.url, students["reserver"].email, PASSWORD)
    phone.goto(f"{base}/salons/reserve/")
    screenshot(phone, "salon-reserve-375")
    first_free = phone.locator(".salon-slot:not(:has(input:disabled))").first
    chosen = first_free.locator("span").inner_text().split("\n")[0]
    first_free.click()
    phone.get_by_label("話したいこと（任意）").fill("面接の練習をしたい")
    phone.get_by_role("button", name="予約する").click()
    expect(phone.get_by_text("予約しました")).to_be_visible()
    reservation = Reservation.objects.get(block=block, student=students["reserver"])
    assert timezone.localtime(reservation.slot_starts_at).strftime("%H:%M") == chosen
    phone.context.clear_cookies()

    # At the salon: the supporter's screen.
    log_in(phone, live_server.url, supporter.email, PASSWORD)
    phone.goto(f"{base}/salons/today/")
    phone.get_by_role("link", name=re.compile("ひかり高校")).click()
    expect(phone.get_by_role("heading", name=re.compile("ひかり高校"))).to_be_visible()
    screenshot(phone, "salon-screen-375")
    reserved_row = phone.locator(".salon-row", has_text="山本")
    reserved_row.get_by_role("button", name="来室").click()  # tap 1 of at most 2
    _recorded(phone, 1)
    marked = phone.locator("section", has_text="予約").locator(".salon-row", has_text="山本")
    expect(marked.first.locator(".status-badge")).to_have_text("予約来室")
    missed_row = phone.locator(".salon-row", has_text="中村")
    missed_row.get_by_role("button", name="欠席").click()
    _recorded(phone, 2)
    _tap_kind(phone, "来室", 3)
    _tap_kind(phone, "声かけ", 4)
    screenshot(phone, "salon-screen-recorded-375")
    kinds = sorted(Visit.objects.filter(block=block).values_list("kind", flat=True))
    assert kinds == ["no_show", "outreach", "reserved", "walk_in"]
    assert Visit.objects.get(block=block, kind="outreach").student is None  # anonymous
    assert Visit.objects.get(block=block, kind="reserved").student == students["reserver"]
    assert Visit.objects.get(block=block, kind="no_show").student == students["early"]

    # Closing the salon with its log.
    phone.get_by_role("button", name="記録を付けてサロンを終了する").click()
    phone.get_by_label("サロンの様子").fill("来室2名、声かけ1名。面接練習。")
    phone.get_by_label("要フォローの事項").fill("次回は進路資料を持参")
    phone.get_by_role("button", name="サロンを終了する").click()
    expect(phone.get_by_text("実施済みとして数えます")).to_be_visible()
    block.refresh_from_db()
    assert block.status == SalonBlock.Status.HELD
    assert block.log_summary == "来室2名、声かけ1名。面接練習。"

    _report_and_teacher(browser, phone, base, live_server, org, block, teacher, students)


def _report_and_teacher(browser, phone, base, live_server, org, block, teacher, students):
    """The supporter sends a report about the consenting student; the teacher sees it, and
    never the student without consent."""
    refused_name = students["private"].display_name
    consented_name = students["consented"].display_name
    # The student without consent came to the salon too, by name.
    Visit.objects.create(
        organization=org,
        block=block,
        venue_id=block.venue_id,
        program_id=block.program_id,
        occurred_at=block.starts_at,
        kind="walk_in",
        student=students["private"],
    )
    phone.goto(f"{base}/salons/liaison/{block.venue_id}/reports/new/")
    phone.locator("#id_student").fill("加藤")
    phone.get_by_role("radio", name=re.compile(refused_name)).check()
    phone.get_by_role("radio", name=re.compile(teacher.display_name)).check()
    phone.locator("#id_body").fill("家庭の事情で迷っています。")
    phone.get_by_role("button", name="報告を送る").click()
    expect(phone.locator(".field-error, .errorlist, [role=alert]").first).to_be_visible()
    expect(phone.locator("#id_body")).to_have_value("家庭の事情で迷っています。")
    assert not TeacherReport.objects.filter(student=students["private"]).exists()
    phone.locator("#id_student").fill("小林")
    phone.locator("#id_student").fill("小林")
    phone.get_by_role("radio", name=re.compile(consented_name)).check()
    phone.get_by_role("radio", name=re.compile(teacher.display_name)).check()
    phone.locator("#id_body").fill("面接練習を重ね、自信がついてきました。")
    screenshot(phone, "salon-report-375")
    phone.get_by_role("button", name="報告を送る").click()
    expect(phone.locator(".message-success")).to_be_visible()
    assert TeacherReport.objects.filter(student=students["consented"], teacher=teacher).count() == 1
    phone.context.clear_cookies()

    log_in(phone, live_server.url, teacher.email, PASSWORD)
    phone.goto(f"{base}/salons/schools/{block.venue_id}/")
    expect(phone.get_by_text("面接練習を重ね、自信がついてきました。")).to_be_visible()
    screenshot(phone, "salon-teacher-school-375")
    body = phone.content()
    assert consented_name in body
    assert refused_name not in body
    assert "家庭の事情" not in body
    assert students["reserver"].display_name not in body  # came, but consented to nothing
