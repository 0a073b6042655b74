"""The coordinator's forms: a survey's settings, one question, sending by hand, and
choosing a free-text answer for reports."""

import datetime
import uuid
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.core.inputs import ModelChoiceField, validate_day_in_range
from bansou.orgs.models import Venue
from bansou.programs.models import Phase, Program
from bansou.surveys.models import Answer, Question, Survey
from bansou.surveys.services.builder import MAX_CHOICES
from bansou.surveys.services.curation import PUBLISHED_MAX_LENGTH

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class PhaseChoiceField(ModelChoiceField[Phase]):
    def label_from_instance(self, obj: Phase) -> str:
        return f"{obj.program.name} · {obj.name}"


class SurveyForm(forms.Form):
    title_ja = forms.CharField(label=_("Title (Japanese)"), max_length=120)
    title_en = forms.CharField(
        label=_("Title (English)"),
        max_length=120,
        required=False,
        help_text=_("Shown to people who read Bansō in English; the Japanese otherwise."),
    )
    intro_ja = forms.CharField(
        label=_("Introduction (Japanese)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A line or two above the questions: what the answers are for."),
    )
    intro_en = forms.CharField(
        label=_("Introduction (English)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    audience = forms.ChoiceField(
        label=_("Who answers"), choices=Survey.Audience.choices, widget=forms.RadioSelect
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous: answers are not linked to names"),
        required=False,
        initial=True,
        help_text=_(
            "A named survey shows coordinators who answered what; each reading is recorded."
        ),
    )
    trigger = forms.ChoiceField(
        label=_("How it is sent"), choices=Survey.Trigger.choices, widget=forms.RadioSelect
    )
    program = ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.none(),
        required=False,
        empty_label=_("No program (the whole organisation)"),
        error_messages={"invalid_choice": _("Choose a program of this organisation.")},
    )
    phase = PhaseChoiceField(
        label=_("Phase (sent at its end)"),
        queryset=Phase.objects.none(),
        required=False,
        empty_label=_("Every phase of the program"),
        error_messages={"invalid_choice": _("Choose a phase of the survey's program.")},
    )
    closes_on = forms.DateField(
        label=_("Closes on"),
        widget=DATE_INPUT,
        validators=[validate_day_in_range],
        help_text=_("The last day answers are taken; links stop working after it."),
    )
    # A new survey's form carries its own key (``survey_create``: sent twice, made once).
    key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, programs: QuerySet[Program], phases: QuerySet[Phase], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        self.fields["phase"].queryset = phases  # type: ignore[attr-defined]

    def survey_fields(self) -> dict[str, Any]:
        """What survey_update takes from this form (survey_create also takes ``key``)."""
        fields = dict(self.cleaned_data)
        fields.pop("key", None)
        return fields

    @staticmethod
    def initial_for(survey: Survey | None) -> dict[str, Any]:
        if survey is None:
            return {
                "key": uuid.uuid4(),
                "audience": Survey.Audience.CLIENTS,
                "anonymous": True,
                "trigger": Survey.Trigger.MANUAL,
                "closes_on": timezone.localdate() + datetime.timedelta(days=14),
            }
        fields = [
            "title_ja",
            "title_en",
            "intro_ja",
            "intro_en",
            "audience",
            "anonymous",
            "trigger",
            "closes_on",
        ]
        initial = {name: getattr(survey, name) for name in fields}
        return {**initial, "program": survey.program_id, "phase": survey.phase_id}


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of question"), choices=Question.Kind.choices, widget=forms.RadioSelect
    )
    text_ja = forms.CharField(label=_("Question (Japanese)"), max_length=300)
    text_en = forms.CharField(label=_("Question (English)"), max_length=300, required=False)
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    choices_ja = forms.CharField(
        label=_("Choices (Japanese), one a line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Single and multiple choice only."),
    )
    choices_en = forms.CharField(
        label=_("Choices (English), one a line, in the same order"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional; leave empty to show the Japanese."),
    )
    measures_satisfaction = forms.BooleanField(
        label=_("Counts as satisfaction in the reports (5-point questions)"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ja, en = _lines(data.get("choices_ja", "")), _lines(data.get("choices_en", ""))
        if data.get("kind") in Question.CHOICE_KINDS:
            if en and len(en) != len(ja):
                self.add_error(
                    "choices_en",
                    _("Give as many English choices as Japanese ones (%(ja)s), or none.")
                    % {"ja": len(ja)},
                )
            if len(ja) > MAX_CHOICES:
                self.add_error("choices_ja", _("Give at most %(n)s choices.") % {"n": MAX_CHOICES})
        data["choices"] = [
            {"ja": text, "en": en[i] if i < len(en) else ""} for i, text in enumerate(ja)
        ]
        return data

    def question_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "text_ja": data["text_ja"],
            "text_en": data["text_en"],
            "required": data["required"],
            "choices": data["choices"],
            "measures_satisfaction": data["measures_satisfaction"],
        }

    # The service names the choices as one field; the form asks for them in two.
    SERVICE_FIELD_MAP = {"choices": "choices_ja"}

    @staticmethod
    def initial_for(question: Question | None) -> dict[str, Any]:
        if question is None:
            return {"kind": Question.Kind.SCALE, "required": True}
        return {
            "kind": question.kind,
            "text_ja": question.text_ja,
            "text_en": question.text_en,
            "required": question.required,
            "choices_ja": "\n".join(str(c.get("ja", "")) for c in question.choices),
            "choices_en": "\n".join(str(c.get("en", "")) for c in question.choices).strip(),
            "measures_satisfaction": question.measures_satisfaction,
        }


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=(("up", _("Up")), ("down", _("Down"))))


class StatusForm(forms.Form):
    action = forms.ChoiceField(choices=(("open", _("Open")), ("close", _("Close"))))


class DispatchForm(forms.Form):
    group = forms.ChoiceField(label=_("Send to"), widget=forms.RadioSelect)
    venue = ModelChoiceField(
        label=_("Venue"),
        queryset=Venue.objects.none(),
        required=False,
        empty_label=_("Choose a venue"),
        error_messages={"invalid_choice": _("Choose a venue of this organisation.")},
    )

    def __init__(
        self,
        *args: Any,
        groups: list[tuple[str, str]],
        venues: QuerySet[Venue],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = groups  # type: ignore[attr-defined]
        self.fields["venue"].queryset = venues  # type: ignore[attr-defined]
        if not any(value == "venue" for value, _label in groups):
            del self.fields["venue"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("group") == "venue" and not data.get("venue"):
            self.add_error("venue", _("Choose the venue whose teachers are invited."))
        return data

    def dispatch_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"group": data["group"], "venue": data.get("venue")}


class CurateForm(forms.Form):
    publishable = forms.BooleanField(label=_("Publishable in reports"), required=False)
    published_text = forms.CharField(
        label=_("Text for reports (edited for anonymity)"),
        required=False,
        max_length=PUBLISHED_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Remove names, schools and anything else that tells who wrote it. Left empty, "
            "the answer is published as written. The original stays as it is."
        ),
    )

    @staticmethod
    def initial_for(answer: Answer) -> dict[str, Any]:
        return {
            "publishable": answer.publishable,
            "published_text": answer.published_text or answer.text,
        }
