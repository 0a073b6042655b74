"""Answering a survey: through a person's mailed link (one response per invitation) or its
public link (anyone; a per-address limit and the form's own key against double posts).

``response_submit`` checks every answer against the questions asked now: a required one
left empty, a point off the scale or a choice that does not exist is refused with the
message on that question (``q<pk>``), and nothing is stored. An answer to a question
retired while the page was open is still kept (it was asked). Text is stored as written,
formula-like text included; pages escape it and exports prefix it.

One response per invitation: the invitation's row is locked, then its ``used_at`` is read
again; a second submission (a double tap, another tab, a parallel request) is refused
with ``ALREADY_SENT`` (code ``already_sent``). For an anonymous survey the response names
nobody, and the invitation keeps only the day it was used, so the two cannot be matched."""

import datetime
import hashlib
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bansou.surveys.models import Answer, Question, Response, Survey, SurveyInvitation
from bansou.surveys.selectors.links import ALREADY_SENT, closed_problem

AnswerValue = int | list[int] | str | None

TEXT_MAX_LENGTH = 4000
ALREADY = "already_sent"
CLOSED = "closed"
# The public link: at most PER_ADDRESS responses from one address in PER_ADDRESS_SECONDS,
# and PER_SURVEY from everyone together in PER_SURVEY_SECONDS.
PER_ADDRESS, PER_ADDRESS_SECONDS = 5, 10 * 60
PER_SURVEY, PER_SURVEY_SECONDS = 300, 60 * 60
TOO_MANY = gettext_lazy(
    "Many answers have arrived in a short time, so yours has not been sent yet. Your "
    "answers are kept below: please send them again a little later."
)


def field_name(question: Question) -> str:
    return f"q{question.pk}"


@dataclass(frozen=True)
class Submitted:
    response: Response | None  # None: a bot's, thanked and not stored
    repeated: bool = False  # the same form sent again: the response it made the first time


def _empty(value: AnswerValue) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _checked(question: Question, value: AnswerValue) -> Answer | str:
    """The answer to store, or why it cannot be stored."""
    kind = question.kind
    answer = Answer(organization_id=question.organization_id, question=question)
    if kind in (Question.Kind.SCALE, Question.Kind.NPS):
        low, high = (1, 5) if kind == Question.Kind.SCALE else (0, 10)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            return _("Choose one of %(low)s to %(high)s.") % {"low": low, "high": high}
        answer.number = value
    elif kind in Question.CHOICE_KINDS:
        picks = [value] if isinstance(value, int) else value
        if not isinstance(picks, list) or not all(isinstance(p, int) for p in picks):
            return _("Choose from the answers offered.")
        if any(not 0 <= p < len(question.choices) for p in picks):
            return _("Choose from the answers offered.")
        if kind == Question.Kind.SINGLE and len(picks) != 1:
            return _("Choose one answer.")
        answer.choices = sorted(set(picks))
    else:
        text = value.strip() if isinstance(value, str) else ""
        if len(text) > TEXT_MAX_LENGTH:
            return _("Please keep this answer under %(n)s characters (it has %(length)s).") % {
                "n": TEXT_MAX_LENGTH,
                "length": len(text),
            }
        answer.text = text
    return answer


def answers_checked(
    *, questions: Sequence[Question], answers: Mapping[int, AnswerValue]
) -> list[Answer]:
    """The answers to store (unsaved); a ``ValidationError`` naming each question whose
    answer is missing or wrong otherwise. ``questions`` are the ones asked now plus any
    retired one that was answered."""
    errors: dict[str, str] = {}
    kept: list[Answer] = []
    for question in questions:
        value = answers.get(question.pk)
        if _empty(value):
            if question.required and question.retired_at is None:
                errors[field_name(question)] = _("Please answer this question.")
            continue
        checked = _checked(question, value)
        if isinstance(checked, str):
            errors[field_name(question)] = checked
        else:
            kept.append(checked)
    if errors:
        raise ValidationError(errors)
    if not kept:
        raise ValidationError(_("Please answer at least one question."))
    return kept


def _questions_for(survey: Survey, answers: Mapping[int, AnswerValue]) -> list[Question]:
    """The questions asked now, and retired ones that were answered (a page loaded before
    a coordinator retired them): their answers are kept."""
    rows = Question.objects.filter(survey=survey).order_by("position", "id")
    return [q for q in rows if q.retired_at is None or not _empty(answers.get(q.pk))]


def _store(*, answers: Sequence[Answer], response: Response) -> Response:
    response.save()
    for answer in answers:
        answer.response = response
    Answer.objects.bulk_create(answers)
    return response


def _start_of_day(now: datetime.datetime) -> datetime.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@transaction.atomic
def response_submit_invited(
    *,
    invitation: SurveyInvitation,
    answers: Mapping[int, AnswerValue],
    language: str,
    key: uuid.UUID,
) -> Submitted:
    """The response of the person invited. Their name, the session and the time are kept
    only when the survey is named."""
    locked = (
        SurveyInvitation.objects.select_for_update(of=("self",))
        .select_related("survey__organization", "survey__program", "session__engagement")
        .get(organization_id=invitation.organization_id, pk=invitation.pk)
    )
    survey = locked.survey
    if locked.used_at is not None:
        # The same form sent twice (a double tap) gets its thanks again; anything else
        # is told the link was used.
        existing = Response.objects.filter(survey=survey, key=key).first()
        if existing is not None:
            return Submitted(response=existing, repeated=True)
        raise ValidationError(ALREADY_SENT, code=ALREADY)
    problem = closed_problem(survey, language)
    if problem is not None:
        raise ValidationError(str(problem.message), code=CLOSED)
    checked = answers_checked(questions=_questions_for(survey, answers), answers=answers)
    now = timezone.now()
    named = not survey.anonymous
    session = locked.session
    program = session.engagement.program if session is not None else survey.program
    response = Response(
        organization=survey.organization,
        survey=survey,
        respondent=locked.person if named else None,
        session=session if named else None,
        program=program,
        venue_id=locked.venue_id,
        language=language,
        via=Response.Via.INVITATION,
        key=key,
        submitted_on=timezone.localdate(now),
        submitted_at=now if named else None,
    )
    _store(answers=checked, response=response)
    locked.used_at = now if named else _start_of_day(now)
    locked.save(update_fields=["used_at"])
    return Submitted(response=response)


def _windows(*, survey: Survey, address: str, now: float) -> list[tuple[str, int, int]]:
    digest = hashlib.sha256(f"{survey.pk}:{address}".encode()).hexdigest()[:32]
    return [
        (
            f"bansou:survey:{survey.pk}:{digest}:{int(now // PER_ADDRESS_SECONDS)}",
            PER_ADDRESS,
            PER_ADDRESS_SECONDS,
        ),
        (
            f"bansou:survey:{survey.pk}:{int(now // PER_SURVEY_SECONDS)}",
            PER_SURVEY,
            PER_SURVEY_SECONDS,
        ),
    ]


@transaction.atomic
def response_submit_public(
    *,
    survey: Survey,
    answers: Mapping[int, AnswerValue],
    language: str,
    key: uuid.UUID,
    address: str,
) -> Submitted:
    """An anonymous response through the survey's public link. The same form sent again
    (its ``key``) returns the response it made; an address (or everyone) past its share in
    the current window is asked to send later (code ``too_many``), nothing stored. Counters
    are read and written with the survey's row locked; addresses are kept only as a hash."""
    locked = (
        Survey.objects.select_for_update(of=("self",))
        .select_related("organization", "program")
        .get(organization_id=survey.organization_id, pk=survey.pk)
    )
    existing = Response.objects.filter(survey=locked, key=key).first()
    if existing is not None:
        return Submitted(response=existing, repeated=True)
    problem = closed_problem(locked, language)
    if problem is not None:
        raise ValidationError(str(problem.message), code=CLOSED)
    checked = answers_checked(questions=_questions_for(locked, answers), answers=answers)
    windows = _windows(survey=locked, address=address, now=time.time())
    counts: dict[str, int] = cache.get_many([w[0] for w in windows])
    if any(counts.get(name, 0) >= limit for name, limit, _seconds in windows):
        raise ValidationError(TOO_MANY, code="too_many")
    now = timezone.now()
    response = Response(
        organization=locked.organization,
        survey=locked,
        program=locked.program,
        language=language,
        via=Response.Via.LINK,
        key=key,
        submitted_on=timezone.localdate(now),
    )
    try:
        with transaction.atomic():
            _store(answers=checked, response=response)
    except IntegrityError:
        # The same key stored meanwhile (two taps at once; the row lock normally orders them).
        again = Response.objects.filter(survey=locked, key=key).first()
        if again is None:
            raise
        return Submitted(response=again, repeated=True)
    for name, _limit, seconds in windows:
        cache.set(name, counts.get(name, 0) + 1, timeout=seconds)
    return Submitted(response=response)
