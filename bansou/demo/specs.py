"""What a demo organisation is made of, written down as data: its people and venues, its
program with the accompaniment already under way, and its matching pool. One loader
(``bansou.demo.loader``) builds any of them. Days are counted from the day the demo is
loaded (negative: in the past), so the radar always has something to show."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from bansou.core.roles import Role
from bansou.engagements.cadence import Rule
from bansou.engagements.models import Session
from bansou.programs.models import Target
from bansou.surveys.models import Survey


@dataclass(frozen=True)
class DemoPerson:
    email: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    role: Role
    language: str = "ja"


@dataclass(frozen=True)
class DemoVenue:
    name: str
    kind: str
    address: str = ""


@dataclass(frozen=True)
class DemoPhase:
    name: str
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class DemoTarget:
    """A KPI target over the program's period: its name, unit and value, the KPI it
    measures (a ``programs.Kpi`` key) and whether it is an output or an outcome."""

    name: str
    unit: str
    value: int
    kpi: str
    kind: str = Target.Kind.OUTPUT


@dataclass(frozen=True)
class DemoTraining:
    name: str
    day: int
    attendees: tuple[str, ...]
    description: str = "オンラインで1回（19:00〜21:00）。傾聴と守秘義務、伴走の基本。"


@dataclass(frozen=True)
class DemoAppointmentType:
    name: str
    minutes: int
    mode: str  # "online" or "in_person"
    venue: str = ""  # the name of one of the organisation's venues, in person
    room: str = ""
    bookable_by: str = "enrolled"
    min_notice_hours: int = 24
    buffer_after_minutes: int = 0


@dataclass(frozen=True)
class DemoProgram:
    slug: str
    name: str
    kind: str
    description: str
    start: int
    end: int
    quiet_after_days: int = 21
    supporter_questions: tuple[str, ...] = ()
    client_questions: tuple[str, ...] = ()
    phases: tuple[DemoPhase, ...] = ()
    targets: tuple[DemoTarget, ...] = ()
    trainings: tuple[DemoTraining, ...] = ()
    appointment_types: tuple[DemoAppointmentType, ...] = ()


@dataclass(frozen=True)
class DemoSupporter:
    email: str
    specialties: tuple[str, ...]
    languages: tuple[str, ...]
    bio: str
    registration: str = ""  # a career consultant's registration number, when they have one
    gender: str = "female"


@dataclass(frozen=True)
class DemoClient:
    email: str
    category: str
    wants_help_with: str
    languages: tuple[str, ...] = ("ja",)
    school_or_organization: str = ""
    grade: str = ""
    at_first_venue: bool = False  # attends the organisation's first venue (by name)
    minor: bool = False  # a minor, with the guardian's consent on paper


@dataclass(frozen=True)
class DemoTeam:
    name: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class PastSession:
    days_ago: int
    hour: int
    minutes: int
    topics: tuple[str, ...]
    summary: str
    note: str = ""
    reflection: tuple[str, str, str, int | None] | None = None  # important, noticed, next, feeling
    status: str = Session.Status.HELD


@dataclass(frozen=True)
class DemoSeries:
    """Sessions planned ahead with a cadence."""

    first_day: int
    until: int
    hour: int
    minutes: int
    rule: Rule
    limit: int | None = None


@dataclass(frozen=True)
class DemoEngagement:
    client: str
    author: str  # who held the sessions and wrote their records
    mode: str
    supporter: str = ""  # either a supporter's email or a team's name
    team: str = ""
    goals: str = ""
    place: str = ""
    at_first_venue: bool = False  # the sessions take place at the first venue (by name)
    meeting_url: str = ""
    past: tuple[PastSession, ...] = ()
    series: DemoSeries | None = None


@dataclass(frozen=True)
class DemoAccompaniment:
    """The program and everything under way in it; built once, when the organisation has
    no program yet."""

    program: DemoProgram
    coordinator: str
    supporters: tuple[DemoSupporter, ...] = ()
    teams: tuple[DemoTeam, ...] = ()
    clients: tuple[DemoClient, ...] = ()
    engagements: tuple[DemoEngagement, ...] = ()


@dataclass(frozen=True)
class DemoMatchingProfile:
    email: str
    slots: tuple[str, ...]
    modes: tuple[str, ...] = ()
    preferred_mode: str = ""
    experience_level: int = 0


@dataclass(frozen=True)
class DemoMatching:
    """A matching pool in the accompaniment's program: two rounds, the first confirmed and
    the second waiting for review; built once, when the organisation has no round yet."""

    coordinator: str
    round_titles: tuple[str, str]
    criteria: Mapping[str, object] = field(default_factory=dict)
    supporters: tuple[DemoSupporter, ...] = ()
    clients: tuple[DemoClient, ...] = ()
    profiles: tuple[DemoMatchingProfile, ...] = ()
    rankings: bool = False  # both sides rank each other (for the stable mode)


@dataclass(frozen=True)
class DemoAvailability:
    """Weekly times of some supporters, e.g. the mentors on 火・木 19:00–22:00."""

    emails: tuple[str, ...]
    weekdays: tuple[int, ...]  # 0 = Monday
    windows: tuple[tuple[str, str], ...]  # ("19:00", "22:00")
    per_day: int | None = None
    per_week: int | None = None
    per_month: int | None = None


@dataclass(frozen=True)
class DemoBooking:
    """A client's booking of an appointment type: the first open time from ``days_ahead``
    days on, with their own supporter or pair, or in a pool with ``supporter`` (empty: any
    counsellor)."""

    client: str
    appointment_type: str
    days_ahead: int
    supporter: str = ""


@dataclass(frozen=True)
class DemoMeeting:
    """An internal meeting of a team's members on the first day from ``days_ahead`` on
    when all of them are free at ``hour``."""

    title: str
    team: str
    days_ahead: int
    hour: int
    minutes: int = 60
    place: str = ""


@dataclass(frozen=True)
class DemoClosure:
    """A closure on the next occurrence of its dates (this year's, or next year's once
    they have passed)."""

    name: str
    first: tuple[int, int]  # (month, day)
    last: tuple[int, int]


@dataclass(frozen=True)
class DemoSalonVenue:
    """A school's weekly salon: the venue (by name), its campus notes, who works there,
    the weekday and hours, and its own closed days (days from today); ``held``: the salons
    held there so far (the school's first salon is that many salon days back, closed days
    skipped: schools joined the program over the half-year), ``busy``: the mean number of
    students who come to one of its salons."""

    venue: str
    weekday: int  # 0 Monday
    hours: tuple[int, int]
    room: str
    access: str
    contact: str
    teachers: tuple[str, ...]
    supporters: tuple[str, ...]
    closed: tuple[tuple[str, int, int], ...] = ()
    held: int = 12
    busy: float = 3.0


@dataclass(frozen=True)
class DemoStudent:
    email: str
    venue: int  # index into DemoSalons.venues
    grade: str


@dataclass(frozen=True)
class DemoEvent:
    kind: str
    title: str
    day: int
    hours: tuple[int, int]
    venue: int | None  # index into DemoSalons.venues, or None when online
    staff: tuple[str, ...]
    headcount: int | None = None
    online: str = ""


@dataclass(frozen=True)
class DemoSalonRadar:
    """Whom the continuity radar's salon sections find: a student who came once, weeks
    ago; one a teacher referred long ago who never came; one who keeps missing booked
    visits (their emails; these three keep out of the random visits), and a school (an
    index into DemoSalons.venues) whose visits fall over the last weeks."""

    came_once: str
    referred: str
    no_shows: str
    falling_venue: int


@dataclass(frozen=True)
class DemoSalons:
    """Each school's salons held so far (``DemoSalonVenue.held``, with visits and logs) and
    over the next ``weeks_ahead`` weeks (scheduled, some reserved); referrals, consents,
    reports, a thread. ``people``: the schools' other teachers and students, made in bulk
    with the demo password (not listed as demo logins); ``breaks``: every school's own
    holidays (summer, winter, spring), each school's closed days around the salons;
    ``visits``: the visits attended at all schools together, to which the random visits
    are settled (None: as they fall)."""

    venues: tuple[DemoSalonVenue, ...]
    students: tuple[DemoStudent, ...]
    events: tuple[DemoEvent, ...] = ()
    radar: DemoSalonRadar | None = None
    people: tuple[DemoPerson, ...] = ()
    breaks: tuple[DemoClosure, ...] = ()
    visits: int | None = None
    weeks_ahead: int = 3


@dataclass(frozen=True)
class DemoText:
    """A free-text answer as written and, when a coordinator chose it for reports, as
    edited for anonymity (``published``; empty: as written; None: not published)."""

    text: str
    published: str | None = None


@dataclass(frozen=True)
class DemoQuestion:
    """A survey question and how its answers fall: ``spread`` gives the share of each
    point (1–5, 0–10) or choice (single choice), or each choice's chance of being picked
    in % (multiple choice); a free-text question is answered by one response per text."""

    kind: str
    text: str
    text_en: str = ""
    choices: tuple[str, ...] = ()
    spread: tuple[int, ...] = ()
    satisfaction: bool = False
    texts: tuple[DemoText, ...] = ()


@dataclass(frozen=True)
class DemoSurvey:
    """A survey of the program, opened ``opened`` days from today and closing on
    ``closes``: whom it asks (invited by hand, after each held session, or a public link),
    and how many answered (``responses``; of those invited, or through the link on the
    days the program's salons were held)."""

    title: str
    title_en: str
    audience: str
    questions: tuple[DemoQuestion, ...]
    opened: int
    closes: int
    responses: int
    intro: str = ""
    anonymous: bool = True
    trigger: str = Survey.Trigger.MANUAL


@dataclass(frozen=True)
class DemoOrganization:
    slug: str
    name: str
    kind: str
    description: str
    venues: tuple[DemoVenue, ...]
    people: tuple[DemoPerson, ...]
    accompaniment: DemoAccompaniment | None = None
    matching: DemoMatching | None = None
    availability: tuple[DemoAvailability, ...] = ()
    closures: tuple[DemoClosure, ...] = ()
    bookings: tuple[DemoBooking, ...] = ()
    meetings: tuple[DemoMeeting, ...] = ()
    salons: DemoSalons | None = None
    surveys: tuple[DemoSurvey, ...] = ()
