"""Private notes are the supporters' own; teachers see nothing; coordinators read only with a
recorded reason."""

import pytest
from django.urls import reverse

from bansou.audit.models import AuditEntry, AuditImmutableError
from bansou.core.roles import Role
from tests.conftest import CANARY

pytestmark = pytest.mark.django_db


def _note_urls(world, org="a"):
    w = getattr(world, org)
    note = w.extra["note"]
    slug = world.a.organization.slug
    return (
        reverse("engagements:note", args=[slug, note.pk]),
        reverse("engagements:note_audited", args=[slug, note.pk]),
        reverse("engagements:detail", args=[slug, w.extra["engagement"].pk]),
    )


def test_the_engagement_supporter_reads_the_private_note(world, client_for):
    note_url, _, detail_url = _note_urls(world)
    client = client_for(world.a.members[Role.SUPPORTER])
    assert "ORGAMARKさん private note" in client.get(note_url).content.decode()
    assert "ORGAMARKさん private note" in client.get(detail_url).content.decode()


def test_team_mates_on_a_team_engagement_read_each_others_notes(world, client_for):
    from tests.factories import EngagementFactory, SessionFactory, SessionNoteFactory

    a = world.a
    engagement = EngagementFactory(
        program=a.extra["program"],
        client=a.members[Role.CLIENT],
        supporter=None,
        team=a.extra["team"],
    )
    session = SessionFactory(engagement=engagement)
    note = SessionNoteFactory(session=session, author=a.members[Role.SUPPORTER], body="ペアの記録")
    url = reverse("engagements:note", args=[a.organization.slug, note.pk])
    assert "ペアの記録" in client_for(a.extra["second_supporter"]).get(url).content.decode()


@pytest.mark.parametrize(
    "actor", ["client", "partner", "viewer", "coordinator", "other-supporter", "b-coordinator"]
)
def test_everyone_else_is_refused_the_private_note(world, client_for, actor):
    note_url, _, detail_url = _note_urls(world)
    users = {
        "client": world.a.members[Role.CLIENT],
        "partner": world.a.members[Role.PARTNER],
        "viewer": world.a.members[Role.VIEWER],
        "coordinator": world.a.members[Role.COORDINATOR],
        "other-supporter": world.a.extra["second_supporter"],
        "b-coordinator": world.b.members[Role.COORDINATOR],
    }
    client = client_for(users[actor])
    response = client.get(note_url)
    assert response.status_code in (403, 404)
    assert "private note" not in response.content.decode()
    detail = client.get(detail_url)
    assert "ORGAMARKさん private note" not in detail.content.decode()


def test_a_teacher_opening_the_engagement_or_the_note_sees_nothing(world, client_for):
    note_url, audited_url, detail_url = _note_urls(world)
    teacher = client_for(world.a.members[Role.PARTNER])
    for url in (note_url, audited_url, detail_url):
        response = teacher.get(url)
        assert response.status_code == 403
        assert "private note" not in response.content.decode()


def test_coordinator_audited_read_needs_a_reason_and_leaves_exactly_one_row(world, client_for):
    _, audited_url, _ = _note_urls(world)
    coordinator = world.a.members[Role.COORDINATOR]
    client = client_for(coordinator)
    page = client.get(audited_url).content.decode()
    assert "ORGAMARKさん private note" not in page
    assert AuditEntry.objects.filter(action="session_note.read").count() == 0
    for not_a_reason in (" ", "x", "確認", "ああああああ", "....."):
        refused = client.post(audited_url, {"reason": not_a_reason})
        assert "ORGAMARKさん private note" not in refused.content.decode()
        assert not_a_reason == " " or "5文字以上" in refused.content.decode()
    assert AuditEntry.objects.filter(action="session_note.read").count() == 0
    response = client.post(audited_url, {"reason": "安全確認のため"}, REMOTE_ADDR="192.0.2.10")
    assert "ORGAMARKさん private note" in response.content.decode()
    entry = AuditEntry.objects.get(action="session_note.read")
    note = world.a.extra["note"]
    assert (
        entry.actor,
        entry.action,
        entry.object_id,
        entry.reason,
        entry.ip_address,
        entry.organization,
    ) == (
        coordinator,
        "session_note.read",
        str(note.pk),
        "安全確認のため",
        "192.0.2.10",
        world.a.organization,
    )


def test_coordinator_of_another_organisation_cannot_read_even_with_a_reason(world, client_for):
    note = world.a.extra["note"]
    url = reverse("engagements:note_audited", args=[world.a.organization.slug, note.pk])
    response = client_for(world.b.members[Role.COORDINATOR]).post(url, {"reason": "見たい"})
    assert response.status_code == 404
    b_url = reverse("engagements:note_audited", args=[world.b.organization.slug, note.pk])
    response = client_for(world.b.members[Role.COORDINATOR]).post(b_url, {"reason": "見たい"})
    assert response.status_code == 404
    assert AuditEntry.objects.count() == 0


def test_audit_entries_cannot_be_changed_or_deleted(world, client_for):
    _, audited_url, _ = _note_urls(world)
    client_for(world.a.members[Role.COORDINATOR]).post(audited_url, {"reason": "保護者対応の確認"})
    entry = AuditEntry.objects.get()
    entry.reason = "書き換え"
    with pytest.raises(AuditImmutableError):
        entry.save()
    with pytest.raises(AuditImmutableError):
        entry.delete()
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="x")
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.all().delete()
    entry.refresh_from_db()
    assert entry.reason == "保護者対応の確認"


def test_audit_log_page_lists_the_read_for_coordinators_only(world, client_for):
    _, audited_url, _ = _note_urls(world)
    client_for(world.a.members[Role.COORDINATOR]).post(audited_url, {"reason": "確認のため"})
    url = reverse("audit:list", args=[world.a.organization.slug])
    body = client_for(world.a.members[Role.COORDINATOR]).get(url).content.decode()
    assert "session_note.read" in body and "確認のため" in body
    assert client_for(world.a.members[Role.SUPPORTER]).get(url).status_code == 403
    assert CANARY not in body


def test_client_timeline_hides_private_notes_and_status_reasons(world, client_for):
    from bansou.engagements.models import Engagement
    from bansou.engagements.services.lifecycle import engagement_change_status

    engagement = world.a.extra["engagement"]
    engagement_change_status(
        engagement=engagement,
        to_status=Engagement.Status.PAUSED,
        actor=world.a.members[Role.COORDINATOR],
        reason="連絡が取れないため",
        ip_address=None,
    )
    _, _, detail_url = _note_urls(world)
    client_view = client_for(world.a.members[Role.CLIENT]).get(detail_url).content.decode()
    assert "private note" not in client_view
    assert "連絡が取れないため" not in client_view
    supporter_view = client_for(world.a.members[Role.SUPPORTER]).get(detail_url).content.decode()
    assert "連絡が取れないため" in supporter_view


def test_a_coordinator_shown_reflections_leaves_an_audit_entry_the_supporter_none(
    world, client_for
):
    from bansou.engagements.models import Reflection

    note = world.a.extra["note"]
    Reflection.objects.create(
        organization=world.a.organization,
        session=note.session,
        important="REFLECTIONMARK",
        via=Reflection.Via.WEB,
    )
    _, _, detail_url = _note_urls(world)
    supporter_page = client_for(world.a.members[Role.SUPPORTER]).get(detail_url)
    assert "REFLECTIONMARK" in supporter_page.content.decode()
    assert not AuditEntry.objects.filter(action="reflection.read").exists()
    coordinator = world.a.members[Role.COORDINATOR]
    page = client_for(coordinator).get(detail_url, REMOTE_ADDR="192.0.2.20")
    assert "REFLECTIONMARK" in page.content.decode()
    entry = AuditEntry.objects.get(action="reflection.read")
    assert (entry.actor, entry.ip_address, entry.data) == (
        coordinator,
        "192.0.2.20",
        {"reflections": 1},
    )


def test_every_read_of_a_private_note_leaves_an_entry(world, client_for):
    note_url, _, detail_url = _note_urls(world)
    supporter = world.a.members[Role.SUPPORTER]
    client = client_for(supporter)
    client.get(note_url, REMOTE_ADDR="192.0.2.30")
    client.get(detail_url, REMOTE_ADDR="192.0.2.31")
    entries = list(AuditEntry.objects.filter(action="session_note.shown").order_by("pk"))
    note = world.a.extra["note"]
    assert [(e.actor, e.ip_address, e.data) for e in entries] == [
        (supporter, "192.0.2.30", {"notes": [note.pk]}),
        (supporter, "192.0.2.31", {"notes": [note.pk]}),
    ]
