"""Ending several engagements at once from the list: the confirmation names them, each
is ended with its future sessions cancelled and the people told, one that cannot change
is named with the reason, and nothing outside the organisation can be chosen."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from bansou.core.roles import Role
from bansou.engagements.models import Engagement, Session
from bansou.ops.models import OutboxMessage
from tests.factories import (
    EngagementFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(client):
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    coordinator = MembershipFactory(organization=org, role=Role.COORDINATOR).user
    engagements = [EngagementFactory(program=program) for _ in range(3)]
    ahead = SessionFactory(
        engagement=engagements[0],
        status=Session.Status.SCHEDULED,
        starts_at=timezone.now() + datetime.timedelta(days=5),
    )
    foreign = EngagementFactory()
    client.force_login(coordinator)
    return org, engagements, ahead, foreign


def test_the_confirmation_names_the_chosen_open_engagements_only(client, three):
    org, engagements, _ahead, foreign = three
    url = reverse("engagements:bulk_status", args=[org.slug])
    ids = [engagements[0].pk, engagements[1].pk, foreign.pk, "①"]
    response = client.get(url, {"e": ids})
    assert {e.pk for e in response.context["chosen"]} == {engagements[0].pk, engagements[1].pk}
    assert foreign.client.display_name not in response.content.decode()


def test_ending_several_cancels_their_future_sessions_with_notice(client, three):
    org, engagements, ahead, _foreign = three
    url = reverse("engagements:bulk_status", args=[org.slug])
    response = client.post(
        url,
        {
            "engagements": [engagements[0].pk, engagements[1].pk],
            "to_status": "ended",
            "reason": "年度末",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        statuses = {e.pk: Engagement.objects.get(pk=e.pk).status for e in engagements}
        ahead.refresh_from_db()
        mails = OutboxMessage.objects.filter(organization=org).count()
    assert statuses == {
        engagements[0].pk: "ended",
        engagements[1].pk: "ended",
        engagements[2].pk: "active",
    }
    assert ahead.status == Session.Status.CANCELLED and mails >= 2


def test_a_missing_reason_is_said_on_its_field_and_nothing_changes(client, three):
    org, engagements, _ahead, _foreign = three
    url = reverse("engagements:bulk_status", args=[org.slug])
    response = client.post(url, {"engagements": [engagements[0].pk], "to_status": "ended"})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert [e.pk for e in response.context["chosen"]] == [engagements[0].pk]
    with scopes_disabled():
        assert Engagement.objects.get(pk=engagements[0].pk).status == "active"


def test_an_engagement_that_cannot_change_is_named(client, three):
    org, engagements, _ahead, _foreign = three
    url = reverse("engagements:bulk_status", args=[org.slug])
    with scopes_disabled():
        Engagement.objects.filter(pk=engagements[1].pk).update(status="proposed")
    response = client.post(
        url,
        {
            "engagements": [engagements[0].pk, engagements[1].pk],
            "to_status": "ended",
            "reason": "本人の都合",
        },
        follow=True,
    )
    texts = [str(m) for m in response.context["messages"]]
    assert any(engagements[1].client.display_name in t for t in texts)
