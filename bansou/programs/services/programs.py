"""Writes of programs with their phases, KPI targets and topics, and the input rules that
the program forms share with them.

Every function is keyword-only, validates (``full_clean`` and the rules below) and saves
inside a transaction."""

import datetime
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.core.inputs import validate_days_in_range
from bansou.orgs.models import Organization
from bansou.programs.models import Phase, Program, Target, Topic

# Path segments under programs/ that a program slug may not take.
# "privacy" is the organisation's public privacy notice (/p/<org>/privacy/).
RESERVED_SLUGS = frozenset({"new", "edit", "applications", "trainings", "privacy"})
MAX_QUESTIONS = 10
QUESTION_MAX_LENGTH = 200
MAX_TOPICS = 30
MAX_REMINDERS = 4
REMINDER_MAX_HOURS = 168
NO_SHOW_THRESHOLD_RANGE = (1, 10)
SUPPRESSION_THRESHOLD_RANGE = (1, 100)
TARGET_VALUE_MAX = 10_000_000
TOPIC_MAX_LENGTH = 40
DEFAULT_TOPICS = [
    _("Information"),
    _("Self-understanding"),
    _("Career choice"),
    _("Application documents"),
    _("Interviews"),
    _("Life and family"),
]


# --- inputs -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramData:
    name: str
    slug: str
    kind: str
    starts_on: datetime.date
    ends_on: datetime.date
    description: str = ""
    is_public: bool = False
    accepts_supporters: bool = True
    accepts_clients: bool = True
    supporter_questions: Sequence[str] = ()
    client_questions: Sequence[str] = ()
    reflection_enabled: bool = True
    quiet_after_days: int = 21
    opens_on_holidays: bool = False
    reminder_hours: Sequence[int] = (24, 1)
    no_show_threshold: int = 2
    suppression_threshold: int = 5


@dataclass(frozen=True)
class PhaseInput:
    name: str
    starts_on: datetime.date
    ends_on: datetime.date
    kind: str = Phase.Kind.OTHER
    id: int | None = None


@dataclass(frozen=True)
class TargetInput:
    name: str
    unit: str
    target_value: int
    period_start: datetime.date
    period_end: datetime.date
    kpi: str
    kind: str = Target.Kind.OUTPUT
    id: int | None = None


# --- rules shared by forms and services -------------------------------------------------


def period_error(starts_on: datetime.date, ends_on: datetime.date) -> str | None:
    try:
        validate_days_in_range(starts_on=starts_on, ends_on=ends_on)
    except ValidationError as error:
        return error.messages[0]
    if ends_on < starts_on:
        return str(_("The end date must be on or after the start date."))
    return None


def phase_period_error(
    *,
    program_starts_on: datetime.date,
    program_ends_on: datetime.date,
    starts_on: datetime.date,
    ends_on: datetime.date,
) -> str | None:
    """A phase must end on or after its start and lie within the program period."""
    problem = period_error(starts_on, ends_on)
    if problem:
        return problem
    if starts_on < program_starts_on or ends_on > program_ends_on:
        return str(_("A phase must lie within the program period."))
    return None


def topic_key(name: str) -> str:
    """Two topic names that differ only in width, case or spacing are the same topic."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def clean_topic_names(names: Sequence[str]) -> list[str]:
    """Blank lines dropped, spacing normalised; duplicates and over-long names refused."""
    cleaned: list[str] = []
    seen: dict[str, str] = {}
    errors: list[str] = []
    for raw in names:
        name = " ".join(unicodedata.normalize("NFKC", raw).split())
        if not name:
            continue
        if len(name) > TOPIC_MAX_LENGTH:
            errors.append(
                str(_("“%(name)s” is longer than %(max)s characters."))
                % {"name": name[:TOPIC_MAX_LENGTH] + "…", "max": TOPIC_MAX_LENGTH}
            )
            continue
        key = topic_key(name)
        if key in seen:
            errors.append(str(_("“%(name)s” is listed twice.")) % {"name": name})
            continue
        seen[key] = name
        cleaned.append(name)
    if len(cleaned) > MAX_TOPICS:
        errors.append(str(_("Please list at most %(max)s topics.")) % {"max": MAX_TOPICS})
    if errors:
        raise ValidationError(errors)
    return cleaned


def parse_reminder_hours(text: str) -> list[int]:
    """ "24, 1" (or 24、1, full-width digits, spaces) → [24, 1]; anything else is refused."""
    parts = [p for p in re.split(r"[\s,、]+", unicodedata.normalize("NFKC", text)) if p]
    if not all(p.isascii() and p.isdigit() for p in parts):  # 「᧚」 is a digit int() refuses
        raise ValidationError(
            _("Please enter hours as whole numbers separated by commas, e.g. 24, 1.")
        )
    return clean_reminder_hours([int(p) for p in parts])


def clean_reminder_hours(hours: Sequence[int]) -> list[int]:
    """1 to 4 different reminders, each 1 to 168 hours before the session, latest first."""
    errors: list[str] = []
    if not hours:
        errors.append(str(_("Please enter at least one reminder, e.g. 24.")))
    if len(hours) > MAX_REMINDERS:
        errors.append(str(_("Please enter at most %(max)s reminders.")) % {"max": MAX_REMINDERS})
    if any(not 1 <= h <= REMINDER_MAX_HOURS for h in hours):
        errors.append(
            str(_("Each reminder must be from 1 to %(max)s hours before the session."))
            % {"max": REMINDER_MAX_HOURS}
        )
    if len(set(hours)) != len(hours):
        errors.append(str(_("Each reminder time may be listed only once.")))
    if errors:
        raise ValidationError(errors)
    return sorted(hours, reverse=True)


def no_show_threshold_error(value: int) -> str | None:
    return _range_error(value, NO_SHOW_THRESHOLD_RANGE)


def suppression_threshold_error(value: int) -> str | None:
    return _range_error(value, SUPPRESSION_THRESHOLD_RANGE)


def target_value_error(value: int) -> str | None:
    """A target is a whole number above zero (an achievement percentage divides by it)."""
    if value < 1:
        return str(_("A target must be 1 or more."))
    if value > TARGET_VALUE_MAX:
        return str(_("A target must be %(max)s or less.")) % {"max": f"{TARGET_VALUE_MAX:,}"}
    return None


def target_error(target: "TargetInput") -> str | None:
    """What is wrong with a target: its period, then its value."""
    return period_error(target.period_start, target.period_end) or target_value_error(
        target.target_value
    )


def _range_error(value: int, bounds: tuple[int, int]) -> str | None:
    low, high = bounds
    if not low <= value <= high:
        return str(_("Please enter a number from %(low)s to %(high)s.")) % {
            "low": low,
            "high": high,
        }
    return None


def clean_questions(questions: Sequence[str]) -> list[str]:
    cleaned = [" ".join(q.split()) for q in questions if q.strip()]
    errors: list[str] = []
    if len(cleaned) > MAX_QUESTIONS:
        errors.append(
            str(_("Please ask at most %(max)s extra questions.")) % {"max": MAX_QUESTIONS}
        )
    for question in cleaned:
        if len(question) > QUESTION_MAX_LENGTH:
            errors.append(
                str(_("A question is longer than %(max)s characters: “%(start)s…”"))
                % {"max": QUESTION_MAX_LENGTH, "start": question[:30]}
            )
    if errors:
        raise ValidationError(errors)
    return cleaned


def _program_errors(data: ProgramData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if data.slug in RESERVED_SLUGS:
        errors["slug"] = [str(_("This address is reserved; please choose another."))]
    problem = period_error(data.starts_on, data.ends_on)
    if problem:
        errors["ends_on"] = [problem]
    if data.is_public and not (data.accepts_supporters or data.accepts_clients):
        errors[NON_FIELD_ERRORS] = [
            str(_("A public program must accept applications from supporters or clients."))
        ]
    for name in ("supporter_questions", "client_questions"):
        try:
            clean_questions(getattr(data, name))
        except ValidationError as exc:
            errors[name] = exc.messages
    try:
        clean_reminder_hours(list(data.reminder_hours))
    except ValidationError as exc:
        errors["reminder_hours"] = exc.messages
    problem = no_show_threshold_error(data.no_show_threshold)
    if problem:
        errors["no_show_threshold"] = [problem]
    problem = suppression_threshold_error(data.suppression_threshold)
    if problem:
        errors["suppression_threshold"] = [problem]
    return errors


# --- programs ---------------------------------------------------------------------------


def _apply_program_data(program: Program, data: ProgramData) -> None:
    program.name = data.name.strip()
    program.slug = data.slug
    program.kind = data.kind
    program.description = data.description
    program.starts_on = data.starts_on
    program.ends_on = data.ends_on
    program.is_public = data.is_public
    program.accepts_supporters = data.accepts_supporters
    program.accepts_clients = data.accepts_clients
    program.supporter_questions = clean_questions(data.supporter_questions)
    program.client_questions = clean_questions(data.client_questions)
    program.reflection_enabled = data.reflection_enabled
    program.quiet_after_days = data.quiet_after_days
    program.opens_on_holidays = data.opens_on_holidays
    program.reminder_hours = clean_reminder_hours(list(data.reminder_hours))
    program.no_show_threshold = data.no_show_threshold
    program.suppression_threshold = data.suppression_threshold


@transaction.atomic
def program_create(
    *,
    organization: Organization,
    data: ProgramData,
    phases: Sequence[PhaseInput] = (),
    targets: Sequence[TargetInput] = (),
    topics: Sequence[str] | None = None,
    created_by: User | None = None,
) -> Program:
    """Creates a program with its phases, KPI targets and topics. ``topics=None`` gives the
    default topics (in the active language)."""
    errors = _program_errors(data)
    if errors:
        raise ValidationError(errors)
    program = Program(organization=organization)
    _apply_program_data(program, data)
    program.full_clean()
    program.save()
    _sync_phases(program, phases)
    _sync_targets(program, targets)
    _sync_topics(program, [str(t) for t in DEFAULT_TOPICS] if topics is None else topics)
    if created_by is not None:
        audit_log(
            organization=organization,
            actor=created_by,
            action="programs.program.created",
            target=program,
        )
    return program


@transaction.atomic
def program_update(
    *,
    program: Program,
    data: ProgramData,
    phases: Sequence[PhaseInput] | None = None,
    targets: Sequence[TargetInput] | None = None,
    topics: Sequence[str] | None = None,
    updated_by: User | None = None,
) -> Program:
    """Updates a program. ``phases``, ``targets`` and ``topics`` are complete lists (items
    with an id are updated, without one created, missing ones removed); ``None`` leaves
    that list as it is. A topic already used in session records cannot be removed."""
    errors = _program_errors(data)
    if errors:
        raise ValidationError(errors)
    program = Program.objects.select_for_update().get(pk=program.pk)
    _apply_program_data(program, data)
    program.full_clean()
    program.save()
    if phases is None:
        phases = [
            PhaseInput(id=p.pk, name=p.name, kind=p.kind, starts_on=p.starts_on, ends_on=p.ends_on)
            for p in program.phases.all()
        ]
    _sync_phases(program, phases)
    if targets is not None:
        _sync_targets(program, targets)
    if topics is not None:
        _sync_topics(program, topics)
    if updated_by is not None:
        audit_log(
            organization=program.organization,
            actor=updated_by,
            action="programs.program.updated",
            target=program,
        )
    return program


def _existing(items: Sequence[Any], inputs: Sequence[Any]) -> dict[int, Any]:
    by_id = {item.pk: item for item in items}
    if any(i.id is not None and i.id not in by_id for i in inputs):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    str(_("The form refers to a row that no longer exists. Please reload."))
                ]
            }
        )
    return by_id


def _sync_rows(
    program: Program,
    *,
    model: type[Phase] | type[Target],
    field: str,
    current: Sequence[Phase] | Sequence[Target],
    inputs: Sequence[PhaseInput] | Sequence[TargetInput],
    problem: Callable[[Any], str | None],
    values: Callable[[Any], dict[str, Any]],
) -> None:
    """Makes the program's phases or targets match ``inputs``: every input is checked first
    (the problems are listed under ``field``), then inputs with an id update their row,
    inputs without one create a row, and rows not listed are removed."""
    errors = [f"{item.name}: {message}" for item in inputs if (message := problem(item))]
    if errors:
        raise ValidationError({field: errors})
    existing = _existing(current, inputs)
    keep = {item.id for item in inputs if item.id is not None}
    model.objects.filter(program=program).exclude(pk__in=keep).delete()
    for item in inputs:
        row = existing.get(item.id or 0) or model(
            organization=program.organization, program=program
        )
        for name, value in values(item).items():
            setattr(row, name, value)
        row.full_clean()
        row.save()


def _sync_phases(program: Program, phases: Sequence[PhaseInput]) -> None:
    _sync_rows(
        program,
        model=Phase,
        field="phases",
        current=list(program.phases.all()),
        inputs=phases,
        problem=lambda phase: phase_period_error(
            program_starts_on=program.starts_on,
            program_ends_on=program.ends_on,
            starts_on=phase.starts_on,
            ends_on=phase.ends_on,
        ),
        values=lambda phase: {
            "name": phase.name.strip(),
            "kind": phase.kind,
            "starts_on": phase.starts_on,
            "ends_on": phase.ends_on,
        },
    )


def _sync_targets(program: Program, targets: Sequence[TargetInput]) -> None:
    _sync_rows(
        program,
        model=Target,
        field="targets",
        current=list(program.targets.all()),
        inputs=targets,
        problem=target_error,
        values=lambda target: {
            "name": target.name.strip(),
            "kpi": target.kpi,
            "kind": target.kind,
            "unit": target.unit.strip(),
            "target_value": target.target_value,
            "period_start": target.period_start,
            "period_end": target.period_end,
        },
    )


def _sync_topics(program: Program, names: Sequence[str]) -> None:
    cleaned = clean_topic_names(names)
    existing = {topic_key(t.name): t for t in program.topics.all()}
    wanted = {topic_key(name) for name in cleaned}
    removed = [t for key, t in existing.items() if key not in wanted]
    in_use = list(
        Topic.objects.filter(pk__in=[t.pk for t in removed], sessionrecord__isnull=False)
        .distinct()
        .values_list("name", flat=True)
    )
    if in_use:
        raise ValidationError(
            {
                "topics": [
                    str(
                        _(
                            "“%(name)s” is used in session records and cannot be removed; "
                            "please keep it in the list."
                        )
                    )
                    % {"name": name}
                    for name in in_use
                ]
            }
        )
    Topic.objects.filter(pk__in=[t.pk for t in removed]).delete()
    for position, name in enumerate(cleaned):
        topic = existing.get(topic_key(name)) or Topic(
            organization=program.organization, program=program
        )
        if topic.pk is not None and topic.name == name and topic.position == position:
            continue
        topic.name = name
        topic.position = position
        topic.full_clean()
        topic.save()
