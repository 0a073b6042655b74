"""The visits of the demo's past salons, planned in memory and written in bulk: each held
salon's walk-ins, reserved students (some who did not come) and 声かけ, of the school's
registered students and of anonymous ones, with grades, topics and now and then a private
note. Before they are written the plan is evened out so that the continuity radar finds
only the cases the demo plants (``DemoSalonRadar``): every registered student who came
once comes again, nobody else keeps missing booked visits, and no other school's visits
fall. ``visits_settle`` then brings the half-year's attended visits to the figure the
spec gives (the grant report's 757) with anonymous visits at salons long past."""

import datetime
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils import timezone

from bansou.accounts.models import User
from bansou.orgs.models import Organization
from bansou.programs.models import Topic
from bansou.salons.models import Reservation, SalonBlock, Visit
from bansou.salons.selectors.radar import (
    FALLING_DROP_PERCENT,
    FALLING_MIN_BEFORE,
    FALLING_WEEKS,
    NO_SHOW_MIN,
    NO_SHOW_WEEKS,
    ONE_VISIT_WEEKS,
)
from bansou.salons.selectors.stats import ATTENDED
from bansou.salons.services.reservations import block_slots

GRADES = ("1年", "2年", "3年", "3年", "")
NOTES = (
    "家庭の事情で進学に迷い。保護者の話は本人から出るまで待つ。",
    "アルバイト先の人間関係に悩み。次回、働き方の話を。",
    "面接の受け答えが上達。自信がついてきた様子。",
    "朝起きられず登校が不安定。体調の話を少しだけ聞いた。焦らせない。",
    "奨学金の説明会に一緒に申し込んだ。保護者への伝え方を次回相談。",
    "自分の気持ちを言葉にするのに時間がかかる。沈黙を待つと話してくれる。",
    "担任の先生に共有してよいか確認したところ、まだ待ってほしいとのこと。",
)
# Of a hundred taps: reserved and came, reserved and did not come, 声かけ, walk-in.
RESERVED_BELOW, NO_SHOW_BELOW, OUTREACH_BELOW = 27, 33, 59
NAMED_SHARE = 0.55  # walk-ins and 声かけ of a registered student (the rest stay anonymous)
NOTE_SHARE = 0.15
BOOKED_BY_SUPPORTER = 0.4
# The visits added to even the plan out, in about the same mix (of those who came).
EXTRA_NAMED = ((Visit.Kind.RESERVED, 25), (Visit.Kind.OUTREACH, 28), (Visit.Kind.WALK_IN, 47))
EXTRA_ANONYMOUS = ((Visit.Kind.OUTREACH, 37), (Visit.Kind.WALK_IN, 63))
SETTLE_AFTER_WEEKS = 2 * FALLING_WEEKS  # salons older than the radar looks at


@dataclass
class Tap:
    """One visit to write: the salon, what kind, when, who (or the grade of an anonymous
    student), the slot a reservation was for."""

    block: SalonBlock
    kind: str
    at: datetime.datetime
    recorded_by: User
    student: User | None = None
    grade: str = ""
    slot: datetime.datetime | None = None
    booked_by_supporter: bool = False  # the "next visit" a supporter booked at the salon
    topics: tuple[Topic, ...] = ()
    note: str = ""

    @property
    def attended(self) -> bool:
        return self.kind in ATTENDED


def _poisson(rng: random.Random, mean: float) -> int:
    """A count around ``mean`` (Knuth's method: small means only)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def salon_taps(
    *,
    block: SalonBlock,
    pool: Sequence[User],
    staff: Sequence[User],
    topics: Sequence[Topic],
    rng: random.Random,
    busy: float,
    few: bool = False,
) -> list[Tap]:
    """A held salon's visits: about ``busy`` students, a quarter of them reserved (a few
    of those missed it), a quarter 声かけ, the rest walk-ins; reserved students are
    registered ones from ``pool``, the others registered or anonymous. ``few``: one
    student (a school whose visits are falling)."""
    slots = [slot.starts_at for slot in block_slots(block=block)]
    free_slots = rng.sample(slots, len(slots))
    students = rng.sample(list(pool), len(pool))
    taps = []
    for i in range(1 if few else _poisson(rng, busy)):
        roll = rng.randrange(100)
        kind = (
            Visit.Kind.RESERVED
            if roll < RESERVED_BELOW
            else Visit.Kind.NO_SHOW
            if roll < NO_SHOW_BELOW
            else Visit.Kind.OUTREACH
            if roll < OUTREACH_BELOW
            else Visit.Kind.WALK_IN
        )
        booked = kind in (Visit.Kind.RESERVED, Visit.Kind.NO_SHOW)
        if booked and not (students and free_slots):
            kind, booked = Visit.Kind.WALK_IN, False
        named = bool(students) and (booked or few or rng.random() < NAMED_SHARE)
        student = students.pop() if named else None
        slot = free_slots.pop() if booked else rng.choice(slots)
        taps.append(
            Tap(
                block=block,
                kind=kind,
                at=slot + datetime.timedelta(minutes=rng.randint(0, 20)),
                recorded_by=staff[i % len(staff)],
                student=student,
                grade="" if student else rng.choice(GRADES),
                slot=slot if booked else None,
                booked_by_supporter=booked and rng.random() < BOOKED_BY_SUPPORTER,
                topics=()
                if kind == Visit.Kind.NO_SHOW
                else tuple(rng.sample(list(topics), min(len(topics), rng.randint(1, 2)))),
                note=rng.choice(NOTES)
                if student and kind != Visit.Kind.NO_SHOW and rng.random() < NOTE_SHARE
                else "",
            )
        )
    return taps


# --- evening out the plan ------------------------------------------------------------------


def no_repeated_no_shows(*, taps: Iterable[Tap], now: datetime.datetime) -> None:
    """Nobody but the radar's case misses ``NO_SHOW_MIN`` booked visits in the radar's
    weeks: a student's later misses there become visits they came to."""
    since = now - datetime.timedelta(weeks=NO_SHOW_WEEKS)
    missed: Counter[int] = Counter()
    for tap in sorted(taps, key=lambda t: t.at):
        if tap.kind == Visit.Kind.NO_SHOW and tap.student is not None and tap.at >= since:
            missed[tap.student.pk] += 1
            if missed[tap.student.pk] >= NO_SHOW_MIN:
                tap.kind = Visit.Kind.RESERVED


def newcomers(
    *,
    taps: list[Tap],
    pools: dict[int, list[User]],
    now: datetime.datetime,
    rng: random.Random,
) -> set[int]:
    """The last student of each school registered lately: if they came in the last
    weeks, that visit is their first (their earlier visits were another student's, or
    an anonymous one's); the students (ids) who are newcomers now. They came once, too
    lately for the radar to ask about them."""
    since = now - datetime.timedelta(weeks=ONE_VISIT_WEEKS - 1)
    new = set()
    for pool in pools.values():
        student = pool[-1] if pool else None
        own = sorted((t for t in taps if student and t.student is student), key=lambda t: t.at)
        latest = [t for t in own if t.attended and t.at >= since]
        if student is None or not latest:
            continue
        new.add(student.pk)
        for tap in own:
            if tap is not latest[-1]:
                _hand_over(tap=tap, taps=taps, pool=pool[:-1], rng=rng)
    return new


def _hand_over(*, tap: Tap, taps: Sequence[Tap], pool: Sequence[User], rng: random.Random) -> None:
    """The visit becomes another student's of the school who was not at that salon, or
    an anonymous walk-in (a reservation needs a registered student)."""
    there = {t.student.pk for t in taps if t.block is tap.block and t.student is not None}
    others = [s for s in pool if s.pk not in there]
    if others:
        tap.student = rng.choice(others)
        return
    tap.student, tap.grade, tap.slot, tap.note = None, rng.choice(GRADES), None, ""
    if tap.kind in (Visit.Kind.RESERVED, Visit.Kind.NO_SHOW):
        tap.kind = Visit.Kind.WALK_IN


def everyone_comes_back(
    *,
    taps: list[Tap],
    pools: dict[int, list[User]],
    held: dict[int, list[SalonBlock]],
    staff: dict[int, list[User]],
    rng: random.Random,
    skip: set[int],
) -> None:
    """A registered student who came once comes again, to a later salon of their school
    when there is one (the radar's "came once" is the demo's one planted case), but for
    the newcomers (``skip``)."""
    came: dict[int, list[Tap]] = defaultdict(list)
    for tap in taps:
        if tap.attended and tap.student is not None:
            came[tap.student.pk].append(tap)
    for venue_id, pool in pools.items():
        for student in pool:
            visits = came.get(student.pk, [])
            if len(visits) != 1 or student.pk in skip:
                continue
            first = visits[0].block
            been = {id(t.block) for t in taps if t.student is student}  # no-shows too
            others = [b for b in held[venue_id] if id(b) not in been]
            later = [b for b in others if b.starts_at > first.starts_at] or others
            if not later:
                continue
            block = later[0] if len(later) < 3 else rng.choice(later[:3])
            taps.append(
                _extra(block=block, staff=staff[venue_id], rng=rng, taps=taps, student=student)
            )


def _extra(
    *,
    block: SalonBlock,
    staff: Sequence[User],
    rng: random.Random,
    taps: Sequence[Tap],
    student: User | None = None,
) -> Tap:
    """One more visit at the salon in the same mix as the others: a registered student
    may have reserved a free slot; an anonymous one walked in or was spoken to."""
    slots = [slot.starts_at for slot in block_slots(block=block)]
    taken = {t.slot for t in taps if t.block is block and t.slot is not None}
    free = [slot for slot in slots if slot not in taken]
    mix = EXTRA_NAMED if student is not None else EXTRA_ANONYMOUS
    kind = rng.choices([k for k, _w in mix], weights=[w for _k, w in mix])[0]
    if kind == Visit.Kind.RESERVED and not free:
        kind = Visit.Kind.WALK_IN
    booked = kind == Visit.Kind.RESERVED
    slot = rng.choice(free) if booked else rng.choice(slots)
    return Tap(
        block=block,
        kind=kind,
        at=slot + datetime.timedelta(minutes=rng.randint(0, 20)),
        recorded_by=staff[0],
        student=student,
        grade="" if student else rng.choice(GRADES),
        slot=slot if booked else None,
    )


def falls_only_where_planted(
    *,
    taps: list[Tap],
    held: dict[int, list[SalonBlock]],
    staff: dict[int, list[User]],
    falling: int | None,
    now: datetime.datetime,
    rng: random.Random,
) -> None:
    """The radar's falling schools: the planted one falls (its weeks before hold enough
    visits to fall from), every other school's last weeks keep well above the fall
    (anonymous visits are added to its recent salons, or, with none, taken from the
    weeks before)."""
    split = now - datetime.timedelta(weeks=FALLING_WEEKS)
    start = split - datetime.timedelta(weeks=FALLING_WEEKS)
    kept = 100 - FALLING_DROP_PERCENT
    for venue_id, blocks in held.items():
        before_blocks = [b for b in blocks if start <= b.starts_at < split]
        recent_blocks = [b for b in blocks if split <= b.starts_at < now]

        def counts(venue_id: int = venue_id) -> tuple[int, int]:
            at = [t.at for t in taps if t.attended and t.block.venue_id == venue_id]
            return sum(start <= a < split for a in at), sum(split <= a < now for a in at)

        before, recent = counts()
        if venue_id == falling:
            while before_blocks and (
                before < FALLING_MIN_BEFORE + 1 or recent * 100 > before * (kept - 10)
            ):
                block = before_blocks[before % len(before_blocks)]
                taps.append(_extra(block=block, staff=staff[venue_id], rng=rng, taps=taps))
                before += 1
            continue
        # Well above the fall: the recent weeks keep four fifths of the weeks before.
        while before >= FALLING_MIN_BEFORE and recent * 100 < before * (kept + 10):
            if recent_blocks:
                block = recent_blocks[recent % len(recent_blocks)]
                taps.append(_extra(block=block, staff=staff[venue_id], rng=rng, taps=taps))
                recent += 1
                continue
            anonymous = [
                t
                for t in taps
                if t.block.venue_id == venue_id
                and t.student is None
                and t.attended
                and start <= t.at < split
            ]
            if not anonymous:
                break
            taps.remove(anonymous[-1])
            before -= 1


# --- writing ---------------------------------------------------------------------------


def taps_save(*, organization: Organization, taps: Sequence[Tap]) -> int:
    """Writes the visits, the reservations of reserved ones and their topics (a few
    queries); the number of visits written."""
    reservations = {
        id(tap): Reservation(
            organization=organization,
            block=tap.block,
            student=tap.student,
            slot_starts_at=tap.slot,
            booked_via=Reservation.BookedVia.SUPPORTER
            if tap.booked_by_supporter
            else Reservation.BookedVia.STUDENT,
            created_by=tap.recorded_by if tap.booked_by_supporter else tap.student,
        )
        for tap in taps
        if tap.slot is not None
    }
    Reservation.objects.bulk_create(list(reservations.values()))
    visits = [
        Visit(
            organization=organization,
            block=tap.block,
            venue_id=tap.block.venue_id,
            program_id=tap.block.program_id,
            occurred_at=tap.at,
            kind=tap.kind,
            student=tap.student,
            reservation=reservations.get(id(tap)),
            grade=tap.grade,
            private_note=tap.note,
            recorded_by=tap.recorded_by,
        )
        for tap in taps
    ]
    Visit.objects.bulk_create(visits)
    through = Visit.topics.through
    through.objects.bulk_create(
        [
            through(visit_id=visit.pk, topic_id=topic.pk)
            for visit, tap in zip(visits, taps, strict=True)
            for topic in tap.topics
        ]
    )
    return len(visits)


def visits_settle(
    *,
    organization: Organization,
    blocks: Sequence[SalonBlock],
    staff: dict[int, list[User]],
    total: int,
    rng: random.Random,
) -> None:
    """Brings the attended visits of ``blocks`` (the half-year's held salons) to
    ``total``: anonymous visits added to, or taken from, salons older than the radar's
    weeks, so that no case it finds changes."""
    old = [
        b
        for b in blocks
        if b.starts_at < timezone.now() - datetime.timedelta(weeks=SETTLE_AFTER_WEEKS)
    ]
    if not old:
        return
    attended = Visit.objects.filter(
        organization=organization, block__in=[b.pk for b in blocks], kind__in=ATTENDED
    )
    missing = total - attended.count()
    if missing > 0:
        picked = [rng.choice(old) for _ in range(missing)]
        taps_save(
            organization=organization,
            taps=[_extra(block=b, staff=staff[b.venue_id], rng=rng, taps=()) for b in picked],
        )
    elif missing < 0:
        spare = list(
            attended.filter(block__in=[b.pk for b in old], student__isnull=True).values_list(
                "pk", flat=True
            )
        )
        Visit.objects.filter(pk__in=rng.sample(spare, min(len(spare), -missing))).delete()
