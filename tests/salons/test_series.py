"""Weekly salons: the preview says for every date of the period whether a salon will be
planned or why not (a public holiday, an organisation closure, the school's closed days, a
busy staffer, a salon already there); creating plans exactly the dates the preview offered
and sends each staffer one mail listing them."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from bansou.core.roles import Role
from bansou.engagements.models import CalendarBlock
from bansou.ops.models import OutboxMessage
from bansou.salons.models import SalonBlock, SalonSeries, VenueClosure
from bansou.salons.services.series import series_create, series_preview
from bansou.scheduling.models import Closure
from tests.factories import MeetingFactory, SalonBlockFactory, VenueFactory

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
HOUR = datetime.time(13), datetime.time(16)


def ja(msgid: str) -> str:
    with translation.override("ja"):
        return gettext(msgid)


def _foundation_day() -> datetime.date:
    """The next 建国記念の日 (11 February) whose period, three weeks either side, is ahead."""
    today = timezone.localdate()
    year = today.year
    while datetime.date(year, 2, 11) - datetime.timedelta(days=21) <= today + datetime.timedelta(
        days=1
    ):
        year += 1
    return datetime.date(year, 2, 11)


H = _foundation_day()
WEEK = datetime.timedelta(days=7)


def _at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(day, time, tzinfo=TOKYO)


def _plant_obstacles(world) -> None:
    """An organisation closure three weeks before... see the expected states below."""
    org, venue = world.a.organization, world.a.venue
    Closure.objects.create(
        organization=org, name="創立記念日", starts_on=H - 2 * WEEK, ends_on=H - 2 * WEEK
    )
    VenueClosure.objects.create(
        organization=org, venue=venue, name="学年末試験", starts_on=H - WEEK, ends_on=H - WEEK
    )
    supporter = world.a.members[Role.SUPPORTER]
    meeting = MeetingFactory(organization=org, starts_at=_at(H + WEEK, datetime.time(14)))
    CalendarBlock.objects.create(
        organization=org,
        meeting=meeting,
        user=supporter,
        starts_at=_at(H + WEEK, datetime.time(14)),
        ends_at=_at(H + WEEK, datetime.time(15)),
    )
    SalonBlockFactory(
        program=world.a.extra["program"], venue=venue, starts_at=_at(H + 2 * WEEK, datetime.time(9))
    )


EXPECTED = [
    (H - 3 * WEEK, "create"),
    (H - 2 * WEEK, "closure"),
    (H - WEEK, "school_closed"),
    (H, "holiday"),
    (H + WEEK, "busy"),
    (H + 2 * WEEK, "exists"),
    (H + 3 * WEEK, "create"),
]


def _staff(world):
    return [world.a.members[Role.SUPPORTER], world.a.extra["second_supporter"]]


def _plan(world, **extra):
    plan = {
        "venue": world.a.venue,
        "program": world.a.extra["program"],
        "weekday": H.weekday(),
        "starts_at": HOUR[0],
        "ends_at": HOUR[1],
        "starts_on": H - 3 * WEEK,
        "ends_on": H + 3 * WEEK,
        "staff": _staff(world),
        "room": "図書室",
    }
    plan.update(extra)
    return plan


def _form(world, **extra):
    data = {
        "program": world.a.extra["program"].pk,
        "weekday": H.weekday(),
        "start_time": "13:00",
        "end_time": "16:00",
        "mode": "in_person",
        "room": "図書室",
        "meeting_url": "",
        "slot_minutes": "30",
        "slot_capacity": "1",
        "starts_on": (H - 3 * WEEK).isoformat(),
        "ends_on": (H + 3 * WEEK).isoformat(),
        "staff": [user.pk for user in _staff(world)],
        "step": "preview",
    }
    data.update(extra)
    return data


def _url(world, venue=None) -> str:
    venue = venue or world.a.venue
    return reverse("salons:series_new", args=[world.a.organization.slug, venue.pk])


def test_the_preview_says_why_each_skipped_date_is_skipped(world):
    _plant_obstacles(world)
    preview = series_preview(**_plan(world))
    assert [(d.day, d.state) for d in preview.dates] == EXPECTED
    holiday = preview.dates[3]
    assert holiday.reason == "建国記念の日"
    assert preview.dates[1].reason == "創立記念日"
    assert preview.dates[2].reason == "学年末試験"
    assert [u.pk for u in preview.dates[4].busy] == [world.a.members[Role.SUPPORTER].pk]
    assert SalonSeries.objects.filter(venue=world.a.venue).count() == 1  # the planted one only


def test_a_program_open_on_holidays_keeps_the_holiday(world):
    program = world.a.extra["program"]
    program.opens_on_holidays = True
    program.save(update_fields=["opens_on_holidays"])
    preview = series_preview(**_plan(world))
    assert preview.dates[3].state == "create"


def test_creating_plans_the_free_dates_and_mails_each_staffer_once(world):
    _plant_obstacles(world)
    coordinator = world.a.members[Role.COORDINATOR]
    outcome = series_create(actor=coordinator, **_plan(world))
    days = [timezone.localtime(b.starts_at).date() for b in outcome.blocks]
    assert days == [H - 3 * WEEK, H + 3 * WEEK]
    assert {b.series_id for b in outcome.blocks} == {outcome.series.pk}
    assert [d.state for d in outcome.skipped] == [s for _d, s in EXPECTED if s != "create"]
    for block in outcome.blocks:
        assert block.meeting.place == "図書室"
        holders = set(
            CalendarBlock.objects.filter(meeting=block.meeting, is_active=True).values_list(
                "user_id", flat=True
            )
        )
        assert holders == {u.pk for u in _staff(world)}
    for user in _staff(world):
        mails = OutboxMessage.objects.filter(to_address=user.email)
        assert mails.count() == 1
        with translation.override(user.language or "ja"):
            for day in days:
                assert formats.date_format(day, "DATE_FORMAT") in mails[0].body
    assert not OutboxMessage.objects.filter(to_address=coordinator.email).exists()


def test_nothing_is_planned_when_no_date_is_free(world):
    before = SalonBlock.objects.count()
    with pytest.raises(ValidationError):
        series_create(
            actor=world.a.members[Role.COORDINATOR], **_plan(world, starts_on=H, ends_on=H)
        )
    assert SalonBlock.objects.count() == before
    assert SalonSeries.objects.filter(venue=world.a.venue).count() == 1


def test_a_supporter_cannot_create_a_series(world):
    with pytest.raises(ValidationError):
        series_create(actor=world.a.members[Role.SUPPORTER], **_plan(world))


def test_the_page_previews_every_date_then_creates(world, client_for):
    _plant_obstacles(world)
    client = client_for(world.a.members[Role.COORDINATOR])
    before = SalonBlock.objects.count()
    response = client.post(_url(world), _form(world))
    assert response.status_code == 200
    assert [(d.day, d.state) for d in response.context["preview"].dates] == EXPECTED
    body = response.content.decode()
    for text in (
        "建国記念の日",
        "創立記念日",
        "学年末試験",
        world.a.members[Role.SUPPORTER].display_name,
    ):
        assert text in body
    assert SalonBlock.objects.count() == before  # a preview plans nothing
    response = client.post(_url(world), _form(world, step="create"))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "salons:venue", args=[world.a.organization.slug, world.a.venue.pk]
    )
    assert SalonBlock.objects.count() == before + 2


def test_the_page_starts_from_the_venues_latest_weekly_salon(world, client_for):
    series = world.a.extra["series"]
    response = client_for(world.a.members[Role.COORDINATOR]).get(_url(world))
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert (initial["weekday"], initial["room"]) == (series.weekday, series.room)
    assert initial["staff"] == [world.a.members[Role.SUPPORTER].pk]  # the venue's supporter


def test_a_venue_without_weekly_salons_starts_on_a_school_day_in_its_room(world, client_for):
    venue = VenueFactory(organization=world.a.organization, room="図書室")
    response = client_for(world.a.members[Role.COORDINATOR]).get(_url(world, venue=venue))
    initial = response.context["form"].initial
    assert initial["room"] == "図書室"
    assert initial["weekday"] < 5
    assert initial["staff"] == []


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"end_time": "12:00"}, "end_time", "A salon must end after it starts."),
        (
            {"ends_on": (H + datetime.timedelta(days=400)).isoformat()},
            "ends_on",
            "Plan a weekly salon for a year at most, then plan the next year.",
        ),
        (
            {"ends_on": (H - 4 * WEEK).isoformat()},
            "ends_on",
            "The last day cannot be before the first day.",
        ),
        ({"mode": "online"}, "meeting_url", "An online salon needs its meeting URL."),
    ],
)
def test_bad_plans_are_refused_on_their_field_with_the_input_kept(
    world, client_for, extra, field, message
):
    before = SalonBlock.objects.count()
    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url(world), _form(world, step="create", room="視聴覚室", **extra)
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [ja(message)]
    assert 'value="視聴覚室"' in response.content.decode()
    assert SalonBlock.objects.count() == before


def test_a_student_cannot_staff_a_salon(world, client_for):
    data = _form(world, staff=[world.a.members[Role.CLIENT].pk])
    response = client_for(world.a.members[Role.COORDINATOR]).post(_url(world), data)
    assert response.status_code == 200
    assert response.context["form"].errors["staff"] == [
        ja("Only active supporters and coordinators can staff a salon.")
    ]


@pytest.mark.parametrize("role", [Role.SUPPORTER, Role.PARTNER, Role.CLIENT])
def test_other_roles_are_refused(world, client_for, role):
    client = client_for(world.a.members[role])
    before = SalonBlock.objects.count()
    assert client.get(_url(world)).status_code == 403
    assert client.post(_url(world), _form(world, step="create")).status_code == 403
    assert SalonBlock.objects.count() == before


def test_another_organisation_gets_404(world, client_for):
    client = client_for(world.b.members[Role.COORDINATOR])
    assert client.post(_url(world), _form(world, step="create")).status_code == 404
    own = client_for(world.a.members[Role.COORDINATOR])
    assert own.get(_url(world, venue=world.b.venue)).status_code == 404
