"""The periodic survey scans: after each held session (its client, its supporters, its
venue's teachers), at a phase's end (the program's enrolled people) and one reminder three
days on. Each scan is idempotent: running it again invites and mails nobody twice."""

import datetime

import pytest
from django.utils import timezone

from bansou.core.roles import Role
from bansou.ops.models import OutboxMessage
from bansou.ops.periodic import run_periodic
from bansou.programs.models import Side
from bansou.surveys.models import Survey, SurveyInvitation
from bansou.surveys.services.dispatch import (
    REMIND_AFTER,
    invitation_issue,
    surveys_after_sessions,
    surveys_at_phase_end,
    surveys_remind,
)
from tests.factories import (
    EngagementFactory,
    EnrollmentFactory,
    MembershipFactory,
    PhaseFactory,
    SessionFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)
from tests.surveys.helpers import make_survey, program_of

pytestmark = pytest.mark.django_db


def _coordinator(world):
    return world.a.members[Role.COORDINATOR]


def _opened_days_ago(survey, days):
    Survey.objects.filter(pk=survey.pk).update(
        opened_at=timezone.now() - datetime.timedelta(days=days)
    )
    survey.refresh_from_db()
    return survey


def _mails_to(user):
    return OutboxMessage.objects.filter(to_address=user.email).count()


def test_the_jobs_are_registered_with_the_periodic_runner(world):
    names = ("surveys.after_sessions", "surveys.phase_end", "surveys.reminders")
    outcomes = [outcome for name in names for outcome in run_periodic(only=name)]
    assert [(o.name, o.ok, o.result) for o in outcomes] == [(name, True, 0) for name in names]


def test_the_client_of_a_held_session_is_invited_once(world):
    program = program_of(world.a.organization)
    survey = make_survey(
        world.a.organization, _coordinator(world), program=program, trigger="after_session"
    )
    _opened_days_ago(survey, 5)
    client = world.a.members[Role.CLIENT]
    session = world.a.extra["session"]  # held two days ago
    before = _mails_to(client)
    assert surveys_after_sessions(now=timezone.now()) == 1
    invitation = SurveyInvitation.objects.get(survey=survey)
    assert (invitation.person, invitation.session) == (client, session)
    assert _mails_to(client) == before + 1
    # Again: nobody new, no second mail.
    assert surveys_after_sessions(now=timezone.now()) == 0
    assert run_periodic(only="surveys.after_sessions")[0].result == 0
    assert _mails_to(client) == before + 1
    # The next held session is a new occasion.
    SessionFactory(
        engagement=session.engagement, starts_at=timezone.now() - datetime.timedelta(hours=3)
    )
    assert surveys_after_sessions(now=timezone.now()) == 1
    assert SurveyInvitation.objects.filter(survey=survey, person=client).count() == 2


def test_only_sessions_held_since_the_survey_opened_and_lately_count(world):
    program = program_of(world.a.organization)
    survey = make_survey(
        world.a.organization, _coordinator(world), program=program, trigger="after_session"
    )
    engagement = world.a.extra["engagement"]
    SessionFactory(
        engagement=engagement, starts_at=timezone.now() - datetime.timedelta(days=20)
    )  # before the survey opened, and long ago
    SessionFactory(
        engagement=engagement,
        starts_at=timezone.now() + datetime.timedelta(days=1),
        status="scheduled",
    )
    SessionFactory(
        engagement=engagement,
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        status="no_show",
    )
    _opened_days_ago(survey, 30)
    # The world's session (two days ago) is the only held one within the last week.
    assert surveys_after_sessions(now=timezone.now()) == 1
    assert SurveyInvitation.objects.get(survey=survey).session == world.a.extra["session"]


def test_every_member_of_a_team_is_invited_to_a_supporter_survey(world):
    org = world.a.organization
    program = program_of(org)
    survey = make_survey(
        org, _coordinator(world), program=program, trigger="after_session", audience="supporters"
    )
    _opened_days_ago(survey, 5)
    team = TeamFactory(organization=org, name="ペアA")
    mentors = []
    for i in range(2):
        mentor = UserFactory(email=f"mentor{i}@org-a.test")
        MembershipFactory(organization=org, user=mentor, role=Role.SUPPORTER)
        TeamMemberFactory(team=team, user=mentor)
        mentors.append(mentor)
    engagement = EngagementFactory(
        program=program, client=world.a.members[Role.CLIENT], supporter=None, team=team
    )
    SessionFactory(engagement=engagement, starts_at=timezone.now() - datetime.timedelta(hours=5))
    surveys_after_sessions(now=timezone.now())
    invited = set(
        SurveyInvitation.objects.filter(survey=survey).values_list("person_id", flat=True)
    )
    # The two mentors, and the supporter of the world's own session.
    assert invited == {mentors[0].pk, mentors[1].pk, world.a.members[Role.SUPPORTER].pk}


def test_a_closed_or_expired_survey_invites_nobody(world):
    program = program_of(world.a.organization)
    survey = make_survey(
        world.a.organization, _coordinator(world), program=program, trigger="after_session"
    )
    _opened_days_ago(survey, 5)
    Survey.objects.filter(pk=survey.pk).update(
        closes_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert surveys_after_sessions(now=timezone.now()) == 0
    Survey.objects.filter(pk=survey.pk).update(
        closes_on=timezone.localdate() + datetime.timedelta(days=5), status="closed"
    )
    assert surveys_after_sessions(now=timezone.now()) == 0
    assert not SurveyInvitation.objects.filter(survey=survey).exists()


def test_the_enrolled_are_invited_once_when_a_phase_ends(world):
    org = world.a.organization
    program = program_of(org)
    today = timezone.localdate()
    ended = PhaseFactory(
        program=program,
        name="伴走期間（11月〜1月）",
        starts_on=today - datetime.timedelta(days=60),
        ends_on=today - datetime.timedelta(days=1),
    )
    PhaseFactory(
        program=program,
        name="ふりかえり期間",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=20),
    )
    survey = make_survey(
        org, _coordinator(world), program=program, trigger="phase_end", phase=ended
    )
    newcomer = UserFactory(email="newcomer@org-a.test")
    MembershipFactory(organization=org, user=newcomer, role=Role.CLIENT)
    EnrollmentFactory(program=program, user=newcomer, side=Side.CLIENT)
    assert surveys_at_phase_end(now=timezone.now()) == 2
    invitations = SurveyInvitation.objects.filter(survey=survey)
    assert {i.person_id for i in invitations} == {newcomer.pk, world.a.members[Role.CLIENT].pk}
    assert {i.phase_id for i in invitations} == {ended.pk}
    mail = OutboxMessage.objects.get(to_address=newcomer.email)
    assert "伴走期間（11月〜1月）" in mail.body
    assert surveys_at_phase_end(now=timezone.now()) == 0


def test_one_reminder_three_days_on_and_never_again(world):
    survey = make_survey(world.a.organization, _coordinator(world))
    person = world.a.members[Role.CLIENT]
    sent_at = timezone.now() - REMIND_AFTER - datetime.timedelta(minutes=1)
    invitation = invitation_issue(survey=survey, person=person, now=sent_at)
    first_mail = OutboxMessage.objects.filter(to_address=person.email).latest("pk")
    assert surveys_remind(now=sent_at + datetime.timedelta(days=1)) == 0
    assert surveys_remind(now=timezone.now()) == 1
    invitation.refresh_from_db()
    assert invitation.reminded_at is not None
    reminder = OutboxMessage.objects.filter(to_address=person.email).latest("pk")
    assert reminder.pk != first_mail.pk
    # The same link as the invitation's.
    link = [line for line in first_mail.body.splitlines() if "/surveys/answer/" in line]
    assert link and link[0] in reminder.body
    assert surveys_remind(now=timezone.now() + datetime.timedelta(days=3)) == 0


def test_no_reminder_once_answered_or_after_the_closing_date(world):
    survey = make_survey(world.a.organization, _coordinator(world))
    old = timezone.now() - datetime.timedelta(days=4)
    answered = invitation_issue(survey=survey, person=world.a.members[Role.CLIENT], now=old)
    SurveyInvitation.objects.filter(pk=answered.pk).update(used_at=timezone.now())
    assert surveys_remind(now=timezone.now()) == 0
    other = UserFactory(email="late@org-a.test")
    MembershipFactory(organization=world.a.organization, user=other, role=Role.CLIENT)
    invitation_issue(survey=survey, person=other, now=old)
    Survey.objects.filter(pk=survey.pk).update(
        closes_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert surveys_remind(now=timezone.now()) == 0
