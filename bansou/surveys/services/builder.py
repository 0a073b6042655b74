"""Building a survey: its settings, its questions (added, changed, moved, retired or
deleted) and opening or closing it. Coordinators only.

Every change of a survey's questions locks the survey's row first and reads again what it
checks, so two coordinators editing at once change one question after the other. A
question that has answers is never deleted (``Answer.question`` restricts it in the
database too): the refusal says so and offers to retire it, which keeps its answers and
stops asking it. Once answers exist the meaning of what was answered stays: a question's
kind does not change and its choices can be reworded or added, not removed; the survey's
audience and anonymity do not change."""

import datetime
import secrets
import uuid
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bansou.accounts.models import User
from bansou.core.inputs import validate_day_in_range
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization
from bansou.programs.models import Phase, Program
from bansou.surveys.models import Answer, Question, Response, Survey, SurveyInvitation

MAX_QUESTIONS = 40
MAX_CHOICES = 20
HAS_ANSWERS = "has_answers"

Choice = dict[str, str]


def check_coordinator(*, organization: Organization, actor: User) -> None:
    is_coordinator = Membership.objects.filter(
        organization=organization, user=actor, is_active=True, role=Role.COORDINATOR
    ).exists()
    if not is_coordinator:
        raise ValidationError(_("Only coordinators can build and send surveys."))


def _lock(survey: Survey) -> Survey:
    return (
        Survey.objects.select_for_update(of=("self",))
        .select_related("organization", "program")
        .get(organization_id=survey.organization_id, pk=survey.pk)
    )


def _check_settings(
    *,
    organization: Organization,
    audience: str,
    anonymous: bool,
    trigger: str,
    program: Program | None,
    phase: Phase | None,
    closes_on: datetime.date,
    closes_on_was: datetime.date | None,
) -> None:
    errors: dict[str, str] = {}
    if program is not None and program.organization_id != organization.pk:
        errors["program"] = _("Choose a program of this organisation.")
    if phase is not None and (program is None or phase.program_id != program.pk):
        errors["phase"] = _("Choose a phase of the survey's program.")
    if trigger != Survey.Trigger.MANUAL and program is None:
        errors["program"] = _("A survey sent after sessions or at a phase's end needs a program.")
    if trigger == Survey.Trigger.PHASE_END and program is not None and not program.phases.exists():
        errors["trigger"] = _("This program has no phases: send the survey by hand instead.")
    if audience == Survey.Audience.LINK and trigger != Survey.Trigger.MANUAL:
        errors["trigger"] = _(
            "A survey for anyone with the link is shared as a link: nobody is mailed."
        )
    if audience == Survey.Audience.LINK and not anonymous:
        errors["anonymous"] = _(
            "Nobody signs in to answer a public link, so its answers are always anonymous."
        )
    validate_day_in_range(closes_on)
    if closes_on < timezone.localdate() and closes_on != closes_on_was:
        errors["closes_on"] = _("The closing date cannot be in the past.")
    if errors:
        raise ValidationError(errors)


def _fill(survey: Survey, **fields: Any) -> None:
    for name in ("title_ja", "title_en", "intro_ja", "intro_en"):
        fields[name] = (
            " ".join(fields[name].split()) if name.startswith("title") else fields[name].strip()
        )
    if not fields["title_ja"]:
        raise ValidationError({"title_ja": _("Give the survey a title in Japanese.")})
    for name, value in fields.items():
        setattr(survey, name, value)
    if fields["trigger"] != Survey.Trigger.PHASE_END:
        survey.phase = None
    survey.full_clean(exclude=["organization", "created_by", "link_token"])


@transaction.atomic
def survey_create(
    *,
    organization: Organization,
    actor: User,
    title_ja: str,
    audience: str,
    closes_on: datetime.date,
    title_en: str = "",
    intro_ja: str = "",
    intro_en: str = "",
    anonymous: bool = True,
    trigger: str = Survey.Trigger.MANUAL,
    program: Program | None = None,
    phase: Phase | None = None,
    key: uuid.UUID | None = None,
) -> Survey:
    """A draft survey without questions; one for anyone with the link gets its link.
    ``key`` is the creating form's: the same form sent again (a double click, a retry)
    gives the survey it already made, also when both arrive at once (the database's
    unique key decides)."""
    check_coordinator(organization=organization, actor=actor)
    made = _made_with(organization=organization, key=key)
    if made is not None:
        return made
    _check_settings(
        organization=organization,
        audience=audience,
        anonymous=anonymous,
        trigger=trigger,
        program=program,
        phase=phase,
        closes_on=closes_on,
        closes_on_was=None,
    )
    survey = Survey(organization=organization, created_by=actor)
    _fill(
        survey,
        title_ja=title_ja,
        title_en=title_en,
        intro_ja=intro_ja,
        intro_en=intro_en,
        audience=audience,
        anonymous=anonymous,
        trigger=trigger,
        program=program,
        phase=phase,
        closes_on=closes_on,
    )
    if audience == Survey.Audience.LINK:
        survey.link_token = secrets.token_urlsafe(32)
    survey.key = key
    try:
        with transaction.atomic():
            survey.save()
    except IntegrityError:
        made = _made_with(organization=organization, key=key)
        if made is None:
            raise
        return made
    return survey


def _made_with(*, organization: Organization, key: uuid.UUID | None) -> Survey | None:
    if key is None:
        return None
    return Survey.objects.filter(organization=organization, key=key).first()


@transaction.atomic
def survey_update(
    *,
    survey: Survey,
    actor: User,
    title_ja: str,
    audience: str,
    closes_on: datetime.date,
    title_en: str = "",
    intro_ja: str = "",
    intro_en: str = "",
    anonymous: bool = True,
    trigger: str = Survey.Trigger.MANUAL,
    program: Program | None = None,
    phase: Phase | None = None,
) -> Survey:
    """Changes the settings. Once anyone was invited or answered, the audience, its
    anonymity and the program stay as they were (the answers were given under them)."""
    check_coordinator(organization=survey.organization, actor=actor)
    locked = _lock(survey)
    used = (
        SurveyInvitation.objects.filter(survey=locked).exists()
        or Response.objects.filter(survey=locked).exists()
    )
    if used and (
        audience != locked.audience
        or anonymous != locked.anonymous
        or (program.pk if program else None) != locked.program_id
    ):
        raise ValidationError(
            _(
                "People have been invited to or answered this survey: its audience, "
                "program and anonymity can no longer change. Make a new survey instead."
            )
        )
    _check_settings(
        organization=locked.organization,
        audience=audience,
        anonymous=anonymous,
        trigger=trigger,
        program=program,
        phase=phase,
        closes_on=closes_on,
        closes_on_was=locked.closes_on,
    )
    _fill(
        locked,
        title_ja=title_ja,
        title_en=title_en,
        intro_ja=intro_ja,
        intro_en=intro_en,
        audience=audience,
        anonymous=anonymous,
        trigger=trigger,
        program=program,
        phase=phase,
        closes_on=closes_on,
    )
    if audience == Survey.Audience.LINK and not locked.link_token:
        locked.link_token = secrets.token_urlsafe(32)
    if audience != Survey.Audience.LINK:
        locked.link_token = ""
    locked.save()
    return locked


def _active_questions(survey: Survey) -> list[Question]:
    return list(
        Question.objects.filter(survey=survey, retired_at__isnull=True).order_by("position", "id")
    )


@transaction.atomic
def survey_open(*, survey: Survey, actor: User) -> Survey:
    """Opens a draft (or reopens a closed) survey: it needs a question, choices for every
    choice question and a closing date from today on."""
    check_coordinator(organization=survey.organization, actor=actor)
    locked = _lock(survey)
    if locked.status == Survey.Status.OPEN:
        raise ValidationError(_("This survey is already open."))
    questions = _active_questions(locked)
    if not questions:
        raise ValidationError(_("Add at least one question before opening the survey."))
    for question in questions:
        if question.kind in Question.CHOICE_KINDS and len(question.choices) < 2:
            raise ValidationError(
                _("The question “%(q)s” needs at least two choices.") % {"q": question.text_ja}
            )
    if locked.closes_on < timezone.localdate():
        raise ValidationError(
            _("The closing date has passed: change it before opening the survey again.")
        )
    locked.status = Survey.Status.OPEN
    locked.opened_at = locked.opened_at or timezone.now()
    locked.closed_at = None
    locked.save(update_fields=["status", "opened_at", "closed_at"])
    return locked


@transaction.atomic
def survey_close(*, survey: Survey, actor: User) -> Survey:
    """Closes an open survey: its links say so and nobody is invited or reminded any more."""
    check_coordinator(organization=survey.organization, actor=actor)
    locked = _lock(survey)
    if locked.status != Survey.Status.OPEN:
        raise ValidationError(_("Only an open survey can be closed."))
    locked.status = Survey.Status.CLOSED
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    return locked


# --- questions -------------------------------------------------------------------------------


def _clean_choices(kind: str, choices: Sequence[Choice]) -> list[Choice]:
    if kind not in Question.CHOICE_KINDS:
        return []
    cleaned = [
        {"ja": " ".join(c.get("ja", "").split()), "en": " ".join(c.get("en", "").split())}
        for c in choices
    ]
    if any(not c["ja"] for c in cleaned):
        raise ValidationError({"choices": _("Every choice needs its Japanese wording.")})
    if len(cleaned) < 2:
        raise ValidationError({"choices": _("Give at least two choices.")})
    if len(cleaned) > MAX_CHOICES:
        raise ValidationError({"choices": _("Give at most %(n)s choices.") % {"n": MAX_CHOICES}})
    if len({c["ja"] for c in cleaned}) < len(cleaned):
        raise ValidationError({"choices": _("Two choices have the same wording.")})
    return cleaned


def _fill_question(
    question: Question,
    *,
    kind: str,
    text_ja: str,
    text_en: str,
    required: bool,
    choices: Sequence[Choice],
    measures_satisfaction: bool,
) -> None:
    text_ja, text_en = " ".join(text_ja.split()), " ".join(text_en.split())
    if not text_ja:
        raise ValidationError({"text_ja": _("Write the question in Japanese.")})
    if measures_satisfaction and kind != Question.Kind.SCALE:
        raise ValidationError(
            {"measures_satisfaction": _("Only a 5-point question can count as satisfaction.")}
        )
    question.kind = kind
    question.text_ja, question.text_en = text_ja, text_en
    question.required = required
    question.choices = _clean_choices(kind, choices)
    question.measures_satisfaction = measures_satisfaction
    question.full_clean(exclude=["organization", "survey"])


@transaction.atomic
def question_add(
    *,
    survey: Survey,
    actor: User,
    kind: str,
    text_ja: str,
    text_en: str = "",
    required: bool = True,
    choices: Sequence[Choice] = (),
    measures_satisfaction: bool = False,
) -> Question:
    """Adds a question at the end of the survey (also to an open one)."""
    check_coordinator(organization=survey.organization, actor=actor)
    locked = _lock(survey)
    if locked.status == Survey.Status.CLOSED:
        raise ValidationError(_("This survey is closed: reopen it to change its questions."))
    if Question.objects.filter(survey=locked, retired_at__isnull=True).count() >= MAX_QUESTIONS:
        raise ValidationError(_("A survey has at most %(n)s questions.") % {"n": MAX_QUESTIONS})
    last = Question.objects.filter(survey=locked).aggregate(last=Max("position"))["last"]
    question = Question(organization=locked.organization, survey=locked, position=(last or 0) + 1)
    _fill_question(
        question,
        kind=kind,
        text_ja=text_ja,
        text_en=text_en,
        required=required,
        choices=choices,
        measures_satisfaction=measures_satisfaction,
    )
    question.save()
    return question


def _lock_question(question: Question) -> tuple[Survey, Question]:
    survey = _lock(question.survey)
    locked = Question.objects.filter(survey=survey, pk=question.pk).first()
    if locked is None:
        raise ValidationError(_("This question has been deleted meanwhile."))
    return survey, locked


@transaction.atomic
def question_update(
    *,
    question: Question,
    actor: User,
    kind: str,
    text_ja: str,
    text_en: str = "",
    required: bool = True,
    choices: Sequence[Choice] = (),
    measures_satisfaction: bool = False,
) -> Question:
    """Changes a question. With answers, its kind stays and no choice goes away (choices
    may be reworded or added at the end), so every answer keeps its meaning."""
    check_coordinator(organization=question.organization, actor=actor)
    survey, locked = _lock_question(question)
    if survey.status == Survey.Status.CLOSED:
        raise ValidationError(_("This survey is closed: reopen it to change its questions."))
    if Answer.objects.filter(question=locked).exists():
        if kind != locked.kind:
            raise ValidationError(
                {"kind": _("This question has answers: its kind can no longer change.")}
            )
        if len(choices) < len(locked.choices):
            raise ValidationError(
                {
                    "choices": _(
                        "This question has answers: its choices can be reworded or added "
                        "to, not removed."
                    )
                }
            )
    _fill_question(
        locked,
        kind=kind,
        text_ja=text_ja,
        text_en=text_en,
        required=required,
        choices=choices,
        measures_satisfaction=measures_satisfaction,
    )
    locked.save()
    return locked


@transaction.atomic
def question_move(*, question: Question, actor: User, direction: str) -> Question:
    """Swaps the question with the one above (``up``) or below (``down``) among the
    questions still asked; the positions become 1, 2, 3… again. At the top or the bottom
    it stays where it is."""
    if direction not in ("up", "down"):
        raise ValidationError(_("Move a question up or down."))
    check_coordinator(organization=question.organization, actor=actor)
    survey, locked = _lock_question(question)
    if locked.retired_at is not None:
        raise ValidationError(_("This question is retired: it is no longer asked."))
    ordered = _active_questions(survey)
    index = next(i for i, q in enumerate(ordered) if q.pk == locked.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    Question.objects.bulk_update(ordered, ["position"])
    return next(q for q in ordered if q.pk == locked.pk)


@transaction.atomic
def question_retire(*, question: Question, actor: User) -> Question:
    """Stops asking a question; its answers stay and are still counted in the results."""
    check_coordinator(organization=question.organization, actor=actor)
    _survey, locked = _lock_question(question)
    if locked.retired_at is not None:
        raise ValidationError(_("This question is already retired."))
    locked.retired_at = timezone.now()
    locked.save(update_fields=["retired_at"])
    return locked


@transaction.atomic
def question_restore(*, question: Question, actor: User) -> Question:
    """Asks a retired question again, at the end of the survey."""
    check_coordinator(organization=question.organization, actor=actor)
    survey, locked = _lock_question(question)
    if locked.retired_at is None:
        raise ValidationError(_("This question is already asked."))
    last = Question.objects.filter(survey=survey).aggregate(last=Max("position"))["last"]
    locked.retired_at = None
    locked.position = (last or 0) + 1
    locked.save(update_fields=["retired_at", "position"])
    return locked


HAS_ANSWERS_MESSAGE = gettext_lazy(
    "This question has answers, so it cannot be deleted. Retire it instead: it is no "
    "longer asked and its answers are kept."
)


@transaction.atomic
def question_delete(*, question: Question, actor: User) -> None:
    """Deletes a question nobody has answered; one with answers is refused (code
    ``has_answers``), also when the answer arrived a moment ago."""
    check_coordinator(organization=question.organization, actor=actor)
    _survey, locked = _lock_question(question)
    if Answer.objects.filter(question=locked).exists():
        raise ValidationError(HAS_ANSWERS_MESSAGE, code=HAS_ANSWERS)
    try:
        with transaction.atomic():
            locked.delete()
    except RestrictedError as exc:
        raise ValidationError(HAS_ANSWERS_MESSAGE, code=HAS_ANSWERS) from exc
