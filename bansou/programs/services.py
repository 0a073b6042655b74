"""Writes of the programs app: programs with their phases, KPI targets and topics;
applications and their screening; trainings and attendance; enrollments.

Every function is keyword-only, validates (``full_clean`` and the rules below) and saves
inside a transaction. Mail is sent after commit by ``bansou.programs.tasks``."""

import datetime
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.accounts.names import (
    normalize_kana,
    normalize_name,
    validate_kana,
    validate_person_name,
)
from bansou.accounts.services import user_create
from bansou.audit.services import audit_log
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization
from bansou.orgs.services import membership_grant
from bansou.people.services import client_profile_ensure, supporter_profile_ensure
from bansou.programs.models import (
    Application,
    Enrollment,
    Phase,
    Program,
    Side,
    Target,
    Topic,
    Training,
    TrainingAttendance,
)

# Path segments under programs/ that a program slug may not take.
RESERVED_SLUGS = frozenset({"new", "edit", "applications", "trainings"})
MAX_QUESTIONS = 10
QUESTION_MAX_LENGTH = 200
MAX_TOPICS = 30
TOPIC_MAX_LENGTH = 40
DEFAULT_TOPICS = [
    _("Information"),
    _("Self-understanding"),
    _("Career choice"),
    _("Application documents"),
    _("Interviews"),
    _("Life and family"),
]
# Applications in these states block a second one from the same email (same program, side).
OPEN_STATUSES = (
    Application.Status.PENDING,
    Application.Status.WAITLISTED,
    Application.Status.ACCEPTED,
)


class ApplicationDecisionError(Exception):
    """The application cannot take this decision (already decided, or decided meanwhile)."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


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
    id: int | None = None


@dataclass(frozen=True)
class AcceptOutcome:
    application: Application
    user: User
    user_created: bool
    kept_role: str | None = None  # the member's existing role when it was kept
    enrollment: Enrollment | None = field(default=None, compare=False)


# --- rules shared by forms and services -------------------------------------------------


def period_error(starts_on: datetime.date, ends_on: datetime.date) -> str | None:
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


def _sync_phases(program: Program, phases: Sequence[PhaseInput]) -> None:
    errors = []
    for phase_input in phases:
        problem = phase_period_error(
            program_starts_on=program.starts_on,
            program_ends_on=program.ends_on,
            starts_on=phase_input.starts_on,
            ends_on=phase_input.ends_on,
        )
        if problem:
            errors.append(f"{phase_input.name}: {problem}")
    if errors:
        raise ValidationError({"phases": errors})
    existing = _existing(list(program.phases.all()), phases)
    keep = {p.id for p in phases if p.id is not None}
    Phase.objects.filter(program=program).exclude(pk__in=keep).delete()
    for phase_input in phases:
        phase = existing.get(phase_input.id or 0) or Phase(
            organization=program.organization, program=program
        )
        phase.name = phase_input.name.strip()
        phase.kind = phase_input.kind
        phase.starts_on = phase_input.starts_on
        phase.ends_on = phase_input.ends_on
        phase.full_clean()
        phase.save()


def _sync_targets(program: Program, targets: Sequence[TargetInput]) -> None:
    errors = []
    for target_input in targets:
        problem = period_error(target_input.period_start, target_input.period_end)
        if problem:
            errors.append(f"{target_input.name}: {problem}")
    if errors:
        raise ValidationError({"targets": errors})
    existing = _existing(list(program.targets.all()), targets)
    keep = {t.id for t in targets if t.id is not None}
    Target.objects.filter(program=program).exclude(pk__in=keep).delete()
    for target_input in targets:
        target = existing.get(target_input.id or 0) or Target(
            organization=program.organization, program=program
        )
        target.name = target_input.name.strip()
        target.unit = target_input.unit.strip()
        target.target_value = target_input.target_value
        target.period_start = target_input.period_start
        target.period_end = target_input.period_end
        target.full_clean()
        target.save()


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


# --- enrollments ------------------------------------------------------------------------


@transaction.atomic
def enrollment_ensure(*, program: Program, user: User, side: str) -> Enrollment:
    """The user's active enrollment in the program on that side, created or re-activated."""
    enrollment, created = Enrollment.objects.select_for_update().get_or_create(
        organization=program.organization,
        program=program,
        user=user,
        side=side,
        defaults={"is_active": True},
    )
    if not created and not enrollment.is_active:
        enrollment.is_active = True
        enrollment.full_clean()
        enrollment.save(update_fields=["is_active"])
    return enrollment


# --- applications -----------------------------------------------------------------------


def program_accepts(program: Program, side: str) -> bool:
    """Whether the public application form for ``side`` is open."""
    if not program.is_public or side not in Side.values:
        return False
    if program.ends_on < timezone.localdate():
        return False
    return program.accepts_supporters if side == Side.SUPPORTER else program.accepts_clients


def questions_for(program: Program, side: str) -> list[str]:
    questions = program.supporter_questions if side == Side.SUPPORTER else program.client_questions
    return [str(q) for q in questions or []]


def _check_applicant_names(**names: str) -> None:
    """The rules of the account the application may become (no emoji, kana readings)."""
    errors: dict[str, list[str]] = {}
    for field_name, value in names.items():
        validator = validate_kana if field_name.endswith("_kana") else validate_person_name
        normalizer = normalize_kana if field_name.endswith("_kana") else normalize_name
        try:
            validator(normalizer(value))
        except ValidationError as exc:
            errors[field_name] = exc.messages
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def application_submit(
    *,
    program: Program,
    side: str,
    email: str,
    family_name: str,
    given_name: str,
    family_name_kana: str = "",
    given_name_kana: str = "",
    answers: Sequence[str] = (),
    message: str = "",
    language: str = "ja",
) -> Application:
    """Stores an application from the public form. A second application from the same
    email (same program and side) while an earlier one is pending, waitlisted or accepted
    is stored too, marked ``duplicate_of`` the earliest one; the applicant is not told."""
    if not program_accepts(program, side):
        raise ValidationError(_("This program does not take applications on this side."))
    # One submission at a time per program, so that duplicates are always detected.
    Program.objects.select_for_update().filter(pk=program.pk).first()
    questions = questions_for(program, side)
    if len(answers) != len(questions):
        raise ValidationError(_("Please answer every question."))
    _check_applicant_names(
        family_name=family_name,
        given_name=given_name,
        family_name_kana=family_name_kana,
        given_name_kana=given_name_kana,
    )
    normalized_email = User.objects.normalize_email(email.strip()).lower()
    original = (
        Application.objects.filter(
            program=program,
            side=side,
            email__iexact=normalized_email,
            status__in=OPEN_STATUSES,
        )
        .order_by("created_at", "pk")
        .first()
    )
    application = Application(
        organization=program.organization,
        program=program,
        side=side,
        email=normalized_email,
        family_name=normalize_name(family_name),
        given_name=normalize_name(given_name),
        family_name_kana=normalize_kana(family_name_kana),
        given_name_kana=normalize_kana(given_name_kana),
        answers=[
            {"question": q, "answer": a.strip()} for q, a in zip(questions, answers, strict=True)
        ],
        message=message.strip(),
        language=language if language in ("ja", "en") else "ja",
        duplicate_of=original,
    )
    application.full_clean()
    application.save()
    return application


def _locked_for_decision(application: Application, allowed_from: Sequence[str]) -> Application:
    locked = (
        Application.objects.select_for_update()
        .select_related("program", "organization")
        .get(pk=application.pk)
    )
    if locked.status not in allowed_from:
        raise ApplicationDecisionError(
            _("This application has already been decided (%(status)s). Nothing was changed.")
            % {"status": locked.get_status_display()}
        )
    return locked


def _decide(
    application: Application, *, status: str, decided_by: User | None, message: str
) -> None:
    application.status = status
    application.decided_by = decided_by
    application.decided_at = timezone.now()
    application.decision_message = message.strip()
    application.full_clean()
    application.save()
    audit_log(
        organization=application.organization,
        actor=decided_by,
        action=f"programs.application.{status}",
        target=application,
    )


def _notify_on_commit(application: Application) -> None:
    from bansou.programs.tasks import send_application_decision_email

    application_pk, status = application.pk, application.status
    transaction.on_commit(
        lambda: send_application_decision_email.delay(application_pk, status),
        robust=True,
    )


def _user_for(application: Application) -> tuple[User, bool]:
    user = User.objects.filter(email__iexact=application.email).first()
    if user is not None:
        return user, False
    try:
        with transaction.atomic():
            user = user_create(
                email=application.email,
                password=None,
                family_name=application.family_name,
                given_name=application.given_name,
                family_name_kana=application.family_name_kana,
                given_name_kana=application.given_name_kana,
                language=application.language,
            )
    except (IntegrityError, ValidationError):
        # Created meanwhile by a concurrent acceptance of another application?
        existing = User.objects.filter(email__iexact=application.email).first()
        if existing is None:
            raise
        return existing, False
    return user, True


@transaction.atomic
def application_accept(
    *,
    application: Application,
    decided_by: User | None,
    message: str = "",
) -> AcceptOutcome:
    """Accepts a pending or waitlisted application: the person's account (created without a
    password when missing), membership (unless they are already a member: their role is
    kept), enrollment and profile; then an invitation is mailed after commit."""
    locked = _locked_for_decision(
        application, (Application.Status.PENDING, Application.Status.WAITLISTED)
    )
    program = locked.program
    organization = locked.organization
    user, user_created = _user_for(locked)
    membership = Membership.objects.filter(organization=organization, user=user).first()
    kept_role = None
    if membership is not None and membership.is_active:
        kept_role = membership.role
    else:
        membership_grant(organization=organization, user=user, role=Role(locked.side))
    enrollment = enrollment_ensure(program=program, user=user, side=locked.side)
    if locked.side == Side.SUPPORTER:
        supporter_profile_ensure(organization=organization, user=user)
    else:
        client_profile_ensure(organization=organization, user=user)
    locked.user = user
    _decide(locked, status=Application.Status.ACCEPTED, decided_by=decided_by, message=message)
    _notify_on_commit(locked)
    return AcceptOutcome(
        application=locked,
        user=user,
        user_created=user_created,
        kept_role=kept_role,
        enrollment=enrollment,
    )


@transaction.atomic
def application_decline(
    *,
    application: Application,
    decided_by: User | None,
    message: str = "",
    notify: bool = True,
) -> Application:
    """Declines a pending or waitlisted application; the applicant is told by mail unless
    ``notify`` is false (e.g. closing a duplicate)."""
    locked = _locked_for_decision(
        application, (Application.Status.PENDING, Application.Status.WAITLISTED)
    )
    _decide(locked, status=Application.Status.DECLINED, decided_by=decided_by, message=message)
    if notify:
        _notify_on_commit(locked)
    return locked


@transaction.atomic
def application_waitlist(
    *,
    application: Application,
    decided_by: User | None,
    message: str = "",
    notify: bool = True,
) -> Application:
    """Puts a pending application on the waitlist; the applicant is told by mail unless
    ``notify`` is false."""
    locked = _locked_for_decision(application, (Application.Status.PENDING,))
    _decide(locked, status=Application.Status.WAITLISTED, decided_by=decided_by, message=message)
    if notify:
        _notify_on_commit(locked)
    return locked


# --- trainings --------------------------------------------------------------------------


@transaction.atomic
def training_create(
    *,
    program: Program,
    name: str,
    description: str = "",
    held_on: datetime.date | None = None,
    is_required: bool = True,
) -> Training:
    training = Training(
        organization=program.organization,
        program=program,
        name=name.strip(),
        description=description,
        held_on=held_on,
        is_required=is_required,
    )
    training.full_clean()
    training.save()
    return training


@transaction.atomic
def training_update(
    *,
    training: Training,
    name: str,
    description: str = "",
    held_on: datetime.date | None = None,
    is_required: bool = True,
) -> Training:
    training = Training.objects.select_for_update().get(pk=training.pk)
    training.name = name.strip()
    training.description = description
    training.held_on = held_on
    training.is_required = is_required
    training.full_clean()
    training.save()
    return training


@transaction.atomic
def training_attendance_set(
    *,
    training: Training,
    attended: Mapping[int, datetime.date | None],
    recorded_by: User | None,
) -> list[TrainingAttendance]:
    """Records the checklist for the program's enrolled supporters: ``attended`` maps a
    user id to the date they attended, or ``None`` when they did not (an earlier record
    is then removed). Users not listed are left as they are. Dates in the future are
    refused."""
    enrolled = set(
        Enrollment.objects.filter(
            program=training.program, side=Side.SUPPORTER, is_active=True
        ).values_list("user_id", flat=True)
    )
    strangers = set(attended) - enrolled
    if strangers:
        raise ValidationError(_("Only supporters enrolled in the program can attend."))
    today = timezone.localdate()
    if any(day is not None and day > today for day in attended.values()):
        raise ValidationError(_("An attendance date cannot be in the future."))
    existing = {
        a.user_id: a
        for a in TrainingAttendance.objects.select_for_update().filter(
            training=training, user_id__in=list(attended)
        )
    }
    absent = [uid for uid, day in attended.items() if day is None and uid in existing]
    TrainingAttendance.objects.filter(training=training, user_id__in=absent).delete()
    saved = []
    for user_id, day in attended.items():
        if day is None:
            continue
        attendance = existing.get(user_id)
        if attendance is not None and attendance.attended_on == day:
            saved.append(attendance)
            continue
        if attendance is None:
            attendance = TrainingAttendance(
                organization=training.organization, training=training, user_id=user_id
            )
        attendance.attended_on = day
        attendance.recorded_by = recorded_by
        # recorded_by is nullable (kept when the recorder's account is deleted) but not blank.
        attendance.full_clean(exclude=["recorded_by"] if recorded_by is None else None)
        attendance.save()
        saved.append(attendance)
    return saved
