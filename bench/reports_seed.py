"""The organisation of ``bench/reports.py``: at full size 100,000 clients, 300 venues and
1,000,000 sessions and salon visits in all (500,000 of each), over three 年度 up to today,
plus what the KPIs read beside them (engagements and their endings, reflections,
reservations, salon blocks with their meetings, group events, KPI targets) and 200,000
survey answers (a teachers' survey of the salon program: a satisfaction scale, a 0–10
recommendation and a free text, some of it published as voices).

The large tables go in through PostgreSQL ``COPY`` (psycopg's ``cursor.copy``), the rest
through ``bulk_create``; reflections, reserved visits and no-shows are derived in SQL from
the rows already there. Import only after ``django.setup()``; PostgreSQL only.
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.utils import timezone

from bansou.accounts.models import User
from bansou.core.calendar import fiscal_year_bounds, fiscal_year_of
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, EngagementEvent, Meeting, Session
from bansou.orgs.models import Membership, Organization, Venue
from bansou.programs.models import Kpi, Program, Target
from bansou.salons.models import GroupEvent, Reservation, SalonBlock, Visit
from bansou.surveys.models import Question, Response, Survey

FULL = {
    "clients": 100_000,
    "venues": 300,
    "sessions": 500_000,
    "visits": 500_000,
    "blocks": 30_000,
    "supporters": 600,
    "events": 3_000,
    "survey_answers": 200_000,
}
BATCH = 5_000
SESSION_STATUSES = ["held"] * 80 + ["no_show"] * 8 + ["cancelled"] * 7
VISIT_KINDS = ["walk_in"] * 55 + ["outreach"] * 20 + ["reserved"] * 25  # reserved: a quarter
REFLECTED_PERCENT = 35  # of held sessions
STUDENT_SHARE = 0.6  # of the clients: high-school students at a venue (the salon's)


@dataclass
class Seeded:
    organization: Organization
    salon: Program
    appointments: Program
    counts: dict[str, int]


def _copy(model: type[models.Model], rows: Iterable[dict[str, Any]], **fixed: Any) -> int:
    """COPY ``rows`` into the model's table: every concrete column but the id, each from
    the row, else ``fixed``, else the field's default (``auto_now(_add)``: now)."""
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults: dict[str, Any] = {}
    for f in fields:
        auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        defaults[f.attname] = now if auto else f.get_default()
    defaults.update(fixed)
    names = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    written = 0
    statement = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[n] if n in row else defaults[n] for n in names])
            written += 1
    return written


def _sql(statement: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _people(org: Organization, label: str, prefix: str, count: int, role: str) -> list[int]:
    users = User.objects.bulk_create(
        (
            User(
                email=f"{prefix}{i}@{label}.reports.test",
                family_name="佐藤",
                given_name=f"{prefix}{i}",
                family_name_kana="サトウ",
                given_name_kana="テスト",
                password="!",
            )
            for i in range(count)
        ),
        batch_size=BATCH,
    )
    Membership.objects.bulk_create(
        (Membership(organization=org, user=u, role=role) for u in users), batch_size=BATCH
    )
    return [u.pk for u in users]


def _moment(rng: random.Random, first: datetime.date, days: int, hour: int) -> datetime.datetime:
    day = first + datetime.timedelta(days=rng.randrange(days))
    tz = timezone.get_current_timezone()
    return datetime.datetime.combine(day, datetime.time(hour, rng.choice((0, 30))), tzinfo=tz)


def seed(*, label: str, size: float, seed: int = 5) -> Seeded:
    rng = random.Random(seed)
    n = {k: max(3, round(v * size)) for k, v in FULL.items()}
    today = timezone.localdate()
    first = fiscal_year_bounds(fiscal_year_of(today) - 2)[0]  # three 年度, this one last
    span = (today - first).days
    org = Organization.objects.create(slug=f"reports-{label}", name=f"キャリア支援 {label}")
    salon = Program.objects.create(
        organization=org,
        name="校内キャリアサロン",
        slug="salon",
        kind=Program.Kind.SALON,
        starts_on=first,
        ends_on=today + datetime.timedelta(days=365),
    )
    appointments = Program.objects.create(
        organization=org,
        name="個別キャリア相談",
        slug="appointments",
        kind=Program.Kind.APPOINTMENTS,
        starts_on=first,
        ends_on=today + datetime.timedelta(days=365),
    )
    supporters = _people(org, label, "supporter", n["supporters"], Role.SUPPORTER)
    clients = _people(org, label, "client", n["clients"], Role.CLIENT)
    venues = Venue.objects.bulk_create(
        Venue(organization=org, name=f"高校{i:03d}", address="東京都") for i in range(n["venues"])
    )

    # Engagements: one per client in the appointments program, with sessions over the
    # three 年度; a third ended (recorded as an event), a tenth interrupted.
    statuses = ["active"] * 6 + ["ended"] * 3 + ["interrupted"]
    engagements = Engagement.objects.bulk_create(
        (
            Engagement(
                organization=org,
                program=appointments,
                client_id=client,
                supporter_id=supporters[i % len(supporters)],
                status=rng.choice(statuses),
            )
            for i, client in enumerate(clients)
        ),
        batch_size=BATCH,
    )
    _copy(
        EngagementEvent,
        (
            {
                "engagement_id": e.pk,
                "kind": "status",
                "from_status": "active",
                "to_status": e.status,
                "created_at": _moment(rng, first, span, 17),
            }
            for e in engagements
            if e.status != "active"
        ),
        organization_id=org.pk,
    )
    now = timezone.now()

    def sessions() -> Iterator[dict[str, Any]]:
        for i in range(n["sessions"]):
            engagement = engagements[i % len(engagements)]
            starts = _moment(rng, first, span + 30, rng.randrange(9, 21))
            status = "scheduled" if starts > now else rng.choice(SESSION_STATUSES)
            yield {
                "engagement_id": engagement.pk,
                "starts_at": starts,
                "ends_at": starts + datetime.timedelta(minutes=40),
                "status": status,
            }

    _copy(Session, sessions(), organization_id=org.pk, mode="online")
    reflections = _sql(
        "INSERT INTO engagements_reflection (organization_id, session_id, important, noticed,"
        " next_step, feeling, via, created_at)"
        " SELECT organization_id, id, '', '気づき', '', 4, 'link', ends_at"
        " FROM engagements_session WHERE organization_id = %s AND status = 'held'"
        " AND id %% 100 < %s",
        [org.pk, REFLECTED_PERCENT],
    )

    # Salons: blocks at every venue over the three 年度, each carried by its meeting.
    # Every venue's salons evenly apart (one a day at most, so that a student's
    # reservations never share a start), each venue on its own weekday.
    tz = timezone.get_current_timezone()
    per_venue = max(1, n["blocks"] // len(venues))
    step = max(1, span // per_venue)
    starts_list = [
        (venue, datetime.datetime.combine(day, datetime.time(13), tzinfo=tz))
        for v, venue in enumerate(venues)
        for k in range(per_venue)
        if (day := first + datetime.timedelta(days=k * step + v % step)) < today
    ]
    meetings = Meeting.objects.bulk_create(
        (
            Meeting(
                organization=org,
                title=f"キャリアサロン（{venue.name}）",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=3),
            )
            for venue, start in starts_list
        ),
        batch_size=BATCH,
    )

    def block_status(start: datetime.datetime) -> str:
        if start > now:
            return "scheduled"
        return "cancelled" if rng.random() < 0.05 else "held"

    blocks = []
    for (venue, start), meeting in zip(starts_list, meetings, strict=True):
        status = block_status(start)
        blocks.append(
            SalonBlock(
                organization=org,
                venue=venue,
                program=salon,
                meeting=meeting,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=3),
                status=status,
                closed_at=start + datetime.timedelta(hours=3) if status == "held" else None,
                log_summary="通常開催" if status == "held" else "",
            )
        )
    blocks = SalonBlock.objects.bulk_create(blocks, batch_size=BATCH)
    held_blocks = [b for b in blocks if b.status == "held"]
    students = clients[: int(len(clients) * STUDENT_SHARE)]
    by_venue: dict[int, list[int]] = {}
    for i, student in enumerate(students):
        by_venue.setdefault(venues[i % len(venues)].pk, []).append(student)

    # Visits: walk-ins and 声かけ copied in; reserved ones and no-shows through their
    # reservations (a quarter of the visits; one in six reservations missed).
    per_block = n["visits"] // max(1, len(held_blocks))
    extra = n["visits"] - per_block * len(held_blocks)
    reservations: list[dict[str, Any]] = []
    walk_ins: list[dict[str, Any]] = []
    for b, block in enumerate(held_blocks):
        pool = by_venue[block.venue_id]
        count = per_block + (1 if b < extra else 0)
        chosen = rng.sample(pool, min(len(pool), count))
        for k in range(count):
            kind = rng.choice(VISIT_KINDS)
            student = chosen[k] if k < len(chosen) else None
            at = block.starts_at + datetime.timedelta(minutes=(5 * k) % 180)
            if kind == "reserved" and student is not None:
                reservations.append(
                    {"block_id": block.pk, "student_id": student, "slot_starts_at": at}
                )
                continue
            anonymous = student is None or rng.random() < 0.15
            walk_ins.append(
                {
                    "block_id": block.pk,
                    "venue_id": block.venue_id,
                    "program_id": salon.pk,
                    "occurred_at": at,
                    "kind": "walk_in" if kind == "reserved" else kind,
                    "student_id": None if anonymous else student,
                    "key": uuid.uuid4(),
                }
            )
    _copy(Visit, walk_ins, organization_id=org.pk)
    _copy(Reservation, reservations, organization_id=org.pk, status="reserved")
    _sql(
        "INSERT INTO salons_visit (organization_id, block_id, venue_id, program_id,"
        " occurred_at, kind, student_id, reservation_id, grade, private_note, key, recorded_at)"
        " SELECT r.organization_id, r.block_id, b.venue_id, b.program_id, r.slot_starts_at,"
        " CASE WHEN r.id %% 6 = 0 THEN 'no_show' ELSE 'reserved' END, r.student_id, r.id,"
        " '', '', md5(r.id::text)::uuid, now()"
        " FROM salons_reservation r JOIN salons_salonblock b ON b.id = r.block_id"
        " WHERE r.organization_id = %s",
        [org.pk],
    )

    def events() -> Iterator[dict[str, Any]]:
        for i in range(n["events"]):
            start = _moment(rng, first, span, 15)
            yield {
                "program_id": salon.pk,
                "kind": rng.choice(GroupEvent.Kind.values),
                "title": "職業講話",
                "venue_id": venues[i % len(venues)].pk,
                "starts_at": start,
                "ends_at": start + datetime.timedelta(hours=1),
                "status": "held" if start < now else "scheduled",
                "headcount": rng.randrange(10, 200) if start < now else None,
            }

    events_made = _copy(GroupEvent, events(), organization_id=org.pk)
    year_start, year_end = fiscal_year_bounds(fiscal_year_of(today))
    targets = [
        ("訪問校数", Kpi.VENUES_SERVED, "校", n["venues"]),
        ("サロン開催回数", Kpi.SALON_SESSIONS_HELD, "回", n["blocks"] // 3),
        ("来室数", Kpi.VISITS, "人", n["visits"] // 3),
        ("リピート率", Kpi.REPEAT_VISIT_RATE, "%", 50),
        ("欠席率", Kpi.NO_SHOW_RATE, "%", 10),
    ]
    Target.objects.bulk_create(
        Target(
            organization=org,
            program=salon,
            name=name,
            kpi=kpi,
            kind=Target.Kind.OUTPUT,
            unit=unit,
            target_value=value,
            period_start=year_start,
            period_end=year_end,
        )
        for name, kpi, unit, value in targets
    )
    answers = _survey_answers(
        org, salon, venues, rng, first=first, span=span, count=n["survey_answers"]
    )
    counts = {
        "clients": len(clients),
        "venues": len(venues),
        "sessions": Session.objects.filter(organization=org).count(),
        "visits": Visit.objects.filter(organization=org).count(),
        "salon_blocks": len(blocks),
        "engagements": len(engagements),
        "reflections": reflections,
        "events": events_made,
        "survey_answers": answers,
    }
    return Seeded(organization=org, salon=salon, appointments=appointments, counts=counts)


VOICE = "生徒が自分から進路の話をするようになった"


def _survey_answers(
    org: Organization,
    salon: Program,
    venues: list[Venue],
    rng: random.Random,
    *,
    first: datetime.date,
    span: int,
    count: int,
) -> int:
    """A teachers' survey of the salon program with three questions and ``count`` answers
    in all (a third of that many anonymous responses over the three 年度): responses
    through COPY, their answers derived in SQL, one in twenty free texts published."""
    survey = Survey.objects.create(
        organization=org,
        program=salon,
        title_ja="教員アンケート",
        audience=Survey.Audience.PARTNERS,
        anonymous=True,
        status=Survey.Status.OPEN,
        closes_on=first + datetime.timedelta(days=span + 30),
    )
    scale, nps, text = (
        Question.objects.create(
            organization=org,
            survey=survey,
            position=position,
            kind=kind,
            text_ja=label,
            measures_satisfaction=kind == Question.Kind.SCALE,
        )
        for position, kind, label in (
            (1, Question.Kind.SCALE, "サロンの満足度"),
            (2, Question.Kind.NPS, "他校に勧めたいか"),
            (3, Question.Kind.TEXT, "ご意見"),
        )
    )
    responses = max(1, count // 3)
    _copy(
        Response,
        (
            {
                "survey_id": survey.pk,
                "program_id": salon.pk,
                "venue_id": venues[i % len(venues)].pk,
                "via": "invitation",
                "key": uuid.uuid4(),
                "submitted_on": first + datetime.timedelta(days=rng.randrange(span + 1)),
                "respondent_id": None,
                "session_id": None,
                "submitted_at": None,
            }
            for i in range(responses)
        ),
        organization_id=org.pk,
        language="ja",
    )
    written = 0
    for question, number in (
        (scale, "1 + (r.id * 7 + r.id / 3) %% 5"),
        (nps, "(r.id * 13 + r.id / 5) %% 11"),
        (text, "NULL"),
    ):
        is_text = question is text
        body = "%s" if is_text else "''"
        published = "r.id %% 20 = 0" if is_text else "false"
        written += _sql(
            "INSERT INTO surveys_answer (organization_id, response_id, question_id, number,"
            " choices, text, publishable, published_text, published_at)"
            f" SELECT r.organization_id, r.id, %s, {number}, '[]'::jsonb, {body},"
            f" {published}, CASE WHEN {published} THEN {body} ELSE '' END,"
            f" CASE WHEN {published} THEN now() END"
            " FROM surveys_response r WHERE r.organization_id = %s AND r.survey_id = %s",
            [question.pk, *([VOICE] * 2 if is_text else []), org.pk, survey.pk],
        )
    return written
