"""The answer form: one field per question asked (``q<pk>``), worded in the respondent's
language, and the form's own key (a double post is stored once). Every field is optional
here: whether a required question was answered is the service's check, which puts its
message on the question (``response_submit_*``), so the page and the service cannot
disagree. The preview uses this same form."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bansou.core.inputs import HiddenErrorsOnTop
from bansou.surveys.models import Question, Survey
from bansou.surveys.services.answering import TEXT_MAX_LENGTH, AnswerValue, field_name

# Bots fill every field; people never see this one (hidden by the stylesheet, skipped by
# keyboard and screen readers, as on the public application form).
HONEYPOT = "website"
NOT_OFFERED = _("Choose from the answers offered.")


@dataclass(frozen=True)
class AskedQuestion:
    """A question with its bound field and wording, for the template."""

    question: Question
    field: forms.BoundField
    text: str
    low_label: str
    high_label: str


def _scale_ends(question: Question) -> tuple[str, str]:
    if question.kind == Question.Kind.NPS:
        return str(_("Not at all likely")), str(_("Extremely likely"))
    if question.measures_satisfaction:
        return str(_("Very dissatisfied")), str(_("Very satisfied"))
    return str(_("Not at all")), str(_("Very much"))


def _field(question: Question, language: str | None) -> forms.Field:
    messages = {"invalid_choice": NOT_OFFERED}
    kind = question.kind
    if kind in (Question.Kind.SCALE, Question.Kind.NPS):
        points = range(1, 6) if kind == Question.Kind.SCALE else range(11)
        return forms.TypedChoiceField(
            choices=[(p, str(p)) for p in points],
            coerce=int,
            empty_value=None,
            required=False,
            widget=forms.RadioSelect,
            error_messages=messages,
        )
    if kind in Question.CHOICE_KINDS:
        choices = list(enumerate(question.choice_labels(language)))
        if kind == Question.Kind.SINGLE:
            return forms.TypedChoiceField(
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                error_messages=messages,
            )
        return forms.TypedMultipleChoiceField(
            choices=choices,
            coerce=int,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            error_messages=messages,
        )
    return forms.CharField(
        required=False,
        max_length=TEXT_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AnswerForm(HiddenErrorsOnTop):
    key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        questions: Sequence[Question],
        language: str | None,
        public: bool = False,
        **kwargs: Any,
    ) -> None:
        """``questions``: the ones asked, plus retired ones kept only when the posted form
        answered them (the page was loaded before they were retired)."""
        super().__init__(*args, **kwargs)
        self.initial.setdefault("key", uuid.uuid4())
        data = self.data if self.is_bound else {}
        self.questions = [q for q in questions if q.retired_at is None or field_name(q) in data]
        self.language = language
        for question in self.questions:
            field = _field(question, language)
            field.label = question.text_in(language)
            self.fields[field_name(question)] = field
        # The honeypot is no field: whatever a bot puts in it is never validated or shown.
        self.public = public

    def asked(self) -> list[AskedQuestion]:
        rows = []
        for question in self.questions:
            low, high = _scale_ends(question)
            rows.append(
                AskedQuestion(
                    question=question,
                    field=self[field_name(question)],
                    text=question.text_in(self.language),
                    low_label=low,
                    high_label=high,
                )
            )
        return rows

    def is_from_a_bot(self) -> bool:
        return bool(self.is_bound and self.public and self.data.get(HONEYPOT))

    def answers(self) -> dict[int, AnswerValue]:
        """The answers by question id, as the service takes them."""
        data = self.cleaned_data
        return {q.pk: data.get(field_name(q)) for q in self.questions}

    def submission_key(self) -> uuid.UUID:
        key: uuid.UUID = self.cleaned_data["key"]
        return key


def answer_page_context(
    *, survey: Survey, form: AnswerForm, language: str | None
) -> dict[str, Any]:
    """What ``surveys/answer.html`` shows besides the form: the answer page and its preview
    both render with this, so the preview is the page."""
    return {
        "survey": survey,
        "form": form,
        "asked": form.asked(),
        "organization": survey.organization,
        "title": survey.title_in(language),
        "intro": survey.intro_in(language),
        "language": language,
    }
