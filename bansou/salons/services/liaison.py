"""Teacher liaison that respects the student: a teacher refers a student to the salon, the
student agrees (or not) to share with that teacher, the supporters send short reports
under that agreement, and the school's teachers and supporters keep one thread.

Nothing reaches a teacher without the student's live consent. ``report_send`` locks the
consent row (``select_for_update``) and re-reads it inside the lock, and
``consent_withdraw`` locks the same row before it marks it withdrawn: a report and a
withdrawal at the same moment go one after the other, so a report is either sent before
the withdrawal or refused. One live consent per student, teacher and scope is a partial
unique constraint; the friendly pre-check and the constraint's violation (the loser of a
race) give the same message. Mail says that something is waiting on a page and carries
neither a student's name in its subject nor a report's or a message's text."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.core.inputs import validate_day_in_range
from bansou.core.links import absolute_url
from bansou.core.roles import Role
from bansou.ops.mail import send_templated_mail
from bansou.orgs.models import Venue
from bansou.salons.models import Referral, ShareConsent, TeacherReport, VenueMessage
from bansou.salons.selectors.liaison import (
    is_venue_supporter,
    is_venue_teacher,
    venue_supporters,
    venue_teachers,
)
from bansou.salons.services.staffing import check_client, check_venue, role_of

REPORT_MAX_LENGTH = 2000
MESSAGE_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 1000
LABEL_MAX_LENGTH = 60
GRADE_MAX_LENGTH = 20
LIVE_ONCE = "salons_consent_live_once"


def _check_teacher(*, venue: Venue, teacher: User, field: str = "teacher") -> None:
    role = role_of(organization=venue.organization, user=teacher)
    if not is_venue_teacher(venue=venue, user=teacher, role=role):
        raise ValidationError({field: _("Choose a teacher of this school.")})


def _check_supporter(*, venue: Venue, actor: User) -> str | None:
    role = role_of(organization=venue.organization, user=actor)
    if not is_venue_supporter(venue=venue, user=actor, role=role):
        raise ValidationError(_("Only this school's supporters and the coordinators can do this."))
    return role


def _text(value: str, *, field: str, limit: int, required: str | None = None) -> str:
    text = value.strip()
    if required is not None and not text:
        raise ValidationError({field: required})
    if len(text) > limit:
        raise ValidationError(
            {
                field: _("Please shorten this to at most %(max)d characters (it has %(n)d).")
                % {"max": limit, "n": len(text)}
            }
        )
    return text


def _venue_url(name: str, venue: Venue) -> str:
    return absolute_url(
        reverse(name, kwargs={"org_slug": venue.organization.slug, "venue_pk": venue.pk})
    )


# --- referrals -------------------------------------------------------------------------


@transaction.atomic
def referral_create(
    *,
    venue: Venue,
    teacher: User,
    student: User | None = None,
    student_label: str = "",
    grade: str = "",
    reason: str,
) -> Referral:
    """A teacher refers a student: a registered one, or by a name or initials. The venue's
    supporters are told by mail that a referral waits (no student named in it)."""
    organization = venue.organization
    check_venue(organization=organization, venue=venue)
    _check_teacher(venue=venue, teacher=teacher)
    label = _text(student_label, field="student_label", limit=LABEL_MAX_LENGTH)
    if student is not None:
        check_client(organization=organization, student=student)
    elif not label:
        raise ValidationError(
            {
                "student_label": _(
                    "Write the student's name or initials (for example: 2年 K.S), or choose "
                    "a registered student."
                )
            }
        )
    referral = Referral(
        organization=organization,
        venue=venue,
        teacher=teacher,
        student=student,
        student_label=label,
        grade=_text(grade, field="grade", limit=GRADE_MAX_LENGTH),
        reason=_text(reason, field="reason", limit=REASON_MAX_LENGTH),
    )
    referral.full_clean()
    referral.save()
    url = _venue_url("salons:liaison", venue)
    for supporter in venue_supporters(venue=venue):
        send_templated_mail(
            recipient=supporter,
            organization=organization,
            subject=gettext_lazy("A teacher has referred a student to the salon"),
            template="salons/email/referral_new.txt",
            context={"venue": venue, "teacher": teacher, "referral": referral, "url": url},
        )
    return referral


@transaction.atomic
def referral_close(*, referral: Referral, actor: User) -> Referral:
    """Marks a referral followed up (it leaves the salon screen); closing twice is one."""
    locked = (
        Referral.objects.select_for_update()
        .select_related("venue__organization")
        .get(organization_id=referral.organization_id, pk=referral.pk)
    )
    _check_supporter(venue=locked.venue, actor=actor)
    if locked.status == Referral.Status.CLOSED:
        return locked
    locked.status = Referral.Status.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    return locked


# --- consents --------------------------------------------------------------------------


def _already_message() -> str:
    return _("This student already shares this with this teacher.")


def _is_live_once(exc: IntegrityError) -> bool:
    """Whether the violation is the one-live-consent constraint: PostgreSQL names it;
    SQLite names the columns of its unique index."""
    name = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
    if name:
        return str(name) == LIVE_ONCE
    return "salons_shareconsent.student_id" in str(exc) and "scope" in str(exc)


@transaction.atomic
def consent_record(
    *,
    student: User,
    teacher: User,
    venue: Venue,
    scope: str,
    given_on: datetime.date,
    actor: User,
) -> ShareConsent:
    """Records that a student agreed to share ``scope`` with a teacher of the school, on
    ``given_on`` (not in the future). Refused, with one message, when the same consent is
    already live (the database decides between two at once)."""
    organization = venue.organization
    check_venue(organization=organization, venue=venue)
    _check_supporter(venue=venue, actor=actor)
    check_client(organization=organization, student=student)
    _check_teacher(venue=venue, teacher=teacher)
    if scope not in ShareConsent.Scope.values:
        raise ValidationError({"scope": _("Choose what the student agreed to share.")})
    validate_day_in_range(given_on)
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": _("The day of the agreement cannot be in the future.")})
    live = ShareConsent.objects.filter(
        organization=organization,
        student=student,
        teacher=teacher,
        scope=scope,
        revoked_at__isnull=True,
    )
    if live.exists():
        raise ValidationError({"scope": _already_message()})
    consent = ShareConsent(
        organization=organization,
        student=student,
        teacher=teacher,
        venue=venue,
        scope=scope,
        given_on=given_on,
        recorded_by=actor,
    )
    # The constraint is the database's to check (full_clean would repeat the pre-check and
    # answer the loser of a race with a generic message).
    consent.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            consent.save()
    except IntegrityError as exc:
        if _is_live_once(exc):
            raise ValidationError({"scope": _already_message()}) from exc
        raise
    audit_log(
        organization=organization,
        actor=actor,
        action="salons.consent.recorded",
        target=consent,
        data={"scope": scope, "venue": venue.pk},
    )
    return consent


@transaction.atomic
def consent_withdraw(*, consent: ShareConsent, actor: User) -> ShareConsent:
    """Withdraws a consent, by the student, the school's supporters or a coordinator. The
    row is locked first, so a report being sent under it finishes before or is refused
    after. Withdrawing a withdrawn consent changes nothing."""
    locked = (
        ShareConsent.objects.select_for_update()
        .select_related("venue__organization")
        .get(organization_id=consent.organization_id, pk=consent.pk)
    )
    role = role_of(organization=locked.venue.organization, user=actor)
    own = role == Role.CLIENT and locked.student_id == actor.pk
    if not (own or is_venue_supporter(venue=locked.venue, user=actor, role=role)):
        raise ValidationError(
            _("Only the student, the school's supporters and the coordinators can withdraw this.")
        )
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.save(update_fields=["revoked_at", "revoked_by"])
    audit_log(
        organization=locked.organization,
        actor=actor,
        action="salons.consent.withdrawn",
        target=locked,
        data={"scope": locked.scope, "by_student": own},
    )
    return locked


# --- reports ---------------------------------------------------------------------------


def _no_consent_message() -> str:
    return _("This student has not agreed to share reports with this teacher.")


@transaction.atomic
def report_send(
    *, venue: Venue, student: User, teacher: User, body: str, actor: User
) -> TeacherReport:
    """Sends a short report to a teacher, only under the student's live consent to share
    reports with them: the consent row is locked and read again as it is now. The teacher
    is mailed a link to their school page; the report's text stays on the page."""
    organization = venue.organization
    check_venue(organization=organization, venue=venue)
    _check_supporter(venue=venue, actor=actor)
    check_client(organization=organization, student=student)
    _check_teacher(venue=venue, teacher=teacher)
    text = _text(
        body,
        field="body",
        limit=REPORT_MAX_LENGTH,
        required=_("Write the report (a few lines are enough)."),
    )
    candidate = (
        ShareConsent.objects.filter(
            organization=organization,
            student=student,
            teacher=teacher,
            scope=ShareConsent.Scope.REPORTS,
            revoked_at__isnull=True,
        )
        .values_list("pk", flat=True)
        .first()
    )
    consent = (
        ShareConsent.objects.select_for_update().filter(pk=candidate).first()
        if candidate is not None
        else None
    )
    # Read again under the lock: a withdrawal that committed meanwhile is seen here.
    if consent is None or consent.revoked_at is not None:
        raise ValidationError({"teacher": _no_consent_message()})
    report = TeacherReport(
        organization=organization,
        venue=venue,
        student=student,
        teacher=teacher,
        consent=consent,
        body=text,
        sent_by=actor,
    )
    report.full_clean()
    report.save()
    audit_log(
        organization=organization,
        actor=actor,
        action="salons.report.sent",
        target=report,
        data={"consent": consent.pk, "venue": venue.pk},
    )
    send_templated_mail(
        recipient=teacher,
        organization=organization,
        subject=gettext_lazy("A new report from the career salon"),
        template="salons/email/report_sent.txt",
        context={"venue": venue, "url": _venue_url("salons:school", venue)},
    )
    return report


# --- the thread ------------------------------------------------------------------------


@transaction.atomic
def message_post(*, venue: Venue, author: User, body: str) -> VenueMessage:
    """A message in the school's thread, by one of its teachers or supporters or a
    coordinator. The school's other teachers and supporters are each mailed once that it
    waits, with a link to the thread (not its text: it may speak of a student)."""
    organization = venue.organization
    check_venue(organization=organization, venue=venue)
    role = role_of(organization=organization, user=author)
    if not (
        is_venue_teacher(venue=venue, user=author, role=role)
        or is_venue_supporter(venue=venue, user=author, role=role)
    ):
        raise ValidationError(
            _("Only this school's teachers and supporters and the coordinators can write here.")
        )
    text = _text(body, field="body", limit=MESSAGE_MAX_LENGTH, required=_("Write a message first."))
    message = VenueMessage(organization=organization, venue=venue, author=author, body=text)
    message.full_clean()
    message.save()
    _tell_thread(message=message)
    return message


def _tell_thread(*, message: VenueMessage) -> None:
    venue, author = message.venue, message.author
    url = f"{_venue_url('salons:thread', venue)}#latest"
    people = {u.pk: u for u in (*venue_teachers(venue=venue), *venue_supporters(venue=venue))}
    for pk in sorted(people):
        if author is not None and pk == author.pk:
            continue
        send_templated_mail(
            recipient=people[pk],
            organization=venue.organization,
            subject=gettext_lazy("A new message in the school's thread"),
            template="salons/email/thread_message.txt",
            context={"venue": venue, "author": author, "url": url},
        )
