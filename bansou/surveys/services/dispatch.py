"""Sending a survey: by hand to a chosen group, after each held session and at a phase's
end (periodic scans), and one reminder to whoever has not answered.

Each invitation is a row whose partial unique constraints allow one person once per
survey and session, phase, or by hand; it is written in a savepoint, and its mail is
queued in the same transaction (delivered after commit, in the person's language). A
scan that runs twice, or two scans at once, therefore invite and mail each person once.
The reminder claims the invitation under a row lock (``reminded_at``) in the transaction
that queues its mail: one reminder, ever."""

import datetime
import logging
import secrets
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.core.links import absolute_reverse
from bansou.engagements.models import Session
from bansou.ops.mail import send_templated_mail
from bansou.orgs.models import Venue
from bansou.programs.models import Phase
from bansou.surveys.models import Question, Survey, SurveyInvitation
from bansou.surveys.selectors.audience import (
    audience_people,
    dispatch_groups,
    not_yet_invited_by_hand,
    phase_people,
    phases_ended,
    session_people,
    sessions_to_survey,
)
from bansou.surveys.selectors.links import invitation_token, token_digest
from bansou.surveys.services.builder import check_coordinator

logger = logging.getLogger("bansou.surveys")

REMIND_AFTER = datetime.timedelta(days=3)
SEND_LIMIT = 2000  # people in one dispatch by hand
SCAN_BATCH = 500  # invitations or reminders one survey sends in one scan


def answer_url(*, survey: Survey, token: str) -> str:
    return absolute_reverse("surveys:answer", org_slug=survey.organization.slug, token=token)


def _mail(*, invitation: SurveyInvitation, token: str, reminder: bool) -> None:
    survey = invitation.survey
    person = invitation.person
    questions = Question.objects.filter(survey=survey, retired_at__isnull=True).count()
    send_templated_mail(
        recipient=person,
        organization=survey.organization,
        subject_template="surveys/email/invitation_subject.txt",
        template="surveys/email/invitation.txt",
        context={
            "survey": survey,
            "title": survey.title_in(person.language),
            "person": person,
            "session": invitation.session,
            "phase": invitation.phase,
            "questions": questions,
            "url": answer_url(survey=survey, token=token),
            "reminder": reminder,
        },
    )


def invitation_issue(
    *,
    survey: Survey,
    person: User,
    now: datetime.datetime,
    session: Session | None = None,
    phase: Phase | None = None,
    venue: Venue | None = None,
    actor: User | None = None,
) -> SurveyInvitation | None:
    """Invites one person and queues the mail; None when they were already invited for
    the same session, phase or by hand (the constraint decides, also under a race)."""
    nonce = secrets.token_hex(16)
    token = invitation_token(nonce)
    invitation = SurveyInvitation(
        organization=survey.organization,
        survey=survey,
        person=person,
        session=session,
        phase=phase,
        venue=venue if venue is not None else (session.venue if session is not None else None),
        nonce=nonce,
        token_hash=token_digest(token),
        sent_at=now,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        return None
    _mail(invitation=invitation, token=token, reminder=False)
    return invitation


def _check_sendable(survey: Survey) -> None:
    if survey.audience == Survey.Audience.LINK:
        raise ValidationError(_("This survey is shared by its link: nobody is mailed."))
    if survey.status != Survey.Status.OPEN:
        raise ValidationError(_("Open the survey before sending it."))
    if survey.closes_on < timezone.localdate():
        raise ValidationError(_("The closing date has passed: change it to send the survey."))


@transaction.atomic
def invitations_send(
    *,
    survey: Survey,
    actor: User,
    group: str,
    venue: Venue | None = None,
    ip_address: str | None = None,
) -> tuple[int, int]:
    """Invites the group's people who were not invited by hand yet; returns how many were
    invited and how many skipped (already invited). Recorded in the audit log."""
    check_coordinator(organization=survey.organization, actor=actor)
    locked = (
        Survey.objects.select_for_update(of=("self",))
        .select_related("organization", "program")
        .get(organization_id=survey.organization_id, pk=survey.pk)
    )
    _check_sendable(locked)
    if group not in dict(dispatch_groups(survey=locked)):
        raise ValidationError({"group": _("Choose one of the groups offered.")})
    if group == "venue" and (venue is None or venue.organization_id != locked.organization_id):
        raise ValidationError({"venue": _("Choose a venue of this organisation.")})
    people = audience_people(survey=locked, group=group, venue=venue)
    fresh = not_yet_invited_by_hand(survey=locked, people=people)
    total = people.count()
    if len(fresh) > SEND_LIMIT:
        raise ValidationError(
            _("At most %(n)s people can be invited at once: choose a smaller group.")
            % {"n": SEND_LIMIT}
        )
    if not fresh:
        raise ValidationError(_("Everyone in this group has already been invited."))
    now = timezone.now()
    invited = sum(
        1
        for person in fresh
        if invitation_issue(
            survey=locked,
            person=person,
            now=now,
            venue=venue if group == "venue" else None,
            actor=actor,
        )
    )
    audit_log(
        organization=locked.organization,
        actor=actor,
        action="surveys.invitations_sent",
        target=locked,
        ip_address=ip_address,
        data={"group": group, "invited": invited, "venue": venue.pk if venue else None},
    )
    return invited, total - invited


# --- the periodic scans ------------------------------------------------------------------------


def invite_after_sessions(*, survey: Survey, now: datetime.datetime) -> int:
    """Invites, for each session of the program held lately, its client, supporters or
    venue's teachers (whoever the survey asks) who were not invited for it yet."""
    invited = 0
    for session in sessions_to_survey(survey=survey, now=now)[:SCAN_BATCH]:
        for person in session_people(survey=survey, session=session):
            with transaction.atomic():
                if invitation_issue(survey=survey, person=person, now=now, session=session):
                    invited += 1
    return invited


def invite_at_phase_end(*, survey: Survey, now: datetime.datetime) -> int:
    """Invites the program's people at the end of the survey's phase (or of each phase)."""
    invited = 0
    for phase in phases_ended(survey=survey, today=timezone.localdate(now)):
        for person in phase_people(survey=survey)[:SEND_LIMIT]:
            with transaction.atomic():
                if invitation_issue(survey=survey, person=person, now=now, phase=phase):
                    invited += 1
    return invited


def reminders_send(*, survey: Survey, now: datetime.datetime) -> int:
    """One reminder, with the same link, to each invitation of the survey neither answered
    nor reminded ``REMIND_AFTER`` after it was sent (the caller checks the survey is open
    and before its closing date). An invitation another scan is reminding is skipped."""
    sent = 0
    with transaction.atomic():
        due = (
            SurveyInvitation.objects.filter(
                survey=survey,
                used_at__isnull=True,
                reminded_at__isnull=True,
                sent_at__lte=now - REMIND_AFTER,
            )
            .select_related("person", "session", "phase", "survey__organization")
            .select_for_update(of=("self",), skip_locked=True)
            .order_by("sent_at", "pk")[:SCAN_BATCH]
        )
        for invitation in due:
            invitation.reminded_at = now
            invitation.save(update_fields=["reminded_at"])
            _mail(invitation=invitation, token=invitation_token(invitation.nonce), reminder=True)
            sent += 1
    return sent


SurveyWork = Callable[..., int]


def _open_surveys(*, triggers: Iterable[str], today: datetime.date) -> list[Survey]:
    with scopes_disabled():
        return list(
            Survey.objects.filter(
                organization__is_active=True,
                status=Survey.Status.OPEN,
                trigger__in=list(triggers),
                closes_on__gte=today,
            )
            .exclude(audience=Survey.Audience.LINK)
            .select_related("organization", "program", "phase")
            .order_by("pk")
        )


def for_each_open_survey(
    *, triggers: Iterable[str], now: datetime.datetime, work: SurveyWork
) -> int:
    """Runs ``work(survey=…, now=…)`` for every open survey (not past its closing date) of
    every active organisation sent by one of ``triggers``, each inside its organisation's
    scope; one survey's failure is logged and the others still run."""
    done = 0
    for survey in _open_surveys(triggers=triggers, today=timezone.localdate(now)):
        try:
            with scope(organization=survey.organization):
                done += work(survey=survey, now=now)
        except Exception:
            logger.exception("survey scan failed", extra={"survey": survey.pk})
    return done


def surveys_after_sessions(*, now: datetime.datetime) -> int:
    return for_each_open_survey(
        triggers=[Survey.Trigger.AFTER_SESSION], now=now, work=invite_after_sessions
    )


def surveys_at_phase_end(*, now: datetime.datetime) -> int:
    return for_each_open_survey(
        triggers=[Survey.Trigger.PHASE_END], now=now, work=invite_at_phase_end
    )


def surveys_remind(*, now: datetime.datetime) -> int:
    return for_each_open_survey(triggers=Survey.Trigger.values, now=now, work=reminders_send)
