"""Answering: a person's single-use link opens one page in their language that names the
organisation; a required question left empty shows the page again with the input kept and
the message on the question; the link then says it was used. Forged, used and closed links
give a plain page that tells nothing about the survey. Anonymous answers are not linkable
to their invitation. The public link takes anyone, once per form, with a honeypot and a
per-address limit. Formula-like text is kept as written and shown escaped."""

import datetime
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.ops.models import OutboxMessage
from bansou.ops.redaction import REDACTED, redacted_path
from bansou.surveys.models import Answer, Response, Survey, SurveyInvitation
from bansou.surveys.selectors.links import ALREADY_SENT, NOT_VALID
from bansou.surveys.services.answering import PER_ADDRESS
from bansou.surveys.services.builder import question_retire, survey_close
from bansou.surveys.services.dispatch import invitation_issue
from tests.surveys.helpers import asked, full_answers, make_survey, program_of

pytestmark = pytest.mark.django_db


def _said(message, language="ja"):
    with translation.override(language):
        return escape(gettext(message))


def _coordinator(world):
    return world.a.members[Role.COORDINATOR]


def _invite(world, survey=None, *, person=None, **settings):
    """An open survey and the client's invitation; returns the survey, the invitation and
    the path of its link (read from the queued mail)."""
    org = world.a.organization
    survey = survey or make_survey(org, _coordinator(world), **settings)
    person = person or world.a.members[Role.CLIENT]
    invitation = invitation_issue(survey=survey, person=person, now=timezone.now())
    path = _link_path(invitation)
    return survey, invitation, path


def _link_path(invitation):
    body = OutboxMessage.objects.filter(to_address=invitation.person.email).latest("pk").body
    return re.search(r"https?://[^/\s]+(/o/[^\s]+/surveys/answer/[^/\s]+/)", body).group(1)


def _page_data(client, path):
    """The key of a freshly loaded page (as a browser would post it back)."""
    page = client.get(path)
    assert page.status_code == 200
    return {"key": page.context["form"]["key"].value()}


# --- the invitation link ---------------------------------------------------------------------


def test_the_link_opens_one_page_that_names_the_organisation_and_asks_everything(world, client):
    survey, _invitation, path = _invite(world)
    page = client.get(path)
    body = page.content.decode()
    assert page.status_code == 200
    assert world.a.organization.name in body
    assert survey.title_ja in body
    for question in asked(survey):
        assert escape(question.text_ja) in body
    assert body.count('class="scale-point"') == 5 + 11 + 5
    assert page["Referrer-Policy"] == "same-origin"


def test_the_page_speaks_the_language_of_the_person_invited(world, client):
    client_user = world.a.members[Role.CLIENT]
    client_user.language = "en"
    client_user.save(update_fields=["language"])
    _survey, _invitation, path = _invite(world)
    body = client.get(path, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert 'lang="en"' in body
    assert "After your session" in body and "How satisfied were you?" in body
    assert "A friend" in body


def test_answers_are_stored_and_the_link_is_then_used(world, client):
    survey, invitation, path = _invite(world, anonymous=False)
    data = {**full_answers(survey), **_page_data(client, path)}
    response = client.post(path, data)
    assert response.status_code == 200
    assert _said("Thank you for your answers") in response.content.decode()
    stored = Response.objects.get(survey=survey)
    assert stored.respondent == world.a.members[Role.CLIENT]
    assert stored.submitted_at is not None and stored.via == "invitation"
    q = asked(survey)
    answers = {a.question_id: a for a in Answer.objects.filter(response=stored)}
    assert answers[q[0].pk].number == 4 and answers[q[1].pk].number == 9
    assert answers[q[2].pk].choices == [1] and answers[q[3].pk].choices == [0, 2]
    assert answers[q[5].pk].text == "とても話しやすかったです"
    invitation.refresh_from_db()
    assert invitation.used_at == stored.submitted_at
    again = client.get(path).content.decode()
    assert _said(str(ALREADY_SENT)) in again
    assert survey.title_ja not in again


def test_a_missing_required_answer_shows_the_page_again_with_the_input_kept(world, client):
    survey, invitation, path = _invite(world)
    q = asked(survey)
    data = {**full_answers(survey), **_page_data(client, path)}
    del data[f"q{q[1].pk}"]  # the NPS, required
    data[f"q{q[5].pk}"] = "書いたことは残る"
    response = client.post(path, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert Response.objects.filter(survey=survey).count() == 0
    form = response.context["form"]
    assert list(form.errors) == [f"q{q[1].pk}"]
    # The message sits in the question's own block, and what was chosen is still chosen.
    block = body[body.index(f'id="question-{q[1].pk}"') :]
    block = block[: block.index("</fieldset>")]
    assert _said("Please answer this question.") in block
    assert re.search(
        rf'value="4"[^>]*name="q{q[0].pk}"|name="q{q[0].pk}"[^>]*value="4"[^>]*checked', body
    )
    assert "書いたことは残る" in body
    invitation.refresh_from_db()
    assert invitation.used_at is None


def test_a_value_off_the_scale_is_refused_on_its_question(world, client):
    survey, _invitation, path = _invite(world)
    q = asked(survey)
    data = {
        **full_answers(survey, **{f"q{q[0].pk}": "7", f"q{q[2].pk}": "9"}),
        **_page_data(client, path),
    }
    response = client.post(path, data)
    assert set(response.context["form"].errors) == {f"q{q[0].pk}", f"q{q[2].pk}"}
    assert not Response.objects.filter(survey=survey).exists()


def test_a_forged_link_gives_a_plain_page(world, client):
    survey, _invitation, path = _invite(world)
    forged = path.replace(path.rstrip("/").rsplit("/", 1)[1], "A" * 43)
    for url in (forged, forged.replace("/org-a/", "/org-b/")):
        response = client.get(url)
        body = response.content.decode()
        assert response.status_code == 200
        assert _said(str(NOT_VALID)) in body
        assert survey.title_ja not in body
        assert "scale-point" not in body
        post = client.post(url, full_answers(survey))
        assert post.status_code == 200 and not Response.objects.filter(survey=survey).exists()


def test_the_link_of_another_organisation_does_not_open_under_this_one(world, client):
    _survey, _invitation, path = _invite(world)
    response = client.get(path.replace("/o/org-a/", "/o/org-b/"))
    assert _said(str(NOT_VALID)) in response.content.decode()


def test_a_closed_survey_or_one_past_its_date_takes_no_answers(world, client):
    survey, _invitation, path = _invite(world)
    data = {**full_answers(survey), **_page_data(client, path)}
    Survey.objects.filter(pk=survey.pk).update(
        closes_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    body = client.post(path, data).content.decode()
    assert _said("This survey has closed. Thank you for your interest.") in body
    assert not Response.objects.filter(survey=survey).exists()
    Survey.objects.filter(pk=survey.pk).update(closes_on=timezone.localdate())
    survey.refresh_from_db()
    survey_close(survey=survey, actor=_coordinator(world))
    assert "scale-point" not in client.get(path).content.decode()


def test_an_anonymous_response_cannot_be_matched_to_its_invitation(world, client):
    survey, invitation, path = _invite(world, anonymous=True)
    client.post(path, {**full_answers(survey), **_page_data(client, path)})
    stored = Response.objects.get(survey=survey)
    assert stored.respondent is None and stored.session is None and stored.submitted_at is None
    assert stored.submitted_on == timezone.localdate()
    invitation.refresh_from_db()
    local = timezone.localtime(invitation.used_at)
    assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    # No column of a response leads to an invitation or a person.
    related = {f.related_model for f in Response._meta.concrete_fields if f.is_relation}
    assert SurveyInvitation not in related
    assert [f.name for f in Response._meta.concrete_fields if f.related_model is User] == [
        "respondent"
    ]


def test_a_response_keeps_the_program_and_venue_of_its_session(world, client):
    session = world.a.extra["session"]
    session.venue = world.a.venue
    session.save(update_fields=["venue"])
    survey = make_survey(
        world.a.organization, _coordinator(world), program=program_of(world.a.organization)
    )
    invitation = invitation_issue(
        survey=survey, person=world.a.members[Role.CLIENT], now=timezone.now(), session=session
    )
    path = _link_path(invitation)
    client.post(path, {**full_answers(survey), **_page_data(client, path)})
    stored = Response.objects.get(survey=survey)
    assert stored.program == session.engagement.program
    assert stored.venue == world.a.venue


def test_formula_like_text_is_kept_as_written_and_shown_as_text(world, client, client_for):
    survey, _invitation, path = _invite(world)
    q = asked(survey)
    formula = '=HYPERLINK("http://evil.example","<b>押して</b>")'
    client.post(
        path, {**full_answers(survey, **{f"q{q[5].pk}": formula}), **_page_data(client, path)}
    )
    assert Answer.objects.get(question=q[5]).text == formula
    results = client_for(_coordinator(world)).get(
        reverse("surveys:results", args=[world.a.organization.slug, survey.pk])
    )
    body = results.content.decode()
    assert escape(formula) in body and "<b>押して</b>" not in body


def test_an_answer_to_a_question_retired_while_the_page_was_open_is_kept(world, client):
    survey, _invitation, path = _invite(world)
    data = {**full_answers(survey), **_page_data(client, path)}
    retired = asked(survey)[4]
    question_retire(question=retired, actor=_coordinator(world))
    response = client.post(path, data)
    assert response.status_code == 200 and "scale-point" not in response.content.decode()
    assert Answer.objects.get(question=retired).number == 5


def test_the_same_form_sent_twice_is_stored_once_and_thanked_twice(world, client):
    survey, _invitation, path = _invite(world)
    data = {**full_answers(survey), **_page_data(client, path)}
    first = client.post(path, data)
    second = client.post(path, data)
    assert _said("Thank you for your answers") in first.content.decode()
    assert _said("Thank you for your answers") in second.content.decode()
    assert Response.objects.filter(survey=survey).count() == 1


def test_another_tab_sending_again_is_told_the_link_was_used(world, client):
    survey, _invitation, path = _invite(world)
    first = {**full_answers(survey), **_page_data(client, path)}
    other_tab = {**full_answers(survey), "key": str(uuid.uuid4())}
    client.post(path, first)
    body = client.post(path, other_tab).content.decode()
    assert _said(str(ALREADY_SENT)) in body
    assert Response.objects.filter(survey=survey).count() == 1


def test_a_stale_key_is_said_at_the_top_and_nothing_is_lost(world, client):
    survey, _invitation, path = _invite(world)
    data = {**full_answers(survey), "key": "not-a-uuid"}
    response = client.post(path, data)
    body = response.content.decode()
    assert _said("This page is out of date. Reload it and try again.") in body
    assert "とても話しやすかったです" in body
    assert not Response.objects.filter(survey=survey).exists()


# --- the public link -------------------------------------------------------------------------


def _public(world, **settings):
    survey = make_survey(world.a.organization, _coordinator(world), audience="link", **settings)
    return survey, reverse("surveys:public", args=[world.a.organization.slug, survey.link_token])


def test_anyone_with_the_link_answers_anonymously(world, client):
    survey, path = _public(world)
    client.force_login(world.a.members[Role.CLIENT])  # even signed in: nobody is named
    response = client.post(path, {**full_answers(survey), **_page_data(client, path)})
    assert _said("Thank you for your answers") in response.content.decode()
    stored = Response.objects.get(survey=survey)
    assert stored.respondent is None and stored.via == "link"


def test_a_bot_filling_the_hidden_field_is_thanked_and_nothing_is_stored(world, client):
    survey, path = _public(world)
    data = {**full_answers(survey), **_page_data(client, path), "website": "http://spam"}
    response = client.post(path, data)
    assert _said("Thank you for your answers") in response.content.decode()
    assert not Response.objects.filter(survey=survey).exists()


def test_one_address_is_asked_to_wait_after_its_share(world, client):
    survey, path = _public(world)
    for _ in range(PER_ADDRESS):
        client.post(path, {**full_answers(survey), "key": str(uuid.uuid4())})
    assert Response.objects.filter(survey=survey).count() == PER_ADDRESS
    response = client.post(path, {**full_answers(survey), "key": str(uuid.uuid4())})
    body = response.content.decode()
    assert "とても話しやすかったです" in body
    assert "scale-point" in body
    assert Response.objects.filter(survey=survey).count() == PER_ADDRESS


def test_an_unknown_public_link_gives_a_plain_page(world, client):
    survey, path = _public(world)
    body = client.get(path.replace(survey.link_token, "x" * 43)).content.decode()
    assert _said(str(NOT_VALID)) in body and survey.title_ja not in body


def test_a_draft_survey_link_says_it_is_not_open(world, client):
    _survey, path = _public(world, open_it=False)
    body = client.get(path).content.decode()
    assert _said("This survey is not open yet.") in body
    assert "scale-point" not in body


def test_the_links_tokens_stay_out_of_the_request_log(world, rf):
    _survey, _invitation, path = _invite(world)
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert token not in redacted_path(rf.get(path))
    _public_survey, public_path = _public(world)
    link_token = _public_survey.link_token
    assert link_token not in redacted_path(rf.get(public_path))
    assert redacted_path(rf.get(public_path)).endswith(f"/surveys/s/{REDACTED}/")
