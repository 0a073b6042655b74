import datetime

import pytest
from django.utils import timezone
from django.utils.translation import override

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, Session
from bansou.people.filters import SupporterFilter
from bansou.people.models import ClientProfile, Team
from bansou.people.selectors import (
    active_engagement_counts,
    client_booking_block_reason,
    specialty_suggestions,
    supporter_rows,
    supporter_sessions_held,
    supporters_listed,
    team_profile,
    team_profiles_of,
)
from tests.factories import (
    ClientProfileFactory,
    EngagementFactory,
    ProgramFactory,
    SessionFactory,
    SupporterProfileFactory,
    TeamFactory,
    TeamMemberFactory,
)
from tests.people.conftest import GuardianConsentFactory, Org, QualificationFactory

pytestmark = pytest.mark.django_db


def _engagement(org: Org, **kwargs: object) -> Engagement:
    program = ProgramFactory(organization=org.organization)
    client = org.member(Role.CLIENT)
    return EngagementFactory(program=program, client=client, **kwargs)


def _team(org: Org, *members: User, name: str = "ひまわりペア") -> Team:
    team = TeamFactory(organization=org.organization, name=name)
    for user in members:
        TeamMemberFactory(team=team, user=user)
    return team


# --- sessions held -------------------------------------------------------------------------


def test_sessions_held_counts_only_held_sessions_of_the_supporter(org):
    supporter = org.member(Role.SUPPORTER)
    engagement = _engagement(org, supporter=supporter)
    SessionFactory.create_batch(2, engagement=engagement, status=Session.Status.HELD)
    SessionFactory(engagement=engagement, status=Session.Status.SCHEDULED)
    SessionFactory(engagement=engagement, status=Session.Status.NO_SHOW)
    SessionFactory(engagement=engagement, status=Session.Status.CANCELLED)

    assert supporter_sessions_held(organization=org.organization, user=supporter) == 2


def test_sessions_held_includes_sessions_of_each_team_the_supporter_is_in(org):
    alice, bob, carol = (org.member(Role.SUPPORTER) for _ in range(3))
    pair = _team(org, alice, bob, name="ペアA")
    other_pair = _team(org, alice, carol, name="ペアB")
    SessionFactory.create_batch(3, engagement=_engagement(org, supporter=None, team=pair))
    SessionFactory(engagement=_engagement(org, supporter=None, team=other_pair))
    SessionFactory(engagement=_engagement(org, supporter=alice))

    assert supporter_sessions_held(organization=org.organization, user=alice) == 5
    assert supporter_sessions_held(organization=org.organization, user=bob) == 3
    assert supporter_sessions_held(organization=org.organization, user=carol) == 1


def test_sessions_held_ignores_other_supporters_and_other_organisations(org, world):
    supporter = org.member(Role.SUPPORTER)
    someone_else = org.member(Role.SUPPORTER)
    SessionFactory(engagement=_engagement(org, supporter=someone_else))
    # The world's supporter of organisation A has one held session there, none here.
    world_supporter = world.a.members[Role.SUPPORTER]

    assert supporter_sessions_held(organization=org.organization, user=supporter) == 0
    assert supporter_sessions_held(organization=org.organization, user=world_supporter) == 0
    assert supporter_sessions_held(organization=world.a.organization, user=world_supporter) == 1


def test_active_engagement_counts_direct_and_through_teams(org):
    alice, bob = org.member(Role.SUPPORTER), org.member(Role.SUPPORTER)
    pair = _team(org, alice, bob)
    _engagement(org, supporter=alice)
    _engagement(org, supporter=alice, status=Engagement.Status.ENDED)
    _engagement(org, supporter=None, team=pair)

    counts = active_engagement_counts(organization=org.organization, user_ids=[alice.pk, bob.pk])

    assert counts == {alice.pk: 2, bob.pk: 1}


# --- supporter list ------------------------------------------------------------------------


def test_supporter_filter_by_specialty_language_and_qualification(org):
    a = SupporterProfileFactory(
        organization=org.organization,
        user=org.member(Role.SUPPORTER),
        specialties=["就職支援"],
        languages=["ja", "en"],
    )
    b = SupporterProfileFactory(
        organization=org.organization,
        user=org.member(Role.SUPPORTER),
        specialties=["自己理解"],
        languages=["ja"],
    )
    QualificationFactory(profile=b)

    def pks(**filters: str) -> set[int]:
        return {p.pk for p in SupporterFilter(filters, organization=org.organization).qs}

    assert pks() == {a.pk, b.pk}
    assert pks(specialty="就職支援") == {a.pk}
    assert pks(language="en") == {a.pk}
    assert pks(qualification="career_consultant") == {b.pk}
    assert pks(specialty="自己理解", language="en") == set()


def test_supporter_list_leaves_out_people_who_are_no_longer_supporters(org):
    former = org.member(Role.SUPPORTER)
    SupporterProfileFactory(organization=org.organization, user=former)
    former.memberships.update(is_active=False)

    assert list(supporters_listed(organization=org.organization)) == []


def test_supporter_row_load_is_capped_and_flags_over_capacity(org):
    supporter = org.member(Role.SUPPORTER)
    SupporterProfileFactory(organization=org.organization, user=supporter, max_concurrent=2)
    for _ in range(3):
        _engagement(org, supporter=supporter)

    profiles = supporters_listed(organization=org.organization)
    (row,) = supporter_rows(organization=org.organization, profiles=profiles)

    assert row.active_engagements == 3
    assert row.load_percent == 100
    assert row.over_capacity is True


def test_specialty_suggestions_most_used_first_and_only_from_this_organisation(org, world):
    for tags in (["自己理解", "就職支援"], ["就職支援"], []):
        SupporterProfileFactory(
            organization=org.organization, user=org.member(Role.SUPPORTER), specialties=tags
        )

    assert specialty_suggestions(organization=org.organization) == ["就職支援", "自己理解"]


# --- teams ---------------------------------------------------------------------------------


def test_team_profile_is_the_union_of_member_languages_and_specialties(org):
    alice, bob = org.member(Role.SUPPORTER), org.member(Role.SUPPORTER)
    SupporterProfileFactory(
        organization=org.organization, user=alice, languages=["en", "ja"], specialties=["傾聴"]
    )
    SupporterProfileFactory(
        organization=org.organization,
        user=bob,
        languages=["ja", "vi"],
        specialties=["傾聴", "NPO経営"],
    )
    team = _team(org, alice, bob)

    profile = team_profile(team=team)

    assert profile.languages == ["ja", "en", "vi"]
    assert profile.specialties == ["傾聴", "NPO経営"]
    assert {m.pk for m in profile.members} == {alice.pk, bob.pk}


def test_team_profile_of_members_without_profile_is_empty_but_lists_them(org):
    alice, bob = org.member(Role.SUPPORTER), org.member(Role.SUPPORTER)
    team = _team(org, alice, bob)

    profile = team_profile(team=team)

    assert profile.languages == [] and profile.specialties == []
    assert len(profile.members) == 2


def test_team_profiles_of_matches_team_profile_for_each_team(org):
    alice, bob, carol = (org.member(Role.SUPPORTER) for _ in range(3))
    SupporterProfileFactory(organization=org.organization, user=carol, languages=["ko"])
    _team(org, alice, bob, name="A")
    _team(org, alice, carol, name="B")

    listed = team_profiles_of(organization=org.organization)

    assert [p.team.name for p in listed] == ["A", "B"]
    assert [p.languages for p in listed] == [[], ["ko"]]
    assert [p.languages for p in listed] == [team_profile(team=p.team).languages for p in listed]


# --- booking block for minors --------------------------------------------------------------


def _client(org: Org, *, is_minor: bool) -> ClientProfile:
    return ClientProfileFactory(
        organization=org.organization, user=org.member(Role.CLIENT), is_minor=is_minor
    )


def test_booking_block_client_without_profile_is_not_blocked(org):
    user = org.member(Role.CLIENT)
    assert client_booking_block_reason(organization=org.organization, user=user) is None


def test_booking_block_adult_is_not_blocked(org):
    profile = _client(org, is_minor=False)
    assert client_booking_block_reason(organization=org.organization, user=profile.user) is None


def test_booking_block_minor_without_consent_is_blocked_with_a_message(org):
    profile = _client(org, is_minor=True)

    with override("ja"):
        reason = client_booking_block_reason(organization=org.organization, user=profile.user)

    assert reason is not None
    assert "consent" in reason or "同意" in reason


def test_booking_block_minor_with_consent_is_allowed(org):
    profile = _client(org, is_minor=True)
    GuardianConsentFactory(client=profile)

    assert client_booking_block_reason(organization=org.organization, user=profile.user) is None


def test_booking_block_minor_whose_consent_was_withdrawn_is_blocked_again(org):
    profile = _client(org, is_minor=True)
    GuardianConsentFactory(client=profile, withdrawn_on=timezone.localdate())

    with override("en"):
        reason = client_booking_block_reason(organization=org.organization, user=profile.user)

    assert reason is not None and "withdrawn" in reason


def test_booking_block_minor_with_new_consent_after_withdrawal_is_allowed(org):
    profile = _client(org, is_minor=True)
    GuardianConsentFactory(
        client=profile,
        given_on=timezone.localdate() - datetime.timedelta(days=30),
        withdrawn_on=timezone.localdate() - datetime.timedelta(days=10),
    )
    GuardianConsentFactory(client=profile)

    assert client_booking_block_reason(organization=org.organization, user=profile.user) is None


def test_booking_block_consent_in_another_organisation_does_not_count(org, world):
    profile = _client(org, is_minor=True)
    other = ClientProfileFactory(
        organization=world.b.organization, user=profile.user, is_minor=True
    )
    GuardianConsentFactory(client=other)

    assert client_booking_block_reason(organization=org.organization, user=profile.user)
    assert client_booking_block_reason(organization=world.b.organization, user=profile.user) is None
