"""Sending a survey by hand: the page counts who will be invited (and who was already),
each person gets one mail in their own language with a link of their own on the public
address, and sending again invites only the newcomers. Only open surveys with an audience
are sent; the dispatch is audited."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import resolve, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.ops.models import OutboxMessage
from bansou.programs.models import Side
from bansou.salons.models import VenueStaff
from bansou.surveys.models import SurveyInvitation
from bansou.surveys.selectors.audience import dispatch_preview
from bansou.surveys.selectors.links import invitation_token, token_digest
from bansou.surveys.services.dispatch import invitations_send
from tests.factories import EnrollmentFactory, MembershipFactory, UserFactory
from tests.surveys.helpers import make_survey, program_of

pytestmark = pytest.mark.django_db

BASE = "https://bansou.example"


def _coordinator(world):
    return world.a.members[Role.COORDINATOR]


def _url(world, name, *args):
    return reverse(f"surveys:{name}", args=[world.a.organization.slug, *args])


def _clients(world, n, *, language="ja"):
    org, program = world.a.organization, program_of(world.a.organization)
    people = []
    for i in range(n):
        user = UserFactory(email=f"c{i}-{language}@org-a.test", language=language)
        MembershipFactory(organization=org, user=user, role=Role.CLIENT)
        EnrollmentFactory(program=program, user=user, side=Side.CLIENT)
        people.append(user)
    return people


def test_the_page_counts_who_will_be_invited_before_sending(world, client_for):
    survey = make_survey(
        world.a.organization, _coordinator(world), program=program_of(world.a.organization)
    )
    _clients(world, 2)
    client = client_for(_coordinator(world))
    page = client.get(_url(world, "send", survey.pk), {"group": "program"})
    preview = page.context["preview"]
    # The world's client is enrolled too: three in all, none invited yet.
    assert (preview.total, preview.already, preview.to_invite) == (3, 0, 3)
    assert not SurveyInvitation.objects.filter(survey=survey).exists()
    assert 'method="post"' in page.content.decode()


@override_settings(BANSOU_BASE_URL=BASE)
def test_each_person_gets_one_mail_in_their_language_with_their_own_link(world, client_for):
    survey = make_survey(
        world.a.organization, _coordinator(world), program=program_of(world.a.organization)
    )
    english = _clients(world, 1, language="en")[0]
    response = client_for(_coordinator(world)).post(
        _url(world, "send", survey.pk), {"group": "program"}
    )
    assert response.status_code == 302
    invitations = SurveyInvitation.objects.filter(survey=survey)
    assert invitations.count() == 2
    mail_en = OutboxMessage.objects.get(to_address=english.email)
    assert "After your session" in mail_en.subject and "Dear" in mail_en.body
    japanese = world.a.members[Role.CLIENT]
    mail_ja = OutboxMessage.objects.get(to_address=japanese.email)
    assert "面談後アンケート" in mail_ja.subject
    assert mail_ja.reply_to == world.a.organization.contact_email
    tokens = set()
    for message, person in ((mail_en, english), (mail_ja, japanese)):
        links = re.findall(r"https?://\S+", message.body)
        assert links and all(link.startswith(BASE + "/") for link in links)
        path = links[0].removeprefix(BASE)
        match = resolve(path)
        assert match.url_name == "answer" and match.kwargs["org_slug"] == "org-a"
        token = match.kwargs["token"]
        tokens.add(token)
        invitation = invitations.get(person=person)
        assert invitation.token_hash == token_digest(token)
        assert token not in (invitation.nonce, invitation.token_hash)
        assert invitation_token(invitation.nonce) == token
    assert len(tokens) == 2


def test_sending_again_invites_only_the_newcomers(world):
    survey = make_survey(
        world.a.organization, _coordinator(world), program=program_of(world.a.organization)
    )
    invited, skipped = invitations_send(survey=survey, actor=_coordinator(world), group="program")
    assert (invited, skipped) == (1, 0)
    _clients(world, 2)
    preview = dispatch_preview(survey=survey, group="program")
    assert (preview.total, preview.already) == (3, 1)
    invited, skipped = invitations_send(survey=survey, actor=_coordinator(world), group="program")
    assert (invited, skipped) == (2, 1)
    assert SurveyInvitation.objects.filter(survey=survey).count() == 3
    with pytest.raises(ValidationError) as everyone_invited:
        invitations_send(survey=survey, actor=_coordinator(world), group="program")
    with translation.override("ja"):
        said = gettext("Everyone in this group has already been invited.")
    assert everyone_invited.value.messages == [said]


def test_a_dispatch_is_audited_with_its_count(world):
    survey = make_survey(world.a.organization, _coordinator(world))
    invitations_send(survey=survey, actor=_coordinator(world), group="everyone")
    entry = AuditEntry.objects.get(
        organization=world.a.organization, action="surveys.invitations_sent"
    )
    assert entry.actor == _coordinator(world)
    assert entry.data["invited"] == 1 and entry.data["group"] == "everyone"


def test_a_venues_teachers_are_invited_to_a_partner_survey(world):
    org = world.a.organization
    survey = make_survey(org, _coordinator(world), audience="partners")
    other = UserFactory(email="teacher2@org-a.test")
    MembershipFactory(organization=org, user=other, role=Role.PARTNER)
    invited, _skipped = invitations_send(
        survey=survey, actor=_coordinator(world), group="venue", venue=world.a.venue
    )
    assert invited == 1
    invitation = SurveyInvitation.objects.get(survey=survey)
    assert invitation.person == world.a.members[Role.PARTNER]
    assert invitation.venue == world.a.venue
    VenueStaff.objects.create(organization=org, venue=world.a.venue, user=other, kind="teacher")
    assert dispatch_preview(survey=survey, group="venue", venue=world.a.venue).to_invite == 1
    # Another organisation's venue is refused.
    with pytest.raises(ValidationError) as foreign:
        invitations_send(
            survey=survey, actor=_coordinator(world), group="venue", venue=world.b.venue
        )
    assert "venue" in foreign.value.error_dict


def test_only_active_members_with_the_audiences_role_are_invited(world):
    org = world.a.organization
    survey = make_survey(org, _coordinator(world), audience="supporters")
    gone = UserFactory(email="gone@org-a.test")
    MembershipFactory(organization=org, user=gone, role=Role.SUPPORTER, is_active=False)
    invitations_send(survey=survey, actor=_coordinator(world), group="everyone")
    invited = set(
        SurveyInvitation.objects.filter(survey=survey).values_list("person_id", flat=True)
    )
    expected = {world.a.members[Role.SUPPORTER].pk, world.a.extra["second_supporter"].pk}
    assert invited == expected


def test_a_draft_or_a_link_survey_is_not_sent(world, client_for):
    draft = make_survey(world.a.organization, _coordinator(world), open_it=False)
    response = client_for(_coordinator(world)).post(
        _url(world, "send", draft.pk), {"group": "everyone"}
    )
    assert response.status_code == 200
    with translation.override("ja"):
        assert gettext("Open the survey before sending it.") in response.content.decode()
    assert not SurveyInvitation.objects.filter(survey=draft).exists()
    link = make_survey(world.a.organization, _coordinator(world), audience="link")
    with pytest.raises(ValidationError) as shared:
        invitations_send(survey=link, actor=_coordinator(world), group="everyone")
    with translation.override("ja"):
        said = gettext("This survey is shared by its link: nobody is mailed.")
    assert shared.value.messages == [said]


def test_a_group_the_survey_does_not_offer_is_refused_on_its_field(world, client_for):
    survey = make_survey(world.a.organization, _coordinator(world))  # no program
    response = client_for(_coordinator(world)).post(
        _url(world, "send", survey.pk), {"group": "program"}
    )
    assert response.status_code == 200
    assert "group" in response.context["form"].errors
    assert not SurveyInvitation.objects.filter(survey=survey).exists()


def test_the_mail_waits_for_the_transaction(world, django_capture_on_commit_callbacks):
    survey = make_survey(world.a.organization, _coordinator(world))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitations_send(survey=survey, actor=_coordinator(world), group="everyone")
    message = OutboxMessage.objects.get(to_address=world.a.members[Role.CLIENT].email)
    assert message.status == OutboxMessage.Status.QUEUED
    assert callbacks  # delivery is handed over only once the transaction commits
    assert message.created_at <= timezone.now()
