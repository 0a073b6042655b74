import pytest
from django.urls import reverse

from bansou.core.roles import Role
from bansou.ops.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["ja", "en"])
def test_nudge_preview_shows_exactly_the_mail_that_is_sent(world, client_for, language):
    supporter = world.a.members[Role.SUPPORTER]
    supporter.language = language
    supporter.save()
    client = client_for(world.a.members[Role.COORDINATOR])
    url = reverse("engagements:nudge", args=[world.a.organization.slug])
    params = {
        "kind": "quiet",
        "recipient": supporter.pk,
        "engagement": world.a.extra["engagement"].pk,
    }
    preview = client.get(url, params)
    client.post(url, params)
    sent = OutboxMessage.objects.filter(to_address=supporter.email).latest("id")
    assert (preview.context["subject"], preview.context["body"]) == (sent.subject, sent.body)
    assert supporter.display_name in sent.body
