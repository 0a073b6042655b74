"""Reads of the programs app. Querysets are limited to the organisation explicitly; the
active django-scopes scope is the safety net."""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from bansou.accounts.models import User
from bansou.accounts.selectors import account_for_address
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization
from bansou.people.models import GuardianConsent
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

# --- programs ---------------------------------------------------------------------------


def _count_per_program(rows: QuerySet[Any]) -> Coalesce:
    """How many of ``rows`` belong to the outer query's program: one correlated subquery,
    so that counting two relations never joins them (enrolments × applications)."""
    counted = (
        rows.filter(program=OuterRef("pk"))
        .order_by()
        .values("program")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def programs_for_coordinator(*, organization: Organization) -> QuerySet[Program]:
    """Every program of the organisation, with its enrolled and pending counts."""
    enrolled = Enrollment.objects.filter(organization=organization, is_active=True)
    return Program.objects.filter(organization=organization).annotate(
        supporter_count=_count_per_program(enrolled.filter(side=Side.SUPPORTER)),
        client_count=_count_per_program(enrolled.filter(side=Side.CLIENT)),
        pending_count=_count_per_program(
            Application.objects.filter(organization=organization, status=Application.Status.PENDING)
        ),
    )


def programs_visible_to(*, organization: Organization, user: User, role: str) -> QuerySet[Program]:
    """Coordinators see every program; supporters and clients only the programs they are
    actively enrolled in; other roles none."""
    programs = Program.objects.filter(organization=organization)
    if role == Role.COORDINATOR:
        return programs
    if role in (Role.SUPPORTER, Role.CLIENT):
        return programs.filter(
            pk__in=Enrollment.objects.filter(
                organization=organization, user=user, is_active=True
            ).values("program_id")
        )
    return programs.none()


def program_slug_taken(
    *, organization: Organization, slug: str, exclude_pk: int | None = None
) -> bool:
    programs = Program.objects.filter(organization=organization, slug=slug)
    if exclude_pk is not None:
        programs = programs.exclude(pk=exclude_pk)
    return programs.exists()


def public_programs(*, organization: Organization) -> QuerySet[Program]:
    return Program.objects.filter(organization=organization, is_public=True)


def enrollment_sides(*, program: Program, user: User) -> set[str]:
    return set(
        Enrollment.objects.filter(program=program, user=user, is_active=True).values_list(
            "side", flat=True
        )
    )


# --- timeline ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineRow:
    phase: Phase
    offset: float  # percent of the program period before the phase starts
    width: float  # percent of the program period the phase covers
    is_current: bool


@dataclass(frozen=True)
class Timeline:
    starts_on: datetime.date
    ends_on: datetime.date
    rows: list[TimelineRow]
    today: datetime.date
    today_offset: float | None  # None when today is outside the program period


def _percent(value: float) -> float:
    return round(max(0.0, min(100.0, value)), 2)


def program_timeline(*, program: Program, phases: list[Phase], today: datetime.date) -> Timeline:
    """Positions of the phases across the program period, for a CSS-only timeline. Days are
    whole: a phase from day 0 to day 0 covers one day."""
    total = (program.ends_on - program.starts_on).days + 1
    rows = []
    for phase in phases:
        start = (phase.starts_on - program.starts_on).days
        days = (phase.ends_on - phase.starts_on).days + 1
        rows.append(
            TimelineRow(
                phase=phase,
                offset=_percent(100 * start / total),
                width=max(_percent(100 * days / total), 0.5),
                is_current=phase.starts_on <= today <= phase.ends_on,
            )
        )
    today_offset = None
    if program.starts_on <= today <= program.ends_on:
        today_offset = _percent(100 * ((today - program.starts_on).days + 0.5) / total)
    return Timeline(
        starts_on=program.starts_on,
        ends_on=program.ends_on,
        rows=rows,
        today=today,
        today_offset=today_offset,
    )


# --- trainings and readiness --------------------------------------------------------------


def missing_trainings(*, program: Program, user: User) -> list[Training]:
    """The program's required trainings the user has not attended."""
    return list(
        Training.objects.filter(program=program, is_required=True)
        .exclude(attendances__user=user)
        .order_by("held_on", "pk")
    )


def supporter_is_ready(*, program: Program, user: User) -> bool:
    """A supporter is ready for a program when every required training of it is attended
    (a program without required trainings: always ready)."""
    return not missing_trainings(program=program, user=user)


@dataclass(frozen=True)
class SupporterReadiness:
    user: User
    missing: list[Training]

    @property
    def is_ready(self) -> bool:
        return not self.missing


def supporter_readiness(*, program: Program) -> list[SupporterReadiness]:
    """Readiness of every actively enrolled supporter, in three queries."""
    users = [e.user for e in enrolments_of(program=program, side=Side.SUPPORTER)]
    return readiness_of(program=program, users=users)


def readiness_of(*, program: Program, users: Sequence[User]) -> list[SupporterReadiness]:
    """The readiness of ``users`` (enrolled supporters) for ``program``, in two queries."""
    required = list(
        Training.objects.filter(program=program, is_required=True).order_by("held_on", "pk")
    )
    attended: dict[int, set[int]] = defaultdict(set)
    for user_id, training_id in TrainingAttendance.objects.filter(
        training__in=required, user__in=users
    ).values_list("user_id", "training_id"):
        attended[user_id].add(training_id)
    return [
        SupporterReadiness(user=u, missing=[t for t in required if t.pk not in attended[u.pk]])
        for u in users
    ]


PERSON_ORDER = ("user__family_name_kana", "user__given_name_kana", "user__email")


def enrolments_of(*, program: Program, side: str | None = None) -> QuerySet[Enrollment]:
    """The program's active enrolments (of one side, or both) with their person, in
    reading order."""
    enrolments = Enrollment.objects.filter(program=program, is_active=True)
    if side:
        enrolments = enrolments.filter(side=side)
    return enrolments.select_related("user").order_by(*PERSON_ORDER, "side")


def missing_required_training(*, program: Program) -> Exists:
    """For an enrolment: a required training of ``program`` its person has not attended."""
    attended = TrainingAttendance.objects.filter(
        training=OuterRef("pk"), user=OuterRef(OuterRef("user_id"))
    )
    return Exists(
        Training.objects.filter(program=program, is_required=True).exclude(Exists(attended))
    )


def attended_training(*, training: Training) -> Exists:
    """For an enrolment: its person attended ``training``."""
    return Exists(TrainingAttendance.objects.filter(training=training, user=OuterRef("user_id")))


@dataclass(frozen=True)
class EnrolmentRow:
    enrolment: Enrollment
    readiness: SupporterReadiness | None  # None for a client


def enrolment_rows(*, program: Program, enrolments: Iterable[Enrollment]) -> list[EnrolmentRow]:
    """One page of the program's enrolments, each supporter with their readiness."""
    enrolments = list(enrolments)
    supporters = [e.user for e in enrolments if e.side == Side.SUPPORTER]
    readiness = {r.user.pk: r for r in readiness_of(program=program, users=supporters)}
    return [
        EnrolmentRow(
            enrolment=e,
            readiness=readiness.get(e.user_id) if e.side == Side.SUPPORTER else None,
        )
        for e in enrolments
    ]


def enrolment_counts(*, program: Program) -> dict[str, int]:
    """Active enrolments per side."""
    counts = dict(
        Enrollment.objects.filter(program=program, is_active=True)
        .values_list("side")
        .annotate(n=Count("pk"))
        .values_list("side", "n")
    )
    return {side: counts.get(side, 0) for side in Side.values}


def trainings_of(*, program: Program) -> QuerySet[Training]:
    return Training.objects.filter(program=program).annotate(
        attendance_count=Count("attendances", distinct=True)
    )


@dataclass(frozen=True)
class AttendanceRow:
    user: User
    attendance: TrainingAttendance | None


def attendance_rows(*, training: Training, enrolments: Iterable[Enrollment]) -> list[AttendanceRow]:
    """The checklist of ``enrolments`` (a page of the program's supporters, or the rows a
    submitted checklist named) with each one's attendance, if any."""
    users = [e.user for e in enrolments]
    by_user = {
        a.user_id: a for a in TrainingAttendance.objects.filter(training=training, user__in=users)
    }
    return [AttendanceRow(user=u, attendance=by_user.get(u.pk)) for u in users]


def supporter_enrolments_among(
    *, program: Program, user_ids: Iterable[int]
) -> QuerySet[Enrollment]:
    """The program's active supporter enrolments of ``user_ids`` (the rows of a submitted
    attendance checklist), in reading order."""
    return enrolments_of(program=program, side=Side.SUPPORTER).filter(user_id__in=list(user_ids))


@dataclass(frozen=True)
class MyTraining:
    training: Training
    attended_on: datetime.date | None


def my_trainings(*, program: Program, user: User) -> list[MyTraining]:
    """The program's trainings with the user's own attendance (for a supporter)."""
    attended = dict(
        TrainingAttendance.objects.filter(training__program=program, user=user).values_list(
            "training_id", "attended_on"
        )
    )
    return [
        MyTraining(training=t, attended_on=attended.get(t.pk))
        for t in Training.objects.filter(program=program).order_by("held_on", "pk")
    ]


# --- applications -----------------------------------------------------------------------


def _consent_on_file() -> Exists:
    """An active guardian's consent on the client profile, in this organisation, of the
    account the application's address reaches (its login or a confirmed address): with
    one, accepting a minor's application that carries no consent is allowed."""
    email = OuterRef("email")
    return Exists(
        GuardianConsent.objects.filter(
            organization=OuterRef("organization"), withdrawn_on__isnull=True
        ).filter(
            Q(client__user__email__iexact=email)
            | Q(
                client__user__emailaddress__email__iexact=email,
                client__user__emailaddress__verified=True,
            )
        )
    )


def without_guardian_consent() -> Q:
    """A minor's client application that accepting would refuse: no guardian's consent on
    it (``Application.lacks_guardian_consent``) and none on file."""
    lacking = Q(guardian_consent_at__isnull=True) | Q(guardian_name="")
    return Q(side=Side.CLIENT, is_minor=True) & lacking & Q(~_consent_on_file())


def applications_of(*, program: Program) -> QuerySet[Application]:
    """The program's applications for the queue, each annotated ``needs_consent`` (a
    minor without a guardian's consent, ``without_guardian_consent``), newest first."""
    return (
        Application.objects.filter(program=program)
        .annotate(
            needs_consent=ExpressionWrapper(without_guardian_consent(), output_field=BooleanField())
        )
        .order_by("-created_at", "-pk")
    )


def application_status_counts(
    *, program: Program | None = None, applications: QuerySet[Application] | None = None
) -> dict[str, int]:
    """Applications per status: the program's, or those of ``applications`` (a filtered
    queue)."""
    if applications is None:
        applications = Application.objects.filter(program=program)
    counts = dict(
        applications.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in Application.Status.values}


@dataclass(frozen=True)
class ApplicantContext:
    """What the coordinator should know before deciding. Only this organisation's facts:
    whether the email has an account elsewhere is not disclosed."""

    membership: Membership | None
    enrolled: bool
    original: Application | None
    duplicates: list[Application]


def applicant_context(*, application: Application) -> ApplicantContext:
    # The account accepting would reach: one that proved the address, not merely uses it.
    user = account_for_address(email=application.email).user
    membership = None
    enrolled = False
    if user is not None:
        membership = Membership.objects.filter(
            organization=application.organization_id, user=user, is_active=True
        ).first()
        enrolled = Enrollment.objects.filter(
            program=application.program_id, user=user, side=application.side, is_active=True
        ).exists()
    original = None
    if application.duplicate_of_id is not None:
        original = Application.objects.filter(
            program=application.program_id, pk=application.duplicate_of_id
        ).first()
    duplicates = list(
        Application.objects.filter(program=application.program_id, duplicate_of=application)
    )
    return ApplicantContext(
        membership=membership,
        enrolled=enrolled,
        original=original,
        duplicates=duplicates,
    )


# --- lookups for pages ------------------------------------------------------------------


def program_for(*, organization: Organization, user: User, role: str, slug: str) -> Program:
    """The program with this slug if this person may see it (``programs_visible_to``);
    404 otherwise, so that a program one is not in is not disclosed."""
    program = (
        programs_visible_to(organization=organization, user=user, role=role)
        .filter(slug=slug)
        .first()
    )
    if program is None:
        raise Http404
    return program


def public_program_for(*, organization: Organization, slug: str) -> Program:
    program = public_programs(organization=organization).filter(slug=slug).first()
    if program is None:
        raise Http404
    return program


def programs_of(*, organization: Organization) -> QuerySet[Program]:
    return Program.objects.filter(organization=organization)


def recent_programs(*, organization: Organization, limit: int) -> list[Program]:
    return list(programs_of(organization=organization)[:limit])


def pending_application_count(*, organization: Organization) -> int:
    return Application.objects.filter(
        organization=organization, status=Application.Status.PENDING
    ).count()


def training_for(*, program: Program, pk: int) -> Training:
    training = Training.objects.filter(program=program, pk=pk).first()
    if training is None:
        raise Http404
    return training


def application_for(*, organization: Organization, pk: int) -> Application:
    application = (
        Application.objects.filter(organization=organization, pk=pk)
        .select_related("program", "decided_by", "user")
        .first()
    )
    if application is None:
        raise Http404
    return application


def required_trainings(*, program: Program) -> list[Training]:
    return [t for t in program.trainings.all() if t.is_required]


def active_phase(*, program: Program) -> Phase | None:
    """The program's accompaniment phase (sessions are planned inside it), if it has one."""
    return Phase.objects.filter(program=program, kind=Phase.Kind.ACTIVE).first()


@dataclass(frozen=True)
class ProgramOutline:
    phases: list[Phase]
    targets: list[Target]
    topics: list[Topic]


def phases_of(*, program: Program) -> list[Phase]:
    return list(program.phases.all())


def program_outline(*, program: Program) -> ProgramOutline:
    """The program's phases, KPI targets and session topics, in their order."""
    return ProgramOutline(
        phases=phases_of(program=program),
        targets=list(program.targets.all()),
        topics=list(program.topics.all()),
    )
