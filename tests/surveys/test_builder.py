"""The survey builder: coordinators create a survey, add, change, reorder, retire and
delete questions, open and close it, and preview it with the answer page's own form. A
question with answers is never deleted (retired instead); its answers stay."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db.models import RestrictedError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from bansou.core.roles import Role
from bansou.surveys.models import Answer, Question, Response, Survey
from bansou.surveys.services.answering import response_submit_public
from bansou.surveys.services.builder import (
    HAS_ANSWERS,
    HAS_ANSWERS_MESSAGE,
    question_add,
    question_delete,
    question_move,
    question_retire,
    question_update,
    survey_create,
    survey_open,
    survey_update,
)
from tests.surveys.helpers import (
    CLOSES_ON,
    SIX,
    asked,
    make_survey,
    program_of,
    service_answers,
)

pytestmark = pytest.mark.django_db


def _said(message: str) -> str:
    """The message as a Japanese page shows it (translated, HTML-escaped)."""
    with translation.override("ja"):
        return escape(gettext(message))


def _url(world, name, *args):
    return reverse(f"surveys:{name}", args=[world.a.organization.slug, *args])


def _coordinator(world):
    return world.a.members[Role.COORDINATOR]


def _answer_public(survey, question, value):
    """A public response to the SIX survey giving ``question`` the answer ``value``."""
    answers = service_answers(survey)
    answers[question.pk] = value
    return response_submit_public(
        survey=survey, answers=answers, language="ja", key=uuid.uuid4(), address="203.0.113.9"
    )


# --- the survey ---------------------------------------------------------------------------


def test_a_coordinator_creates_a_survey_and_lands_on_its_page(world, client_for):
    client = client_for(_coordinator(world))
    response = client.post(
        _url(world, "new"),
        {
            "title_ja": "教員アンケート",
            "title_en": "Teacher survey",
            "audience": "partners",
            "anonymous": "on",
            "trigger": "manual",
            "program": "",
            "phase": "",
            "closes_on": CLOSES_ON.isoformat(),
        },
    )
    survey = Survey.objects.get(title_ja="教員アンケート")
    assert response.status_code == 302
    assert response["Location"] == _url(world, "survey", survey.pk)
    assert survey.organization == world.a.organization
    assert survey.status == Survey.Status.DRAFT
    assert survey.anonymous and survey.audience == "partners"
    assert survey.created_by == _coordinator(world)


NEW_SURVEY = {
    "title_ja": "教員アンケート",
    "audience": "partners",
    "anonymous": "on",
    "trigger": "manual",
    "program": "",
    "phase": "",
    "closes_on": CLOSES_ON.isoformat(),
}


def test_the_new_survey_form_sent_twice_makes_one_survey_and_both_land_on_it(world, client_for):
    client = client_for(_coordinator(world))
    form = client.get(_url(world, "new")).content.decode()
    assert 'name="key"' in form
    data = {**NEW_SURVEY, "key": str(uuid.uuid4())}
    first, second = client.post(_url(world, "new"), data), client.post(_url(world, "new"), data)
    survey = Survey.objects.get(organization=world.a.organization, title_ja="教員アンケート")
    assert first["Location"] == second["Location"] == _url(world, "survey", survey.pk)
    # Another form (its own key) is another survey.
    client.post(_url(world, "new"), {**NEW_SURVEY, "key": str(uuid.uuid4())})
    assert Survey.objects.filter(title_ja="教員アンケート").count() == 2


def test_a_survey_for_anyone_with_the_link_gets_a_link_and_cannot_be_named(world):
    org, actor = world.a.organization, _coordinator(world)
    survey = survey_create(
        organization=org, actor=actor, title_ja="公開", audience="link", closes_on=CLOSES_ON
    )
    assert len(survey.link_token) >= 40
    with pytest.raises(ValidationError) as refused:
        survey_create(
            organization=org,
            actor=actor,
            title_ja="公開",
            audience="link",
            anonymous=False,
            closes_on=CLOSES_ON,
        )
    assert "anonymous" in refused.value.error_dict


def test_an_automatic_survey_needs_a_program_and_a_past_closing_date_is_refused(world):
    org, actor = world.a.organization, _coordinator(world)
    with pytest.raises(ValidationError) as refused:
        survey_create(
            organization=org,
            actor=actor,
            title_ja="面談後",
            audience="clients",
            trigger="after_session",
            closes_on=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert set(refused.value.error_dict) == {"program", "closes_on"}


def test_the_form_shows_a_refusal_on_its_field_with_the_input_kept(world, client_for):
    client = client_for(_coordinator(world))
    response = client.post(
        _url(world, "new"),
        {
            "title_ja": "面談後アンケート",
            "audience": "clients",
            "anonymous": "on",
            "trigger": "after_session",
            "closes_on": CLOSES_ON.isoformat(),
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert _said("A survey sent after sessions or at a phase's end needs a program.") in body
    assert 'value="面談後アンケート"' in body
    assert not Survey.objects.filter(title_ja="面談後アンケート").exists()


def test_only_a_coordinator_may_build(world):
    with pytest.raises(ValidationError):
        survey_create(
            organization=world.a.organization,
            actor=world.a.members[Role.SUPPORTER],
            title_ja="x",
            audience="clients",
            closes_on=CLOSES_ON,
        )
    # A coordinator of organisation B is no coordinator of A.
    with pytest.raises(ValidationError):
        survey_create(
            organization=world.a.organization,
            actor=world.b.members[Role.COORDINATOR],
            title_ja="x",
            audience="clients",
            closes_on=CLOSES_ON,
        )


def test_audience_and_anonymity_stay_once_someone_answered(world):
    actor = _coordinator(world)
    survey = make_survey(world.a.organization, actor, audience="link")
    _answer_public(survey, asked(survey)[0], 4)
    with pytest.raises(ValidationError):
        survey_update(
            survey=survey, actor=actor, title_ja="改名", audience="clients", closes_on=CLOSES_ON
        )
    renamed = survey_update(
        survey=survey, actor=actor, title_ja="改名", audience="link", closes_on=CLOSES_ON
    )
    assert renamed.title_ja == "改名" and renamed.link_token == survey.link_token


def test_opening_needs_a_question(world):
    actor = _coordinator(world)
    survey = make_survey(world.a.organization, actor, questions=[], open_it=False)
    with pytest.raises(ValidationError) as refused:
        survey_open(survey=survey, actor=actor)
    with translation.override("ja"):
        said = gettext("Add at least one question before opening the survey.")
    assert refused.value.messages == [said]
    question_add(survey=survey, actor=actor, kind="nps", text_ja="勧めたいですか")
    opened = survey_open(survey=survey, actor=actor)
    assert opened.status == Survey.Status.OPEN and opened.opened_at is not None


def test_opening_and_closing_through_the_status_page(world, client_for):
    actor = _coordinator(world)
    survey = make_survey(world.a.organization, actor, open_it=False)
    client = client_for(actor)
    page = client.get(_url(world, "status", survey.pk))
    assert _said("Open the survey?") in page.content.decode()
    client.post(_url(world, "status", survey.pk), {"action": "open"})
    survey.refresh_from_db()
    assert survey.status == Survey.Status.OPEN
    client.post(_url(world, "status", survey.pk), {"action": "close"})
    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED and survey.closed_at is not None


# --- questions ------------------------------------------------------------------------------


def test_questions_are_added_in_order_with_their_wording_in_both_languages(world):
    survey = make_survey(world.a.organization, _coordinator(world), open_it=False)
    questions = asked(survey)
    assert [q.position for q in questions] == [1, 2, 3, 4, 5, 6]
    assert [q.kind for q in questions] == [q["kind"] for q in SIX]
    assert questions[2].choice_labels("en") == ["School", "A friend", "Social media"]
    assert questions[2].choice_labels("ja") == ["学校", "友人", "SNS"]
    assert questions[0].measures_satisfaction and not questions[4].measures_satisfaction


def test_a_choice_question_needs_two_choices_and_only_a_scale_counts_as_satisfaction(world):
    survey = make_survey(world.a.organization, _coordinator(world), questions=[], open_it=False)
    with pytest.raises(ValidationError) as one_choice:
        question_add(
            survey=survey,
            actor=_coordinator(world),
            kind="single",
            text_ja="一つだけ",
            choices=[{"ja": "はい", "en": ""}],
        )
    assert "choices" in one_choice.value.error_dict
    with pytest.raises(ValidationError) as nps:
        question_add(
            survey=survey,
            actor=_coordinator(world),
            kind="nps",
            text_ja="勧めたい？",
            measures_satisfaction=True,
        )
    assert "measures_satisfaction" in nps.value.error_dict


def test_the_question_form_reads_choices_one_a_line(world, client_for):
    actor = _coordinator(world)
    survey = make_survey(world.a.organization, actor, questions=[], open_it=False)
    response = client_for(actor).post(
        _url(world, "question_new", survey.pk),
        {
            "kind": "multiple",
            "text_ja": "参加した行事は？",
            "text_en": "Which events?",
            "required": "on",
            "choices_ja": "職業講話\n\n  ガイダンス  \n保護者セミナー",
            "choices_en": "Job talk\nGuidance\nParents' seminar",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(survey=survey)
    assert question.choices == [
        {"ja": "職業講話", "en": "Job talk"},
        {"ja": "ガイダンス", "en": "Guidance"},
        {"ja": "保護者セミナー", "en": "Parents' seminar"},
    ]


def test_english_choices_must_match_the_japanese_ones(world, client_for):
    actor = _coordinator(world)
    survey = make_survey(world.a.organization, actor, questions=[], open_it=False)
    response = client_for(actor).post(
        _url(world, "question_new", survey.pk),
        {"kind": "single", "text_ja": "どれ？", "choices_ja": "A\nB\nC", "choices_en": "A\nB"},
    )
    assert response.status_code == 200
    assert not Question.objects.filter(survey=survey).exists()
    assert "choices_en" in response.context["form"].errors


def test_up_and_down_buttons_reorder_the_questions(world, client_for):
    actor = _coordinator(world)
    survey = make_survey(world.a.organization, actor, open_it=False)
    first, second, third = asked(survey)[:3]
    client = client_for(actor)
    client.post(_url(world, "question_move", survey.pk, third.pk), {"direction": "up"})
    assert [q.pk for q in asked(survey)[:3]] == [first.pk, third.pk, second.pk]
    client.post(_url(world, "question_move", survey.pk, first.pk), {"direction": "down"})
    assert [q.pk for q in asked(survey)[:3]] == [third.pk, first.pk, second.pk]
    # At the top, "up" leaves everything where it was.
    question_move(question=third, actor=actor, direction="up")
    assert [q.position for q in asked(survey)] == [1, 2, 3, 4, 5, 6]
    assert asked(survey)[0].pk == third.pk


def test_a_question_without_answers_is_deleted(world, client_for):
    actor = _coordinator(world)
    survey = make_survey(world.a.organization, actor, open_it=False)
    doomed = asked(survey)[5]
    response = client_for(actor).post(_url(world, "question_delete", survey.pk, doomed.pk))
    assert response.status_code == 302
    assert not Question.objects.filter(pk=doomed.pk).exists()


def test_deleting_a_question_with_answers_is_refused_and_offers_retiring(world, client_for):
    actor = _coordinator(world)
    survey = make_survey(world.a.organization, actor, audience="link")
    answered = asked(survey)[0]
    _answer_public(survey, answered, 5)
    client = client_for(actor)
    page = client.get(_url(world, "question_delete", survey.pk, answered.pk)).content.decode()
    assert _said(str(HAS_ANSWERS_MESSAGE)) in page
    assert _url(world, "question_retire", survey.pk, answered.pk) in page
    response = client.post(_url(world, "question_delete", survey.pk, answered.pk), follow=True)
    assert Question.objects.filter(pk=answered.pk).exists()
    assert Answer.objects.filter(question=answered).count() == 1
    with translation.override("ja"):
        said = gettext(str(HAS_ANSWERS_MESSAGE))
    assert [str(m) for m in response.context["messages"]] == [said]
    with pytest.raises(ValidationError) as refused:
        question_delete(question=answered, actor=actor)
    assert refused.value.code == HAS_ANSWERS
    # The database protects the answers too, whatever path would delete the question.
    with pytest.raises(RestrictedError):
        Question.objects.filter(pk=answered.pk).delete()
    # Deleting the whole survey takes its answers with it.
    survey.delete()
    assert not Answer.objects.filter(question_id=answered.pk).exists()


def test_a_retired_question_is_no_longer_asked_and_its_answers_stay_counted(world, client_for):
    actor = _coordinator(world)
    survey = make_survey(world.a.organization, actor, audience="link")
    answered = asked(survey)[0]
    _answer_public(survey, answered, 5)
    client_for(actor).post(_url(world, "question_retire", survey.pk, answered.pk))
    answered.refresh_from_db()
    assert answered.retired_at is not None
    assert answered.pk not in [q.pk for q in asked(survey)]
    assert Answer.objects.filter(question=answered, number=5).exists()
    results = client_for(actor).get(_url(world, "results", survey.pk))
    retired = [r for r in results.context["results"].questions if r.question.pk == answered.pk]
    assert retired[0].n == 1 and retired[0].scale.counts[5] == 1


def test_with_answers_a_question_keeps_its_kind_and_its_choices(world):
    actor = _coordinator(world)
    survey = make_survey(world.a.organization, actor, audience="link")
    single = asked(survey)[2]
    _answer_public(survey, single, 1)
    base = {"text_ja": "どこで知りましたか", "text_en": "", "required": True}
    with pytest.raises(ValidationError) as kind:
        question_update(
            question=single, actor=actor, kind="multiple", choices=single.choices, **base
        )
    assert "kind" in kind.value.error_dict
    with pytest.raises(ValidationError) as fewer:
        question_update(
            question=single, actor=actor, kind="single", choices=single.choices[:2], **base
        )
    assert "choices" in fewer.value.error_dict
    reworded = question_update(
        question=single,
        actor=actor,
        kind="single",
        choices=[
            *single.choices[:2],
            {"ja": "インスタグラム", "en": "Instagram"},
            {"ja": "その他", "en": ""},
        ],
        **base,
    )
    assert reworded.choice_labels("ja")[2:] == ["インスタグラム", "その他"]


def test_retired_questions_stay_retired_until_asked_again(world):
    actor = _coordinator(world)
    survey = make_survey(world.a.organization, actor, open_it=False)
    question = asked(survey)[0]
    question_retire(question=question, actor=actor)
    with pytest.raises(ValidationError):
        question_retire(question=question, actor=actor)
    with pytest.raises(ValidationError):
        question_move(question=question, actor=actor, direction="down")


# --- pages --------------------------------------------------------------------------------


def test_the_survey_page_lists_questions_with_their_buttons(world, client_for):
    actor = _coordinator(world)
    survey = make_survey(world.a.organization, actor)
    body = client_for(actor).get(_url(world, "survey", survey.pk)).content.decode()
    for question in asked(survey):
        assert question.text_ja in body
        assert _url(world, "question_edit", survey.pk, question.pk) in body
    assert _url(world, "send", survey.pk) in body
    assert _url(world, "preview", survey.pk) in body


def test_the_preview_renders_the_answer_page_in_either_language(world, client_for):
    actor = _coordinator(world)
    survey = make_survey(world.a.organization, actor, program=program_of(world.a.organization))
    client = client_for(actor)
    ja = client.get(_url(world, "preview", survey.pk)).content.decode()
    en = client.get(_url(world, "preview", survey.pk) + "?lang=en").content.decode()
    assert "今回の面談の満足度は？" in ja and "How satisfied were you?" in en
    assert "After your session" in en and "School" in en
    assert 'class="survey-submit" disabled' in ja
    assert Response.objects.filter(survey=survey).count() == 0


def test_the_list_searches_titles_and_filters_by_status(world, client_for):
    actor = _coordinator(world)
    make_survey(world.a.organization, actor, title_ja="教員満足度調査")
    make_survey(world.a.organization, actor, title_ja="支援者ふりかえり", open_it=False)
    client = client_for(actor)
    found = client.get(_url(world, "list") + "?q=教員").content.decode()
    assert "教員満足度調査" in found and "支援者ふりかえり" not in found
    drafts = client.get(_url(world, "list") + "?status=draft").content.decode()
    assert "支援者ふりかえり" in drafts and "教員満足度調査" not in drafts
    bad = client.get(_url(world, "list") + "?program=99999999999999999999")
    assert bad.status_code == 200
