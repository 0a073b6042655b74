import datetime

import pytest
from django.contrib.messages import constants as message_levels
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bansou.core.calendar import fiscal_year_bounds, fiscal_year_of
from bansou.core.roles import Role
from bansou.engagements.models import Session
from bansou.engagements.selectors.no_shows import (
    no_show_rates,
)
from tests.factories import (
    EngagementFactory,
    MembershipFactory,
    ProgramFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db
NOW = timezone.now()
# Wide enough for every session these tests plant, whatever day they run on.
WIDE = {"since": datetime.date(2000, 1, 1), "until": datetime.date(2099, 12, 31)}


def _scheduled(engagement, *, hours: float, **kwargs) -> Session:
    """A still-scheduled session ``hours`` from now (negative: it has started)."""
    starts = timezone.now() + datetime.timedelta(hours=hours)
    return SessionFactory(
        engagement=engagement, status=Session.Status.SCHEDULED, starts_at=starts, **kwargs
    )


def _mark_url(world, session) -> str:
    return reverse("engagements:session_mark", args=[world.a.organization.slug, session.pk])


def _messages(response) -> list[tuple[int, str]]:
    return [(m.level, str(m)) for m in response.context["messages"]]


# The one-tap mark


def test_one_tap_marks_a_past_session_no_show_and_goes_back(world, client_for):
    session = _scheduled(world.a.extra["engagement"], hours=-1)
    back = reverse("engagements:calendar", args=[world.a.organization.slug])
    client = client_for(world.a.members[Role.SUPPORTER])
    response = client.post(_mark_url(world, session), {"status": "no_show", "next": back})
    assert response.status_code == 302
    assert response["Location"] == back
    session.refresh_from_db()
    assert session.status == Session.Status.NO_SHOW
    assert session.status_changed_at is not None
    page = client.get(back)
    (level, text), *_ = _messages(page)
    assert level == message_levels.SUCCESS
    assert world.a.members[Role.CLIENT].display_name in text


def test_one_tap_held_by_a_coordinator_returns_to_the_engagement(world, client_for):
    engagement = world.a.extra["engagement"]
    session = _scheduled(engagement, hours=-2)
    client = client_for(world.a.members[Role.COORDINATOR])
    response = client.post(
        _mark_url(world, session), {"status": "held", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse(
        "engagements:detail", args=[world.a.organization.slug, engagement.pk]
    )
    session.refresh_from_db()
    assert session.status == Session.Status.HELD


def test_one_tap_refuses_a_future_session_with_a_message_and_changes_nothing(world, client_for):
    session = _scheduled(world.a.extra["engagement"], hours=24)
    client = client_for(world.a.members[Role.SUPPORTER])
    response = client.post(_mark_url(world, session), {"status": "no_show"}, follow=True)
    assert response.status_code == 200
    assert _messages(response) == [
        (message_levels.ERROR, "まだ始まっていない面談を実施・欠席にすることはできません。")
    ]
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED
    assert session.status_changed_at is None


@pytest.mark.parametrize("status", ["cancelled", "scheduled", ""])
def test_one_tap_takes_only_held_or_no_show(world, client_for, status):
    session = _scheduled(world.a.extra["engagement"], hours=-1)
    client = client_for(world.a.members[Role.SUPPORTER])
    response = client.post(_mark_url(world, session), {"status": status}, follow=True)
    assert [level for level, _text in _messages(response)] == [message_levels.ERROR]
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED


def test_one_tap_on_an_already_marked_session_says_so(world, client_for):
    session = _scheduled(world.a.extra["engagement"], hours=-1)
    client = client_for(world.a.members[Role.SUPPORTER])
    first = client.post(_mark_url(world, session), {"status": "held"}, follow=True)
    assert [level for level, _text in _messages(first)] == [message_levels.SUCCESS]
    response = client.post(_mark_url(world, session), {"status": "no_show"}, follow=True)
    assert [level for level, _text in _messages(response)] == [message_levels.ERROR]
    session.refresh_from_db()
    assert session.status == Session.Status.HELD


@pytest.mark.parametrize("role", [Role.CLIENT, Role.PARTNER, Role.VIEWER])
def test_one_tap_is_refused_to_other_roles(world, client_for, role):
    session = _scheduled(world.a.extra["engagement"], hours=-1)
    response = client_for(world.a.members[role]).post(
        _mark_url(world, session), {"status": "no_show"}
    )
    assert response.status_code == 403
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED


def test_one_tap_on_another_organisations_session_is_not_found(world, client_for):
    theirs = _scheduled(world.b.extra["engagement"], hours=-1)
    coordinator = client_for(world.a.members[Role.COORDINATOR])
    assert coordinator.post(_mark_url(world, theirs), {"status": "no_show"}).status_code == 404
    outsider = client_for(world.b.members[Role.COORDINATOR])
    mine = _scheduled(world.a.extra["engagement"], hours=-3)
    assert outsider.post(_mark_url(world, mine), {"status": "no_show"}).status_code == 404
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.status == mine.status == Session.Status.SCHEDULED


def test_one_tap_on_another_supporters_session_is_not_found(world, client_for):
    other = UserFactory()
    MembershipFactory(organization=world.a.organization, user=other, role=Role.SUPPORTER)
    session = _scheduled(world.a.extra["engagement"], hours=-1)
    response = client_for(other).post(_mark_url(world, session), {"status": "no_show"})
    assert response.status_code == 404
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED


def test_mark_page_shows_the_buttons_only_once_the_session_has_started(world, client_for):
    client = client_for(world.a.members[Role.SUPPORTER])
    started = _scheduled(world.a.extra["engagement"], hours=-1)
    later = _scheduled(world.a.extra["engagement"], hours=30)
    page = client.get(_mark_url(world, started)).content.decode()
    assert f'action="{_mark_url(world, started)}"' in page
    assert 'value="no_show"' in page
    page = client.get(_mark_url(world, later)).content.decode()
    assert 'value="no_show"' not in page


def test_engagement_detail_offers_one_tap_on_past_scheduled_sessions_only(world, client_for):
    engagement = world.a.extra["engagement"]
    started = _scheduled(engagement, hours=-1)
    later = _scheduled(engagement, hours=30)
    url = reverse("engagements:detail", args=[world.a.organization.slug, engagement.pk])
    page = client_for(world.a.members[Role.SUPPORTER]).get(url).content.decode()
    assert _mark_url(world, started) in page
    assert _mark_url(world, later) not in page
    assert f'name="next" value="{url}"' in page
    client_page = client_for(world.a.members[Role.CLIENT]).get(url).content.decode()
    assert _mark_url(world, started) not in client_page


def test_my_week_lists_the_sessions_to_mark(world, client_for):
    started = _scheduled(world.a.extra["engagement"], hours=-1, blocks=True)
    url = reverse("engagements:calendar", args=[world.a.organization.slug])
    week = timezone.localtime(started.starts_at).date().isoformat()
    page = client_for(world.a.members[Role.SUPPORTER]).get(url, {"week": week}).content.decode()
    assert 'id="to-mark"' in page
    assert page.count(f'action="{_mark_url(world, started)}"') == 1


# Rates


def _team_engagement(world):
    return EngagementFactory(
        program=world.a.extra["program"],
        client=UserFactory(family_name="チーム相談者"),
        supporter=None,
        team=world.a.extra["team"],
    )


def _days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days, hours=1)


def _rows(rows) -> dict[str, tuple[int, int, float | None]]:
    return {row.label: (row.sessions, row.no_shows, row.rate) for row in rows}


def test_rates_count_a_team_session_for_every_member(world):
    team_engagement = _team_engagement(world)
    supporter = world.a.members[Role.SUPPORTER]
    second = world.a.extra["second_supporter"]
    for days, status in ((5, "held"), (6, "no_show"), (7, "no_show")):
        SessionFactory(
            engagement=team_engagement, starts_at=_days_ago(days), status=status, blocks=True
        )
    # Neither scheduled nor cancelled sessions count.
    SessionFactory(engagement=team_engagement, starts_at=_days_ago(8), status="cancelled")
    _scheduled(team_engagement, hours=-200, blocks=True)
    rates = no_show_rates(organization=world.a.organization, **WIDE)
    by_person = {row.user: (row.sessions, row.no_shows) for row in rates.supporters}
    # The supporter also has the world's held session of their own engagement.
    assert by_person == {supporter: (4, 2), second: (3, 2)}
    assert _rows(rates.programs)[world.a.extra["program"].name] == (4, 2, 0.5)
    assert rates.total.sessions == 4 and rates.total.no_shows == 2


def test_rates_per_venue_include_sessions_without_one(world):
    engagement = world.a.extra["engagement"]
    hall = world.a.venue
    empty = VenueFactory(organization=world.a.organization, name="使われない拠点")
    SessionFactory(engagement=engagement, starts_at=_days_ago(3), venue=hall, status="no_show")
    SessionFactory(engagement=engagement, starts_at=_days_ago(4), venue=hall, status="held")
    SessionFactory(engagement=engagement, starts_at=_days_ago(5), venue=hall, status="held")
    SessionFactory(engagement=engagement, starts_at=_days_ago(6), status="no_show")
    rates = no_show_rates(organization=world.a.organization, **WIDE)
    venues = {row.venue: (row.sessions, row.no_shows) for row in rates.venues}
    # None: the world's held session and the no-show above, both without a venue.
    assert venues == {hall: (3, 1), empty: (0, 0), None: (2, 1)}
    assert rates.venues[-1].venue is None
    assert [row.rate for row in rates.venues if row.venue == empty] == [None]
    assert rates.venues[0].percent == 33.3


def test_rates_keep_to_the_period_and_the_organisation(world):
    engagement = world.a.extra["engagement"]
    Session.objects.filter(pk=world.a.extra["session"].pk).update(status="cancelled")
    SessionFactory(
        engagement=engagement,
        starts_at=datetime.datetime(2025, 3, 31, 23, 30, tzinfo=timezone.get_current_timezone()),
        status="no_show",
    )
    SessionFactory(
        engagement=engagement,
        starts_at=datetime.datetime(2025, 4, 1, 0, 30, tzinfo=timezone.get_current_timezone()),
        status="no_show",
    )
    SessionFactory(engagement=world.b.extra["engagement"], status="no_show")
    since, until = fiscal_year_bounds(2025)
    rates = no_show_rates(organization=world.a.organization, since=since, until=until)
    assert (rates.total.sessions, rates.total.no_shows) == (1, 1)
    earlier = no_show_rates(organization=world.a.organization, until=datetime.date(2025, 3, 31))
    assert (earlier.total.sessions, earlier.total.no_shows) == (1, 1)
    assert world.b.extra["program"].name not in _rows(rates.programs)


def test_fiscal_year_runs_from_april_to_march():
    assert fiscal_year_of(datetime.date(2026, 3, 31)) == 2025
    assert fiscal_year_of(datetime.date(2026, 4, 1)) == 2026
    assert fiscal_year_bounds(2026) == (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))


def _grow(world, n: int) -> list[str]:
    """n more supporters, programs and venues, each with a held and a missed session;
    returns the names the rate tables must show."""
    names = []
    for _ in range(n):
        supporter = UserFactory()
        program = ProgramFactory(organization=world.a.organization)
        venue = VenueFactory(organization=world.a.organization)
        engagement = EngagementFactory(program=program, supporter=supporter)
        for days, status in ((2, "held"), (3, "no_show")):
            SessionFactory(
                engagement=engagement, starts_at=_days_ago(days), status=status, venue=venue
            )
        names += [supporter.display_name, program.name, venue.name]
    return names


def test_rates_take_a_fixed_number_of_queries(world):
    counts = []
    for n in (1, 6):
        _grow(world, n)
        with CaptureQueriesContext(connection) as queries:
            rates = no_show_rates(organization=world.a.organization, **WIDE)
        counts.append(len(queries))
    assert counts == [7, 7]
    assert len(rates.supporters) == 8  # the world's supporter and 7 grown ones


def test_no_shows_page_query_count_constant(world, client_for, assert_constant_queries):
    client = client_for(world.a.members[Role.COORDINATOR])
    url = reverse("engagements:no_shows", args=[world.a.organization.slug])
    assert_constant_queries(
        build=lambda n: _grow(world, n), get=lambda: client.get(url, {"since": "2000-01-01"})
    )


# The page


def test_no_shows_page_shows_this_fiscal_year_by_default(world, client_for):
    engagement = world.a.extra["engagement"]
    first, _last = fiscal_year_bounds(fiscal_year_of(timezone.localdate()))
    before = datetime.datetime.combine(
        first - datetime.timedelta(days=1),
        datetime.time(10),
        tzinfo=timezone.get_current_timezone(),
    )
    SessionFactory(engagement=engagement, starts_at=before, status="no_show")
    response = client_for(world.a.members[Role.COORDINATOR]).get(
        reverse("engagements:no_shows", args=[world.a.organization.slug])
    )
    assert response.context["rates"].since == first
    assert response.context["rates"].total.no_shows == 0
    page = response.content.decode()
    assert world.a.extra["program"].name in page
    assert reverse("engagements:radar", args=[world.a.organization.slug]) in page


def test_no_shows_page_shows_rates_as_percent(world, client_for):
    engagement = world.a.extra["engagement"]
    SessionFactory(engagement=engagement, starts_at=_days_ago(3), status="no_show")
    SessionFactory(engagement=engagement, starts_at=_days_ago(4), status="held")
    page = (
        client_for(world.a.members[Role.COORDINATOR])
        .get(reverse("engagements:no_shows", args=[world.a.organization.slug]), WIDE)
        .content.decode()
    )
    assert "33.3%" in page  # 1 of the 3 sessions (with the world's held one)
    assert world.a.members[Role.SUPPORTER].display_name in page


def test_no_shows_page_refuses_a_reversed_range_on_the_field(world, client_for):
    response = client_for(world.a.members[Role.COORDINATOR]).get(
        reverse("engagements:no_shows", args=[world.a.organization.slug]),
        {"since": "2026-05-01", "until": "2026-04-01"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["until"]
    assert 'id="id_until_error"' in response.content.decode()
    assert 'value="2026-05-01"' in response.content.decode()
    this_year = fiscal_year_bounds(fiscal_year_of(timezone.localdate()))
    assert (response.context["rates"].since, response.context["rates"].until) == this_year


@pytest.mark.parametrize("role", [Role.SUPPORTER, Role.CLIENT, Role.PARTNER, Role.VIEWER])
def test_no_shows_page_is_for_coordinators(world, client_for, role):
    url = reverse("engagements:no_shows", args=[world.a.organization.slug])
    assert client_for(world.a.members[role]).get(url).status_code == 403
    assert client_for(world.b.members[Role.COORDINATOR]).get(url).status_code == 404
