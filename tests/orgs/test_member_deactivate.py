"""Deactivating a membership: the person loses access at once, their sessions ahead in the
organisation are cancelled with notice, the members list shows when people last signed in."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from bansou.core.roles import Role
from bansou.engagements.models import Session
from bansou.engagements.services.memberships import membership_deactivate
from bansou.orgs.models import Membership
from tests.factories import SessionFactory


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def _membership(world, role):
    return Membership.objects.get(organization=world.a.organization, user=world.a.members[role])


def _ahead(world, days, **extra):
    starts = timezone.now() + datetime.timedelta(days=days)
    return SessionFactory(
        engagement=world.a.extra["engagement"],
        starts_at=starts,
        status=Session.Status.SCHEDULED,
        **extra,
    )


def test_deactivating_a_supporter_cancels_their_sessions_ahead_with_notice(
    world, client_for, django_capture_on_commit_callbacks
):
    coordinator = world.a.members[Role.COORDINATOR]
    supporter = world.a.members[Role.SUPPORTER]
    ahead = _ahead(world, 3, blocks=True)
    past = world.a.extra["session"]
    membership = _membership(world, Role.SUPPORTER)
    url = reverse("engagements:member_deactivate", args=[world.a.organization.slug, membership.pk])
    client = client_for(coordinator)
    page = client.get(url)
    assert page.status_code == 200 and list(page.context["sessions"]) == [ahead]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "退職のため"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active
    ahead.refresh_from_db()
    past.refresh_from_db()
    assert ahead.status == Session.Status.CANCELLED
    assert past.status == Session.Status.HELD  # the past stays as it was
    assert mail.outbox  # the cancellation mail
    dashboard = reverse("orgs:dashboard", args=[world.a.organization.slug])
    assert client_for(supporter).get(dashboard).status_code == 404


def test_a_client_s_sessions_ahead_are_cancelled_too(world, django_capture_on_commit_callbacks):
    ahead = _ahead(world, 5)
    with django_capture_on_commit_callbacks(execute=True):
        count = membership_deactivate(
            membership=_membership(world, Role.CLIENT), actor=world.a.members[Role.COORDINATOR]
        )
    assert count == 1
    ahead.refresh_from_db()
    assert ahead.status == Session.Status.CANCELLED


def test_no_self_deactivation_and_no_last_coordinator(world, client_for):
    coordinator = world.a.members[Role.COORDINATOR]
    own = _membership(world, Role.COORDINATOR)
    with pytest.raises(Exception, match="your own"):
        membership_deactivate(membership=own, actor=coordinator)
    url = reverse("engagements:member_deactivate", args=[world.a.organization.slug, own.pk])
    client_for(coordinator).post(url)
    own.refresh_from_db()
    assert own.is_active


def test_only_coordinators_and_only_their_own_organisation(world, client_for):
    own = _membership(world, Role.CLIENT)
    slug = world.a.organization.slug
    url = reverse("engagements:member_deactivate", args=[slug, own.pk])
    assert client_for(world.a.members[Role.SUPPORTER]).post(url).status_code == 403
    foreign = Membership.objects.filter(organization=world.b.organization).first()
    other = reverse("engagements:member_deactivate", args=[slug, foreign.pk])
    assert client_for(world.a.members[Role.COORDINATOR]).post(other).status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active


def test_the_members_list_shows_the_last_sign_in(world, client_for):
    supporter = world.a.members[Role.SUPPORTER]
    supporter.last_login = timezone.now() - datetime.timedelta(days=1)
    supporter.save(update_fields=["last_login"])
    page = client_for(world.a.members[Role.COORDINATOR]).get(
        reverse("orgs:members", args=[world.a.organization.slug])
    )
    body = page.content.decode()
    assert "最終ログイン" in body and "まだありません" in body
