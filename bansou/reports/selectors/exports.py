"""The rows of the reports' record exports (sessions and salon visits of one program and
period), read in chunks so that 100,000 rows never sit in memory at once.

What is read is the export's whole content: when, where, who (the supporter, and the
client or named student only when ``with_names``), mode, status or kind, grade and topics.
No private note, no record text, no reflection, no reason is ever selected, so none can
reach a file. Each chunk is one query for the rows and one for their topics, whatever the
number of rows (``CHUNK`` rows a chunk)."""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import Session
from bansou.orgs.models import Organization
from bansou.orgs.selectors import active_membership
from bansou.programs.models import Program, Topic
from bansou.reports.selectors.kpis import sessions_in
from bansou.salons.models import Visit
from bansou.salons.selectors.stats import salon_visits_in
from bansou.surveys.models import Answer

CHUNK = 2_000
TOPIC_SEPARATOR = "、"


def export_role(*, organization: Organization, user: User) -> str | None:
    """The role the person holds now (None when no longer an active member): a file is
    built with the rights its owner has when it is built, not when it was asked for."""
    membership = active_membership(organization=organization, user=user)
    return membership.role if membership is not None else None


def sees_names(role: str | None) -> bool:
    """Only coordinators see who a client or student is in an export."""
    return role == Role.COORDINATOR


def _person(family: str | None, given: str | None, email: str | None, erased: Any) -> str:
    """``User.display_name`` from the columns read (an erased person is not named)."""
    if erased is not None:
        return _("(erased)")
    return f"{family or ''} {given or ''}".strip() or (email or "")


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _wall_clock() -> Callable[[datetime.datetime], datetime.datetime]:
    """A moment as wall-clock time in the current zone (Tokyo) without a zone, what a
    spreadsheet holds; the zone is looked up once per export, not once per cell."""
    zone = timezone.get_current_timezone()

    def local(moment: datetime.datetime) -> datetime.datetime:
        return moment.astimezone(zone).replace(tzinfo=None)

    return local


def _labels(choices: list[tuple[str, Any]]) -> dict[str, str]:
    """Choice labels translated once per export (a lazy label translates on every use)."""
    return {value: str(label) for value, label in choices}


# --- sessions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionLine:
    starts_at: datetime.datetime  # Tokyo time, naive
    ends_at: datetime.datetime
    program: str
    supporter: str
    client: str  # empty without names
    mode: str
    status: str
    topics: str


SESSION_COLUMNS = (
    "pk",
    "starts_at",
    "ends_at",
    "engagement__program__name",
    "engagement__supporter__family_name",
    "engagement__supporter__given_name",
    "engagement__supporter__email",
    "engagement__supporter__erased_at",
    "engagement__team__name",
    "engagement__client__family_name",
    "engagement__client__given_name",
    "engagement__client__email",
    "engagement__client__erased_at",
    "mode",
    "status",
)


def export_sessions(
    *, organization: Organization, program: Program, start: datetime.date, end: datetime.date
) -> QuerySet[Session]:
    """The sessions an export lists: every status, starting in the period (the KPIs' own
    rule, ``kpis.sessions_in``), by start."""
    return sessions_in(organization=organization, program=program, start=start, end=end).order_by(
        "starts_at", "pk"
    )


def _session_topics(organization: Organization, ids: list[int]) -> dict[int, list[str]]:
    topics: dict[int, list[str]] = defaultdict(list)
    rows = (
        Topic.objects.filter(organization=organization, sessionrecord__session_id__in=ids)
        .order_by("position", "pk")
        .values_list("sessionrecord__session_id", "name")
    )
    for session_id, name in rows:
        topics[session_id].append(name)
    return topics


def session_lines(
    *, organization: Organization, sessions: QuerySet[Session], with_names: bool
) -> Iterator[list[SessionLine]]:
    """``sessions`` as export lines, ``CHUNK`` at a time (two queries a chunk)."""
    modes, statuses = _labels(Session.Mode.choices), _labels(Session.Status.choices)
    local = _wall_clock()
    rows = sessions.values_list(*SESSION_COLUMNS).iterator(chunk_size=CHUNK)
    for chunk in _chunks(rows):
        topics = _session_topics(organization, [row[0] for row in chunk])
        yield [
            SessionLine(
                starts_at=local(row[1]),
                ends_at=local(row[2]),
                program=row[3],
                supporter=row[8] or _person(*row[4:8]),
                client=_person(*row[9:13]) if with_names else "",
                mode=modes.get(row[13], row[13]),
                status=statuses.get(row[14], row[14]),
                topics=TOPIC_SEPARATOR.join(topics.get(row[0], ())),
            )
            for row in chunk
        ]


# --- salon visits -----------------------------------------------------------------------


@dataclass(frozen=True)
class VisitLine:
    occurred_at: datetime.datetime  # Tokyo time, naive
    venue: str
    kind: str
    grade: str
    topics: str
    student: str  # empty for an anonymous visit and without names


VISIT_COLUMNS = (
    "pk",
    "occurred_at",
    "venue__name",
    "kind",
    "grade",
    "student__family_name",
    "student__given_name",
    "student__email",
    "student__erased_at",
    "student_id",
)


def export_visits(
    *, organization: Organization, program: Program, start: datetime.date, end: datetime.date
) -> QuerySet[Visit]:
    """The salon taps an export lists (every kind, no-shows too) at the program's salons
    in the period (``salons.selectors.stats.salon_visits_in``), by time."""
    return salon_visits_in(
        organization=organization, program=program, start=start, end=end
    ).order_by("occurred_at", "pk")


def _visit_topics(organization: Organization, ids: list[int]) -> dict[int, list[str]]:
    topics: dict[int, list[str]] = defaultdict(list)
    rows = (
        Topic.objects.filter(organization=organization, salon_visits__in=ids)
        .order_by("position", "pk")
        .values_list("salon_visits", "name")
    )
    for visit_id, name in rows:
        topics[visit_id].append(name)
    return topics


def visit_lines(
    *, organization: Organization, visits: QuerySet[Visit], with_names: bool
) -> Iterator[list[VisitLine]]:
    """``visits`` as export lines, ``CHUNK`` at a time (two queries a chunk)."""
    kinds, local = _labels(Visit.Kind.choices), _wall_clock()
    rows = visits.values_list(*VISIT_COLUMNS).iterator(chunk_size=CHUNK)
    for chunk in _chunks(rows):
        topics = _visit_topics(organization, [row[0] for row in chunk])
        yield [
            VisitLine(
                occurred_at=local(row[1]),
                venue=row[2],
                kind=kinds.get(row[3], row[3]),
                grade=row[4],
                topics=TOPIC_SEPARATOR.join(topics.get(row[0], ())),
                student=_person(*row[5:9]) if with_names and row[9] is not None else "",
            )
            for row in chunk
        ]


# --- survey answers ---------------------------------------------------------------------


def export_answer_count(
    *, organization: Organization, program: Program, start: datetime.date, end: datetime.date
) -> int:
    """How many rows ``surveys.selectors.results.responses_for_export`` gives for the same
    arguments (its period rule: the response's day, both ends included), for the progress
    bar only."""
    return Answer.objects.filter(
        organization=organization,
        response__organization=organization,
        response__program=program,
        response__submitted_on__gte=start,
        response__submitted_on__lte=end,
    ).count()


def export_program(*, organization: Organization, pk: int) -> Program:
    """The program a queued export names (it may have been deleted since: DoesNotExist)."""
    return Program.objects.get(organization=organization, pk=pk)
