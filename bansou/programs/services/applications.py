"""Writes of applications from the public form and their screening (accept, decline,
waitlist). Mail goes through the outbox (``bansou.programs.emails``)."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
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
from bansou.people.models import ClientProfile, GuardianConsent
from bansou.people.services.consent import guardian_consent_record
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


@dataclass(frozen=True)
class ClientAnswers:
    """What the public form asks a client (not a supporter): who they are and, under 18,
    their guardian and the guardian's agreement."""

    category: str = ""
    school_or_organization: str = ""
    grade: str = ""
    is_minor: bool = False
    guardian_name: str = ""
    guardian_relationship: str = ""
    guardian_contact: str = ""
    guardian_consent: bool = False


GUARDIAN_REQUIRED = {
    "guardian_name": _("Please enter your guardian's name."),
    "guardian_relationship": _("Please enter how your guardian is related to you."),
    "guardian_contact": _("Please enter a phone number or email address of your guardian."),
    "guardian_consent": _("Applicants under 18 need their guardian's agreement."),
}
BAD_CONTACT = _("Please enter a phone number (digits and hyphens) or an email address.")
MINOR_WITHOUT_CONSENT = _(
    "This applicant is under 18 and the application carries no guardian's consent, so it has "
    "not been accepted and nothing was created. Ask the applicant to apply again with their "
    "guardian's name, contact and agreement, or record a consent on their client profile "
    "first if they already are a client."
)


def _phone_or_email_ok(value: str) -> bool:
    if "@" in value:
        try:
            validate_email(value)
        except ValidationError:
            return False
        return True
    digits = [ch for ch in value if ch.isascii() and ch.isdigit()]
    allowed = all((ch.isascii() and ch.isdigit()) or ch in "-+() " for ch in value)
    return allowed and 10 <= len(digits) <= 15


def client_answers_clean(answers: ClientAnswers) -> ClientAnswers:
    """``answers`` normalised (names folded, spaces collapsed; a guardian only for a minor),
    or a ``ValidationError`` naming each field that is missing or wrong."""
    errors: dict[str, list[Any]] = {}
    if answers.category and answers.category not in ClientProfile.Category.values:
        errors["category"] = [_("Please choose a category.")]
    texts = {
        "school_or_organization": normalize_name(answers.school_or_organization),
        "grade": normalize_name(answers.grade),
        "guardian_name": normalize_name(answers.guardian_name),
        "guardian_relationship": normalize_name(answers.guardian_relationship),
        "guardian_contact": answers.guardian_contact.strip(),
    }
    if not answers.is_minor:
        texts.update(guardian_name="", guardian_relationship="", guardian_contact="")
    for name in ("school_or_organization", "grade", "guardian_name", "guardian_relationship"):
        try:
            validate_person_name(texts[name])
        except ValidationError as exc:
            errors[name] = exc.messages
    if answers.is_minor:
        filled = {**texts, "guardian_consent": answers.guardian_consent}
        for name, message in GUARDIAN_REQUIRED.items():
            if not filled[name] and name not in errors:
                errors[name] = [message]
        contact = texts["guardian_contact"]
        if contact and not _phone_or_email_ok(contact):
            errors["guardian_contact"] = [BAD_CONTACT]
    if errors:
        raise ValidationError(errors)
    return ClientAnswers(
        category=answers.category,
        is_minor=answers.is_minor,
        guardian_consent=answers.is_minor and answers.guardian_consent,
        **texts,
    )


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
    privacy_consent: bool = False,
    client: ClientAnswers | None = None,
) -> Application:
    """Stores an application from the public form. A second application from the same
    email (same program and side) while an earlier one is pending, waitlisted or accepted
    is stored too, marked ``duplicate_of`` the earliest one; the applicant is not told.
    The applicant is mailed an acknowledgement in ``language`` after commit (not again for
    a duplicate: the earlier application got one). ``privacy_consent`` (the box on the
    form) is stored as the time it was given; ``client`` counts on the client side only,
    where a minor's guardian fields are all required (``client_answers_clean``)."""
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
    about = client_answers_clean(client or ClientAnswers()) if side == Side.CLIENT else None
    about = about or ClientAnswers()
    now = timezone.now()
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
        privacy_consent_at=now if privacy_consent else None,
        category=about.category,
        school_or_organization=about.school_or_organization,
        grade=about.grade,
        is_minor=about.is_minor,
        guardian_name=about.guardian_name,
        guardian_relationship=about.guardian_relationship,
        guardian_contact=about.guardian_contact,
        guardian_consent_at=now if about.guardian_consent else None,
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


def _check_consent_on_file(application: Application) -> None:
    """A minor's application without a guardian's consent is accepted only for a client
    whose profile here already holds an active consent; otherwise refused, nothing made."""
    user = account_for_address(email=application.email).user
    has_consent = (
        user is not None
        and GuardianConsent.objects.filter(
            organization=application.organization,
            client__user=user,
            withdrawn_on__isnull=True,
        ).exists()
    )
    if not has_consent:
        raise ApplicationDecisionError(MINOR_WITHOUT_CONSENT)


def _client_profile_from(
    application: Application, *, user: User, decided_by: User | None
) -> ClientProfile:
    """The client's profile, created with the application's answers when missing (an
    existing profile keeps its own); for a minor, the guardian's consent given on the form
    is recorded on it."""
    profile = client_profile_ensure(
        organization=application.organization,
        user=user,
        category=application.category or ClientProfile.Category.OTHER,
        school_or_organization=application.school_or_organization,
        grade=application.grade,
        is_minor=application.is_minor,
    )
    given_at = application.guardian_consent_at
    if application.is_minor and given_at is not None:
        _guardian_consent_from(
            application,
            profile=profile,
            given_on=timezone.localdate(given_at),
            decided_by=decided_by,
        )
    return profile


def _guardian_consent_from(
    application: Application,
    *,
    profile: ClientProfile,
    given_on: datetime.date,
    decided_by: User | None,
) -> None:
    """The consent the guardian gave on the form, recorded online on the day it was given.
    A refusal (the form's checks make it unlikely) refuses the whole acceptance."""
    try:
        guardian_consent_record(
            client=profile,
            guardian_name=application.guardian_name,
            relationship=application.guardian_relationship,
            method=GuardianConsent.Method.ONLINE,
            given_on=given_on,
            note=str(_("Given on the public application form. Contact: %(contact)s"))
            % {"contact": application.guardian_contact},
            recorded_by=decided_by,
        )
    except ValidationError as exc:
        raise ApplicationDecisionError(
            _(
                "The guardian's consent on this application could not be recorded "
                "(%(problem)s), so it has not been accepted and nothing was created."
            )
            % {"problem": " ".join(exc.messages)}
        ) from exc


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
    if locked.side == Side.CLIENT and locked.lacks_guardian_consent:
        _check_consent_on_file(locked)
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
        _client_profile_from(locked, user=user, decided_by=decided_by)
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
