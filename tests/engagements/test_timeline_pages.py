"""A long accompaniment's timeline comes a page of sessions at a time, the latest first,
and every lifecycle event shows on exactly one page."""

import datetime

import pytest
from django.utils import timezone

from bansou.core.roles import Role
from bansou.engagements.models import EngagementEvent
from bansou.engagements.selectors.timeline import TIMELINE_SESSIONS, engagement_timeline
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def _story(world, sessions: int):
    """``sessions`` weekly sessions, the latest a day ago, each followed by a goals event
    an hour later."""
    engagement = world.a.extra["engagement"]
    engagement.sessions.all().delete()
    EngagementEvent.objects.filter(engagement=engagement).delete()
    now = timezone.now()
    made = []
    for weeks in range(sessions):
        starts = now - datetime.timedelta(days=1 + 7 * weeks)
        made.append(SessionFactory(engagement=engagement, starts_at=starts))
        event = EngagementEvent.objects.create(
            organization=engagement.organization,
            engagement=engagement,
            kind=EngagementEvent.Kind.GOALS,
        )
        EngagementEvent.objects.filter(pk=event.pk).update(
            created_at=starts + datetime.timedelta(hours=1)
        )
    return engagement, made


def _page(world, engagement, number: int | None):
    from django.http import QueryDict

    params = QueryDict(mutable=True)
    if number is not None:
        params["page"] = str(number)
    return engagement_timeline(
        engagement=engagement,
        user=world.a.members[Role.COORDINATOR],
        role=Role.COORDINATOR,
        is_supporter=False,
        params=params,
    )


def test_the_first_page_holds_the_latest_sessions_oldest_first_and_links_to_earlier(world):
    engagement, made = _story(world, TIMELINE_SESSIONS + 5)
    first = _page(world, engagement, None)
    shown = [i.session.pk for i in first.items if i.kind == "session"]
    latest = sorted(made, key=lambda s: s.starts_at)[-TIMELINE_SESSIONS:]
    assert shown == [s.pk for s in latest]
    assert first.earlier_page == 2 and first.later_page is None
    second = _page(world, engagement, 2)
    assert [i.session.pk for i in second.items if i.kind == "session"] == [
        s.pk for s in sorted(made, key=lambda s: s.starts_at)[:5]
    ]
    assert second.earlier_page is None and second.later_page == 1


def test_every_event_shows_on_exactly_one_page(world):
    engagement, _made = _story(world, TIMELINE_SESSIONS * 2 + 3)
    seen = []
    for number in (1, 2, 3):
        seen += [i.event.pk for i in _page(world, engagement, number).items if i.kind == "event"]
    every = list(EngagementEvent.objects.filter(engagement=engagement).values_list("pk", flat=True))
    assert sorted(seen) == sorted(every)


def test_the_page_offers_the_earlier_sessions_link_and_a_bad_page_shows_the_last(world, client_for):
    from django.urls import reverse

    engagement, made = _story(world, TIMELINE_SESSIONS + 1)
    url = reverse("engagements:detail", args=[world.a.organization.slug, engagement.pk])
    coordinator = client_for(world.a.members[Role.COORDINATOR])
    body = coordinator.get(url).content.decode()
    assert "?page=2#timeline" in body
    oldest = min(made, key=lambda s: s.starts_at)
    oldest_at = f'datetime="{timezone.localtime(oldest.starts_at).isoformat()}"'
    assert oldest_at not in body
    assert oldest_at in coordinator.get(url + "?page=2").content.decode()
    last = coordinator.get(url + "?page=99").content.decode()
    assert "?page=1#timeline" in last
