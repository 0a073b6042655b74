"""The audit log finds who did something by name (kanji, kana, romaji) and lists oldest
first on request; the export follows the same filters and records that a name was
searched, never the name."""

import pytest
from django.urls import reverse

from bansou.audit.models import AuditEntry
from bansou.audit.services import audit_log
from bansou.core.roles import Role
from tests.factories import MembershipFactory, UserFactory
from tests.prepared import prepared_content

pytestmark = pytest.mark.django_db


def test_found_by_the_actors_reading_and_listed_oldest_first(
    world, client_for, django_capture_on_commit_callbacks
):
    org = world.a.organization
    reader = UserFactory(family_name="小川", given_name="結衣", family_name_kana="オガワ")
    MembershipFactory(organization=org, user=reader, role=Role.SUPPORTER)
    target = world.a.members[Role.CLIENT]
    for _ in range(2):
        audit_log(organization=org, actor=reader, action="note.read", target=target)
    audit_log(organization=org, actor=world.a.members[Role.COORDINATOR], action="note.read")
    client = client_for(world.a.members[Role.COORDINATOR])
    url = reverse("audit:list", args=[org.slug])
    for typed in ("おがわ", "ogawa", "小川"):
        entries = list(client.get(url, {"who": typed}).context["page"].object_list)
        assert {e.actor_id for e in entries} == {reader.pk} and len(entries) == 2
        assert entries[0].pk > entries[1].pk  # newest first by default
    oldest = list(client.get(url, {"who": "ogawa", "order": "oldest"}).context["page"].object_list)
    assert oldest[0].pk < oldest[1].pk
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audit:export", args=[org.slug]) + "?who=ogawa")
    body = prepared_content(client, response).decode("utf-8-sig")
    assert len(body.strip().splitlines()) == 3  # the header and the two entries
    exported = AuditEntry.objects.filter(organization=org, action="audit.exported").latest("pk")
    assert exported.data["searched_name"] is True and "ogawa" not in str(exported.data)
