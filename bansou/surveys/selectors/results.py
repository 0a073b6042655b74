"""Survey results: the figures the reports read (satisfaction, NPS, voices, the rows of an
export) and the results page of one survey for its coordinators.

The report selectors take an organisation, an optional program and a range of days (both
included, the day a response was submitted, Tokyo time); each runs one query whatever the
number of responses. They never read a private note (surveys hold none) and give the
respondent's name only for a named survey. Text is given as it was written: a CSV or XLSX
writer must still escape cells that start with = + - @ (the reports' export does)."""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation

from bansou.orgs.models import Organization
from bansou.programs.models import Program
from bansou.surveys.models import Answer, Question, Response, Survey

SCALE_POINTS = (1, 2, 3, 4, 5)
NPS_POINTS = tuple(range(11))
PROMOTER_FROM, PASSIVE_FROM = 9, 7


@dataclass(frozen=True)
class ScaleSummary:
    """Answers to 5-point questions: how many gave each point, how many in all, the mean
    (two decimals; None without answers)."""

    counts: dict[int, int]
    n: int
    mean: Decimal | None

    @property
    def satisfied(self) -> int:
        """Answers of 4 or 5 (満足・とても満足)."""
        return self.counts.get(4, 0) + self.counts.get(5, 0)

    @property
    def satisfied_percent(self) -> int | None:
        return _percent(self.satisfied, self.n)


@dataclass(frozen=True)
class NpsSummary:
    """Answers to 0–10 recommendation questions: promoters (9–10), passives (7–8),
    detractors (0–6), and the score, % promoters − % detractors (−100 to 100; None
    without answers)."""

    promoters: int
    passives: int
    detractors: int
    n: int
    score: int | None


@dataclass(frozen=True)
class Voice:
    """A free-text answer a coordinator published, as edited for anonymity."""

    text: str
    survey_title: str
    audience: str
    audience_label: str
    submitted_on: datetime.date
    question: str = ""


@dataclass(frozen=True)
class ExportRow:
    """One answer, for a CSV or XLSX export. ``respondent`` is empty for an anonymous
    survey; ``submitted_at`` is the day for an anonymous response and the time for a named
    one. ``value`` is the text as written (escape it for a spreadsheet)."""

    survey_id: int
    survey_title: str
    audience: str
    program: str
    question: str
    kind: str
    value: str
    submitted_on: datetime.date
    submitted_at: datetime.datetime | datetime.date
    respondent: str
    language: str
    published_text: str


def _percent(part: int, whole: int) -> int | None:
    if not whole:
        return None
    return int((Decimal(100 * part) / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _answers_in(
    *,
    organization: Organization,
    program: Program | None,
    start: datetime.date,
    end: datetime.date,
) -> QuerySet[Answer]:
    answers = Answer.objects.filter(
        organization=organization,
        response__organization=organization,
        response__submitted_on__gte=start,
        response__submitted_on__lte=end,
    )
    if program is not None:
        answers = answers.filter(response__program=program)
    return answers


def scale_summary(counts: dict[int, int]) -> ScaleSummary:
    full = {point: counts.get(point, 0) for point in SCALE_POINTS}
    n = sum(full.values())
    mean = None
    if n:
        total = sum(point * count for point, count in full.items())
        mean = (Decimal(total) / n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return ScaleSummary(counts=full, n=n, mean=mean)


def nps_summary_of(counts: dict[int, int]) -> NpsSummary:
    promoters = sum(c for point, c in counts.items() if point >= PROMOTER_FROM)
    passives = sum(c for point, c in counts.items() if PASSIVE_FROM <= point < PROMOTER_FROM)
    detractors = sum(c for point, c in counts.items() if 0 <= point < PASSIVE_FROM)
    n = promoters + passives + detractors
    score = None
    if n:
        score = int(
            (Decimal(100 * (promoters - detractors)) / n).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            )
        )
    return NpsSummary(
        promoters=promoters, passives=passives, detractors=detractors, n=n, score=score
    )


def _point_counts(answers: QuerySet[Answer]) -> dict[int, int]:
    rows = answers.filter(number__isnull=False).values_list("number").annotate(n=Count("id"))
    return {int(number): int(n) for number, n in rows if number is not None}


def satisfaction_summary(
    *,
    organization: Organization,
    program: Program | None = None,
    start: datetime.date,
    end: datetime.date,
) -> ScaleSummary:
    """Every answer to a 5-point question that counts as satisfaction
    (``Question.measures_satisfaction``, retired ones included: their answers stay),
    in responses submitted from ``start`` to ``end``. One query."""
    answers = _answers_in(organization=organization, program=program, start=start, end=end)
    answers = answers.filter(
        question__kind=Question.Kind.SCALE, question__measures_satisfaction=True
    )
    return scale_summary(_point_counts(answers))


def nps_summary(
    *,
    organization: Organization,
    program: Program | None = None,
    start: datetime.date,
    end: datetime.date,
) -> NpsSummary:
    """Every answer to a 0–10 recommendation question in responses submitted from
    ``start`` to ``end``. One query."""
    answers = _answers_in(organization=organization, program=program, start=start, end=end)
    return nps_summary_of(_point_counts(answers.filter(question__kind=Question.Kind.NPS)))


def survey_figures(
    *,
    organization: Organization,
    program: Program | None = None,
    start: datetime.date,
    end: datetime.date,
) -> tuple[ScaleSummary, NpsSummary]:
    """``satisfaction_summary`` and ``nps_summary`` of the same answers, in one query (a
    report page shows both)."""
    answers = _answers_in(organization=organization, program=program, start=start, end=end)
    rows = (
        answers.filter(
            Q(question__kind=Question.Kind.SCALE, question__measures_satisfaction=True)
            | Q(question__kind=Question.Kind.NPS),
            number__isnull=False,
        )
        .values_list("question__kind", "number")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[str, dict[int, int]] = {Question.Kind.SCALE: {}, Question.Kind.NPS: {}}
    for kind, number, n in rows:
        counts[kind][int(number)] = counts[kind].get(int(number), 0) + int(n)
    return scale_summary(counts[Question.Kind.SCALE]), nps_summary_of(counts[Question.Kind.NPS])


def voices(
    *,
    organization: Organization,
    program: Program | None = None,
    start: datetime.date,
    end: datetime.date,
    limit: int | None = None,
) -> list[Voice]:
    """The free-text answers a coordinator published (their text as edited for anonymity,
    never the original), newest first, at most ``limit``; titles and questions in the
    active language. One query."""
    answers = (
        _answers_in(organization=organization, program=program, start=start, end=end)
        .filter(question__kind=Question.Kind.TEXT, publishable=True)
        .exclude(published_text="")
        .select_related("response__survey", "question")
        .order_by("-response__submitted_on", "-id")
    )
    if limit is not None:
        answers = answers[: max(limit, 0)]
    language = translation.get_language()
    return [
        Voice(
            text=answer.published_text,
            survey_title=answer.response.survey.title_in(language),
            audience=answer.response.survey.audience,
            audience_label=str(answer.response.survey.get_audience_display()),
            submitted_on=answer.response.submitted_on,
            question=answer.question.text_in(language),
        )
        for answer in answers
    ]


def answer_value(answer: Answer, question: Question, language: str | None) -> str:
    """An answer as text: the number, the chosen labels (、 between them) or the text."""
    if question.kind in (Question.Kind.SCALE, Question.Kind.NPS):
        return "" if answer.number is None else str(answer.number)
    if question.kind in Question.CHOICE_KINDS:
        labels = question.choice_labels(language)
        return "、".join(labels[i] for i in answer.choices if 0 <= i < len(labels))
    return answer.text


def responses_for_export(
    *,
    organization: Organization,
    program: Program | None = None,
    start: datetime.date,
    end: datetime.date,
) -> Iterator[ExportRow]:
    """Every answer of the responses submitted from ``start`` to ``end``, one row each,
    by survey, response and question order; wording in the active language. One query,
    read in chunks."""
    answers = (
        _answers_in(organization=organization, program=program, start=start, end=end)
        .select_related("question", "response__survey", "response__respondent", "response__program")
        .order_by(
            "response__survey_id", "response__submitted_on", "response_id", "question__position"
        )
    )
    language = translation.get_language()
    for answer in answers.iterator(chunk_size=500):
        response, question = answer.response, answer.question
        survey = response.survey
        named = not survey.anonymous and response.respondent is not None
        yield ExportRow(
            survey_id=survey.pk,
            survey_title=survey.title_in(language),
            audience=str(survey.get_audience_display()),
            program=response.program.name if response.program is not None else "",
            question=question.text_in(language),
            kind=str(question.get_kind_display()),
            value=answer_value(answer, question, language),
            submitted_on=response.submitted_on,
            submitted_at=(
                timezone.localtime(response.submitted_at)
                if named and response.submitted_at is not None
                else response.submitted_on
            ),
            respondent=response.respondent.display_name if named and response.respondent else "",
            language=response.language,
            published_text=answer.published_text if answer.publishable else "",
        )


# --- the results page of one survey ---------------------------------------------------------


@dataclass
class ChoiceCount:
    label: str
    count: int
    percent: int | None
    bar: float = 0.0  # the bar's length, in % of the largest count


@dataclass
class QuestionResult:
    question: Question
    n: int = 0
    points: list[ChoiceCount] = field(default_factory=list)
    scale: ScaleSummary | None = None
    nps: NpsSummary | None = None
    texts: list[Answer] = field(default_factory=list)

    @property
    def largest(self) -> int:
        return max((p.count for p in self.points), default=0)


@dataclass
class SurveyResults:
    survey: Survey
    responses: int
    questions: list[QuestionResult]

    @property
    def texts_shown(self) -> int:
        return sum(len(q.texts) for q in self.questions)


def _counted(labels: list[str], counts: Counter[int], n: int) -> list[ChoiceCount]:
    return [
        ChoiceCount(label=label, count=counts.get(i, 0), percent=_percent(counts.get(i, 0), n))
        for i, label in enumerate(labels)
    ]


def _result_of(
    question: Question, numbers: Counter[int], chosen: Counter[int], n: int, language: str | None
) -> QuestionResult:
    result = QuestionResult(question=question, n=n)
    if question.kind == Question.Kind.SCALE:
        result.scale = scale_summary(dict(numbers))
        result.points = _counted(
            [str(p) for p in SCALE_POINTS], Counter({p - 1: c for p, c in numbers.items()}), n
        )
    elif question.kind == Question.Kind.NPS:
        result.nps = nps_summary_of(dict(numbers))
        result.points = _counted([str(p) for p in NPS_POINTS], numbers, n)
    elif question.kind in Question.CHOICE_KINDS:
        result.points = _counted(question.choice_labels(language), chosen, n)
    largest = result.largest
    for point in result.points:
        point.bar = 100 * point.count / largest if largest else 0.0
    return result


def survey_results(*, survey: Survey) -> SurveyResults:
    """Per question (retired ones too, after the others): how many answered, the count and
    share of each point or choice, the mean of a scale, the NPS, and the free-text answers
    (original and published text, with the respondent of a named survey). Four queries
    whatever the number of responses."""
    language = translation.get_language()
    questions = list(survey.questions.order_by("retired_at", "position", "id"))
    responses = Response.objects.filter(survey=survey, organization=survey.organization).count()
    numbers: dict[int, Counter[int]] = defaultdict(Counter)
    chosen: dict[int, Counter[int]] = defaultdict(Counter)
    answered: Counter[int] = Counter()
    rows = Answer.objects.filter(
        organization=survey.organization, response__survey=survey
    ).values_list("question_id", "number", "choices", "text")
    for question_id, number, picks, text in rows:
        if number is None and not picks and not text.strip():
            continue
        answered[question_id] += 1
        if number is not None:
            numbers[question_id][number] += 1
        for pick in picks or ():
            chosen[question_id][pick] += 1
    texts: dict[int, list[Answer]] = defaultdict(list)
    free = (
        Answer.objects.filter(
            organization=survey.organization,
            response__survey=survey,
            question__kind=Question.Kind.TEXT,
        )
        .exclude(text="")
        .select_related("response__respondent", "published_by")
        .order_by("-response__submitted_on", "-id")
    )
    for answer in free:
        texts[answer.question_id].append(answer)
    results = []
    for question in questions:
        result = _result_of(
            question, numbers[question.pk], chosen[question.pk], answered[question.pk], language
        )
        result.texts = texts[question.pk]
        results.append(result)
    return SurveyResults(survey=survey, responses=responses, questions=results)
