"""The public application form and the coordinator's decision on an application."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bansou.accounts.addresses import EMAIL_MAX_LENGTH, NormalizedEmailField
from bansou.accounts.names import (
    normalize_kana,
    normalize_name,
    validate_kana,
    validate_person_name,
)
from bansou.core.inputs import FoldedCharField
from bansou.core.roles import Role
from bansou.people.models import ClientProfile
from bansou.programs.forms.fields import (
    MESSAGE_MAX_LENGTH,
    label_for,
    textarea,
)
from bansou.programs.models import Application, Side
from bansou.programs.services.applications import (
    ACCEPT,
    DECLINE,
    WAITLIST,
    AcceptOutcome,
    ClientAnswers,
    client_answers_clean,
)

# Bots fill every field; people never see this one (hidden by the stylesheet, skipped by
# keyboard and screen readers). A submission that fills it is thanked and not stored.
HONEYPOT = "website"
# The privacy notice box; the template draws it with a link to the notice.
PRIVACY_CONSENT = "consent"
ABOUT_CLIENT = ("category", "school_or_organization", "grade")
GUARDIAN = ("guardian_name", "guardian_relationship", "guardian_contact", "guardian_consent")
CONTACT = ("family_name", "given_name", "family_name_kana", "given_name_kana", "email")
GROUPED = {HONEYPOT, PRIVACY_CONSENT, "is_minor", *ABOUT_CLIENT, *GUARDIAN}


def _client_fields() -> dict[str, forms.Field]:
    """What the form asks a client: who they are and, under 18, their guardian (required
    for a minor in ``clean``; ignored for an adult)."""
    return {
        "category": forms.ChoiceField(
            label=_("Which describes you best?"),
            choices=[("", _("Please choose")), *ClientProfile.Category.choices],
            error_messages={"required": _("Please choose what describes you best.")},
        ),
        "school_or_organization": forms.CharField(
            label=label_for(Application, "school_or_organization"),
            max_length=120,
            required=False,
            help_text=_("For example the name of your school."),
        ),
        "grade": forms.CharField(
            label=label_for(Application, "grade"),
            max_length=20,
            required=False,
            help_text=_("For example 2年."),
        ),
        "is_minor": forms.BooleanField(label=_("I am under 18"), required=False),
        "guardian_name": forms.CharField(
            label=label_for(Application, "guardian_name"), max_length=80, required=False
        ),
        "guardian_relationship": forms.CharField(
            label=_("Relationship to you"),
            max_length=40,
            required=False,
            help_text=_("For example 母, 父 or 祖母."),
        ),
        "guardian_contact": FoldedCharField(
            label=_("Guardian's phone number or email"),
            max_length=254,
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "off"}),
        ),
        "guardian_consent": forms.BooleanField(
            label=_("My guardian knows about this application and agrees to it."),
            required=False,
        ),
    }


class ApplicationForm(forms.Form):
    family_name = forms.CharField(
        label=label_for(Application, "family_name"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    given_name = forms.CharField(
        label=label_for(Application, "given_name"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    family_name_kana = forms.CharField(
        label=label_for(Application, "family_name_kana"),
        max_length=50,
        required=False,
        help_text=_("Katakana; hiragana is converted."),
    )
    given_name_kana = forms.CharField(
        label=label_for(Application, "given_name_kana"),
        max_length=50,
        required=False,
        help_text=_("Katakana; hiragana is converted."),
    )
    email = NormalizedEmailField(
        label=label_for(Application, "email"),
        max_length=EMAIL_MAX_LENGTH,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args: Any, questions: list[str], side: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.side = side
        if side == Side.CLIENT:
            self.fields.update(_client_fields())
        for index, question in enumerate(questions):
            self.fields[f"answer_{index}"] = forms.CharField(
                label=question, max_length=MESSAGE_MAX_LENGTH, widget=textarea(3)
            )
        self.fields["message"] = forms.CharField(
            label=_("Message to the organisation"),
            required=False,
            max_length=MESSAGE_MAX_LENGTH,
            widget=textarea(4),
        )
        self.fields[PRIVACY_CONSENT] = forms.BooleanField(
            label=_("I agree to the privacy policy (purposes of use of personal data)."),
            error_messages={
                "required": _("Please read the privacy policy and tick this box to agree.")
            },
        )
        self.fields[HONEYPOT] = forms.CharField(
            label=_("Leave this field empty"),
            required=False,
            widget=forms.TextInput(
                attrs={"autocomplete": "off", "tabindex": "-1", "aria-hidden": "true"}
            ),
        )

    @property
    def visible_fields_for_people(self) -> list[forms.BoundField]:
        """The applicant's own fields in order (the grouped ones are drawn apart)."""
        return [field for field in self if field.name not in GROUPED]

    @property
    def contact_fields(self) -> list[forms.BoundField]:
        """Names and email: drawn first, before a client's "about you"."""
        return [f for f in self.visible_fields_for_people if f.name in CONTACT]

    @property
    def question_fields(self) -> list[forms.BoundField]:
        """The program's questions and the message: drawn last."""
        return [f for f in self.visible_fields_for_people if f.name not in CONTACT]

    @property
    def about_client_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ABOUT_CLIENT if name in self.fields]

    @property
    def guardian_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in GUARDIAN if name in self.fields]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.side != Side.CLIENT:
            return cleaned
        try:
            about = client_answers_clean(self._client_answers(cleaned))
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                if name not in self.errors:
                    self.add_error(name if name in self.fields else None, errors)
            return cleaned
        cleaned.update(vars(about))
        return cleaned

    @staticmethod
    def _client_answers(cleaned: dict[str, Any]) -> ClientAnswers:
        defaults = vars(ClientAnswers())
        return ClientAnswers(
            **{name: cleaned.get(name) or value for name, value in defaults.items()}
        )

    def is_from_a_bot(self) -> bool:
        """The hidden field was filled (call after ``is_valid``)."""
        return bool(self.cleaned_data.get(HONEYPOT))

    def clean_family_name(self) -> str:
        return self._name("family_name")

    def clean_given_name(self) -> str:
        return self._name("given_name")

    def clean_family_name_kana(self) -> str:
        return self._kana("family_name_kana")

    def clean_given_name_kana(self) -> str:
        return self._kana("given_name_kana")

    def _name(self, field: str) -> str:
        value = normalize_name(self.cleaned_data[field])
        validate_person_name(value)
        return value

    def _kana(self, field: str) -> str:
        value = normalize_kana(self.cleaned_data[field])
        validate_kana(value)
        return value

    def answers(self) -> list[str]:
        return [self.cleaned_data[f"answer_{i}"] for i in range(len(self.questions))]

    def applicant_fields(self) -> dict[str, Any]:
        """What ``application_submit`` takes from this form."""
        names = ("email", "family_name", "given_name", "family_name_kana", "given_name_kana")
        fields: dict[str, Any] = {
            **{name: self.cleaned_data[name] for name in names},
            "answers": self.answers(),
            "message": self.cleaned_data["message"],
            "privacy_consent": self.cleaned_data[PRIVACY_CONSENT],
        }
        if self.side == Side.CLIENT:
            fields["client"] = self._client_answers(self.cleaned_data)
        return fields


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[(ACCEPT, _("Accept")), (WAITLIST, _("Waitlist")), (DECLINE, _("Decline"))],
        widget=forms.HiddenInput,
        error_messages={"required": _("Please choose a decision.")},
    )
    message = forms.CharField(
        label=_("Message to the applicant (included in the email)"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=textarea(4),
    )
    notify = forms.BooleanField(
        label=_("Email the applicant about this decision"),
        required=False,
        initial=True,
        help_text=_(
            "Accepting always sends the invitation. Untick to close a duplicate without an email."
        ),
    )

    def done_messages(
        self, application: Application, outcome: AcceptOutcome | None
    ) -> list[tuple[int, str]]:
        """What the coordinator is told once the decision has been applied."""
        name = f"{application.family_name} {application.given_name}"
        if self.cleaned_data["decision"] == WAITLIST:
            return [(messages.SUCCESS, _("%(name)s is on the waiting list.") % {"name": name})]
        if self.cleaned_data["decision"] == DECLINE:
            text = _("The application of %(name)s has been declined.") % {"name": name}
            return [(messages.SUCCESS, text)]
        done = [
            (
                messages.SUCCESS,
                _("%(name)s has been accepted and invited by email.") % {"name": name},
            )
        ]
        if outcome is not None and outcome.kept_role:
            kept = _(
                "%(name)s was already a member of this organisation as %(role)s; that role has "
                "been kept."
            ) % {"name": name, "role": Role(outcome.kept_role).label}
            done.append((messages.INFO, kept))
        return done
