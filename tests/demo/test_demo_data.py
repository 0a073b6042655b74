import datetime
import re
import unicodedata
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.demo.services import ORGANIZATIONS, demo_data_load, demo_logins
from bansou.engagements.models import Meeting, Session
from bansou.engagements.selectors.radar import continuity_radar
from bansou.engagements.selectors.reminders import reminders_waiting
from bansou.orgs.models import Membership, Organization, Venue
from bansou.programs.models import Kpi, Program, Target
from bansou.reports.selectors.kpis import kpi_values
from bansou.reports.selectors.targets import target_report
from bansou.salons.models import SalonBlock, Visit
from bansou.salons.radar import radar_sections
from bansou.scheduling.models import AppointmentType, AvailabilityRule, Closure
from bansou.surveys.models import Answer, Response, Survey, SurveyInvitation
from bansou.surveys.selectors.results import nps_summary, satisfaction_summary, voices

pytestmark = pytest.mark.django_db
README = Path(settings.BASE_DIR, "README.md").read_text(encoding="utf-8")


def _counts():
    return (
        Organization.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Venue.objects.count(),
    )


def test_demo_data_creates_four_organisations_with_every_role():
    demo_data_load(password="pw-for-test-1")
    assert Organization.objects.count() == 4
    for organization in Organization.objects.all():
        roles = set(
            Membership.objects.filter(organization=organization).values_list("role", flat=True)
        )
        assert roles == set(Role.values), organization.slug


def _planted() -> tuple[int, ...]:
    """What the half-year and the surveys planted, row by row."""
    return tuple(
        model.objects.count()
        for model in (SalonBlock, Visit, Survey, SurveyInvitation, Response, Answer, Target)
    )


def _program_of(slug: str) -> Program:
    return Program.objects.get(organization__slug=slug)


def _assert_salon_half_year() -> None:
    """みらいキャリアサロン's half-year reads like its grant report (scenario 5): schools,
    hundreds of salons and visits of every kind, the targets exceeded, satisfaction and
    voices of teachers, supporters and students, none of them naming anyone."""
    program = _program_of("mirai-salon")
    salon = program.organization
    scope = {
        "organization": salon,
        "program": program,
        "start": program.starts_on,
        "end": program.ends_on,
    }
    values = kpi_values(**scope)
    assert values.venues_served >= 20
    assert values.salon_sessions_held >= 200
    assert values.visits >= 600
    assert values.visits_walk_in > values.visits_reserved > values.salon_no_shows > 0
    assert values.visits_outreach > values.salon_no_shows
    assert Visit.objects.filter(block__program=program, student__isnull=True).count() > 100
    assert values.events_held >= 5 and values.event_headcount > 100
    rows = {row.target.kpi: row for row in target_report(**scope)}
    assert set(rows) == {
        Kpi.VENUES_SERVED,
        Kpi.SALON_SESSIONS_HELD,
        Kpi.VISITS,
        Kpi.SATISFIED_RATE,
    }
    assert rows[Kpi.SATISFIED_RATE].target.kind == Target.Kind.OUTCOME
    assert all(row.achievement.met for row in rows.values()), {
        kpi: row.achievement for kpi, row in rows.items()
    }
    satisfaction = satisfaction_summary(**scope)
    assert satisfaction.n >= 100 and satisfaction.satisfied_percent is not None
    assert nps_summary(**scope).score is not None
    published = voices(**scope)
    assert len(published) >= 10
    assert {voice.audience for voice in published} == {
        Survey.Audience.LINK,
        Survey.Audience.PARTNERS,
        Survey.Audience.SUPPORTERS,
    }
    names = {
        u.family_name
        for u in User.objects.filter(memberships__organization=salon)
        if len(u.family_name) > 1
    }
    assert not [v.text for v in published if any(name in v.text for name in names)]


def test_demo_data_is_idempotent_and_keeps_changes():
    demo_data_load(password="pw-for-test-1")
    before = _counts()
    planted = _planted()
    _assert_salon_half_year()
    mentoring = _program_of("tsunagu-probono")
    period = {"start": mentoring.starts_on, "end": mentoring.ends_on}
    satisfaction = satisfaction_summary(
        organization=mentoring.organization, program=mentoring, **period
    )
    assert satisfaction.n > 0 and satisfaction.satisfied_percent == 100
    assert voices(organization=mentoring.organization, program=mentoring, **period)
    user = User.objects.get(email="client@salon.example")
    user.given_name = "さくら（変更済み）"
    user.save()
    report = demo_data_load(password="pw-for-test-1")
    assert _counts() == before
    assert _planted() == planted
    assert report.users_created == report.memberships_created == 0
    assert report.salons_created == report.surveys_created == 0
    user.refresh_from_db()
    assert user.given_name == "さくら（変更済み）"


def test_demo_data_command_prints_one_login_per_role_and_points_to_the_readme(capsys):
    call_command("demo_data")
    out = capsys.readouterr().out
    assert settings.BANSOU_DEMO_PASSWORD in out and "README" in out
    for email, _, _ in demo_logins(one_per_role=True):
        assert email in out
    assert "supporter2@univ.example" not in out  # the rest are in the README


def test_demo_logins_work_with_the_documented_password(client):
    call_command("demo_data", "--quiet-logins")
    for email, _, _ in demo_logins():
        assert client.login(email=email, password=settings.BANSOU_DEMO_PASSWORD), email
        client.logout()


def test_readme_lists_every_demo_login_and_the_password():
    assert f"`{settings.BANSOU_DEMO_PASSWORD}`" in README
    for demo_org in ORGANIZATIONS:
        for person in demo_org.people:
            row = re.search(
                rf"\| `{re.escape(person.email)}` \|[^\n]*{re.escape(demo_org.name)}", README
            )
            assert row, f"{person.email} in {demo_org.slug} is missing from README"


def test_demo_programs_have_their_appointment_types_once():
    demo_data_load(password="pw-for-test-1")
    demo_data_load(password="pw-for-test-1")
    rows = {
        (t.program.slug, t.duration_minutes, t.mode, t.venue.kind if t.venue else "")
        for t in AppointmentType.objects.select_related("program", "venue")
    }
    assert rows == {
        ("intl-career-2026", 20, "online", ""),
        ("intl-career-2026", 30, "online", ""),
        ("intl-career-2026", 40, "in_person", Venue.Kind.CAMPUS),
        ("mentoring-2026", 40, "online", ""),
        ("salon-2026", 30, "in_person", Venue.Kind.SCHOOL),
    }
    assert AppointmentType.objects.count() == 5


def test_every_demo_supporter_has_weekly_times_and_closures_load_once():
    demo_data_load(password="pw-for-test-1")
    rules, closures = AvailabilityRule.objects.count(), Closure.objects.count()
    demo_data_load(password="pw-for-test-1")
    assert (AvailabilityRule.objects.count(), Closure.objects.count()) == (rules, closures)
    supporters = Membership.objects.filter(role=Role.SUPPORTER, is_active=True)
    for membership in supporters:
        assert AvailabilityRule.objects.filter(
            organization=membership.organization, user=membership.user
        ).exists(), (membership.organization.slug, membership.user.email)
    mentor = User.objects.get(email="supporter@mentor.example")
    assert set(
        AvailabilityRule.objects.filter(user=mentor).values_list("weekday", "starts_at")
    ) == {(1, datetime.time(19)), (3, datetime.time(19))}
    assert set(Closure.objects.values_list("organization__slug", "name")) == {
        ("mirai-salon", "夏季休業"),
        ("sakura-univ", "夏季一斉休業"),
    }


def _salon_radar(salon: Organization) -> dict[str, list[str]]:
    """Each salon section of the radar: the people (emails) or schools it lists."""
    rows = {}
    for section in radar_sections(organization=salon, program=None, params={}, now=timezone.now()):
        rows[section.key] = [
            row.venue.name if section.key == "salon_falling" else row.student.email
            for row in section.page
        ]
    return rows


def test_demo_has_reminders_waiting_no_shows_salon_radar_cases_and_a_pair_meeting_once():
    demo_data_load(password="pw-for-test-1")
    now = timezone.now()
    univ = Organization.objects.get(slug="sakura-univ")
    waiting = reminders_waiting(organization=univ, now=now)
    assert waiting.paginator.count >= 3
    assert all(row.next_step is not None for row in waiting)
    assert Session.objects.filter(status=Session.Status.NO_SHOW).count() >= 3
    salon = Organization.objects.get(slug="mirai-salon")
    radar = continuity_radar(organization=salon, now=now)
    assert [row.user.email for row in radar.no_shows] == ["client2@salon.example"]
    # Each salon section of the radar has its case (bansou.demo.organizations.salon).
    salon_radar = _salon_radar(salon)
    assert set(salon_radar) == {"salon_once", "salon_referred", "salon_no_shows", "salon_falling"}
    assert salon_radar["salon_once"] == ["student05@salon.example"]
    assert salon_radar["salon_referred"] == ["student04@salon.example"]
    assert "student10@salon.example" in salon_radar["salon_no_shows"]
    assert "みなと学園高等学校 千葉学習センター" in salon_radar["salon_falling"]
    # The pair's meeting; the salons' meetings carry their salon blocks.
    internal = Meeting.objects.filter(salon_block__isnull=True)
    [meeting] = internal
    assert meeting.team is not None and meeting.team.name.startswith("ペアA")
    members = sorted(m.email for m in meeting.team.members.all())
    assert len(members) == 2
    assert sorted(b.user.email for b in meeting.blocks.filter(is_active=True)) == members
    salons = Meeting.objects.filter(salon_block__isnull=False).count()
    demo_data_load(password="pw-for-test-1")
    assert internal.count() == 1
    assert Meeting.objects.filter(salon_block__isnull=False).count() == salons > 0
    assert _salon_radar(salon) == salon_radar


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_the_console_shows_a_short_aligned_login_table_and_no_mail(capsys):
    out = StringIO()
    call_command("demo_data", stdout=out)
    text = out.getvalue() + capsys.readouterr().out
    assert "Subject:" not in text and "Content-Type" not in text  # no raw mail
    rows = [line for line in text.splitlines() if line.startswith("    ") and "@" in line]
    assert len(rows) == len({(org, role) for _e, org, role in demo_logins()})  # one per role
    starts = {_columns(row[: row.index(row.split()[-1])]) for row in rows}
    assert len(starts) == 1  # every address starts in the same column
