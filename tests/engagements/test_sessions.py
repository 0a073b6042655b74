import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from bansou.core.calendar import holiday_name, is_holiday
from bansou.core.roles import Role
from bansou.engagements.cadence import Rule, plan_dates
from bansou.engagements.models import Engagement, Session, SessionNote, SessionRecord
from bansou.engagements.selectors.access import notes_visible_to
from bansou.engagements.services.lifecycle import engagement_change_status
from bansou.engagements.services.sessions import (
    session_move,
    session_schedule,
    session_series_create,
    session_set_status,
)
from bansou.engagements.services.teams import team_member_add
from bansou.people.models import ClientProfile, GuardianConsent
from bansou.programs.models import TrainingAttendance
from bansou.scheduling.models import AvailabilityException, AvailabilityRule
from tests.factories import (
    EngagementFactory,
    MembershipFactory,
    SessionFactory,
    SessionNoteFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
TZ = datetime.timezone(datetime.timedelta(hours=9))


def _holidays(start: datetime.date, end: datetime.date) -> dict[datetime.date, str]:
    days = (start + datetime.timedelta(days=k) for k in range((end - start).days + 1))
    return {day: holiday_name(day) or "" for day in days if is_holiday(day)}


def _without_availability(world):
    """The supporter's availability unknown: a series is planned on closed days alone."""
    AvailabilityRule.objects.filter(organization=world.a.organization).delete()
    AvailabilityException.objects.filter(organization=world.a.organization).delete()


def test_cadence_twice_a_month_gives_six_sessions_for_three_months_and_skips_holidays():
    plan = plan_dates(
        first=datetime.date(2026, 11, 3),
        until=datetime.date(2027, 1, 31),
        rule=Rule.TWICE_MONTHLY,
        closed=_holidays(datetime.date(2026, 11, 1), datetime.date(2027, 1, 31)),
    )
    assert len(plan) == 6
    assert plan[0].moved_from == datetime.date(2026, 11, 3)  # 文化の日
    assert plan[0].day == datetime.date(2026, 11, 4)
    assert plan[0].reason == "文化の日"
    assert not any(p.day is None or is_holiday(p.day) for p in plan)


@pytest.mark.parametrize(
    ("rule", "count"), [(Rule.WEEKLY, 13), (Rule.BIWEEKLY, 7), (Rule.MONTHLY, 3)]
)
def test_cadence_rules_cover_the_period(rule, count):
    plan = plan_dates(
        first=datetime.date(2026, 11, 3),
        until=datetime.date(2027, 1, 31),
        rule=rule,
        closed=_holidays(datetime.date(2026, 11, 1), datetime.date(2027, 1, 31)),
    )
    assert len(plan) == count
    assert all(
        p.day is not None and datetime.date(2026, 11, 3) <= p.day <= datetime.date(2027, 1, 31)
        for p in plan
    )


def test_series_create_makes_every_session_in_one_step(world):
    engagement = world.a.extra["engagement"]
    program = engagement.program
    program.starts_on, program.ends_on = datetime.date(2026, 4, 1), datetime.date(2027, 3, 31)
    program.save()
    program.phases.update(starts_on=program.starts_on, ends_on=program.ends_on)
    _without_availability(world)
    sessions = session_series_create(
        engagement=engagement,
        first_day=datetime.date(2026, 11, 3),
        until=datetime.date(2027, 1, 31),
        start_time=datetime.time(19, 0),
        duration_minutes=40,
        rule=Rule.TWICE_MONTHLY,
        mode=Session.Mode.ONLINE,
        meeting_url="https://meet.jit.si/x",
        created_by=world.a.members[Role.COORDINATOR],
    )
    assert len(sessions) == 6
    stored = Session.objects.filter(series=sessions[0].series).order_by("starts_at")
    assert stored.count() == 6
    first = timezone.localtime(stored[0].starts_at)
    assert (first.date(), first.hour, (stored[0].ends_at - stored[0].starts_at).seconds) == (
        datetime.date(2026, 11, 4),
        19,
        2400,
    )


def test_moving_one_occurrence_leaves_the_rest(world, client_for):
    engagement = world.a.extra["engagement"]
    _without_availability(world)
    sessions = session_series_create(
        engagement=engagement,
        first_day=timezone.localdate() + datetime.timedelta(days=7),
        until=timezone.localdate() + datetime.timedelta(days=60),
        start_time=datetime.time(10, 0),
        duration_minutes=30,
        rule=Rule.WEEKLY,
        mode=Session.Mode.IN_PERSON,
        place="相談室",
        created_by=world.a.members[Role.COORDINATOR],
    )
    before = {s.pk: s.starts_at for s in Session.objects.filter(series=sessions[0].series)}
    target = sessions[1]
    client = client_for(world.a.members[Role.SUPPORTER])
    url = reverse("engagements:session_edit", args=[world.a.organization.slug, target.pk])
    new_day = timezone.localtime(target.starts_at).date() + datetime.timedelta(days=1)
    response = client.post(
        url,
        {
            "day": new_day.isoformat(),
            "start_time": "15:00",
            "end_time": "15:30",
            "mode": "in_person",
            "place": "相談室",
        },
    )
    assert response.status_code == 302
    after = {s.pk: s.starts_at for s in Session.objects.filter(series=sessions[0].series)}
    changed = [pk for pk in before if before[pk] != after[pk]]
    assert changed == [target.pk]


def test_session_ending_before_it_starts_is_refused_with_the_input_kept(world, client_for):
    engagement = world.a.extra["engagement"]
    count = Session.objects.count()
    url = reverse("engagements:session_create", args=[world.a.organization.slug, engagement.pk])
    response = client_for(world.a.members[Role.COORDINATOR]).post(
        url,
        {
            "day": "2026-12-01",
            "start_time": "15:00",
            "end_time": "14:00",
            "mode": "in_person",
            "place": "本校",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "終了時刻は開始時刻より後にしてください" in body
    assert 'value="本校"' in body
    assert Session.objects.count() == count


def test_booking_a_minor_without_guardian_consent_is_refused(world):
    profile = world.a.extra["client_profile"]
    ClientProfile.objects.filter(pk=profile.pk).update(is_minor=True, category="high_school")
    start = timezone.now() + datetime.timedelta(days=3)
    with pytest.raises(ValidationError) as exc:
        session_schedule(
            engagement=world.a.extra["engagement"],
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=30),
            mode=Session.Mode.IN_PERSON,
            created_by=world.a.members[Role.COORDINATOR],
        )
    assert "保護者の同意" in " ".join(exc.value.messages)
    GuardianConsent.objects.create(
        organization=world.a.organization,
        client=profile,
        guardian_name="伊藤 母",
        relationship="母",
        method="paper",
        given_on=timezone.localdate(),
    )
    session = session_schedule(
        engagement=world.a.extra["engagement"],
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
        mode=Session.Mode.IN_PERSON,
        created_by=world.a.members[Role.COORDINATOR],
    )
    assert session.pk


def test_cancelling_needs_a_reason_and_records_who(world):
    start = timezone.now() + datetime.timedelta(days=1)
    session = session_schedule(
        engagement=world.a.extra["engagement"],
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
        mode=Session.Mode.IN_PERSON,
        created_by=world.a.members[Role.COORDINATOR],
    )
    with pytest.raises(ValidationError):
        session_set_status(
            session=session, status="cancelled", actor=world.a.members[Role.SUPPORTER]
        )
    session_set_status(
        session=session,
        status="cancelled",
        actor=world.a.members[Role.SUPPORTER],
        cancel_reason="学校行事のため",
    )
    session.refresh_from_db()
    assert (session.status, session.cancelled_by, session.cancel_reason) == (
        "cancelled",
        world.a.members[Role.SUPPORTER],
        "学校行事のため",
    )


def test_a_future_session_cannot_be_marked_held(world):
    start = timezone.now() + datetime.timedelta(days=1)
    session = session_schedule(
        engagement=world.a.extra["engagement"],
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
        mode=Session.Mode.ONLINE,
        meeting_url="https://meet.jit.si/x",
        created_by=world.a.members[Role.COORDINATOR],
    )
    with pytest.raises(ValidationError):
        session_set_status(session=session, status="held", actor=world.a.members[Role.SUPPORTER])


def test_online_session_can_get_a_generated_jitsi_room(world, client_for):
    url = reverse(
        "engagements:session_create",
        args=[world.a.organization.slug, world.a.extra["engagement"].pk],
    )
    day = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    response = client_for(world.a.members[Role.SUPPORTER]).post(
        url,
        {
            "day": day,
            "start_time": "19:00",
            "end_time": "19:40",
            "mode": "online",
            "generate_room": "on",
        },
    )
    assert response.status_code == 302
    session = Session.objects.filter(engagement=world.a.extra["engagement"]).latest("created_at")
    assert session.meeting_url.startswith("https://meet.jit.si/Banso-")


def test_supporter_of_another_engagement_cannot_schedule(world, client_for):
    url = reverse(
        "engagements:session_create",
        args=[world.a.organization.slug, world.a.extra["engagement"].pk],
    )
    response = client_for(world.a.extra["second_supporter"]).get(url)
    assert response.status_code == 404


def _end_behind_the_callers_back(world) -> Engagement:
    """Loads the engagement as a caller would, then ends it through a fresh copy: the first
    object still says "active"."""
    stale = Engagement.objects.get(pk=world.a.extra["engagement"].pk)
    engagement_change_status(
        engagement=Engagement.objects.get(pk=stale.pk),
        to_status=Engagement.Status.ENDED,
        actor=world.a.members[Role.COORDINATOR],
        reason="目標達成",
        ip_address=None,
    )
    assert stale.status == Engagement.Status.ACTIVE
    return stale


def test_a_session_cannot_be_scheduled_on_an_engagement_ended_after_it_was_loaded(world):
    stale = _end_behind_the_callers_back(world)
    count = Session.objects.filter(engagement=stale).count()
    start = timezone.now() + datetime.timedelta(days=3)
    with pytest.raises(ValidationError) as exc:
        session_schedule(
            engagement=stale,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=30),
            mode=Session.Mode.IN_PERSON,
            created_by=world.a.members[Role.COORDINATOR],
        )
    assert "終了した伴走には面談を追加できません" in " ".join(exc.value.messages)
    assert Session.objects.filter(engagement=stale).count() == count


def test_a_series_cannot_be_created_on_an_engagement_ended_after_it_was_loaded(world):
    stale = _end_behind_the_callers_back(world)
    count = Session.objects.filter(engagement=stale).count()
    with pytest.raises(ValidationError) as exc:
        session_series_create(
            engagement=stale,
            first_day=timezone.localdate() + datetime.timedelta(days=7),
            until=timezone.localdate() + datetime.timedelta(days=60),
            start_time=datetime.time(10, 0),
            duration_minutes=30,
            rule=Rule.WEEKLY,
            mode=Session.Mode.IN_PERSON,
            created_by=world.a.members[Role.COORDINATOR],
        )
    assert "終了した伴走には面談を追加できません" in " ".join(exc.value.messages)
    assert Session.objects.filter(engagement=stale).count() == count


def test_a_session_of_an_ended_engagement_cannot_be_moved(world):
    start = timezone.now() + datetime.timedelta(days=3)
    session = session_schedule(
        engagement=world.a.extra["engagement"],
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=30),
        mode=Session.Mode.IN_PERSON,
        created_by=world.a.members[Role.COORDINATOR],
    )
    _end_behind_the_callers_back(world)
    later = start + datetime.timedelta(days=7)
    with pytest.raises(ValidationError):
        session_move(
            session=session,
            starts_at=later,
            ends_at=later + datetime.timedelta(minutes=30),
            mode=Session.Mode.IN_PERSON,
            place="",
            meeting_url="",
        )
    session.refresh_from_db()
    assert session.starts_at == start


# --- what a supporter who joins a team later may read --------------------------------------


@pytest.fixture
def team_history(world):
    """A team engagement with a held session: a shared summary and a private note written
    a month ago, then a newcomer joins the team, then a second private note."""
    a = world.a
    client = UserFactory()
    MembershipFactory(organization=a.organization, user=client, role=Role.CLIENT)
    engagement = EngagementFactory(
        program=a.extra["program"], client=client, supporter=None, team=a.extra["team"]
    )
    session = SessionFactory(engagement=engagement)
    SessionRecord.objects.create(
        organization=a.organization, session=session, shared_summary="共有の記録: 面接練習"
    )
    old = SessionNoteFactory(session=session, author=a.members[Role.SUPPORTER], body="入会前のメモ")
    SessionNote.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30)
    )
    newcomer = UserFactory(family_name="三橋", given_name="結")
    MembershipFactory(organization=a.organization, user=newcomer, role=Role.SUPPORTER)
    TrainingAttendance.objects.create(
        organization=a.organization,
        training=a.extra["training"],
        user=newcomer,
        attended_on=a.extra["program"].starts_on,
    )
    team_member_add(team=a.extra["team"], user=newcomer, actor=a.members[Role.COORDINATOR])
    new = SessionNoteFactory(session=session, author=a.members[Role.SUPPORTER], body="入会後のメモ")
    return engagement, session, old, new, newcomer


def test_a_newcomer_reads_only_the_private_notes_written_since_they_joined(world, team_history):
    _engagement, session, old, new, newcomer = team_history
    founder = world.a.members[Role.SUPPORTER]

    assert list(notes_visible_to(session=session, user=newcomer)) == [new]
    assert list(notes_visible_to(session=session, user=founder)) == [old, new]
    assert not notes_visible_to(session=session, user=world.a.members[Role.CLIENT]).exists()


def test_a_newcomer_cannot_open_an_earlier_note_but_sees_the_shared_record(
    world, team_history, client_for
):
    engagement, _session, old, new, newcomer = team_history
    slug = world.a.organization.slug
    browser = client_for(newcomer)

    assert browser.get(reverse("engagements:note", args=[slug, old.pk])).status_code == 404
    assert browser.get(reverse("engagements:note", args=[slug, new.pk])).status_code == 200
    page = browser.get(reverse("engagements:detail", args=[slug, engagement.pk]))
    body = page.content.decode()
    assert "共有の記録: 面接練習" in body
    assert "入会後のメモ" in body
    assert "入会前のメモ" not in body
    joined = [i.event for i in page.context["timeline"] if i.event and i.event.member_name]
    assert [(e.kind, e.member_name) for e in joined] == [("member_joined", "三橋 結")]
    founder_page = client_for(world.a.members[Role.SUPPORTER]).get(
        reverse("engagements:detail", args=[slug, engagement.pk])
    )
    assert "入会前のメモ" in founder_page.content.decode()


def test_the_session_record_page_shows_a_newcomer_only_the_notes_since_they_joined(
    world, team_history, client_for
):
    _engagement, session, _old, _new, newcomer = team_history
    url = reverse("engagements:session_record", args=[world.a.organization.slug, session.pk])

    newcomer_page = client_for(newcomer).get(url).content.decode()
    founder_page = client_for(world.a.members[Role.SUPPORTER]).get(url).content.decode()

    assert "入会後のメモ" in newcomer_page and "入会前のメモ" not in newcomer_page
    assert "入会後のメモ" in founder_page and "入会前のメモ" in founder_page
