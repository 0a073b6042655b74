"""The demo salons (scenario 5): each school's weekly salon over the last weeks, held, with
visits of every kind and a closing log, and over the coming weeks, scheduled, some slots
reserved; teacher referrals, consents to share (and a student without one), reports, a
venue thread and a few group events. Built once: while the organisation has no salon.

The coming salons are planned by the salon service (``block_create``, which holds the
staff's calendars; a salon whose staffer is busy then is left out); the past ones, and
their visits and logs, are written as rows (the services refuse the past)."""

import datetime
import random

from django.core.exceptions import ValidationError
from django.utils import timezone

from bansou.accounts.models import User
from bansou.demo.specs import DemoSalons, DemoSalonVenue
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
from bansou.salons.services.blocks import block_create, block_title
from bansou.salons.services.reservations import block_slots, reservation_create
from bansou.scheduling.selectors.calendar import closed_days

LOGS = (
    "来室が続き、後半は3年生の面接練習。図書室の奥の席が落ち着くとのこと。",
    "試験前で来室は少なめ。声かけで2名と話せた。",
    "オープンキャンパス帰りの生徒が報告に来てくれた。次回予約あり。",
    "雨で登校者が少なかった。先生と次回の職業講話について相談。",
)
NOTES = (
    "家庭の事情で進学に迷い。保護者の話は本人から出るまで待つ。",
    "アルバイト先の人間関係に悩み。次回、働き方の話を。",
    "面接の受け答えが上達。自信がついてきた様子。",
)


def salons_load(
    *, organization: Organization, program: Program, spec: DemoSalons, coordinator: User
) -> int:
    """Builds the salons; the number of salons made (0 when there already are some)."""
    if SalonBlock.objects.filter(organization=organization).exists():
        return 0
    rng = random.Random(5)
    users = {u.email: u for u in User.objects.filter(memberships__organization=organization)}
    venues = [_venue(organization=organization, item=item, users=users) for item in spec.venues]
    students = _students(organization=organization, spec=spec, venues=venues, users=users)
    topics = list(Topic.objects.filter(program=program))
    made = 0
    for item, venue in zip(spec.venues, venues, strict=True):
        staff = [users[e] for e in item.supporters]
        blocks = _blocks(
            organization=organization,
            program=program,
            venue=venue,
            item=item,
            staff=staff,
            spec=spec,
            coordinator=coordinator,
        )
        if item is spec.venues[0] and not any(
            b.starts_at.date() == timezone.localdate() for b in blocks
        ):
            blocks += _today(series=blocks[0].series, item=item, staff=staff)
        made += len(blocks)
        pool = students[venue.pk]
        for block in blocks:
            if block.status == SalonBlock.Status.HELD:
                _visits(block=block, pool=pool, staff=staff, topics=topics, rng=rng)
            elif block.status == SalonBlock.Status.SCHEDULED and (
                rng.random() < 0.7 or block.starts_at.date() == timezone.localdate()
            ):
                _reserve(block=block, pool=pool, rng=rng)
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


def _students(
    *, organization: Organization, spec: DemoSalons, venues: list[Venue], users: dict[str, User]
) -> dict[int, list[User]]:
    by_venue: dict[int, list[User]] = {v.pk: [] for v in venues}
    for student in spec.students:
        user = users[student.email]
        venue = venues[student.venue]
        profile = ClientProfile.objects.filter(organization=organization, user=user).first()
        if profile is None:
            ClientProfile.objects.create(
                organization=organization,
                user=user,
                category=ClientProfile.Category.HIGH_SCHOOL,
                school_or_organization=venue.name,
                venue=venue,
                grade=student.grade,
                is_minor=True,
            )
        by_venue[venue.pk].append(user)
    return by_venue


def _blocks(
    *,
    organization: Organization,
    program: Program,
    venue: Venue,
    item: DemoSalonVenue,
    staff: list[User],
    spec: DemoSalons,
    coordinator: User,
) -> list[SalonBlock]:
    today = timezone.localdate()
    tz = timezone.get_default_timezone()
    first = today - datetime.timedelta(
        days=(today.weekday() - item.weekday) % 7 + 7 * spec.weeks_back
    )
    last = today + datetime.timedelta(days=7 * spec.weeks_ahead)
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
        starts_on=first,
        ends_on=last,
        created_by=coordinator,
    )
    series.staff.set(staff)
    closed = closed_days(organization=organization, start=first, end=last, program=program)
    school_closed = {
        c.starts_on + datetime.timedelta(days=d)
        for c in VenueClosure.objects.filter(venue=venue)
        for d in range((c.ends_on - c.starts_on).days + 1)
    }
    blocks = []
    day, week = first, 0
    while day <= last:
        if day not in closed and day not in school_closed:
            starts = datetime.datetime.combine(day, start_time, tzinfo=tz)
            ends = datetime.datetime.combine(day, end_time, tzinfo=tz)
            block = _block(series=series, starts=starts, ends=ends, staff=staff, cancel=week == 5)
            if block is not None:
                blocks.append(block)
        day += datetime.timedelta(days=7)
        week += 1
    return blocks


def _block(
    *,
    series: SalonSeries,
    starts: datetime.datetime,
    ends: datetime.datetime,
    staff: list[User],
    cancel: bool,
) -> SalonBlock | None:
    """A coming salon is planned by the salon service (which holds the staff's calendars);
    a past, cancelled or already started one is written as it would stand by now."""
    if starts > timezone.now() and not cancel:
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
    past = starts.date() < timezone.localdate()  # today's salon stays open, to be tried
    meeting = Meeting.objects.create(
        organization=series.organization,
        title=block_title(series.venue),
        starts_at=starts,
        ends_at=ends,
        place=series.room,
        status=Meeting.Status.CANCELLED if cancel else Meeting.Status.SCHEDULED,
    )
    meeting.attendees.set(staff)
    if not past and not cancel:
        try:
            meeting_hold(meeting=meeting, users=staff)
        except ValidationError:
            meeting.delete()
            return None
    status = SalonBlock.Status.SCHEDULED
    if cancel:
        status = SalonBlock.Status.CANCELLED
    elif past:
        status = SalonBlock.Status.HELD
    return SalonBlock.objects.create(
        organization=series.organization,
        venue=series.venue,
        program=series.program,
        series=series,
        meeting=meeting,
        starts_at=starts,
        ends_at=ends,
        status=status,
        slot_minutes=series.slot_minutes,
        slot_capacity=series.slot_capacity,
        cancel_reason="学校行事（文化祭準備）のため休室" if cancel else "",
        log_summary=LOGS[starts.toordinal() % len(LOGS)] if status == "held" else "",
        closed_at=ends if status == "held" else None,
        closed_by=staff[0] if status == "held" else None,
    )


def _today(
    *, series: SalonSeries | None, item: DemoSalonVenue, staff: list[User]
) -> list[SalonBlock]:
    """A salon today at the first school, whatever the weekday: the demo's salon screen."""
    if series is None:
        return []
    tz = timezone.get_default_timezone()
    today = timezone.localdate()
    starts = datetime.datetime.combine(today, datetime.time(item.hours[0]), tzinfo=tz)
    ends = datetime.datetime.combine(today, datetime.time(item.hours[1]), tzinfo=tz)
    block = _block(series=series, starts=starts, ends=ends, staff=staff, cancel=False)
    return [block] if block is not None else []


def _visits(
    *,
    block: SalonBlock,
    pool: list[User],
    staff: list[User],
    topics: list[Topic],
    rng: random.Random,
) -> None:
    """A held salon's visits: a reservation or two (one may be a no-show), walk-ins of known
    and anonymous students, and 声かけ."""
    slots = [slot.starts_at for slot in block_slots(block=block)]
    chosen = rng.sample(pool, min(len(pool), rng.randint(3, 7)))
    for i, student in enumerate(chosen):
        reservation = None
        roll = rng.random()
        if i < 2:
            reservation = Reservation.objects.create(
                organization=block.organization,
                block=block,
                student=student,
                slot_starts_at=slots[i % len(slots)],
                created_by=student,
            )
            kind = Visit.Kind.NO_SHOW if roll < 0.25 else Visit.Kind.RESERVED
        else:
            kind = Visit.Kind.OUTREACH if roll < 0.35 else Visit.Kind.WALK_IN
        visit = Visit.objects.create(
            organization=block.organization,
            block=block,
            venue=block.venue,
            occurred_at=slots[i % len(slots)] + datetime.timedelta(minutes=rng.randint(0, 20)),
            kind=kind,
            student=student,
            reservation=reservation,
            private_note=rng.choice(NOTES) if roll > 0.8 and kind != "no_show" else "",
            recorded_by=staff[i % len(staff)],
        )
        if topics and kind != Visit.Kind.NO_SHOW:
            visit.topics.set(rng.sample(topics, min(len(topics), rng.randint(1, 2))))
    for _ in range(rng.randint(0, 3)):  # students who would rather stay anonymous
        Visit.objects.create(
            organization=block.organization,
            block=block,
            venue=block.venue,
            occurred_at=block.starts_at + datetime.timedelta(minutes=rng.randint(0, 150)),
            kind=rng.choice([Visit.Kind.WALK_IN, Visit.Kind.OUTREACH]),
            grade=rng.choice(["1年", "2年", "3年", ""]),
            recorded_by=staff[0],
        )


def _reserve(*, block: SalonBlock, pool: list[User], rng: random.Random) -> None:
    """Students reserve as they would from their phones (a full slot is simply skipped);
    today's salon, maybe under way, also holds reservations made before its slots began."""
    slots = [slot.starts_at for slot in block_slots(block=block)]
    for student in rng.sample(pool, min(len(pool), rng.randint(2, 4))):
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
    """At the first school: referrals (one who came, one who has not, one not registered),
    the first student's consent to share with the teacher and two reports, and a thread;
    the second student has not consented, so the teacher sees only counts."""
    venue, item = venues[0], spec.venues[0]
    teacher = users[item.teachers[0]]
    supporter = users[item.supporters[0]]
    pool = students[venue.pk]
    today = timezone.localdate()
    now = timezone.now()
    for student, reason, days in (
        (pool[2], "欠席が増えています。進路の話を一度聞いてあげてください。", 30),
        (pool[3], "就職希望ですが、まだ何も動けていないようです。", 10),
    ):
        referral = Referral.objects.create(
            organization=organization, venue=venue, teacher=teacher, student=student, reason=reason
        )
        Referral.objects.filter(pk=referral.pk).update(
            created_at=now - datetime.timedelta(days=days)
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
