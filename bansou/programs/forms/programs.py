"""Forms parse and check input; the services in bansou/programs/services/ write. The rules
both need (periods, topics, questions) live in services/programs.py and are called here so
that a mistake is shown next to the field it concerns.

The program editor: the program form with its phase and target formsets."""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.forms.formsets import BaseFormSet
from django.utils.translation import gettext_lazy as _

from bansou.orgs.forms import add_service_errors
from bansou.orgs.models import SLUG_VALIDATOR, Organization
from bansou.programs.forms.fields import (
    TEXT_MAX_LENGTH,
    date_field,
    label_for,
    split_lines,
    textarea,
)
from bansou.programs.models import Kpi, Phase, Program, Target, default_reminder_hours
from bansou.programs.selectors import program_slug_taken
from bansou.programs.services.programs import (
    DEFAULT_TOPICS,
    NO_SHOW_THRESHOLD_RANGE,
    RESERVED_SLUGS,
    SUPPRESSION_THRESHOLD_RANGE,
    TARGET_VALUE_MAX,
    PhaseInput,
    ProgramData,
    TargetInput,
    clean_questions,
    clean_topic_names,
    no_show_threshold_error,
    parse_reminder_hours,
    period_error,
    phase_period_error,
    suppression_threshold_error,
    target_value_error,
)

InputT = TypeVar("InputT", PhaseInput, TargetInput)


def _check_period(form: forms.Form, cleaned: dict[str, Any], start: str, end: str) -> None:
    """An end before the start is shown next to the end."""
    starts_on, ends_on = cleaned.get(start), cleaned.get(end)
    if starts_on and ends_on:
        problem = period_error(starts_on, ends_on)
        if problem:
            form.add_error(end, problem)


class ProgramForm(forms.Form):
    name = forms.CharField(label=label_for(Program, "name"), max_length=120)
    slug = forms.CharField(
        label=_("Web address"),
        max_length=50,
        validators=[SLUG_VALIDATOR],
        help_text=_("Lower-case letters, digits and hyphens, e.g. mentoring-2025."),
    )
    kind = forms.ChoiceField(label=label_for(Program, "kind"), choices=Program.Kind.choices)
    description = forms.CharField(
        label=label_for(Program, "description"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=textarea(5),
        help_text=_("Shown on the program page and, for a public program, to applicants."),
    )
    starts_on = date_field(label_for(Program, "starts_on"))
    ends_on = date_field(label_for(Program, "ends_on"))
    topics = forms.CharField(
        label=_("Session topics"),
        required=False,
        max_length=2000,
        widget=textarea(6),
        help_text=_("One topic per line, in the order supporters will see them."),
    )
    reflection_enabled = forms.BooleanField(
        label=label_for(Program, "reflection_enabled"), required=False
    )
    quiet_after_days = forms.IntegerField(
        label=label_for(Program, "quiet_after_days"),
        min_value=1,
        max_value=365,
        help_text=_("An engagement with no held session for this many days is shown as quiet."),
    )
    opens_on_holidays = forms.BooleanField(
        label=_("Sessions and bookings on public holidays"),
        required=False,
        help_text=_("Off: public holidays are closed, like the organisation's closures."),
    )
    reminder_hours = forms.CharField(
        label=_("Reminders (hours before each session)"),
        max_length=40,
        help_text=_(
            "Up to four times, separated by commas, e.g. 24, 1 for the day before and an "
            "hour before. 1 to 168 hours."
        ),
    )
    no_show_threshold = forms.IntegerField(
        label=_("Alert after this many no-shows"),
        widget=forms.NumberInput(
            attrs={"min": NO_SHOW_THRESHOLD_RANGE[0], "max": NO_SHOW_THRESHOLD_RANGE[1]}
        ),
        help_text=_("A client who misses this many sessions is shown to the coordinator. 1 to 10."),
    )
    suppression_threshold = forms.IntegerField(
        label=_("Smallest count shown to viewers and partners"),
        widget=forms.NumberInput(
            attrs={"min": SUPPRESSION_THRESHOLD_RANGE[0], "max": SUPPRESSION_THRESHOLD_RANGE[1]}
        ),
        help_text=_(
            "In reports, funders and teachers see a smaller count (above 0) as “fewer than” "
            "this number, so that a few people cannot be recognised. 1 to 100; 5 is usual."
        ),
    )
    is_public = forms.BooleanField(label=label_for(Program, "is_public"), required=False)
    accepts_supporters = forms.BooleanField(
        label=label_for(Program, "accepts_supporters"), required=False
    )
    accepts_clients = forms.BooleanField(
        label=label_for(Program, "accepts_clients"), required=False
    )
    supporter_questions = forms.CharField(
        label=label_for(Program, "supporter_questions"),
        required=False,
        max_length=3000,
        widget=textarea(3),
        help_text=_("One question per line."),
    )
    client_questions = forms.CharField(
        label=label_for(Program, "client_questions"),
        required=False,
        max_length=3000,
        widget=textarea(3),
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
        if slug in RESERVED_SLUGS:
            raise ValidationError(_("This address is reserved; please choose another."))
        if program_slug_taken(
            organization=self.organization,
            slug=slug,
            exclude_pk=self.program.pk if self.program else None,
        ):
            raise ValidationError(_("Another program already uses this address."))
        return slug

    def clean_topics(self) -> list[str]:
        return clean_topic_names(split_lines(self.cleaned_data["topics"]))

    def clean_supporter_questions(self) -> list[str]:
        return clean_questions(split_lines(self.cleaned_data["supporter_questions"]))

    def clean_client_questions(self) -> list[str]:
        return clean_questions(split_lines(self.cleaned_data["client_questions"]))

    def clean_reminder_hours(self) -> list[int]:
        return parse_reminder_hours(self.cleaned_data["reminder_hours"])

    def clean_no_show_threshold(self) -> int:
        value: int = self.cleaned_data["no_show_threshold"]
        problem = no_show_threshold_error(value)
        if problem:
            raise ValidationError(problem)
        return value

    def clean_suppression_threshold(self) -> int:
        value: int = self.cleaned_data["suppression_threshold"]
        problem = suppression_threshold_error(value)
        if problem:
            raise ValidationError(problem)
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_period(self, cleaned, "starts_on", "ends_on")
        if cleaned.get("is_public") and not (
            cleaned.get("accepts_supporters") or cleaned.get("accepts_clients")
        ):
            self.add_error(
                "is_public",
                _("A public program must accept applications from supporters or clients."),
            )
        return cleaned

    def program_data(self) -> ProgramData:
        c = self.cleaned_data
        return ProgramData(
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
            opens_on_holidays=c["opens_on_holidays"],
            reminder_hours=c["reminder_hours"],
            no_show_threshold=c["no_show_threshold"],
            suppression_threshold=c["suppression_threshold"],
        )


class PhaseForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=label_for(Phase, "name"), max_length=80)
    kind = forms.ChoiceField(
        label=label_for(Phase, "kind"), choices=Phase.Kind.choices, initial=Phase.Kind.OTHER
    )
    starts_on = date_field(label_for(Phase, "starts_on"))
    ends_on = date_field(label_for(Phase, "ends_on"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_period(self, cleaned, "starts_on", "ends_on")
        return cleaned


class TargetForm(forms.Form):
    """One KPI target: what it measures (a KPI computed from the data), output or outcome,
    the value (1 or more) and its period (the end on or after the start)."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=label_for(Target, "name"), max_length=80)
    kpi = forms.ChoiceField(
        label=label_for(Target, "kpi"),
        choices=[("", "---------"), *Kpi.choices],
        error_messages={"required": _("Choose the KPI this target measures.")},
        help_text=_("The actual is computed from the records for the target's period."),
    )
    kind = forms.ChoiceField(
        label=label_for(Target, "kind"),
        choices=Target.Kind.choices,
        initial=Target.Kind.OUTPUT,
        help_text=_("Output: what the program did. Outcome: what changed for people."),
    )
    target_value = forms.IntegerField(
        label=label_for(Target, "target_value"),
        widget=forms.NumberInput(attrs={"min": 1, "max": TARGET_VALUE_MAX}),
        error_messages={"invalid": _("Enter a whole number of 1 or more.")},
    )
    unit = forms.CharField(
        label=label_for(Target, "unit"),
        max_length=20,
        help_text=_("e.g. schools, sessions, visits"),
    )
    period_start = date_field(label_for(Target, "period_start"))
    period_end = date_field(label_for(Target, "period_end"))

    def clean_target_value(self) -> int:
        value: int = self.cleaned_data["target_value"]
        problem = target_value_error(value)
        if problem:
            raise ValidationError(problem)
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _check_period(self, cleaned, "period_start", "period_end")
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
                "opens_on_holidays": program.opens_on_holidays,
                "reminder_hours": reminder_hours_text(program.reminder_hours),
                "no_show_threshold": program.no_show_threshold,
                "suppression_threshold": program.suppression_threshold,
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
                "kpi": t.kpi,
                "kind": t.kind,
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
            problem = phase_period_error(
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

    def program_data(self) -> ProgramData:
        return self.form.program_data()

    def phase_inputs(self) -> list[PhaseInput]:
        return self._inputs(self.phases, PhaseInput, ("name", "kind", "starts_on", "ends_on"))

    def target_inputs(self) -> list[TargetInput]:
        names = ("name", "kpi", "kind", "unit", "target_value", "period_start", "period_end")
        return self._inputs(self.targets, TargetInput, names)

    def _inputs(
        self, formset: BaseFormSet[Any], make: Callable[..., InputT], names: Sequence[str]
    ) -> list[InputT]:
        return [
            make(id=f.cleaned_data.get("id") or None, **{n: f.cleaned_data[n] for n in names})
            for f in self._kept(formset)
        ]

    def topic_names(self) -> list[str]:
        topics: list[str] = self.form.cleaned_data["topics"]
        return topics

    def outline_fields(self) -> dict[str, Any]:
        """What ``program_create`` and ``program_update`` take from the editor."""
        return {
            "data": self.program_data(),
            "phases": self.phase_inputs(),
            "targets": self.target_inputs(),
            "topics": self.topic_names(),
        }

    def add_service_errors(self, error: ValidationError) -> None:
        """Shows a refusal from the service next to what it concerns: errors about the
        phases or targets above their formset, the rest by ``orgs.forms.add_service_errors``."""
        rest = error
        if hasattr(error, "error_dict"):
            for key, formset in (("phases", self.phases), ("targets", self.targets)):
                for item in error.error_dict.get(key, []):
                    formset.non_form_errors().extend(item.messages)
            rest = ValidationError(
                {k: v for k, v in error.error_dict.items() if k not in ("phases", "targets")}
            )
        add_service_errors(self.form, rest)


def reminder_hours_text(hours: Sequence[int]) -> str:
    """[1, 24] → "24, 1": latest first, as the field takes them."""
    return ", ".join(str(h) for h in sorted(hours, reverse=True))


def new_program_initial(kind: str | None) -> dict[str, Any]:
    """Where a new program starts: the kind asked for (mentoring otherwise), the default
    topics, reflections on, quiet after three weeks, open to both sides."""
    return {
        "kind": kind if kind in Program.Kind.values else Program.Kind.MENTORING,
        "topics": "\n".join(str(t) for t in DEFAULT_TOPICS),
        "reflection_enabled": True,
        "quiet_after_days": 21,
        "opens_on_holidays": False,
        "reminder_hours": reminder_hours_text(default_reminder_hours()),
        "no_show_threshold": 2,
        "suppression_threshold": 5,
        "accepts_supporters": True,
        "accepts_clients": True,
    }
