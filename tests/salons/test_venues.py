"""Salon venues: the coordinators' list, adding and editing a venue with its campus notes,
its people and the school's closed days; one venue's page for the coordinators and the
venue's own supporters (any other supporter: 404; teachers and students: 403)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from bansou.core.calendar import fiscal_year_of
from bansou.core.roles import Role
from bansou.orgs.models import Venue
from bansou.salons.models import Reservation, SalonBlock, VenueClosure, VenueStaff, Visit
from bansou.salons.services.venues import (
    venue_closure_add,
    venue_deactivate,
    venue_staff_add,
)
from tests.factories import (
    MembershipFactory,
    ReservationFactory,
    SalonBlockFactory,
    UserFactory,
    VenueFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


def ja(msgid: str) -> str:
    """A message as the pages say it (in Japanese, once translated)."""
    with translation.override("ja"):
        return gettext(msgid)


def t(msgid: str) -> str:
    """A message as the pages show it, escaped as in HTML."""
    return escape(ja(msgid))


def _url(world, name: str, *args) -> str:
    return reverse(f"salons:{name}", args=[world.a.organization.slug, *args])


def _coordinator(world):
    return world.a.members[Role.COORDINATOR]


def _this_year_day(days_back: int = 1) -> datetime.datetime:
    """A moment earlier in the current 年度 (today's 年度 started on 1 April)."""
    moment = timezone.now() - datetime.timedelta(days=days_back)
    assert fiscal_year_of(timezone.localdate(moment)) == fiscal_year_of(timezone.localdate())
    return moment


# --- the list ---------------------------------------------------------------------------


def test_venue_list_shows_each_venue_with_salons_to_come_and_visits_this_year(world, client_for):
    org = world.a.organization
    venue = VenueFactory(organization=org, name="ひかり高校", address="横浜市中区1-1")
    for days in (3, 10):
        SalonBlockFactory(
            program=world.a.extra["program"],
            venue=venue,
            starts_at=timezone.now() + datetime.timedelta(days=days),
        )
    past = SalonBlockFactory(
        program=world.a.extra["program"], venue=venue, starts_at=_this_year_day(20)
    )
    for kind in ("walk_in", "outreach", "walk_in"):
        VisitFactory(block=past, kind=kind)
    response = client_for(_coordinator(world)).get(_url(world, "venues"))
    assert response.status_code == 200
    rows = {row.venue.name: row for row in response.context["rows"]}
    assert (rows["ひかり高校"].upcoming, rows["ひかり高校"].visits) == (2, 3)
    assert rows[world.a.venue.name].upcoming == 1  # the planted salon, 120 days ahead
    body = response.content.decode()
    assert "横浜市中区1-1" in body
    assert "LEAKCANARY" not in body


def test_venue_list_searches_by_name_or_address_and_filters_kind_and_use(world, client_for):
    org = world.a.organization
    VenueFactory(organization=org, name="あおぞら高校", address="千葉市美浜区")
    VenueFactory(organization=org, name="みなと大学", address="横浜市", kind=Venue.Kind.CAMPUS)
    VenueFactory(organization=org, name="閉じた拠点", address="千葉市中央区", is_active=False)
    client = client_for(_coordinator(world))

    def names(query: str) -> set[str]:
        response = client.get(_url(world, "venues") + query)
        return {row.venue.name for row in response.context["rows"]}

    assert names("?q=千葉") == {"あおぞら高校"}  # in use only, by default
    assert names("?q=千葉&state=all") == {"あおぞら高校", "閉じた拠点"}
    assert names("?state=inactive") == {"閉じた拠点"}
    assert names("?kind=campus") == {"みなと大学"}
    assert names("?q=みなと") == {"みなと大学"}


@pytest.mark.parametrize("role", [Role.SUPPORTER, Role.PARTNER, Role.CLIENT])
def test_venue_list_refuses_other_roles(world, client_for, role):
    response = client_for(world.a.members[role]).get(_url(world, "venues"))
    assert response.status_code == 403
    assert world.a.venue.name not in response.content.decode()


def test_venue_list_of_another_organisation_is_404(world, client_for):
    response = client_for(world.b.members[Role.COORDINATOR]).get(_url(world, "venues"))
    assert response.status_code == 404


# --- adding and editing -----------------------------------------------------------------


def test_coordinator_adds_a_venue_with_campus_notes(world, client_for):
    response = client_for(_coordinator(world)).post(
        _url(world, "venue_new"),
        {
            "name": "  みなと学園  千葉学習センター ",
            "kind": "school",
            "address": "千葉市中央区2-2",
            "room": "学習室2",
            "access": "ビル5階。インターホンで呼び出し。",
            "contact": "加藤先生",
            "notes": "",
        },
    )
    venue = Venue.objects.get(organization=world.a.organization, name="みなと学園 千葉学習センター")
    assert response.status_code == 302
    assert response["Location"] == _url(world, "venue", venue.pk)
    assert (venue.room, venue.access, venue.contact) == (
        "学習室2",
        "ビル5階。インターホンで呼び出し。",
        "加藤先生",
    )


def test_a_second_venue_of_the_same_name_is_refused_on_the_name(world, client_for):
    before = Venue.objects.count()
    response = client_for(_coordinator(world)).post(
        _url(world, "venue_new"), {"name": world.a.venue.name, "kind": "school", "room": "図書室"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [ja("Another venue already has this name.")]
    assert 'value="図書室"' in response.content.decode()  # the input stays
    assert Venue.objects.count() == before


def test_coordinator_edits_the_campus_notes(world, client_for):
    venue = world.a.venue
    response = client_for(_coordinator(world)).post(
        _url(world, "venue_edit", venue.pk),
        {"name": venue.name, "kind": "school", "room": "3階 相談室B", "access": "東門から"},
    )
    assert response.status_code == 302
    venue.refresh_from_db()
    assert (venue.room, venue.access) == ("3階 相談室B", "東門から")


def test_a_venue_with_salons_to_come_cannot_be_taken_out_of_use(world, client_for):
    venue = world.a.venue  # its planted salon is 120 days ahead
    client = client_for(_coordinator(world))
    response = client.post(_url(world, "venue_edit", venue.pk), {"action": "state", "active": "0"})
    assert response.status_code == 200
    with translation.override("ja"):
        expected = ngettext(
            "%(count)d salon is still planned at this venue. Cancel it first, then take "
            "the venue out of use.",
            "%(count)d salons are still planned at this venue. Cancel them first, then "
            "take the venue out of use.",
            1,
        ) % {"count": 1}
    assert response.context["state_form"].non_field_errors() == [expected]
    venue.refresh_from_db()
    assert venue.is_active
    SalonBlock.objects.filter(venue=venue).update(status=SalonBlock.Status.CANCELLED)
    client.post(_url(world, "venue_edit", venue.pk), {"action": "state", "active": "0"})
    venue.refresh_from_db()
    assert not venue.is_active
    with pytest.raises(ValidationError):
        venue_deactivate(venue=venue, actor=world.a.members[Role.SUPPORTER])


# --- the venue's page -------------------------------------------------------------------


def test_the_venue_page_shows_campus_notes_people_closed_days_weekly_and_next_salons(
    world, client_for
):
    venue = world.a.venue
    venue.address, venue.room, venue.contact = "横浜市西区3-3", "図書室", "渡辺先生（内線 214）"
    venue.save()
    response = client_for(_coordinator(world)).get(_url(world, "venue", venue.pk))
    assert response.status_code == 200
    body = response.content.decode()
    for text in (
        "横浜市西区3-3",
        "図書室",
        escape("渡辺先生（内線 214）"),
        world.a.venue.access,
        world.a.members[Role.PARTNER].display_name,  # the teacher
        world.a.members[Role.SUPPORTER].display_name,
        world.a.extra["venue_closure"].name,
    ):
        assert text in body
    page = response.context["page"]
    assert [s.pk for s in page.series] == [world.a.extra["series"].pk]
    assert [n.block.pk for n in page.next_salons] == [world.a.extra["block"].pk]
    assert page.next_salons[0].reserved == 1
    starts = world.a.extra["block"].starts_at
    assert formats.date_format(timezone.localtime(starts), "DATE_FORMAT") in body
    assert "LEAKCANARY" not in body


def test_the_venue_page_sums_up_this_year(world, client_for):
    org, venue, program = world.a.organization, world.a.venue, world.a.extra["program"]
    held = SalonBlockFactory(
        program=program,
        venue=venue,
        starts_at=_this_year_day(14),
        status=SalonBlock.Status.HELD,
        closed_at=timezone.now(),
    )
    SalonBlockFactory(program=program, venue=venue, starts_at=_this_year_day(7), status="cancelled")
    regular, once = UserFactory(), UserFactory()
    for user in (regular, once):
        MembershipFactory(organization=org, user=user, role=Role.CLIENT)
    VisitFactory(block=held, student=regular, kind="walk_in")
    VisitFactory(block=held, student=regular, kind="outreach")
    VisitFactory(block=held, student=once, kind="walk_in")
    VisitFactory(block=held, kind="walk_in")  # anonymous
    no_show = ReservationFactory(block=held, student=once, slot_starts_at=held.starts_at)
    VisitFactory(block=held, student=once, kind="no_show", reservation=no_show)
    response = client_for(_coordinator(world)).get(_url(world, "venue", venue.pk))
    page = response.context["page"]
    assert (page.stats.held, page.stats.cancelled) == (1, 1)
    assert page.stats.visits == 4  # no-shows are not visits
    assert page.stats.unique_students == 2
    assert page.repeat_percent == 50
    held_month = timezone.localtime(held.starts_at).date().replace(day=1)
    bar = next(m for m in page.months if m.month == held_month)
    assert (bar.visits, bar.percent) == (4, 100)
    assert page.months[0].month.month == 4  # the 年度 starts in April
    body = response.content.decode()
    assert 'role="img"' in body and "chart-data" in body  # the bars and their table


def test_a_supporter_of_the_venue_reads_its_page_without_the_coordinators_actions(
    world, client_for
):
    response = client_for(world.a.members[Role.SUPPORTER]).get(
        _url(world, "venue", world.a.venue.pk)
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert world.a.venue.access in body
    assert _url(world, "venue_edit", world.a.venue.pk) not in body
    assert _url(world, "series_new", world.a.venue.pk) not in body


def test_another_supporter_gets_404_for_the_venue_page(world, client_for):
    other = world.a.extra["second_supporter"]  # a supporter, not of this venue
    response = client_for(other).get(_url(world, "venue", world.a.venue.pk))
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.PARTNER, Role.CLIENT, Role.VIEWER])
def test_teachers_and_students_are_refused_the_venue_page(world, client_for, role):
    response = client_for(world.a.members[role]).get(_url(world, "venue", world.a.venue.pk))
    assert response.status_code == 403


def test_another_organisations_venue_is_404(world, client_for):
    client = client_for(_coordinator(world))
    for name in ("venue", "venue_edit", "venue_staff", "venue_closures", "series_new"):
        response = client.get(_url(world, name, world.b.venue.pk))
        assert response.status_code == 404, name


# --- the venue's people -----------------------------------------------------------------


def test_a_teacher_must_be_a_partner_member(world, client_for):
    venue = VenueFactory(organization=world.a.organization)
    supporter = world.a.members[Role.SUPPORTER]
    with pytest.raises(ValidationError) as refused:
        venue_staff_add(venue=venue, user=supporter, kind="teacher", actor=_coordinator(world))
    assert refused.value.message_dict["user"] == [
        ja("A teacher must be an active partner member of this organisation.")
    ]
    response = client_for(_coordinator(world)).post(
        _url(world, "venue_staff", venue.pk), {"action": "teacher", "teacher-user": supporter.pk}
    )
    assert response.status_code == 200
    assert t("A teacher must be an active partner member of this organisation.") in (
        response.content.decode()
    )
    assert not VenueStaff.objects.filter(venue=venue).exists()


def test_coordinator_links_a_teacher_and_a_supporter_and_removes_one(world, client_for):
    venue = VenueFactory(organization=world.a.organization)
    teacher, supporter = world.a.members[Role.PARTNER], world.a.members[Role.SUPPORTER]
    client = client_for(_coordinator(world))
    url = _url(world, "venue_staff", venue.pk)
    assert client.post(url, {"action": "teacher", "teacher-user": teacher.pk}).status_code == 302
    assert (
        client.post(url, {"action": "supporter", "supporter-user": supporter.pk}).status_code == 302
    )
    kinds = dict(VenueStaff.objects.filter(venue=venue).values_list("user_id", "kind"))
    assert kinds == {teacher.pk: "teacher", supporter.pk: "supporter"}
    again = client.post(url, {"action": "supporter", "supporter-user": supporter.pk})
    assert again.status_code == 200
    assert VenueStaff.objects.filter(venue=venue).count() == 2
    link = VenueStaff.objects.get(venue=venue, user=supporter)
    assert client.post(url, {"action": "remove", "remove-pk": link.pk}).status_code == 302
    assert list(VenueStaff.objects.filter(venue=venue).values_list("user_id", flat=True)) == [
        teacher.pk
    ]


def test_a_client_cannot_be_a_venues_supporter(world):
    venue = VenueFactory(organization=world.a.organization)
    with pytest.raises(ValidationError) as refused:
        venue_staff_add(
            venue=venue,
            user=world.a.members[Role.CLIENT],
            kind="supporter",
            actor=_coordinator(world),
        )
    assert "user" in refused.value.message_dict


# --- the school's closed days -----------------------------------------------------------


def test_closed_days_ending_before_they_start_are_refused_on_the_last_day(world, client_for):
    venue = world.a.venue
    before = VenueClosure.objects.count()
    response = client_for(_coordinator(world)).post(
        _url(world, "venue_closures", venue.pk),
        {
            "action": "add",
            "closure-name": "前期試験",
            "closure-starts_on": "2027-06-20",
            "closure-ends_on": "2027-06-16",
        },
    )
    assert response.status_code == 200
    assert response.context["closure_form"].errors["ends_on"] == [
        ja("The last closed day cannot be before the first one.")
    ]
    assert 'value="前期試験"' in response.content.decode()
    assert VenueClosure.objects.count() == before
    with pytest.raises(ValidationError) as refused:
        venue_closure_add(
            venue=venue,
            name="前期試験",
            starts_on=datetime.date(2027, 6, 20),
            ends_on=datetime.date(2027, 6, 16),
            actor=_coordinator(world),
        )
    assert list(refused.value.message_dict) == ["ends_on"]


def test_closed_days_are_added_listed_with_the_salons_on_them_and_removed(world, client_for):
    venue, block = world.a.venue, world.a.extra["block"]
    day = timezone.localtime(block.starts_at).date()
    client = client_for(_coordinator(world))
    url = _url(world, "venue_closures", venue.pk)
    response = client.post(
        url,
        {
            "action": "add",
            "closure-name": "体育祭",
            "closure-starts_on": day.isoformat(),
            "closure-ends_on": day.isoformat(),
        },
    )
    assert response.status_code == 302
    closure = VenueClosure.objects.get(venue=venue, name="体育祭")
    page = client.get(url)
    assert [(c.pk, b.pk) for c, b in page.context["clashing"]] == [(closure.pk, block.pk)]
    assert client.post(url, {"action": "remove", "remove-pk": closure.pk}).status_code == 302
    assert not VenueClosure.objects.filter(pk=closure.pk).exists()
    # The reservation of the salon on it is untouched: closing days cancels nothing.
    assert Reservation.objects.get(block=block).status == "reserved"


def test_closed_days_pages_refuse_supporters(world, client_for):
    client = client_for(world.a.members[Role.SUPPORTER])
    for name in ("venue_closures", "venue_staff", "venue_edit", "series_new"):
        assert client.get(_url(world, name, world.a.venue.pk)).status_code == 403, name
    assert Visit.objects.filter(venue=world.a.venue).count() == 1
