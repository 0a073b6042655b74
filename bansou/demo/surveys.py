"""The demo's surveys (``DemoSurvey``): built and opened by the surveys services, as a
coordinator would, then answered over the weeks behind: the invitations, responses and
answers are written as rows in bulk (the answering service takes one response at a time,
now), the way the services would have left them (an anonymous response names nobody and
keeps only its day; a reminder went to whoever had not answered after three days). The
free-text answers chosen for reports are published by the curation service. Built once:
while the organisation has no survey."""

import datetime
import random
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.utils import timezone

from bansou.accounts.models import User
from bansou.demo.specs import DemoQuestion, DemoSurvey
from bansou.engagements.models import Session
from bansou.orgs.models import Venue
from bansou.programs.models import Program
from bansou.salons.models import SalonBlock, VenueStaff
from bansou.surveys.models import Answer, Question, Response, Survey, SurveyInvitation
from bansou.surveys.selectors.audience import Group, audience_people, session_people
from bansou.surveys.selectors.links import invitation_token, token_digest
from bansou.surveys.services.answering import AnswerValue
from bansou.surveys.services.builder import question_add, survey_create, survey_open
from bansou.surveys.services.curation import answer_curate
from bansou.surveys.services.dispatch import REMIND_AFTER

V = TypeVar("V")
# Days between the invitation and the answer: most answer at once, some after the reminder.
ANSWER_DELAYS = (0, 0, 0, 1, 1, 2, 3, 4, 5, 7)


@dataclass
class _Answering:
    """Who answered (or was asked), when and about what: one response to write."""

    day: datetime.date
    person: User | None = None
    invitation: SurveyInvitation | None = None
    session: Session | None = None
    venue: Venue | None = None


def surveys_load(*, program: Program, specs: Sequence[DemoSurvey], coordinator: User) -> int:
    """Builds the program's surveys; the number made (0 when there already are some)."""
    if Survey.objects.filter(organization=program.organization).exists():
        return 0
    rng = random.Random(7)
    for spec in specs:
        _survey(program=program, spec=spec, coordinator=coordinator, rng=rng)
    return len(specs)


def _survey(*, program: Program, spec: DemoSurvey, coordinator: User, rng: random.Random) -> None:
    today = timezone.localdate()
    survey = survey_create(
        organization=program.organization,
        actor=coordinator,
        title_ja=spec.title,
        title_en=spec.title_en,
        intro_ja=spec.intro,
        audience=spec.audience,
        closes_on=today + datetime.timedelta(days=spec.closes),
        anonymous=spec.anonymous,
        trigger=spec.trigger,
        program=program,
    )
    questions = [
        question_add(
            survey=survey,
            actor=coordinator,
            kind=item.kind,
            text_ja=item.text,
            text_en=item.text_en,
            required=item.kind != Question.Kind.TEXT,
            choices=[{"ja": choice, "en": ""} for choice in item.choices],
            measures_satisfaction=item.satisfaction,
        )
        for item in spec.questions
    ]
    survey = survey_open(survey=survey, actor=coordinator)
    opened = _at(today + datetime.timedelta(days=spec.opened), 9)
    Survey.objects.filter(pk=survey.pk).update(
        created_at=opened - datetime.timedelta(days=2), opened_at=opened
    )
    Question.objects.filter(survey=survey).update(created_at=opened - datetime.timedelta(days=2))
    answering = _answering(survey=survey, spec=spec, opened=opened, rng=rng)
    responses = [_response(survey=survey, item=item, rng=rng) for item in answering]
    Response.objects.bulk_create(responses)
    answers, published = [], []
    for item, question in zip(spec.questions, questions, strict=True):
        values = _values(item, len(responses), rng)
        for response, value in zip(responses, values, strict=True):
            if value is None:
                continue
            answer = _answer(question=question, response=response, value=value)
            answers.append(answer)
            if isinstance(value, str):
                written = next(t for t in item.texts if t.text == value)
                if written.published is not None:
                    published.append((answer, written.published))
    Answer.objects.bulk_create(answers)
    for answer, edited in published:
        answer_curate(answer=answer, actor=coordinator, publishable=True, published_text=edited)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


# --- who answered ----------------------------------------------------------------------------


def _answering(
    *, survey: Survey, spec: DemoSurvey, opened: datetime.datetime, rng: random.Random
) -> list[_Answering]:
    """The responses to write: through the public link on the days the program's salons
    were held (any weekday without salons); else of the people invited (by hand, or after
    each session held since the survey opened), the first ``spec.responses`` of them in a
    random order, the others invited and reminded but silent."""
    if survey.audience == Survey.Audience.LINK:
        return [_Answering(day=day) for day in _link_days(survey, opened, spec.responses, rng)]
    invitations = _invitations(survey=survey, opened=opened)
    now = timezone.now()
    for invitation in invitations:
        invitation.nonce = secrets.token_hex(16)
        invitation.token_hash = token_digest(invitation_token(invitation.nonce))
    order = rng.sample(invitations, len(invitations))
    answered = []
    for i, invitation in enumerate(order):
        reminder = invitation.sent_at + REMIND_AFTER
        if i >= spec.responses:
            invitation.reminded_at = reminder if reminder <= now else None
            continue
        answered_at = min(
            invitation.sent_at + datetime.timedelta(days=rng.choice(ANSWER_DELAYS), hours=3),
            now - datetime.timedelta(minutes=5),
        )
        answered_at = max(answered_at, invitation.sent_at + datetime.timedelta(minutes=5))
        if answered_at > reminder:
            invitation.reminded_at = reminder
        local = timezone.localtime(answered_at)
        invitation.used_at = (
            local.replace(hour=0, minute=0, second=0, microsecond=0)
            if survey.anonymous
            else answered_at
        )
        answered.append(
            _Answering(
                day=local.date(),
                person=invitation.person,
                invitation=invitation,
                session=invitation.session,
                venue=invitation.venue,
            )
        )
    SurveyInvitation.objects.bulk_create(invitations)
    return sorted(
        answered, key=lambda item: (item.day, item.invitation.pk if item.invitation else 0)
    )


def _link_days(
    survey: Survey, opened: datetime.datetime, count: int, rng: random.Random
) -> list[datetime.date]:
    today = timezone.localdate()
    days = [
        timezone.localtime(starts).date()
        for starts in SalonBlock.objects.filter(
            organization=survey.organization,
            program=survey.program,
            status=SalonBlock.Status.HELD,
            starts_at__gte=opened,
        ).values_list("starts_at", flat=True)
    ]
    if not days:
        first = opened.date()
        days = [
            first + datetime.timedelta(days=d)
            for d in range((today - first).days)
            if (first + datetime.timedelta(days=d)).weekday() < 5
        ]
    return sorted(rng.choice(days) for _ in range(count)) if days else []


def _invitations(*, survey: Survey, opened: datetime.datetime) -> list[SurveyInvitation]:
    """Whom the coordinator invited: every teacher of each school (sent school by school,
    so each answer counts under its school), the program's people of the audience, or,
    after each session held since the survey opened, whom the session scan asks."""
    rows: list[tuple[User, Session | None, Venue | None, datetime.datetime]] = []
    if survey.trigger == Survey.Trigger.AFTER_SESSION:
        sessions = Session.objects.filter(
            organization=survey.organization,
            engagement__program=survey.program,
            status=Session.Status.HELD,
            ends_at__gte=opened,
            ends_at__lte=timezone.now(),
        ).select_related("engagement__client", "venue")
        for session in sessions.order_by("ends_at", "pk"):
            sent = session.ends_at + datetime.timedelta(minutes=30)
            rows += [
                (p, session, session.venue, sent)
                for p in session_people(survey=survey, session=session)
            ]
    elif survey.audience == Survey.Audience.PARTNERS:
        teachers = audience_people(survey=survey, group=Group.EVERYONE)
        staff = VenueStaff.objects.filter(
            organization=survey.organization,
            kind=VenueStaff.Kind.TEACHER,
            user__in=teachers,
            venue__is_active=True,
        ).select_related("user", "venue")
        seen: set[int] = set()
        for item in staff.order_by("venue__name", "pk"):
            if item.user_id not in seen:
                seen.add(item.user_id)
                rows.append((item.user, None, item.venue, opened))
    else:
        rows = [
            (p, None, None, opened) for p in audience_people(survey=survey, group=Group.PROGRAM)
        ]
    return [
        SurveyInvitation(
            organization=survey.organization,
            survey=survey,
            person=person,
            session=session,
            venue=venue,
            sent_at=sent,
            created_by=survey.created_by if session is None else None,
        )
        for person, session, venue, sent in rows
    ]


def _response(*, survey: Survey, item: _Answering, rng: random.Random) -> Response:
    named = not survey.anonymous and item.person is not None
    submitted_at = None
    if named and item.invitation is not None:
        submitted_at = item.invitation.used_at
    return Response(
        organization=survey.organization,
        survey=survey,
        respondent=item.person if named else None,
        session=item.session if named else None,
        program=survey.program,
        venue=item.venue,
        language=item.person.language if item.person is not None else "ja",
        via=Response.Via.INVITATION if item.invitation is not None else Response.Via.LINK,
        key=uuid.UUID(int=rng.getrandbits(128), version=4),
        submitted_on=item.day,
        submitted_at=submitted_at,
    )


# --- what they answered ------------------------------------------------------------------------


def _spread(values: Sequence[V], weights: Sequence[int], n: int, rng: random.Random) -> list[V]:
    """``n`` values in the shares ``weights`` gives (largest remainders), shuffled."""
    total = sum(weights)
    exact = [w * n / total for w in weights]
    counts = [int(e) for e in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    spread = [value for value, count in zip(values, counts, strict=True) for _ in range(count)]
    rng.shuffle(spread)
    return spread


def _values(item: DemoQuestion, n: int, rng: random.Random) -> list[AnswerValue]:
    """Each response's answer to the question (None: left empty)."""
    if item.kind == Question.Kind.SCALE:
        return list(_spread(range(1, 6), item.spread, n, rng))
    if item.kind == Question.Kind.NPS:
        return list(_spread(range(11), item.spread, n, rng))
    if item.kind == Question.Kind.SINGLE:
        return list(_spread(range(len(item.choices)), item.spread, n, rng))
    if item.kind == Question.Kind.MULTIPLE:
        likeliest = max(range(len(item.spread)), key=lambda i: item.spread[i])
        picks = []
        for _ in range(n):
            chosen = [i for i, share in enumerate(item.spread) if rng.randrange(100) < share]
            picks.append(chosen or [likeliest])
        return list(picks)
    texts: list[AnswerValue] = [None] * n
    for index, text in zip(rng.sample(range(n), min(n, len(item.texts))), item.texts, strict=False):
        texts[index] = text.text
    return texts


def _answer(*, question: Question, response: Response, value: AnswerValue) -> Answer:
    answer = Answer(organization=question.organization, response=response, question=question)
    if isinstance(value, str):
        answer.text = value
    elif isinstance(value, list):
        answer.choices = sorted(value)
    else:
        answer.number = value
    return answer
