"""Known data for the KPI tests, and the same KPIs computed again in plain Python over the
objects created (never through the selectors under test).

Organisation ``org`` has the salon program ``salon`` (the one measured), a second program
``other`` of the same organisation, and ``elsewhere`` is another organisation; each holds
data that would change the figures if it leaked in. Dates are in 2025年度 (1 April 2025 to
31 March 2026), with moments on both sides of its edges in Tokyo time."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from bansou.accounts.models import User
from bansou.engagements.models import Engagement, EngagementEvent, Reflection, Session
from bansou.orgs.models import Organization, Venue
from bansou.programs.models import Program
from bansou.salons.models import GroupEvent, SalonBlock, Visit
from tests.factories import (
    EngagementFactory,
    OrganizationFactory,
    ProgramFactory,
    ReservationFactory,
    SalonBlockFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
    VisitFactory,
)

TOKYO = ZoneInfo("Asia/Tokyo")
FY_START, FY_END = datetime.date(2025, 4, 1), datetime.date(2026, 3, 31)
ATTENDED = ("walk_in", "reserved", "outreach")


def at(year: int, month: int, day: int, hour: int = 13, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=TOKYO)


def tokyo_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(TOKYO).date()


@dataclass
class Records:
    """Everything created, for the plain-Python recount."""

    blocks: list[SalonBlock] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    reflected: set[int] = field(default_factory=set)  # session ids with a reflection
    endings: list[EngagementEvent] = field(default_factory=list)
    events: list[GroupEvent] = field(default_factory=list)


@dataclass
class Scenario:
    org: Organization
    salon: Program
    other: Program
    elsewhere: Organization
    elsewhere_program: Program
    venues: list[Venue]
    records: Records


def block(
    records: Records,
    program: Program,
    venue: Venue,
    starts: datetime.datetime,
    status: str = "held",
) -> SalonBlock:
    closed = starts + datetime.timedelta(hours=3) if status == "held" else None
    made = SalonBlockFactory(
        program=program, venue=venue, starts_at=starts, status=status, closed_at=closed
    )
    records.blocks.append(made)
    return made


def visit(
    records: Records,
    salon_block: SalonBlock,
    kind: str,
    student: User | None = None,
    minutes: int = 10,
) -> Visit:
    reservation = None
    if kind in ("reserved", "no_show"):
        reservation = ReservationFactory(block=salon_block, student=student or UserFactory())
    made = VisitFactory(
        block=salon_block,
        kind=kind,
        student=student,
        reservation=reservation,
        occurred_at=salon_block.starts_at + datetime.timedelta(minutes=minutes),
    )
    records.visits.append(made)
    return made


def session(
    records: Records,
    engagement: Engagement,
    starts: datetime.datetime,
    status: str = "held",
    reflection: bool = False,
) -> Session:
    made = SessionFactory(engagement=engagement, starts_at=starts, status=status)
    if reflection:
        Reflection.objects.create(
            organization=engagement.organization, session=made, noticed="気づき", via="web"
        )
        records.reflected.add(made.pk)
    records.sessions.append(made)
    return made


def ending(
    records: Records, engagement: Engagement, moment: datetime.datetime, to_status: str = "ended"
) -> None:
    event = EngagementEvent.objects.create(
        organization=engagement.organization,
        engagement=engagement,
        kind="status",
        from_status="active",
        to_status=to_status,
    )
    EngagementEvent.objects.filter(pk=event.pk).update(created_at=moment)
    event.refresh_from_db()
    records.endings.append(event)


def group_event(
    records: Records,
    org: Organization,
    program: Program | None,
    starts: datetime.datetime,
    *,
    status: str = "held",
    headcount: int | None = None,
    kind: str = "job_talk",
    venue: Venue | None = None,
) -> GroupEvent:
    made = GroupEvent.objects.create(
        organization=org,
        program=program,
        kind=kind,
        title="職業講話",
        venue=venue,
        meeting_url="" if venue else "https://meet.example.test/x",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        status=status,
        headcount=headcount,
    )
    records.events.append(made)
    return made


def build() -> Scenario:
    records = Records()
    org = OrganizationFactory()
    salon = ProgramFactory(organization=org, kind=Program.Kind.SALON)
    other = ProgramFactory(organization=org)
    v1, v2, v3, v4 = (
        VenueFactory(organization=org, name=n) for n in ("A高校", "B高校", "C高校", "D高校")
    )
    s1, s2, s3, s4, s5 = (UserFactory() for _ in range(5))

    # Salons of the measured program.
    b1 = block(records, salon, v1, at(2025, 4, 9))
    b2 = block(records, salon, v1, at(2025, 5, 14))
    b3 = block(records, salon, v2, at(2025, 10, 1))
    block(records, salon, v3, at(2025, 6, 4), status="cancelled")
    block(records, salon, v1, at(2025, 6, 11), status="scheduled")  # never closed
    b_last = block(records, salon, v2, at(2026, 3, 31, 20))  # the last evening of the 年度
    b_next = block(records, salon, v1, at(2026, 4, 1, 13))  # the next 年度
    block(records, salon, v4, at(2025, 3, 26))  # the 年度 before
    visit(records, b1, "walk_in", s1)
    visit(records, b2, "walk_in", s1)
    visit(records, b2, "reserved", s2)
    visit(records, b3, "outreach", s3)
    visit(records, b3, "walk_in")  # anonymous
    visit(records, b3, "walk_in")  # anonymous
    visit(records, b1, "no_show", s4)
    visit(records, b_last, "reserved", s3, minutes=200)  # 23:20 on 31 March
    visit(records, b_next, "walk_in", s5)  # next 年度

    # Sessions of the measured program (salon students may also have sessions).
    c1, c2 = UserFactory(), UserFactory()
    e1 = EngagementFactory(program=salon, client=c1)
    e2 = EngagementFactory(program=salon, client=s1)  # also a salon visitor: one person
    e3 = EngagementFactory(program=salon, client=c2)
    e4 = EngagementFactory(program=salon, client=UserFactory())  # no held session
    session(records, e1, at(2025, 4, 20, 10), reflection=True)
    session(records, e1, at(2025, 5, 20, 10))
    session(records, e1, at(2025, 6, 20, 10), status="no_show")
    session(records, e1, at(2025, 7, 20, 10), status="cancelled")
    session(records, e2, at(2026, 3, 31, 23, 30), reflection=True)  # 14:30 UTC, still 2025年度
    session(records, e3, at(2026, 4, 1, 0, 10))  # 31 March 15:10 UTC, but 2026年度
    session(records, e3, at(2025, 3, 31, 23, 50))  # the 年度 before
    session(records, e4, at(2025, 9, 1, 10), status="scheduled")
    ending(records, e1, at(2025, 8, 1, 12))
    ending(records, e2, at(2026, 3, 31, 23, 59))
    ending(records, e3, at(2025, 9, 1, 12), to_status="interrupted")
    ending(records, e4, at(2026, 4, 1, 0, 1))  # next 年度

    group_event(records, org, salon, at(2025, 7, 1), headcount=30, venue=v1)
    group_event(records, org, salon, at(2025, 8, 1), headcount=None, kind="guidance")
    group_event(records, org, salon, at(2025, 9, 1), status="cancelled", headcount=100)
    group_event(records, org, None, at(2025, 9, 2), headcount=7)  # of no program

    # The other program of the same organisation: data that must stay out of ``salon``.
    ob = block(records, other, v1, at(2025, 5, 21))
    visit(records, ob, "walk_in", s2)
    visit(records, ob, "walk_in", s2)
    visit(records, ob, "no_show", UserFactory())
    oe = EngagementFactory(program=other, client=c1)
    session(records, oe, at(2025, 5, 21, 10), reflection=True)
    session(records, oe, at(2025, 5, 22, 10), status="no_show")
    ending(records, oe, at(2025, 6, 1))
    group_event(records, org, other, at(2025, 7, 2), headcount=50)

    # Another organisation: nothing of it may count.
    elsewhere = OrganizationFactory()
    elsewhere_program = ProgramFactory(organization=elsewhere, kind=Program.Kind.SALON)
    xv = VenueFactory(organization=elsewhere)
    xb = block(records, elsewhere_program, xv, at(2025, 5, 14))
    visit(records, xb, "walk_in", UserFactory())
    xe = EngagementFactory(program=elsewhere_program, client=UserFactory())
    session(records, xe, at(2025, 5, 14, 10))
    ending(records, xe, at(2025, 6, 1))
    group_event(records, elsewhere, elsewhere_program, at(2025, 7, 1), headcount=999)
    return Scenario(
        org=org,
        salon=salon,
        other=other,
        elsewhere=elsewhere,
        elsewhere_program=elsewhere_program,
        venues=[v1, v2, v3, v4],
        records=records,
    )


# --- the recount ------------------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    if not whole:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _in(moment: datetime.datetime, start: datetime.date, end: datetime.date) -> bool:
    return start <= tokyo_day(moment) <= end


def expected(
    scenario: Scenario,
    *,
    organization: Organization,
    program: Program | None,
    start: datetime.date,
    end: datetime.date,
) -> dict[str, int | float | None]:
    """Every KPI by key, recounted from the records."""
    r = scenario.records

    def mine(obj_org_id: int, obj_program_id: int | None) -> bool:
        return obj_org_id == organization.pk and (program is None or obj_program_id == program.pk)

    blocks = [
        b
        for b in r.blocks
        if mine(b.organization_id, b.program_id) and _in(b.starts_at, start, end)
    ]
    held_blocks = [b for b in blocks if b.status == "held"]
    visits = [
        v
        for v in r.visits
        if mine(v.organization_id, v.block.program_id) and _in(v.occurred_at, start, end)
    ]
    attended = [v for v in visits if v.kind in ATTENDED]
    named = [v for v in attended if v.student_id is not None]
    per_student: dict[int, int] = {}
    for v in named:
        per_student[v.student_id] = per_student.get(v.student_id, 0) + 1  # type: ignore[index]
    sessions = [
        s
        for s in r.sessions
        if mine(s.organization_id, s.engagement.program_id) and _in(s.starts_at, start, end)
    ]
    held = [s for s in sessions if s.status == "held"]
    session_no_shows = sum(1 for s in sessions if s.status == "no_show")
    salon_no_shows = sum(1 for v in visits if v.kind == "no_show")
    reserved = sum(1 for v in visits if v.kind == "reserved")
    endings = {
        e.engagement_id
        for e in r.endings
        if mine(e.organization_id, e.engagement.program_id)
        and e.to_status == "ended"
        and _in(e.created_at, start, end)
    }
    events = [
        e
        for e in r.events
        if e.organization_id == organization.pk
        and (program is None or e.program_id == program.pk)
        and e.status == "held"
        and _in(e.starts_at, start, end)
    ]
    people = {s.engagement.client_id for s in held} | {v.student_id for v in named}
    return {
        "venues_served": len({b.venue_id for b in held_blocks}),
        "salon_sessions_held": len(held_blocks),
        "sessions_held": len(held),
        "unique_clients": len(people),
        "visits": len(attended),
        "visits_walk_in": sum(1 for v in visits if v.kind == "walk_in"),
        "visits_reserved": reserved,
        "visits_outreach": sum(1 for v in visits if v.kind == "outreach"),
        "repeat_visit_rate": _rate(
            sum(1 for n in per_student.values() if n >= 2), len(per_student)
        ),
        "no_show_rate": _rate(
            session_no_shows + salon_no_shows,
            len(held) + session_no_shows + reserved + salon_no_shows,
        ),
        "engagements_active": len({s.engagement_id for s in held}),
        "engagements_completed": len(endings),
        "reflection_rate": _rate(sum(1 for s in held if s.pk in r.reflected), len(held)),
        "events_held": len(events),
        "event_headcount": sum(e.headcount or 0 for e in events),
        "satisfaction_mean": None,
        "satisfied_rate": None,
        "nps": None,
    }
