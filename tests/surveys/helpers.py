"""Surveys built through the services, for the survey tests."""

import datetime
import re

from django.core import mail
from django.utils import timezone

from bansou.accounts.models import User
from bansou.ops.models import OutboxMessage
from bansou.orgs.models import Organization
from bansou.programs.models import Program
from bansou.surveys.models import Question, Survey
from bansou.surveys.services.builder import question_add, survey_create, survey_open

CLOSES_ON = timezone.localdate() + datetime.timedelta(days=21)
SIX = [
    {
        "kind": "scale",
        "text_ja": "今回の面談の満足度は？",
        "text_en": "How satisfied were you?",
        "measures_satisfaction": True,
    },
    {"kind": "nps", "text_ja": "友人に勧めたいですか？", "text_en": "Would you recommend us?"},
    {
        "kind": "single",
        "text_ja": "どこで知りましたか？",
        "text_en": "Where did you hear of us?",
        "choices": [
            {"ja": "学校", "en": "School"},
            {"ja": "友人", "en": "A friend"},
            {"ja": "SNS", "en": "Social media"},
        ],
    },
    {
        "kind": "multiple",
        "text_ja": "役立ったことは？",
        "text_en": "What helped?",
        "choices": [
            {"ja": "情報", "en": "Information"},
            {"ja": "振り返り", "en": "Reflection"},
            {"ja": "励まし", "en": "Encouragement"},
        ],
    },
    {"kind": "scale", "text_ja": "話しやすさは？", "text_en": "How easy was it to talk?"},
    {"kind": "text", "text_ja": "ご意見をどうぞ", "text_en": "Any comments?", "required": False},
]


def make_survey(
    organization: Organization,
    actor: User,
    *,
    questions: list[dict] | None = None,
    open_it: bool = True,
    **settings: object,
) -> Survey:
    fields = {
        "title_ja": "面談後アンケート",
        "title_en": "After your session",
        "audience": Survey.Audience.CLIENTS,
        "closes_on": CLOSES_ON,
        **settings,
    }
    survey = survey_create(organization=organization, actor=actor, **fields)
    for question in SIX if questions is None else questions:
        question_add(survey=survey, actor=actor, **question)
    if open_it:
        survey = survey_open(survey=survey, actor=actor)
    return survey


def asked(survey: Survey) -> list[Question]:
    return list(survey.questions.filter(retired_at__isnull=True).order_by("position"))


def full_answers(survey: Survey, **overrides: object) -> dict[str, object]:
    """A POST answering every question of the SIX survey (the key comes from the page)."""
    q = asked(survey)
    data = {
        f"q{q[0].pk}": "4",
        f"q{q[1].pk}": "9",
        f"q{q[2].pk}": "1",
        f"q{q[3].pk}": ["0", "2"],
        f"q{q[4].pk}": "5",
        f"q{q[5].pk}": "とても話しやすかったです",
    }
    data.update(overrides)
    return data


def outbox_links(recipient: str) -> list[str]:
    """Links in the mail queued for ``recipient`` (the outbox keeps the body until sent)."""
    bodies = [m.body for m in mail.outbox if recipient in m.to]
    bodies += list(
        OutboxMessage.objects.filter(to_address=recipient)
        .exclude(body="")
        .values_list("body", flat=True)
    )
    return [link for body in bodies for link in re.findall(r"https?://\S+", body)]


def program_of(organization: Organization) -> Program:
    return Program.objects.filter(organization=organization).first()


def service_answers(survey: Survey, changes: dict[int, object] | None = None) -> dict[int, object]:
    """Answers to the SIX survey as the services take them; ``changes`` by position (0-5)."""
    q = asked(survey)
    values: list[object] = [4, 9, 1, [0, 2], 5, "とても話しやすかったです"]
    for index, value in (changes or {}).items():
        values[index] = value
    return {question.pk: value for question, value in zip(q, values, strict=False)}
