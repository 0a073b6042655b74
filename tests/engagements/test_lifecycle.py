import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.engagements.models import (
    ONE_OPEN_PER_SUPPORTER,
    ONE_OPEN_PER_TEAM,
    OPEN_STATUS_VALUES,
    Engagement,
    EngagementEvent,
    RematchRequest,
)
from bansou.engagements.services.lifecycle import (
    OPEN_STATUSES,
    _violated_constraint,
    engagement_change_status,
    engagement_create,
    rematch_request,
)
from bansou.programs.models import TrainingAttendance
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _attend(world, user):
    TrainingAttendance.objects.create(
        organization=world.a.organization,
        training=world.a.extra["training"],
        user=user,
        attended_on=world.a.extra["program"].starts_on,
    )


def test_engagement_create_refuses_a_supporter_missing_required_training(world):
    new_client = UserFactory()
    MembershipFactory(organization=world.a.organization, user=new_client, role=Role.CLIENT)
    with pytest.raises(ValidationError) as exc:
        engagement_create(
            program=world.a.extra["program"],
            client=new_client,
            supporter=world.a.members[Role.SUPPORTER],
            created_by=world.a.members[Role.COORDINATOR],
        )
    assert "メンター事前研修" in str(exc.value) or "training" in str(exc.value)


def test_engagement_create_with_a_ready_team_records_who_created_it(world):
    a = world.a
    for user in (a.members[Role.SUPPORTER], a.extra["second_supporter"]):
        _attend(world, user)
    new_client = UserFactory()
    MembershipFactory(organization=a.organization, user=new_client, role=Role.CLIENT)
    engagement = engagement_create(
        program=a.extra["program"],
        client=new_client,
        team=a.extra["team"],
        created_by=a.members[Role.COORDINATOR],
        start_now=True,
    )
    assert engagement.status == Engagement.Status.ACTIVE
    event = EngagementEvent.objects.get(engagement=engagement)
    assert (event.kind, event.actor) == (EngagementEvent.Kind.CREATED, a.members[Role.COORDINATOR])


def test_engagement_create_refuses_someone_who_is_not_a_client(world):
    with pytest.raises(ValidationError):
        engagement_create(
            program=world.a.extra["program"],
            client=world.a.members[Role.PARTNER],
            supporter=world.a.members[Role.SUPPORTER],
            created_by=world.a.members[Role.COORDINATOR],
        )


def test_status_change_records_who_when_why_and_audits(world):
    engagement = world.a.extra["engagement"]
    coordinator = world.a.members[Role.COORDINATOR]
    engagement_change_status(
        engagement=engagement,
        to_status=Engagement.Status.PAUSED,
        actor=coordinator,
        reason="本人の体調のため",
        ip_address="127.0.0.1",
    )
    event = EngagementEvent.objects.get(engagement=engagement, kind=EngagementEvent.Kind.STATUS)
    assert (event.from_status, event.to_status, event.reason, event.actor) == (
        "active",
        "paused",
        "本人の体調のため",
        coordinator,
    )
    audit = AuditEntry.objects.get(action="engagement.status_changed")
    assert audit.object_id == str(engagement.pk) and audit.ip_address == "127.0.0.1"


@pytest.mark.parametrize(
    ("start", "target"), [("ended", "active"), ("proposed", "paused"), ("active", "active")]
)
def test_status_change_refuses_impossible_transitions(world, start, target):
    engagement = world.a.extra["engagement"]
    Engagement.objects.filter(pk=engagement.pk).update(status=start)
    with pytest.raises(ValidationError):
        engagement_change_status(
            engagement=engagement,
            to_status=target,
            actor=world.a.members[Role.COORDINATOR],
            reason="x",
            ip_address=None,
        )
    engagement.refresh_from_db()
    assert engagement.status == start
    assert not AuditEntry.objects.exists()


def test_status_change_to_paused_needs_a_reason(world, client_for):
    engagement = world.a.extra["engagement"]
    client = client_for(world.a.members[Role.COORDINATOR])
    url = reverse("engagements:status", args=[world.a.organization.slug, engagement.pk])
    response = client.post(url, {"to_status": "paused", "reason": "  "})
    assert response.status_code == 200
    assert "理由を入力してください" in response.content.decode()
    engagement.refresh_from_db()
    assert engagement.status == Engagement.Status.ACTIVE


def test_rematch_request_is_quiet_idempotent_and_for_coordinators_only(world, client_for):
    a = world.a
    engagement = a.extra["engagement"]
    client = client_for(a.members[Role.CLIENT])
    url = reverse("engagements:rematch", args=[a.organization.slug, engagement.pk])
    client.post(url)
    client.post(url)
    assert RematchRequest.objects.filter(engagement=engagement).count() == 1
    queue = reverse("engagements:rematch_queue", args=[a.organization.slug])
    assert (
        a.members[Role.CLIENT].display_name
        in client_for(a.members[Role.COORDINATOR]).get(queue).content.decode()
    )
    assert client_for(a.members[Role.SUPPORTER]).get(queue).status_code == 403
    detail = reverse("engagements:detail", args=[a.organization.slug, engagement.pk])
    supporter_view = client_for(a.members[Role.SUPPORTER]).get(detail).content.decode()
    assert "別の支援者" not in supporter_view


def test_rematch_request_by_someone_else_is_refused(world):
    with pytest.raises(ValidationError):
        rematch_request(
            engagement=world.a.extra["engagement"], client=world.a.members[Role.SUPPORTER]
        )


def _second_open(world, **unit):
    """Writes a second open engagement straight to the database, past the service's check."""
    a = world.a
    return Engagement(
        organization=a.organization,
        program=a.extra["program"],
        client=a.members[Role.CLIENT],
        status=Engagement.Status.PROPOSED,
        **unit,
    )


def test_the_database_refuses_a_second_open_engagement_with_the_same_supporter(world):
    duplicate = _second_open(world, supporter=world.a.members[Role.SUPPORTER])
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        duplicate.save()
    assert _violated_constraint(exc.value) == ONE_OPEN_PER_SUPPORTER


def test_the_database_refuses_a_second_open_engagement_with_the_same_team(world):
    _second_open(world, team=world.a.extra["team"]).save()
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        _second_open(world, team=world.a.extra["team"]).save()
    assert _violated_constraint(exc.value) == ONE_OPEN_PER_TEAM


def test_an_ended_engagement_does_not_block_a_new_one(world):
    a = world.a
    engagement_change_status(
        engagement=a.extra["engagement"],
        to_status=Engagement.Status.ENDED,
        actor=a.members[Role.COORDINATOR],
        reason="目標達成",
        ip_address=None,
    )
    _attend(world, a.members[Role.SUPPORTER])
    again = engagement_create(
        program=a.extra["program"],
        client=a.members[Role.CLIENT],
        supporter=a.members[Role.SUPPORTER],
        created_by=a.members[Role.COORDINATOR],
    )
    assert (
        Engagement.objects.filter(
            program=a.extra["program"], client=a.members[Role.CLIENT], status__in=OPEN_STATUSES
        ).get()
        == again
    )


def test_a_second_open_engagement_is_refused_with_a_clear_message(world):
    a = world.a
    _attend(world, a.members[Role.SUPPORTER])
    with pytest.raises(ValidationError) as exc:
        engagement_create(
            program=a.extra["program"],
            client=a.members[Role.CLIENT],
            supporter=a.members[Role.SUPPORTER],
            created_by=a.members[Role.COORDINATOR],
        )
    assert exc.value.messages == ["この相談者とはすでに進行中の伴走があります。"]


def test_the_constraint_and_the_service_agree_on_what_is_open():
    assert set(OPEN_STATUS_VALUES) == {str(s) for s in OPEN_STATUSES}
