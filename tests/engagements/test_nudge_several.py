"""Nudging several people at once from the radar: the confirmation names each recipient
and previews the message as they will read it; each then gets their own mail in their
own language and a Nudge row; anyone outside the organisation, not in the engagement or
no longer a member is left out (members of this organisation named), and an empty or
too large choice is said plainly and sends nothing."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from bansou.core.roles import Role
from bansou.engagements.models import Engagement, Nudge
from bansou.engagements.services.nudges import NUDGE_BULK_LIMIT
from bansou.ops.models import OutboxMessage
from bansou.orgs.models import Membership
from tests.factories import EngagementFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _url(world) -> str:
    return reverse("engagements:nudge_several", args=[world.a.organization.slug])


def _subject(language: str) -> str:
    with translation.override(language):
        return gettext("How are things going?")


@pytest.fixture
def three(world):
    """Three quiet engagements of organisation A whose supporters read ja, en, ja."""
    org, program = world.a.organization, world.a.extra["program"]
    chosen = []
    for language in ("ja", "en", "ja"):
        supporter = UserFactory(language=language)
        client = UserFactory()
        for user, role in ((supporter, Role.SUPPORTER), (client, Role.CLIENT)):
            MembershipFactory(organization=org, user=user, role=role)
        engagement = EngagementFactory(program=program, client=client, supporter=supporter)
        chosen.append((supporter, engagement))
    return chosen


def _values(chosen) -> list[str]:
    return [f"quiet:{s.pk}:{e.pk}" for s, e in chosen]


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_confirmation_names_each_recipient_and_previews_the_message(world, client_for, three):
    client = client_for(world.a.members[Role.COORDINATOR])
    response = client.get(_url(world), {"t": _values(three)})
    body = response.content.decode()
    for supporter, _engagement in three:
        assert supporter.display_name in body and supporter.email in body
    [preview] = response.context["previews"]
    assert preview.recipient == three[0][0] and preview.count == 3
    assert preview.subject.endswith(_subject("ja"))
    assert body.count('name="t"') == 3
    assert Nudge.objects.count() == 0


def test_sending_to_three_mails_each_in_their_language_with_a_nudge_row_each(
    world, client_for, three
):
    client = client_for(world.a.members[Role.COORDINATOR])
    before = OutboxMessage.objects.count()
    response = client.post(_url(world), {"t": _values(three)})
    assert response.status_code == 302
    mails = OutboxMessage.objects.order_by("pk")[before:]
    assert [m.to_address for m in mails] == [s.email for s, _e in three]
    for message, (supporter, _engagement) in zip(mails, three, strict=True):
        assert message.subject.endswith(_subject(supporter.language)), message.subject
        assert supporter.display_name in message.body
    assert mails[1].subject != mails[0].subject  # English, then Japanese
    for supporter, engagement in three:
        assert Nudge.objects.filter(
            recipient=supporter,
            engagement=engagement,
            kind=Nudge.Kind.QUIET,
            sent_by=world.a.members[Role.COORDINATOR],
        ).exists()
    with translation.override(world.a.members[Role.COORDINATOR].language):
        sent = ngettext(
            "%(n)s nudge sent, in its recipient's language.",
            "%(n)s nudges sent, each in its recipient's language.",
            3,
        ) % {"n": 3}
    assert sent in _messages(response)


def test_a_target_of_another_organisation_is_left_out_and_not_named(world, client_for, three):
    outsider = world.b.members[Role.SUPPORTER]
    foreign = world.b.extra["engagement"]
    values = [*_values(three[:1]), f"quiet:{outsider.pk}:{foreign.pk}", f"latent:{outsider.pk}"]
    client = client_for(world.a.members[Role.COORDINATOR])
    page = client.get(_url(world), {"t": values}).content.decode()
    assert outsider.display_name not in page and "LEAKCANARY" not in page
    response = client.post(_url(world), {"t": values})
    assert not Nudge.objects.filter(recipient=outsider).exists()
    assert not OutboxMessage.objects.filter(to_address=outsider.email).exists()
    assert Nudge.objects.filter(recipient=three[0][0]).count() == 1
    texts = _messages(response)
    assert not any("LEAKCANARY" in t for t in texts)
    with translation.override(world.a.members[Role.COORDINATOR].language):
        left_out = ngettext(
            "%(n)s choice named nobody in this organisation and was left out.",
            "%(n)s choices named nobody in this organisation and were left out.",
            2,
        ) % {"n": 2}
    assert left_out in texts


def test_members_who_cannot_be_nudged_are_named(world, client_for, three):
    (first, engagement), (second, _other) = three[0], three[1]
    Membership.objects.filter(organization=world.a.organization, user=first).update(is_active=False)
    # The second supporter does not accompany the first engagement.
    values = [f"quiet:{first.pk}:{engagement.pk}", f"quiet:{second.pk}:{engagement.pk}"]
    client = client_for(world.a.members[Role.COORDINATOR])
    response = client.post(_url(world), {"t": values})
    assert Nudge.objects.count() == 0
    texts = " ".join(_messages(response))
    assert first.display_name in texts and second.display_name in texts


def test_an_empty_choice_says_so_and_sends_nothing(world, client_for):
    client = client_for(world.a.members[Role.COORDINATOR])
    with translation.override(world.a.members[Role.COORDINATOR].language):
        empty = gettext("Nobody was chosen. Tick the people to nudge on the radar first.")
    page = client.get(_url(world))
    assert empty in page.content.decode()
    assert 'type="submit"' not in page.content.decode().split("<article", 1)[1]
    response = client.post(_url(world), {})
    assert response.status_code == 302
    assert _messages(response) == [empty]
    assert Nudge.objects.count() == 0


def test_more_than_the_limit_is_refused_as_a_whole(world, client_for, three):
    supporter, engagement = three[0]
    values = [f"quiet:{supporter.pk}:{engagement.pk}"] + [
        f"latent:{world.a.members[Role.CLIENT].pk}:{n}" for n in range(NUDGE_BULK_LIMIT)
    ]
    client = client_for(world.a.members[Role.COORDINATOR])
    page = client.get(_url(world), {"t": values}).content.decode()
    assert str(NUDGE_BULK_LIMIT) in page and str(NUDGE_BULK_LIMIT + 1) in page
    assert 'name="t"' not in page
    response = client.post(_url(world), {"t": values})
    assert Nudge.objects.count() == 0
    assert any(str(NUDGE_BULK_LIMIT) in t for t in _messages(response))


def test_the_radar_offers_a_checkbox_beside_each_nudge_link(world, client_for, three):
    supporter, engagement = three[0]
    Engagement.objects.filter(pk=engagement.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=60)
    )
    client = client_for(world.a.members[Role.COORDINATOR])
    body = client.get(reverse("engagements:radar", args=[world.a.organization.slug]))
    html = body.content.decode()
    assert f'value="quiet:{supporter.pk}:{engagement.pk}" form="nudge-form"' in html
    assert f'value="quiet:{engagement.client_id}:{engagement.pk}" form="nudge-form"' in html
    assert f'action="{_url(world)}" id="nudge-form"' in html
