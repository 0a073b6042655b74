"""The demo salons (scenario 5): each school's weekly salons of the half-year so far, held,
with visits of every kind and a closing log, and over the coming weeks, scheduled, some
slots reserved; the schools' own holidays, teacher referrals, consents to share (and a
student without one), reports, a venue thread and group events; and a case for each of the
radar's salon sections (``DemoSalonRadar``). Built once: while the organisation has no
salon.

Schools joined the program over the half-year: each has held ``DemoSalonVenue.held``
salons so far, one a week on its weekday, holidays, 年末年始 and closed days skipped. The
coming salons are planned by the salon service (``block_create``, which holds the staff's
calendars; a salon whose staffer is busy then is left out); the past ones, with their
visits (``bansou.demo.salon_visits``) and logs, are written as rows in bulk (the services
refuse the past). The schools' other teachers and students are there already (made in bulk
by the loader, ``bansou.demo.people``)."""

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone

from bansou.accounts.models import User
from bansou.demo.salon_visits import (
    Tap,
    everyone_comes_back,
    falls_only_where_planted,
    newcomers,
    no_repeated_no_shows,
    salon_taps,
    taps_save,
    visits_settle,
)
from bansou.demo.specs import DemoClosure, DemoSalonRadar, DemoSalons, DemoSalonVenue
from bansou.engagements.models import Meeting
from bansou.engagements.services.meetings import meeting_hold
from bansou.orgs.models import Organization, Venue
from bansou.people.models import ClientProfile
from bansou.programs.models import Program, Topic
from bansou.salons.models import (
    GroupEvent,
    Referral,
    Reservation,
    SalonBlock,
    SalonSeries,
    ShareConsent,
    TeacherReport,
    VenueClosure,
    VenueMessage,
    VenueStaff,
    Visit,
)
from bansou.salons.selectors.radar import FALLING_WEEKS, NO_SHOW_MIN, NO_SHOW_WEEKS, ONE_VISIT_WEEKS
from bansou.salons.services.blocks import block_create, block_title
from bansou.salons.services.reservations import block_slots, reservation_create
from bansou.scheduling.selectors.calendar import closed_days

CANCELLED_AT = 5  # a school's sixth salon was called off
CANCEL_REASONS = (
    "学校行事（文化祭準備）のため休室",
    "スクーリング日程の変更のため休室",
    "台風接近による臨時休校のため休室",
    "担当支援者の体調不良のため休室（代わりの支援者を手配できず）",
)
LOGS_QUIET = (
    "試験前で来室は少なめ。声かけで1名と話せた。",
    "雨で登校者が少なかった。先生と次回の職業講話について相談。",
    "来室なし。掲示を貼り替え、職員室で先生方にサロンの案内を改めてお願いした。",
    "スクーリング日と重なり静か。次回に向けて高卒求人のファイルを整理。",
)
LOGS = (
    "オープンキャンパス帰りの生徒が報告に来てくれた。次回予約あり。",
    "初めての生徒が友だちと一緒に来室。最初は様子見だったが、後半は進路の話ができた。",
    "予約の生徒と面談。廊下で声をかけた1年生とも少し話せた。",
    "アルバイトの話題が中心。働くことのイメージを一緒に言葉にした。",
)
LOGS_BUSY = (
    "来室が続き、後半は3年生の面接練習。図書室の奥の席が落ち着くとのこと。",
    "昼休みから来室が続いた。3年生の応募書類の添削を2件。次回は2人体制が望ましい。",
    "職業講話の翌週で来室が多かった。専門学校の資料を追加で用意する。",
)
ISSUES = "相談室が使えず、廊下側のスペースで実施。次回は部屋の確保を先生に依頼。"
BUSY_FROM = 5


def salons_load(
    *,
    organization: Organization,
    program: Program,
    spec: DemoSalons,
    coordinator: User,
) -> int:
    """Builds the salons; the number of salons made (0 when there already are some)."""
    if SalonBlock.objects.filter(organization=organization).exists():
        return 0
    rng = random.Random(5)
    users = {u.email: u for u in User.objects.filter(memberships__organization=organization)}
    venues = [_venue(organization=organization, item=item, users=users) for item in spec.venues]
    today = timezone.localdate()
    last = today + datetime.timedelta(days=7 * spec.weeks_ahead)
    school_closed = _school_closed(
        organization=organization,
        venues=venues,
        breaks=spec.breaks,
        start=program.starts_on,
        end=last,
    )
    closed = set(
        closed_days(organization=organization, start=program.starts_on, end=last, program=program)
    )
    students = _students(organization=organization, spec=spec, venues=venues, users=users)
    topics = list(Topic.objects.filter(program=program))
    cases = _radar_students(radar=spec.radar, users=users)
    falling = venues[spec.radar.falling_venue] if spec.radar is not None else None
    fell_since = timezone.now() - datetime.timedelta(weeks=FALLING_WEEKS)
    past = _PastSalons()
    held: dict[int, list[SalonBlock]] = {}
    pools: dict[int, list[User]] = {}
    staffs: dict[int, list[User]] = {}
    taps: list[Tap] = []
    made = 0
    for item, venue in zip(spec.venues, venues, strict=True):
        staff = [users[e] for e in item.supporters]
        days, cancelled = _salon_days(
            item=item,
            today=today,
            earliest=program.starts_on,
            last=last,
            closed=closed | school_closed[venue.pk],
        )
        series, blocks = _blocks(
            organization=organization,
            program=program,
            venue=venue,
            item=item,
            staff=staff,
            days=days,
            cancelled=cancelled,
            coordinator=coordinator,
            past=past,
        )
        if item is spec.venues[0] and not any(b.starts_at.date() == today for b in blocks):
            blocks += _today(series=series, item=item, staff=staff)
        made += len(blocks)
        pools[venue.pk] = [s for s in students[venue.pk] if s not in cases]
        staffs[venue.pk] = staff
        held[venue.pk] = [b for b in blocks if b.status == SalonBlock.Status.HELD]
        coming = [b for b in blocks if b.status == SalonBlock.Status.SCHEDULED]
        for block in blocks:
            if block.status == SalonBlock.Status.HELD:
                taps += salon_taps(
                    block=block,
                    pool=pools[venue.pk],
                    staff=staff,
                    topics=topics,
                    rng=rng,
                    busy=item.busy,
                    few=venue == falling and block.starts_at >= fell_since,
                )
            elif block.status == SalonBlock.Status.SCHEDULED and (
                block is coming[0] or block.starts_at.date() == today or rng.random() < 0.3
            ):
                _reserve(block=block, pool=pools[venue.pk], rng=rng)
    now = timezone.now()
    new = newcomers(taps=taps, pools=pools, now=now, rng=rng)
    no_repeated_no_shows(taps=taps, now=now)
    everyone_comes_back(taps=taps, pools=pools, held=held, staff=staffs, rng=rng, skip=new)
    falls_only_where_planted(
        taps=taps,
        held=held,
        staff=staffs,
        falling=falling.pk if falling is not None else None,
        now=now,
        rng=rng,
    )
    past.save(taps=taps)
    taps_save(organization=organization, taps=taps)
    if spec.radar is not None:
        _radar(radar=spec.radar, spec=spec, venues=venues, users=users, held=held)
    if spec.visits is not None:
        visits_settle(
            organization=organization,
            blocks=[block for blocks in held.values() for block in blocks],
            staff=staffs,
            total=spec.visits,
            rng=rng,
        )
    _liaison(organization=organization, spec=spec, venues=venues, users=users, students=students)
    _events(organization=organization, program=program, spec=spec, venues=venues, users=users)
    return made


def _venue(*, organization: Organization, item: DemoSalonVenue, users: dict[str, User]) -> Venue:
    venue = Venue.objects.get(organization=organization, name=item.venue)
    venue.room, venue.access, venue.contact = item.room, item.access, item.contact
    venue.save(update_fields=["room", "access", "contact"])
    for email, kind in [(e, "teacher") for e in item.teachers] + [
        (e, "supporter") for e in item.supporters
    ]:
        VenueStaff.objects.get_or_create(
            organization=organization, venue=venue, user=users[email], defaults={"kind": kind}
        )
    for name, first, last in item.closed:
        today = timezone.localdate()
        VenueClosure.objects.create(
            organization=organization,
            venue=venue,
            name=name,
            starts_on=today + datetime.timedelta(days=first),
            ends_on=today + datetime.timedelta(days=last),
        )
    return venue


def _school_closed(
    *,
    organization: Organization,
    venues: list[Venue],
    breaks: tuple[DemoClosure, ...],
    start: datetime.date,
    end: datetime.date,
) -> dict[int, set[datetime.date]]:
    """Every school's own holidays from ``start`` to ``end`` (each break's every occurrence
    then, as the school's closed days), and each school's closed days."""
    rows = []
    for venue in venues:
        for item in breaks:
            for year in range(start.year - 1, end.year + 1):
                first = datetime.date(year, *item.first)
                last = datetime.date(year + (item.last < item.first), *item.last)
                if first <= end and last >= start:
                    rows.append(
                        VenueClosure(
                            organization=organization,
                            venue=venue,
                            name=item.name,
                            starts_on=first,
                            ends_on=last,
                        )
                    )
    VenueClosure.objects.bulk_create(rows)
    closed: dict[int, set[datetime.date]] = {venue.pk: set() for venue in venues}
    for closure in VenueClosure.objects.filter(organization=organization):
        closed[closure.venue_id].update(
            closure.starts_on + datetime.timedelta(days=d)
            for d in range((closure.ends_on - closure.starts_on).days + 1)
        )
    return closed


def _students(
    *, organization: Organization, spec: DemoSalons, venues: list[Venue], users: dict[str, User]
) -> dict[int, list[User]]:
    by_venue: dict[int, list[User]] = {v.pk: [] for v in venues}
    have = set(
        ClientProfile.objects.filter(organization=organization).values_list("user_id", flat=True)
    )
    profiles = []
    for student in spec.students:
        user = users[student.email]
        venue = venues[student.venue]
        if user.pk not in have:
            have.add(user.pk)
            profiles.append(
                ClientProfile(
                    organization=organization,
                    user=user,
                    category=ClientProfile.Category.HIGH_SCHOOL,
                    school_or_organization=venue.name,
                    venue=venue,
                    grade=student.grade,
                    is_minor=True,
                )
            )
        by_venue[venue.pk].append(user)
    ClientProfile.objects.bulk_create(profiles)
    return by_venue


def _salon_days(
    *,
    item: DemoSalonVenue,
    today: datetime.date,
    earliest: datetime.date,
    last: datetime.date,
    closed: set[datetime.date],
) -> tuple[list[datetime.date], datetime.date | None]:
    """The school's salon days up to ``last``, closed days skipped: ``item.held`` past ones
    (not before ``earliest``) besides the one called off once a school has had a few, then
    today's and the coming ones; and the day called off."""
    week = datetime.timedelta(days=7)
    day = today - datetime.timedelta(days=(today.weekday() - item.weekday - 1) % 7 + 1)
    wanted = item.held + (1 if item.held > CANCELLED_AT else 0)
    past: list[datetime.date] = []
    while len(past) < wanted and day >= earliest:
        if day not in closed:
            past.append(day)
        day -= week
    past.reverse()
    cancelled = past[CANCELLED_AT] if len(past) > item.held else None
    coming = []
    day = today + datetime.timedelta(days=(item.weekday - today.weekday()) % 7)
    while day <= last:
        if day not in closed:
            coming.append(day)
        day += week
    return past + coming, cancelled


def _blocks(
    *,
    organization: Organization,
    program: Program,
    venue: Venue,
    item: DemoSalonVenue,
    staff: list[User],
    days: list[datetime.date],
    cancelled: datetime.date | None,
    coordinator: User,
    past: "_PastSalons",
) -> tuple[SalonSeries, list[SalonBlock]]:
    today = timezone.localdate()
    tz = timezone.get_default_timezone()
    start_time, end_time = datetime.time(item.hours[0]), datetime.time(item.hours[1])
    series = SalonSeries.objects.create(
        organization=organization,
        venue=venue,
        program=program,
        weekday=item.weekday,
        starts_at=start_time,
        ends_at=end_time,
        room=item.room,
        slot_minutes=30,
        slot_capacity=len(staff),
        starts_on=days[0] if days else today,
        ends_on=max(days[-1], today) if days else today,
        created_by=coordinator,
    )
    series.staff.set(staff)
    blocks = []
    for day in days:
        starts = datetime.datetime.combine(day, start_time, tzinfo=tz)
        ends = datetime.datetime.combine(day, end_time, tzinfo=tz)
        if day < today:
            reason = CANCEL_REASONS[venue.pk % len(CANCEL_REASONS)] if day == cancelled else ""
            blocks.append(
                past.add(series=series, starts=starts, ends=ends, staff=staff, cancel=reason)
            )
            continue
        block = _block(series=series, starts=starts, ends=ends, staff=staff)
        if block is not None:
            blocks.append(block)
    return series, blocks


@dataclass
class _PastSalons:
    """The past salons, written in bulk once their visits are planned (their logs tell
    how busy they were): each block with its meeting and staff."""

    rows: list[tuple[SalonBlock, list[User]]] = field(default_factory=list)

    def add(
        self,
        *,
        series: SalonSeries,
        starts: datetime.datetime,
        ends: datetime.datetime,
        staff: list[User],
        cancel: str,
    ) -> SalonBlock:
        meeting = Meeting(
            organization=series.organization,
            title=block_title(series.venue),
            starts_at=starts,
            ends_at=ends,
            place=series.room,
            status=Meeting.Status.CANCELLED if cancel else Meeting.Status.SCHEDULED,
        )
        block = SalonBlock(
            organization=series.organization,
            venue=series.venue,
            program=series.program,
            series=series,
            meeting=meeting,
            starts_at=starts,
            ends_at=ends,
            status=SalonBlock.Status.CANCELLED if cancel else SalonBlock.Status.HELD,
            slot_minutes=series.slot_minutes,
            slot_capacity=series.slot_capacity,
            cancel_reason=cancel,
            closed_at=None if cancel else ends,
            closed_by=None if cancel else staff[0],
        )
        self.rows.append((block, staff))
        return block

    def save(self, *, taps: list[Tap]) -> None:
        came = Counter(id(tap.block) for tap in taps if tap.attended)
        for block, _staff in self.rows:
            if block.status == SalonBlock.Status.HELD:
                block.log_summary = _log(block, came[id(block)])
                block.log_issues = ISSUES if block.starts_at.toordinal() % 17 == 0 else ""
        Meeting.objects.bulk_create([block.meeting for block, _staff in self.rows])
        through = Meeting.attendees.through
        through.objects.bulk_create(
            [
                through(meeting_id=block.meeting.pk, user_id=user.pk)
                for block, staff in self.rows
                for user in staff
            ]
        )
        SalonBlock.objects.bulk_create([block for block, _staff in self.rows])


def _log(block: SalonBlock, came: int) -> str:
    logs = LOGS_QUIET if came <= 1 else LOGS_BUSY if came >= BUSY_FROM else LOGS
    return logs[(block.starts_at.toordinal() + block.venue_id) % len(logs)]


def _block(
    *,
    series: SalonSeries,
    starts: datetime.datetime,
    ends: datetime.datetime,
    staff: list[User],
) -> SalonBlock | None:
    """A coming salon is planned by the salon service (which holds the staff's calendars);
    one already started today is written as it stands by now: open, to be tried."""
    if starts > timezone.now():
        try:
            return block_create(
                venue=series.venue,
                program=series.program,
                starts_at=starts,
                ends_at=ends,
                staff=staff,
                actor=series.created_by or staff[0],
                series=series,
                room=series.room,
                slot_minutes=series.slot_minutes,
                slot_capacity=series.slot_capacity,
            )
        except ValidationError:
            return None  # a staffer is busy then: no salon that day
    meeting = Meeting.objects.create(
        organization=series.organization,
        title=block_title(series.venue),
        starts_at=starts,
        ends_at=ends,
        place=series.room,
    )
    meeting.attendees.set(staff)
    try:
        meeting_hold(meeting=meeting, users=staff)
    except ValidationError:
        meeting.delete()
        return None
    return SalonBlock.objects.create(
        organization=series.organization,
        venue=series.venue,
        program=series.program,
        series=series,
        meeting=meeting,
        starts_at=starts,
        ends_at=ends,
        slot_minutes=series.slot_minutes,
        slot_capacity=series.slot_capacity,
    )


def _today(*, series: SalonSeries, item: DemoSalonVenue, staff: list[User]) -> list[SalonBlock]:
    """A salon today at the first school, whatever the weekday: the demo's salon screen."""
    tz = timezone.get_default_timezone()
    today = timezone.localdate()
    starts = datetime.datetime.combine(today, datetime.time(item.hours[0]), tzinfo=tz)
    ends = datetime.datetime.combine(today, datetime.time(item.hours[1]), tzinfo=tz)
    block = _block(series=series, starts=starts, ends=ends, staff=staff)
    return [block] if block is not None else []


def _radar_students(*, radar: DemoSalonRadar | None, users: dict[str, User]) -> set[User]:
    """The radar's students, kept out of the random visits and reservations."""
    if radar is None:
        return set()
    return {users[radar.came_once], users[radar.referred], users[radar.no_shows]}


def _radar(
    *,
    radar: DemoSalonRadar,
    spec: DemoSalons,
    venues: list[Venue],
    users: dict[str, User],
    held: dict[int, list[SalonBlock]],
) -> None:
    """The radar's students at their schools' held salons: one came once (声かけ), a couple
    of weeks past the radar's wait, and not again; one came twice at first, then booked
    and missed the latest salons. (The referred one never came: see ``_liaison``.)"""
    now = timezone.now()
    school = {s.email: venues[s.venue] for s in spec.students}
    once = users[radar.came_once]
    long_ago = now - datetime.timedelta(weeks=ONE_VISIT_WEEKS + 2)
    earlier = [b for b in held[school[once.email].pk] if b.starts_at < long_ago]
    if earlier:
        _visit(block=earlier[-1], student=once, kind=Visit.Kind.OUTREACH)
    missing = users[radar.no_shows]
    blocks = held[school[missing.email].pk]
    recent = now - datetime.timedelta(weeks=NO_SHOW_WEEKS)
    misses = [b for b in blocks if b.starts_at >= recent][-(NO_SHOW_MIN + 1) :]
    for block in [b for b in blocks if b.starts_at < recent][:2]:
        _visit(block=block, student=missing, kind=Visit.Kind.WALK_IN)
    for block in misses:
        _visit(block=block, student=missing, kind=Visit.Kind.NO_SHOW)


def _visit(*, block: SalonBlock, student: User, kind: str) -> None:
    """One visit in the block's last slot (a no-show, with the reservation it missed)."""
    slot = block_slots(block=block)[-1].starts_at
    reservation = None
    if kind == Visit.Kind.NO_SHOW:
        reservation = Reservation.objects.create(
            organization=block.organization,
            block=block,
            student=student,
            slot_starts_at=slot,
            created_by=student,
        )
    Visit.objects.create(
        organization=block.organization,
        block=block,
        venue=block.venue,
        program_id=block.program_id,
        occurred_at=slot + datetime.timedelta(minutes=5),
        kind=kind,
        student=student,
        reservation=reservation,
        recorded_by=block.closed_by,
    )


def _reserve(*, block: SalonBlock, pool: list[User], rng: random.Random) -> None:
    """Students reserve as they would from their phones (a full slot is simply skipped),
    mostly their school's next salon; today's salon, maybe under way, also holds
    reservations made before its slots began."""
    slots = [slot.starts_at for slot in block_slots(block=block)]
    for student in rng.sample(pool, min(len(pool), rng.randint(1, 3))):
        slot = rng.choice(slots)
        note = rng.choice(["", "面接の練習をしたい", "専門学校のことを聞きたい"])
        if slot <= timezone.now():
            if not Reservation.objects.filter(block=block, slot_starts_at=slot).exists():
                Reservation.objects.create(
                    organization=block.organization,
                    block=block,
                    student=student,
                    slot_starts_at=slot,
                    note=note,
                    created_by=student,
                )
            continue
        try:
            reservation_create(
                block=block, student=student, slot_starts_at=slot, note=note, actor=student
            )
        except ValidationError:
            continue


def _liaison(
    *,
    organization: Organization,
    spec: DemoSalons,
    venues: list[Venue],
    users: dict[str, User],
    students: dict[int, list[User]],
) -> None:
    """At the first school: referrals (one a month ago who never came, one recent, closed
    if the student has come since, as a recorded visit closes it; one not registered),
    the first student's consent to share with the teacher and two reports, and a thread;
    the second student has not consented, so the teacher sees only counts."""
    venue, item = venues[0], spec.venues[0]
    teacher = users[item.teachers[0]]
    supporter = users[item.supporters[0]]
    pool = students[venue.pk]
    today = timezone.localdate()
    now = timezone.now()
    never_came = users[spec.radar.referred] if spec.radar is not None else pool[2]
    for student, reason, days in (
        (never_came, "欠席が増えています。進路の話を一度聞いてあげてください。", 30),
        (pool[3], "就職希望ですが、まだ何も動けていないようです。", 10),
    ):
        referral = Referral.objects.create(
            organization=organization, venue=venue, teacher=teacher, student=student, reason=reason
        )
        created_at = now - datetime.timedelta(days=days)
        came = (
            Visit.objects.filter(
                venue=venue, student=student, occurred_at__gte=created_at, occurred_at__lte=now
            )
            .exclude(kind=Visit.Kind.NO_SHOW)
            .order_by("occurred_at")
            .first()
        )
        Referral.objects.filter(pk=referral.pk).update(
            created_at=created_at,
            status=Referral.Status.CLOSED if came else Referral.Status.OPEN,
            closed_at=came.occurred_at if came else None,
        )
    Referral.objects.create(
        organization=organization,
        venue=venue,
        teacher=teacher,
        student_label="2年 K.Sさん",
        grade="2年",
        reason="人と話すのが苦手ですが、サロンに興味はあるようです。声かけをお願いします。",
    )
    first = pool[0]
    for scope in (ShareConsent.Scope.VISITS, ShareConsent.Scope.REPORTS):
        consent = ShareConsent.objects.create(
            organization=organization,
            student=first,
            teacher=teacher,
            venue=venue,
            scope=scope,
            given_on=today - datetime.timedelta(days=40),
            recorded_by=supporter,
        )
    for body, days in (
        ("デザイン系の専門学校と短大を比較中です。学費の情報を一緒に調べました。", 20),
        ("オープンキャンパスの日程を決めました。保護者とも話せたそうです。", 6),
    ):
        report = TeacherReport.objects.create(
            organization=organization,
            venue=venue,
            student=first,
            teacher=teacher,
            consent=consent,
            body=body,
            sent_by=supporter,
        )
        TeacherReport.objects.filter(pk=report.pk).update(
            sent_at=now - datetime.timedelta(days=days)
        )
    for author, body, days in (
        (teacher, "来週の水曜は3限が短縮授業のため、13:30からの開室でお願いできますか。", 9),
        (supporter, "承知しました。13:30から開けます。図書室の鍵は事務室で受け取ります。", 9),
        (teacher, "3年生の面接練習の希望者が増えています。枠を増やせると助かります。", 3),
        (supporter, "次回から2人体制にします。予約枠も1コマ2名に増やします。", 2),
    ):
        message = VenueMessage.objects.create(
            organization=organization, venue=venue, author=author, body=body
        )
        VenueMessage.objects.filter(pk=message.pk).update(
            created_at=now - datetime.timedelta(days=days)
        )


def _events(
    *,
    organization: Organization,
    program: Program,
    spec: DemoSalons,
    venues: list[Venue],
    users: dict[str, User],
) -> None:
    tz = timezone.get_default_timezone()
    for item in spec.events:
        day = timezone.localdate() + datetime.timedelta(days=item.day)
        starts = datetime.datetime.combine(day, datetime.time(item.hours[0]), tzinfo=tz)
        event = GroupEvent.objects.create(
            organization=organization,
            program=program,
            kind=item.kind,
            title=item.title,
            venue=venues[item.venue] if item.venue is not None else None,
            meeting_url=item.online,
            starts_at=starts,
            ends_at=datetime.datetime.combine(day, datetime.time(item.hours[1]), tzinfo=tz),
            headcount=item.headcount,
            status=GroupEvent.Status.HELD if item.day < 0 else GroupEvent.Status.SCHEDULED,
        )
        event.staff.set([users[e] for e in item.staff])
