"""The public application form and the coordinator's decision on an application."""

from typing import Any

from django import forms
from django.contrib import messages
from django.utils.translation import gettext_lazy as _

from bansou.accounts.addresses import EMAIL_MAX_LENGTH, NormalizedEmailField
from bansou.accounts.names import (
    normalize_kana,
    normalize_name,
    validate_kana,
    validate_person_name,
)
from bansou.core.roles import Role
from bansou.programs.forms.fields import (
    MESSAGE_MAX_LENGTH,
    label_for,
    textarea,
)
from bansou.programs.models import Application
from bansou.programs.services.applications import (
    ACCEPT,
    DECLINE,
    WAITLIST,
    AcceptOutcome,
)

# Bots fill every field; people never see this one (hidden by the stylesheet, skipped by
# keyboard and screen readers). A submission that fills it is thanked and not stored.
HONEYPOT = "website"


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

    def __init__(self, *args: Any, questions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
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
        self.fields["consent"] = forms.BooleanField(
            label=_(
                "I agree that the organisation uses this information to review my application "
                "and to contact me."
            ),
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
        return [field for field in self if field.name != HONEYPOT]

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
        return {
            **{name: self.cleaned_data[name] for name in names},
            "answers": self.answers(),
            "message": self.cleaned_data["message"],
        }


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
