"""The retention period: a coordinator sets it; the periodic job anonymises ended
engagements older than it — and only those — keeping the counts reports use."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, EngagementEvent, Reflection, Session, SessionNote
from bansou.ops.periodic import run_periodic
from bansou.privacy.models import RetentionPolicy
from tests.factories import (
    EngagementFactory,
    MembershipFactory,
    OrganizationFactory,
    ProgramFactory,
    SessionFactory,
    SessionNoteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def _ended(program, client, *, months_ago: int, status=Engagement.Status.ENDED) -> Engagement:
    engagement = EngagementFactory(
        program=program, client=client, status=status, goals="ZQX の目標"
    )
    event = EngagementEvent.objects.create(
        organization=program.organization,
        engagement=engagement,
        kind=EngagementEvent.Kind.STATUS,
        from_status=Engagement.Status.ACTIVE,
        to_status=status,
        reason="ZQX 本人の都合",
        actor=client,
    )
    ended_at = NOW - datetime.timedelta(days=30 * months_ago + 5)
    EngagementEvent.objects.filter(pk=event.pk).update(created_at=ended_at)
    session = SessionFactory(engagement=engagement, place="ZQX 宅")
    SessionNoteFactory(session=session, body="ZQX メモ")
    Reflection.objects.create(
        organization=program.organization,
        session=session,
        important="ZQX",
        via=Reflection.Via.LINK,
        entered_by=client,
    )
    return engagement


@pytest.fixture
def world():
    org = OrganizationFactory()
    program = ProgramFactory(organization=org)
    coordinator = MembershipFactory(organization=org, role=Role.COORDINATOR).user
    client_user = UserFactory(family_name="期限", given_name="ZQX")
    MembershipFactory(organization=org, user=client_user, role=Role.CLIENT)
    old = _ended(program, client_user, months_ago=13)
    interrupted = _ended(program, client_user, months_ago=25, status=Engagement.Status.INTERRUPTED)
    recent = _ended(program, client_user, months_ago=11)
    active = EngagementFactory(program=program, client=client_user, goals="ZQX 継続中")
    Engagement.objects.filter(pk=active.pk).update(created_at=NOW - datetime.timedelta(days=900))
    return org, coordinator, client_user, (old, interrupted), (recent, active)


def test_a_coordinator_sets_the_period_and_bad_values_are_explained(client, world):
    org, coordinator, *_ = world
    client.force_login(coordinator)
    url = reverse("privacy:retention", args=[org.slug])
    for bad in ("3", "①", "99999", "十二"):
        response = client.post(url, {"months": bad})
        assert response.status_code == 200, bad
        assert "months" in response.context["form"].errors, bad
        assert response.context["form"].data["months"] == bad
    assert not RetentionPolicy.objects.exists()
    response = client.post(url, {"months": "12"})
    assert response.status_code == 302
    page = client.get(url)
    assert page.context["form"].initial["months"] == 12
    assert page.context["due"] == 2  # the two engagements past twelve months
    with scopes_disabled():
        assert AuditEntry.objects.get(organization=org, action="retention_set").data == {
            "months": 12
        }


def test_the_nightly_job_anonymises_only_engagements_past_the_period(world):
    org, _coordinator, client_user, expired, kept = world
    RetentionPolicy.objects.create(organization=org, ended_engagement_months=12)
    with scopes_disabled():
        sessions_before = Session.objects.filter(organization=org).count()
    [outcome] = run_periodic(now=NOW, only="privacy.retention")
    assert outcome.ok and outcome.result == 2
    with scopes_disabled():
        for engagement in expired:
            engagement.refresh_from_db()
            assert engagement.anonymised_at is not None and engagement.goals == ""
            assert engagement.client != client_user and engagement.client.erased_at
            assert not SessionNote.objects.filter(session__engagement=engagement).exists()
            reflection = Reflection.objects.get(session__engagement=engagement)
            assert reflection.important == "" and reflection.entered_by != client_user
            assert not EngagementEvent.objects.filter(
                engagement=engagement, actor=client_user
            ).exists()
            assert Session.objects.get(engagement=engagement).place == ""
        # Two anonymised engagements do not become one person.
        assert expired[0].client_id != expired[1].client_id
        for engagement in kept:
            engagement.refresh_from_db()
            assert engagement.client == client_user and "ZQX" in engagement.goals
        assert Session.objects.filter(organization=org).count() == sessions_before
        assert org.memberships.filter(user=client_user, is_active=True).exists()
    # Run again: nothing left to do.
    [again] = run_periodic(now=NOW, only="privacy.retention")
    assert again.result == 0


def test_no_period_means_nothing_is_anonymised(world):
    org, *_ = world
    [outcome] = run_periodic(now=NOW, only="privacy.retention")
    assert outcome.ok and outcome.result == 0
    with scopes_disabled():
        assert not Engagement.objects.filter(organization=org, anonymised_at__isnull=False).exists()
