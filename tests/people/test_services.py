import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bansou.accounts.models import User
from bansou.audit.models import AuditEntry
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, EngagementEvent
from bansou.engagements.services.teams import team_member_add, team_member_remove
from bansou.people.models import (
    ClientProfile,
    GuardianConsent,
    Qualification,
    SupporterProfile,
    Team,
    TeamMember,
)
from bansou.people.services.checks import specialties_clean
from bansou.people.services.consent import guardian_consent_record, guardian_consent_withdraw
from bansou.people.services.profiles import (
    client_profile_create,
    client_profile_update,
    supporter_profile_create,
    supporter_profile_update,
)
from bansou.people.services.qualifications import QualificationInput, qualification_check
from bansou.people.services.teams import team_create, team_rename
from bansou.programs.models import TrainingAttendance
from bansou.programs.selectors import missing_trainings
from tests.factories import (
    ClientProfileFactory,
    EngagementFactory,
    ProgramFactory,
    SupporterProfileFactory,
    TeamFactory,
    TeamMemberFactory,
    TrainingFactory,
    VenueFactory,
)
from tests.people.conftest import GuardianConsentFactory, Org, QualificationFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _update(profile: SupporterProfile, **overrides: Any) -> SupporterProfile:
    values: dict[str, Any] = {
        "specialties": [],
        "languages": ["ja"],
        "bio": "",
        "gender": "unspecified",
        "monthly_capacity": 4,
        "max_concurrent": 5,
    }
    values.update(overrides)
    return supporter_profile_update(profile=profile, **values)


@pytest.fixture
def profile(org: Org) -> SupporterProfile:
    return SupporterProfileFactory(organization=org.organization, user=org.member(Role.SUPPORTER))


# --- qualifications ------------------------------------------------------------------------


def test_qualification_check_career_consultant_needs_registration_number():
    with pytest.raises(ValidationError) as exc:
        qualification_check(kind="career_consultant", name="", registration_number="  ")
    assert set(exc.value.message_dict) == {"registration_number"}


def test_qualification_check_other_needs_a_name():
    with pytest.raises(ValidationError) as exc:
        qualification_check(kind="other", name="", registration_number="")
    assert set(exc.value.message_dict) == {"name"}


def test_qualification_check_technician_needs_neither():
    qualification_check(kind="skill_2", name="", registration_number="")


def test_qualification_database_refuses_career_consultant_without_number(profile):
    with pytest.raises(IntegrityError), transaction.atomic():
        Qualification.objects.create(
            organization=profile.organization,
            profile=profile,
            kind=Qualification.Kind.CAREER_CONSULTANT,
            registration_number="",
        )


def test_supporter_profile_update_replaces_qualifications(profile):
    kept = QualificationFactory(profile=profile, registration_number="16000001")
    dropped = QualificationFactory(profile=profile, kind="skill_2", registration_number="")

    _update(
        profile,
        qualifications=[
            QualificationInput(pk=kept.pk, kind="career_consultant", registration_number="1600009"),
            QualificationInput(kind="other", name=" 公認心理師 "),
        ],
    )

    rows = {q.kind: q for q in Qualification.objects.filter(profile=profile)}
    assert set(rows) == {"career_consultant", "other"}
    assert rows["career_consultant"].pk == kept.pk
    assert rows["career_consultant"].registration_number == "1600009"
    assert rows["other"].name == "公認心理師"
    assert not Qualification.objects.filter(pk=dropped.pk).exists()


def test_supporter_profile_update_refuses_consultant_without_number_and_keeps_old_data(profile):
    QualificationFactory(profile=profile, registration_number="16000001")

    with pytest.raises(ValidationError):
        _update(
            profile,
            bio="新しい紹介",
            qualifications=[QualificationInput(kind="career_consultant")],
        )

    profile.refresh_from_db()
    assert profile.bio == ""
    assert Qualification.objects.get(profile=profile).registration_number == "16000001"


def test_supporter_profile_update_refuses_another_profiles_qualification(org, profile):
    other = SupporterProfileFactory(organization=org.organization, user=org.member(Role.SUPPORTER))
    foreign = QualificationFactory(profile=other)

    with pytest.raises(ValidationError):
        _update(
            profile,
            qualifications=[QualificationInput(pk=foreign.pk, kind="skill_1")],
        )
    foreign.refresh_from_db()
    assert foreign.kind == "career_consultant"


def test_supporter_profile_update_refuses_future_obtained_on(profile):
    tomorrow = TODAY() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        _update(profile, qualifications=[QualificationInput(kind="skill_1", obtained_on=tomorrow)])
    assert "obtained_on" in exc.value.message_dict


# --- supporter profile fields --------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("monthly_capacity", -1),
        ("monthly_capacity", 31),
        ("max_concurrent", 10_000),
        ("languages", ["ja", "xx"]),
        ("bio", "あ" * 2001),
        ("specialties", ["就職支援🎉"]),
        ("specialties", ["長" * 41]),
        ("specialties", [f"分野{n}" for n in range(21)]),
    ],
)
def test_supporter_profile_update_refuses_bad_values(profile, field, value):
    with pytest.raises(ValidationError) as exc:
        _update(profile, **{field: value})
    assert field in exc.value.message_dict
    profile.refresh_from_db()
    assert profile.monthly_capacity == 4 and profile.languages == ["ja"]


def test_supporter_profile_update_normalises_tags_and_orders_languages(profile):
    _update(profile, specialties=[" 就職支援 ", "就職支援", "ＩＴ 業界"], languages=["en", "ja"])

    profile.refresh_from_db()
    assert profile.specialties == ["就職支援", "IT 業界"]
    assert profile.languages == ["ja", "en"]


def test_specialties_clean_drops_empty_tags():
    assert specialties_clean(["", "  ", "傾聴"]) == ["傾聴"]


def test_supporter_profile_create_only_for_supporter_members(org):
    supporter = org.member(Role.SUPPORTER)
    client = org.member(Role.CLIENT)

    profile = supporter_profile_create(organization=org.organization, user=supporter)
    assert profile.user == supporter
    with pytest.raises(ValidationError):
        supporter_profile_create(organization=org.organization, user=client)


# --- clients -------------------------------------------------------------------------------


def test_client_profile_update_refuses_a_venue_that_is_not_a_school(org):
    profile = ClientProfileFactory(organization=org.organization, user=org.member(Role.CLIENT))
    partner_site = VenueFactory(organization=org.organization, kind="partner_site")

    with pytest.raises(ValidationError) as exc:
        client_profile_update(
            profile=profile,
            category="high_school",
            school_or_organization="",
            venue=partner_site,
            grade="2年",
            languages=["ja"],
            wants_help_with="",
            is_minor=True,
        )
    assert "venue" in exc.value.message_dict


def test_client_profile_update_saves_a_school_venue(org):
    profile = ClientProfileFactory(organization=org.organization, user=org.member(Role.CLIENT))
    school = VenueFactory(organization=org.organization, kind="school", name="さくら高校")

    client_profile_update(
        profile=profile,
        category="high_school",
        school_or_organization="さくら高等学校",
        venue=school,
        grade="2年",
        languages=["ja", "tl"],
        wants_help_with="進路のこと",
        is_minor=True,
    )

    profile.refresh_from_db()
    assert (profile.venue, profile.is_minor, profile.languages) == (school, True, ["ja", "tl"])


def test_client_profile_create_refuses_non_clients(org):
    with pytest.raises(ValidationError):
        client_profile_create(organization=org.organization, user=org.member(Role.SUPPORTER))


# --- guardian consent ----------------------------------------------------------------------


@pytest.fixture
def minor(org: Org) -> ClientProfile:
    return ClientProfileFactory(
        organization=org.organization, user=org.member(Role.CLIENT), is_minor=True
    )


def _record(minor: ClientProfile, by: User, **overrides: Any) -> GuardianConsent:
    values: dict[str, Any] = {
        "guardian_name": "山田　花子",
        "relationship": "母",
        "method": "paper",
        "given_on": TODAY(),
        "note": "",
    }
    values.update(overrides)
    return guardian_consent_record(client=minor, recorded_by=by, **values)


def test_guardian_consent_record_saves_and_audits(org, minor):
    consent = _record(minor, org.coordinator)

    assert consent.guardian_name == "山田 花子"
    assert consent.recorded_by == org.coordinator
    entry = AuditEntry.objects.get(action="people.guardian_consent.recorded")
    assert entry.object_id == str(consent.pk) and entry.actor == org.coordinator


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("given_on", TODAY() + datetime.timedelta(days=1)),
        ("given_on", datetime.date(1900, 1, 1)),
        ("guardian_name", "山田 花子😀"),
        ("guardian_name", "x" * 81),
        ("method", "carrier_pigeon"),
        ("note", "x" * 1001),
    ],
)
def test_guardian_consent_record_refuses_bad_values(org, minor, field, value):
    with pytest.raises(ValidationError) as exc:
        _record(minor, org.coordinator, **{field: value})
    assert field in exc.value.message_dict
    assert not GuardianConsent.objects.exists()


def test_guardian_consent_withdraw_marks_active_consents_and_audits(org, minor):
    older = GuardianConsentFactory(client=minor, given_on=TODAY() - datetime.timedelta(days=9))
    newer = GuardianConsentFactory(client=minor, given_on=TODAY() - datetime.timedelta(days=2))

    guardian_consent_withdraw(client=minor, withdrawn_on=TODAY(), withdrawn_by=org.coordinator)

    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.withdrawn_on == newer.withdrawn_on == TODAY()
    assert AuditEntry.objects.filter(action="people.guardian_consent.withdrawn").count() == 2


def test_guardian_consent_withdraw_refuses_future_date(org, minor):
    consent = GuardianConsentFactory(client=minor)
    with pytest.raises(ValidationError) as exc:
        guardian_consent_withdraw(
            client=minor,
            withdrawn_on=TODAY() + datetime.timedelta(days=1),
            withdrawn_by=org.coordinator,
        )
    assert "withdrawn_on" in exc.value.message_dict
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_guardian_consent_withdraw_refuses_date_before_consent(org, minor):
    GuardianConsentFactory(client=minor, given_on=TODAY())
    with pytest.raises(ValidationError):
        guardian_consent_withdraw(
            client=minor,
            withdrawn_on=TODAY() - datetime.timedelta(days=1),
            withdrawn_by=org.coordinator,
        )


def test_guardian_consent_withdraw_without_active_consent_is_refused(org, minor):
    GuardianConsentFactory(client=minor, withdrawn_on=TODAY())
    with pytest.raises(ValidationError):
        guardian_consent_withdraw(client=minor, withdrawn_on=TODAY(), withdrawn_by=org.coordinator)


# --- teams ---------------------------------------------------------------------------------


def test_team_create_with_two_supporters(org):
    alice, bob = org.member(Role.SUPPORTER), org.member(Role.SUPPORTER)

    team = team_create(organization=org.organization, name=" ひまわり  ペア ", members=[alice, bob])

    assert team.name == "ひまわり ペア"
    assert set(TeamMember.objects.filter(team=team).values_list("user_id", flat=True)) == {
        alice.pk,
        bob.pk,
    }


def test_team_create_of_one_is_refused(org):
    alice = org.member(Role.SUPPORTER)
    with pytest.raises(ValidationError) as exc:
        team_create(organization=org.organization, name="ひとり", members=[alice, alice])
    assert "members" in exc.value.message_dict
    assert not Team.objects.exists()


@pytest.mark.parametrize("role", [Role.CLIENT, Role.COORDINATOR, Role.PARTNER])
def test_team_create_with_a_non_supporter_is_refused(org, role):
    alice, other = org.member(Role.SUPPORTER), org.member(role)
    with pytest.raises(ValidationError) as exc:
        team_create(organization=org.organization, name="ペア", members=[alice, other])
    assert other.display_name in exc.value.message_dict["members"][0]
    assert not Team.objects.exists()


def test_team_create_with_an_inactive_supporter_is_refused(org):
    alice, former = org.member(Role.SUPPORTER), org.member(Role.SUPPORTER)
    former.memberships.update(is_active=False)
    with pytest.raises(ValidationError):
        team_create(organization=org.organization, name="ペア", members=[alice, former])


def test_team_create_with_a_supporter_of_another_organisation_is_refused(org, world):
    alice = org.member(Role.SUPPORTER)
    with pytest.raises(ValidationError):
        team_create(
            organization=org.organization,
            name="ペア",
            members=[alice, world.b.members[Role.SUPPORTER]],
        )


def test_team_create_duplicate_name_is_refused(org):
    members = [org.member(Role.SUPPORTER), org.member(Role.SUPPORTER)]
    team_create(organization=org.organization, name="ペア", members=members)
    with pytest.raises(ValidationError) as exc:
        team_create(organization=org.organization, name="ペア", members=members)
    assert "name" in exc.value.message_dict


def test_team_rename_refuses_emoji(org):
    team = TeamFactory(organization=org.organization, name="ペア")
    with pytest.raises(ValidationError):
        team_rename(team=team, name="ペア🌻")
    team.refresh_from_db()
    assert team.name == "ペア"


def test_supporter_may_be_in_several_teams(org):
    alice, bob, carol = (org.member(Role.SUPPORTER) for _ in range(3))
    team_create(organization=org.organization, name="A", members=[alice, bob])
    team_create(organization=org.organization, name="B", members=[alice, carol])

    assert TeamMember.objects.filter(user=alice).count() == 2


def test_team_member_add_and_remove_keeps_at_least_two(org):
    alice, bob, carol = (org.member(Role.SUPPORTER) for _ in range(3))
    team = team_create(organization=org.organization, name="A", members=[alice, bob])

    team_member_add(team=team, user=carol, actor=org.coordinator)
    team_member_remove(team=team, user=alice, actor=org.coordinator)
    with pytest.raises(ValidationError) as exc:
        team_member_remove(team=team, user=bob, actor=org.coordinator)

    assert "members" in exc.value.message_dict
    assert set(TeamMember.objects.filter(team=team).values_list("user_id", flat=True)) == {
        bob.pk,
        carol.pk,
    }


def test_team_member_add_refuses_duplicates_and_non_supporters(org):
    team = TeamFactory(organization=org.organization)
    alice = org.member(Role.SUPPORTER)
    TeamMemberFactory(team=team, user=alice)

    with pytest.raises(ValidationError):
        team_member_add(team=team, user=alice, actor=org.coordinator)
    with pytest.raises(ValidationError):
        team_member_add(team=team, user=org.member(Role.VIEWER), actor=org.coordinator)
    assert TeamMember.objects.filter(team=team).count() == 1


# --- teams that already accompany clients --------------------------------------------------


@pytest.fixture
def busy_team(org: Org):
    """A team of two with one active and one ended engagement in a program that requires
    a training, and a third supporter who has not attended it."""
    alice, bob, carol = (org.member(Role.SUPPORTER) for _ in range(3))
    team = team_create(organization=org.organization, name="ひまわり", members=[alice, bob])
    program = ProgramFactory(organization=org.organization, name="進路相談")
    training = TrainingFactory(program=program, name="傾聴研修")
    active = EngagementFactory(
        program=program, client=org.member(Role.CLIENT), supporter=None, team=team
    )
    ended = EngagementFactory(
        program=program,
        client=org.member(Role.CLIENT),
        supporter=None,
        team=team,
        status=Engagement.Status.ENDED,
    )
    return team, program, training, active, ended, carol


def test_joining_a_team_with_open_engagements_needs_their_required_trainings(org, busy_team):
    team, _program, training, active, _ended, carol = busy_team

    with pytest.raises(ValidationError) as exc:
        team_member_add(team=team, user=carol, actor=org.coordinator)

    message = " ".join(exc.value.message_dict["members"])
    assert carol.display_name in message and "進路相談" in message and "傾聴研修" in message
    assert not TeamMember.objects.filter(team=team, user=carol).exists()
    assert not active.events.filter(kind=EngagementEvent.Kind.MEMBER_JOINED).exists()

    TrainingAttendance.objects.create(
        organization=org.organization, training=training, user=carol, attended_on=TODAY()
    )
    team_member_add(team=team, user=carol, actor=org.coordinator)
    assert TeamMember.objects.filter(team=team, user=carol).exists()


def test_an_ended_engagement_does_not_ask_for_trainings(org):
    alice, bob, carol = (org.member(Role.SUPPORTER) for _ in range(3))
    team = team_create(organization=org.organization, name="あおぞら", members=[alice, bob])
    program = ProgramFactory(organization=org.organization)
    TrainingFactory(program=program)
    EngagementFactory(program=program, supporter=None, team=team, status=Engagement.Status.ENDED)

    team_member_add(team=team, user=carol, actor=org.coordinator)

    assert TeamMember.objects.filter(team=team, user=carol).exists()


def test_joining_and_leaving_are_recorded_on_each_open_engagement_only(org, busy_team):
    team, _program, training, active, ended, carol = busy_team
    TrainingAttendance.objects.create(
        organization=org.organization, training=training, user=carol, attended_on=TODAY()
    )

    team_member_add(team=team, user=carol, actor=org.coordinator)
    team_member_remove(team=team, user=carol, actor=org.coordinator)

    events = list(
        EngagementEvent.objects.filter(
            kind__in=[EngagementEvent.Kind.MEMBER_JOINED, EngagementEvent.Kind.MEMBER_LEFT]
        )
        .order_by("pk")
        .values_list("engagement_id", "kind", "member_name", "actor_id")
    )
    assert events == [
        (active.pk, EngagementEvent.Kind.MEMBER_JOINED, carol.display_name, org.coordinator.pk),
        (active.pk, EngagementEvent.Kind.MEMBER_LEFT, carol.display_name, org.coordinator.pk),
    ]
    assert not ended.events.exists()
    actions = set(
        AuditEntry.objects.filter(organization=org.organization).values_list("action", flat=True)
    )
    assert {"people.team_member.added", "people.team_member.removed"} <= actions


def test_joining_asks_for_the_missing_required_trainings_of_each_open_program(org, busy_team):
    team, program, _training, _active, _ended, carol = busy_team
    other = ProgramFactory(organization=org.organization, name="就職準備")
    attended = TrainingFactory(program=other, name="守秘義務研修")
    TrainingFactory(program=other, name="記録の書き方")
    TrainingFactory(program=other, name="任意の勉強会", is_required=False)
    TrainingAttendance.objects.create(
        organization=org.organization, training=attended, user=carol, attended_on=TODAY()
    )
    EngagementFactory(program=other, client=org.member(Role.CLIENT), supporter=None, team=team)

    with pytest.raises(ValidationError) as exc:
        team_member_add(team=team, user=carol, actor=org.coordinator)

    messages = exc.value.message_dict["members"]
    assert len(messages) == 2
    assert "就職準備" in messages[0] and "記録の書き方" in messages[0]
    assert "守秘義務研修" not in messages[0] and "任意の勉強会" not in messages[0]
    assert "進路相談" in messages[1] and "傾聴研修" in messages[1]
    assert [t.name for t in missing_trainings(program=program, user=carol)] == ["傾聴研修"]
