"""The supporter list (people.filters.SupporterFilter): found by kana in either script or
romaji, narrowed by program, qualification, specialty, language and load, ordered and
paged with the filters kept in the links, in the same number of queries for 3 matching
supporters and for 30."""

import itertools
import re

import pytest
from django.urls import reverse

from bansou.core.roles import Role
from bansou.engagements.models import Engagement
from bansou.people.filters import SupporterFilter
from bansou.programs.models import Side
from tests.factories import (
    EngagementFactory,
    EnrollmentFactory,
    MembershipFactory,
    ProgramFactory,
    SupporterProfileFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)
from tests.people.conftest import Org, QualificationFactory

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


def _supporter(org: Org, kana: str, family_name: str | None = None, **profile: object):
    tag = f"支{next(_serial):05d}"
    user = UserFactory(
        family_name=family_name or tag, family_name_kana=kana, email=f"s{tag[1:]}@example.test"
    )
    MembershipFactory(organization=org.organization, user=user, role=Role.SUPPORTER)
    return SupporterProfileFactory(organization=org.organization, user=user, **profile)


def _found(org: Org, **query: object) -> list[str]:
    return [p.user.family_name for p in SupporterFilter(query, organization=org.organization).qs]


def _busy(org: Org, profile, count: int) -> None:
    program = ProgramFactory(organization=org.organization)
    for _ in range(count):
        client = org.member(Role.CLIENT)
        EngagementFactory(program=program, client=client, supporter=profile.user)


def test_search_finds_a_supporter_by_kana_in_either_script_romaji_or_kanji(org):
    _supporter(org, "オオタニ", "大谷")
    _supporter(org, "スズキ", "鈴木")
    for typed in ("おおたに", "オオタニ", "ｵｵﾀﾆ", "ootani", "大谷"):
        assert _found(org, q=typed) == ["大谷"], typed


def test_filters_narrow_by_program_qualification_specialty_language_and_load(org):
    program = ProgramFactory(organization=org.organization)
    enrolled = _supporter(org, "ア", "在籍", specialties=["進路", "傾聴"], languages=["ja", "vi"])
    EnrollmentFactory(program=program, user=enrolled.user, side=Side.SUPPORTER)
    qualified = _supporter(org, "イ", "資格", max_concurrent=1)
    QualificationFactory(profile=qualified)
    _busy(org, qualified, 1)
    # Enrolled as a client only, and in the program no longer: not the program's supporters.
    elsewhere = _supporter(org, "ウ", "別", specialties=["就職支援"])
    EnrollmentFactory(program=program, user=elsewhere.user, side=Side.CLIENT)
    gone = _supporter(org, "エ", "離脱")
    EnrollmentFactory(program=program, user=gone.user, side=Side.SUPPORTER, is_active=False)

    assert _found(org, program=program.pk) == ["在籍"]
    assert _found(org, qualification="career_consultant") == ["資格"]
    assert _found(org, specialty="傾聴") == ["在籍"]
    assert _found(org, language="vi") == ["在籍"]
    assert _found(org, load="full") == ["資格"]
    assert _found(org, load="room") == ["在籍", "別", "離脱"]
    assert _found(org, program=program.pk, load="full") == []


def test_load_counts_team_engagements_like_the_rows(org):
    member = _supporter(org, "ア", "二人組", max_concurrent=1)
    team = TeamFactory(organization=org.organization, name="ペア")
    TeamMemberFactory(team=team, user=member.user)
    program = ProgramFactory(organization=org.organization)
    EngagementFactory(program=program, client=org.member(Role.CLIENT), supporter=None, team=team)
    ended = EngagementFactory(
        program=program, client=org.member(Role.CLIENT), supporter=member.user
    )
    Engagement.objects.filter(pk=ended.pk).update(status=Engagement.Status.ENDED)

    assert _found(org, load="full") == ["二人組"]


def test_bad_values_are_set_aside_and_order_is_by_reading_or_newest(org):
    _supporter(org, "イ", "後")
    _supporter(org, "ア", "前")
    assert _found(org) == ["前", "後"]
    assert _found(org, order="newest") == ["前", "後"]
    assert _found(org, program="99999999999999999999", load="x", specialty="?", order="?") == [
        "前",
        "後",
    ]


def test_supporter_list_pages_and_keeps_the_filters(org, client_for):
    for _ in range(51):
        _supporter(org, "オオタニ")
    _supporter(org, "スズキ", "鈴木")
    client = client_for(org.coordinator)
    url = reverse("people:supporters", args=[org.organization.slug])
    first = client.get(url, {"q": "おおたに"})
    assert len(first.context["rows"]) == 50 and "鈴木" not in first.content.decode()
    assert "q=%E3%81%8A%E3%81%8A%E3%81%9F%E3%81%AB&amp;page=2" in first.content.decode()
    second = client.get(url, {"q": "おおたに", "page": "2"})
    assert len(second.context["rows"]) == 1
    assert re.search(r'<input type="search" name="q"[^>]*value="おおたに"', first.content.decode())


def test_searched_and_filtered_supporter_list_query_count_constant(
    world, client_for, assert_constant_queries
):
    org = Org(organization=world.a.organization, coordinator=world.a.members[Role.COORDINATOR])
    program = world.a.extra["program"]

    def build(n):
        names = []
        for _ in range(n):
            match = _supporter(org, "オオタニ", specialties=["傾聴"], languages=["ja", "en"])
            QualificationFactory(profile=match)
            EnrollmentFactory(program=program, user=match.user, side=Side.SUPPORTER)
            _busy(org, match, 1)
            names.append(match.user.family_name)
            _supporter(org, "スズキ", specialties=["傾聴"])  # not found
        return names

    query = {
        "q": "おおたに",
        "program": program.pk,
        "qualification": "career_consultant",
        "specialty": "傾聴",
        "language": "en",
        "load": "room",
        "order": "newest",
    }
    client = client_for(org.coordinator)
    url = reverse("people:supporters", args=[org.organization.slug])
    assert_constant_queries(build=build, get=lambda: client.get(url, query))
