"""Writes of applications from the public form and their screening (accept, decline,
waitlist). Mail goes through the outbox (``bansou.programs.emails``)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.addresses import clean_email
from bansou.accounts.models import User
from bansou.accounts.names import (
    normalize_kana,
    normalize_name,
    validate_kana,
    validate_person_name,
)
from bansou.accounts.selectors import account_for_address
from bansou.accounts.services import user_create
from bansou.audit.services import audit_log
from bansou.core.roles import Role
from bansou.orgs.models import Membership
from bansou.orgs.services import membership_grant
from bansou.people.services.profiles import client_profile_ensure, supporter_profile_ensure
from bansou.programs.emails import send_application_decision, send_application_received
from bansou.programs.models import Application, Enrollment, Program, Side
from bansou.programs.services.enrollments import enrollment_ensure

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


@dataclass(frozen=True)
class AcceptOutcome:
    application: Application
    user: User
    user_created: bool
    kept_role: str | None = None  # the member's existing role when it was kept
    enrollment: Enrollment | None = field(default=None, compare=False)


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
    is stored too, marked ``duplicate_of`` the earliest one; the applicant is not told.
    The applicant is mailed an acknowledgement in ``language`` after commit (not again for
    a duplicate: the earlier application got one)."""
    # One submission at a time per program, so that duplicates are always detected; the
    # locked row is the one checked (the form may have closed since the caller loaded it).
    program = Program.objects.select_for_update().get(pk=program.pk)
    if not program_accepts(program, side):
        raise ValidationError(_("This program does not take applications on this side."))
    questions = questions_for(program, side)
    if len(answers) != len(questions):
        raise ValidationError(_("Please answer every question."))
    _check_applicant_names(
        family_name=family_name,
        given_name=given_name,
        family_name_kana=family_name_kana,
        given_name_kana=given_name_kana,
    )
    # One spelling per mailbox (full-width, capitals, a trailing dot), so duplicates match.
    try:
        normalized_email = clean_email(email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from exc
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
    if original is None:
        send_application_received(application=application)
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


def _notify(application: Application) -> None:
    """Queued in the outbox with the decision; delivered after commit."""
    send_application_decision(application=application, status=application.status)


# Accepting never gives a role to an account that has not proved it owns the address.
UNCONFIRMED_ADDRESS = _(
    "%(email)s is the sign-in address of an existing account that has never confirmed it, "
    "so the application has not been accepted and nothing was given to that account. Ask "
    "the applicant to sign in with this address and confirm it with the code we then email "
    "them, then accept again."
)


def _user_for(application: Application) -> tuple[User, bool]:
    """The account that proved it owns the application's address, else a new one (no
    password: the mailed set-password link opens it and confirms the address). An account
    that signs in with the address without having confirmed it gets nothing."""
    found = account_for_address(email=application.email)
    if found.user is not None:
        return found.user, False
    if found.unconfirmed:
        raise ApplicationDecisionError(UNCONFIRMED_ADDRESS % {"email": application.email})
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
        existing = account_for_address(email=application.email).user
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
    kept), enrollment and profile; then an invitation is mailed after commit. Refused
    (``ApplicationDecisionError``, nothing changed) when the address is the login of an
    account that never confirmed it (``account_for_address``)."""
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
    _notify(locked)
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
        _notify(locked)
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
        _notify(locked)
    return locked


# The coordinator's three decisions on an application.
ACCEPT, WAITLIST, DECLINE = "accept", "waitlist", "decline"


def application_decide(
    *,
    application: Application,
    decision: str,
    decided_by: User | None,
    message: str = "",
    notify: bool = True,
) -> AcceptOutcome | None:
    """Applies ``ACCEPT``, ``WAITLIST`` or ``DECLINE``; returns the acceptance's outcome
    (None for the others). Accepting always mails the invitation, whatever ``notify``."""
    common: dict[str, Any] = {
        "application": application,
        "decided_by": decided_by,
        "message": message,
    }
    if decision == WAITLIST:
        application_waitlist(**common, notify=notify)
        return None
    if decision == DECLINE:
        application_decline(**common, notify=notify)
        return None
    return application_accept(**common)
