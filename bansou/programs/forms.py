"""Forms parse and check input; the services in bansou/programs/services.py write. The rules
both need (periods, topics, questions) live in the services module and are called here so
that a mistake is shown next to the field it concerns."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.forms.formsets import BaseFormSet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from bansou.accounts.names import (
    normalize_kana,
    normalize_name,
    validate_kana,
    validate_person_name,
)
from bansou.orgs.models import SLUG_VALIDATOR, Organization
from bansou.programs import services
from bansou.programs.models import Application, Phase, Program, Target, Training
from bansou.programs.selectors import AttendanceRow, program_slug_taken

TEXT_MAX_LENGTH = 5000
MESSAGE_MAX_LENGTH = 2000


def _label(model: type[models.Model], name: str) -> StrOrPromise:
    return capfirst(model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]


def _date_field(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


# --- programs ---------------------------------------------------------------------------


class ProgramForm(forms.Form):
    name = forms.CharField(label=_label(Program, "name"), max_length=120)
    slug = forms.CharField(
        label=_("Web address"),
        max_length=50,
        validators=[SLUG_VALIDATOR],
        help_text=_("Lower-case letters, digits and hyphens, e.g. mentoring-2025."),
    )
    kind = forms.ChoiceField(label=_label(Program, "kind"), choices=Program.Kind.choices)
    description = forms.CharField(
        label=_label(Program, "description"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=_textarea(5),
        help_text=_("Shown on the program page and, for a public program, to applicants."),
    )
    starts_on = _date_field(_label(Program, "starts_on"))
    ends_on = _date_field(_label(Program, "ends_on"))
    topics = forms.CharField(
        label=_("Session topics"),
        required=False,
        max_length=2000,
        widget=_textarea(6),
        help_text=_("One topic per line, in the order supporters will see them."),
    )
    reflection_enabled = forms.BooleanField(
        label=_label(Program, "reflection_enabled"), required=False
    )
    quiet_after_days = forms.IntegerField(
        label=_label(Program, "quiet_after_days"),
        min_value=1,
        max_value=365,
        help_text=_("An engagement with no held session for this many days is shown as quiet."),
    )
    is_public = forms.BooleanField(label=_label(Program, "is_public"), required=False)
    accepts_supporters = forms.BooleanField(
        label=_label(Program, "accepts_supporters"), required=False
    )
    accepts_clients = forms.BooleanField(label=_label(Program, "accepts_clients"), required=False)
    supporter_questions = forms.CharField(
        label=_label(Program, "supporter_questions"),
        required=False,
        max_length=3000,
        widget=_textarea(3),
        help_text=_("One question per line."),
    )
    client_questions = forms.CharField(
        label=_label(Program, "client_questions"),
        required=False,
        max_length=3000,
        widget=_textarea(3),
        help_text=_("One question per line."),
    )

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        program: Program | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.program = program

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"].strip()
        if slug in services.RESERVED_SLUGS:
            raise ValidationError(_("This address is reserved; please choose another."))
        if program_slug_taken(
            organization=self.organization,
            slug=slug,
            exclude_pk=self.program.pk if self.program else None,
        ):
            raise ValidationError(_("Another program already uses this address."))
        return slug

    def clean_topics(self) -> list[str]:
        return services.clean_topic_names(_lines(self.cleaned_data["topics"]))

    def clean_supporter_questions(self) -> list[str]:
        return services.clean_questions(_lines(self.cleaned_data["supporter_questions"]))

    def clean_client_questions(self) -> list[str]:
        return services.clean_questions(_lines(self.cleaned_data["client_questions"]))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on:
            problem = services.period_error(starts_on, ends_on)
            if problem:
                self.add_error("ends_on", problem)
        if cleaned.get("is_public") and not (
            cleaned.get("accepts_supporters") or cleaned.get("accepts_clients")
        ):
            self.add_error(
                "is_public",
                _("A public program must accept applications from supporters or clients."),
            )
        return cleaned

    def program_data(self) -> services.ProgramData:
        c = self.cleaned_data
        return services.ProgramData(
            name=c["name"],
            slug=c["slug"],
            kind=c["kind"],
            description=c["description"],
            starts_on=c["starts_on"],
            ends_on=c["ends_on"],
            is_public=c["is_public"],
            accepts_supporters=c["accepts_supporters"],
            accepts_clients=c["accepts_clients"],
            supporter_questions=c["supporter_questions"],
            client_questions=c["client_questions"],
            reflection_enabled=c["reflection_enabled"],
            quiet_after_days=c["quiet_after_days"],
        )


class PhaseForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_label(Phase, "name"), max_length=80)
    kind = forms.ChoiceField(
        label=_label(Phase, "kind"), choices=Phase.Kind.choices, initial=Phase.Kind.OTHER
    )
    starts_on = _date_field(_label(Phase, "starts_on"))
    ends_on = _date_field(_label(Phase, "ends_on"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts_on and ends_on:
            problem = services.period_error(starts_on, ends_on)
            if problem:
                self.add_error("ends_on", problem)
        return cleaned


class TargetForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_label(Target, "name"), max_length=80)
    target_value = forms.IntegerField(
        label=_label(Target, "target_value"), min_value=0, max_value=10_000_000
    )
    unit = forms.CharField(
        label=_label(Target, "unit"), max_length=20, help_text=_("e.g. schools, sessions, visits")
    )
    period_start = _date_field(_label(Target, "period_start"))
    period_end = _date_field(_label(Target, "period_end"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end:
            problem = services.period_error(start, end)
            if problem:
                self.add_error("period_end", problem)
        return cleaned


def _formset(form: type[forms.Form], extra: int) -> type[BaseFormSet[Any]]:
    return forms.formset_factory(
        form, extra=extra, can_delete=True, can_delete_extra=False, max_num=30, validate_max=True
    )


class ProgramEditor:
    """The program form with its phases and KPI targets (inline formsets) as one unit."""

    def __init__(
        self,
        data: Any = None,
        *,
        organization: Organization,
        program: Program | None = None,
        phases: list[Phase] | None = None,
        targets: list[Target] | None = None,
        topics: list[str] | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        self.program = program
        if program is not None:
            initial = {
                "name": program.name,
                "slug": program.slug,
                "kind": program.kind,
                "description": program.description,
                "starts_on": program.starts_on,
                "ends_on": program.ends_on,
                "topics": "\n".join(topics or []),
                "reflection_enabled": program.reflection_enabled,
                "quiet_after_days": program.quiet_after_days,
                "is_public": program.is_public,
                "accepts_supporters": program.accepts_supporters,
                "accepts_clients": program.accepts_clients,
                "supporter_questions": "\n".join(program.supporter_questions or []),
                "client_questions": "\n".join(program.client_questions or []),
            }
        self.form = ProgramForm(
            data, organization=organization, program=program, initial=initial or {}
        )
        phase_initial = [
            {
                "id": p.pk,
                "name": p.name,
                "kind": p.kind,
                "starts_on": p.starts_on,
                "ends_on": p.ends_on,
            }
            for p in phases or []
        ]
        target_initial = [
            {
                "id": t.pk,
                "name": t.name,
                "target_value": t.target_value,
                "unit": t.unit,
                "period_start": t.period_start,
                "period_end": t.period_end,
            }
            for t in targets or []
        ]
        new = program is None
        self.phases = _formset(PhaseForm, 4 if new else 2)(
            data, prefix="phases", initial=phase_initial
        )
        self.targets = _formset(TargetForm, 2 if new else 1)(
            data, prefix="targets", initial=target_initial
        )

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        valid = self.phases.is_valid() and valid
        valid = self.targets.is_valid() and valid
        if not valid:
            return False
        starts_on, ends_on = self.form.cleaned_data["starts_on"], self.form.cleaned_data["ends_on"]
        for form in self._kept(self.phases):
            problem = services.phase_period_error(
                program_starts_on=starts_on,
                program_ends_on=ends_on,
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
            )
            if problem:
                form.add_error("starts_on", problem)
                valid = False
        return valid

    @staticmethod
    def _kept(formset: BaseFormSet[Any]) -> list[forms.Form]:
        deleted = {id(f) for f in formset.deleted_forms}
        return [f for f in formset.forms if f.cleaned_data and id(f) not in deleted]

    @property
    def errors_count(self) -> int:
        count = len(self.form.errors)
        for formset in (self.phases, self.targets):
            count += len(formset.non_form_errors()) + sum(len(e) for e in formset.errors)
        return count

    def program_data(self) -> services.ProgramData:
        return self.form.program_data()

    def phase_inputs(self) -> list[services.PhaseInput]:
        return [
            services.PhaseInput(
                id=f.cleaned_data.get("id") or None,
                name=f.cleaned_data["name"],
                kind=f.cleaned_data["kind"],
                starts_on=f.cleaned_data["starts_on"],
                ends_on=f.cleaned_data["ends_on"],
            )
            for f in self._kept(self.phases)
        ]

    def target_inputs(self) -> list[services.TargetInput]:
        return [
            services.TargetInput(
                id=f.cleaned_data.get("id") or None,
                name=f.cleaned_data["name"],
                unit=f.cleaned_data["unit"],
                target_value=f.cleaned_data["target_value"],
                period_start=f.cleaned_data["period_start"],
                period_end=f.cleaned_data["period_end"],
            )
            for f in self._kept(self.targets)
        ]

    def topic_names(self) -> list[str]:
        topics: list[str] = self.form.cleaned_data["topics"]
        return topics

    def add_service_errors(self, error: ValidationError) -> None:
        """Shows a refusal from the service next to what it concerns."""
        if not hasattr(error, "error_dict"):
            self.form.add_error(None, error)
            return
        for key, errors in error.message_dict.items():
            if key in ("phases", "targets"):
                formset = self.phases if key == "phases" else self.targets
                formset.non_form_errors().extend(errors)
            elif key in self.form.fields and key != NON_FIELD_ERRORS:
                self.form.add_error(key, errors)
            else:
                self.form.add_error(None, errors)


# --- trainings --------------------------------------------------------------------------


class TrainingForm(forms.Form):
    name = forms.CharField(label=_label(Training, "name"), max_length=120)
    description = forms.CharField(
        label=_label(Training, "description"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=_textarea(3),
    )
    held_on = _date_field(_label(Training, "held_on"), required=False)
    is_required = forms.BooleanField(
        label=_label(Training, "is_required"),
        required=False,
        initial=True,
        help_text=_("A supporter can be matched only after attending every required training."),
    )


class AttendanceForm(forms.Form):
    """The checklist: per enrolled supporter, attended (yes/no) and the date."""

    def __init__(self, *args: Any, rows: list[AttendanceRow], training: Training, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rows = rows
        today = timezone.localdate()
        default_day = training.held_on if training.held_on and training.held_on <= today else None
        for row in rows:
            uid = row.user.pk
            name = row.user.display_name
            attended_on = row.attendance.attended_on if row.attendance else None
            self.fields[f"attended_{uid}"] = forms.BooleanField(
                label=_("%(name)s attended") % {"name": name},
                required=False,
                initial=row.attendance is not None,
            )
            self.fields[f"date_{uid}"] = _date_field(
                _("Date %(name)s attended") % {"name": name}, required=False
            )
            self.fields[f"date_{uid}"].initial = attended_on or default_day

    def bound_rows(self) -> list[tuple[AttendanceRow, forms.BoundField, forms.BoundField]]:
        return [(r, self[f"attended_{r.user.pk}"], self[f"date_{r.user.pk}"]) for r in self.rows]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        today = timezone.localdate()
        for row in self.rows:
            uid = row.user.pk
            day = cleaned.get(f"date_{uid}")
            if cleaned.get(f"attended_{uid}"):
                if day is None and f"date_{uid}" not in self.errors:
                    self.add_error(f"date_{uid}", _("Please enter the date of attendance."))
                elif day is not None and day > today:
                    self.add_error(f"date_{uid}", _("An attendance date cannot be in the future."))
        return cleaned

    def attendance_map(self) -> dict[int, datetime.date | None]:
        return {
            r.user.pk: (
                self.cleaned_data[f"date_{r.user.pk}"]
                if self.cleaned_data.get(f"attended_{r.user.pk}")
                else None
            )
            for r in self.rows
        }


# --- applications -----------------------------------------------------------------------


class ApplicationForm(forms.Form):
    family_name = forms.CharField(
        label=_label(Application, "family_name"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    given_name = forms.CharField(
        label=_label(Application, "given_name"),
        max_length=50,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    family_name_kana = forms.CharField(
        label=_label(Application, "family_name_kana"),
        max_length=50,
        required=False,
        help_text=_("Katakana; hiragana is converted."),
    )
    given_name_kana = forms.CharField(
        label=_label(Application, "given_name_kana"),
        max_length=50,
        required=False,
        help_text=_("Katakana; hiragana is converted."),
    )
    email = forms.EmailField(
        label=_label(Application, "email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args: Any, questions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for index, question in enumerate(questions):
            self.fields[f"answer_{index}"] = forms.CharField(
                label=question, max_length=MESSAGE_MAX_LENGTH, widget=_textarea(3)
            )
        self.fields["message"] = forms.CharField(
            label=_("Message to the organisation"),
            required=False,
            max_length=MESSAGE_MAX_LENGTH,
            widget=_textarea(4),
        )
        self.fields["consent"] = forms.BooleanField(
            label=_(
                "I agree that the organisation uses this information to review my application "
                "and to contact me."
            ),
        )

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


class DecisionForm(forms.Form):
    ACCEPT, WAITLIST, DECLINE = "accept", "waitlist", "decline"

    decision = forms.ChoiceField(
        choices=[(ACCEPT, _("Accept")), (WAITLIST, _("Waitlist")), (DECLINE, _("Decline"))],
        widget=forms.HiddenInput,
        error_messages={"required": _("Please choose a decision.")},
    )
    message = forms.CharField(
        label=_("Message to the applicant (included in the email)"),
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=_textarea(4),
    )
    notify = forms.BooleanField(
        label=_("Email the applicant about this decision"),
        required=False,
        initial=True,
        help_text=_(
            "Accepting always sends the invitation. Untick to close a duplicate without an email."
        ),
    )
