from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext, override

from bansou.core.roles import Role
from bansou.people.models import Qualification, SupporterProfile
from tests.factories import (
    EngagementFactory,
    ProgramFactory,
    SessionFactory,
    SupporterProfileFactory,
)
from tests.people.conftest import Org, QualificationFactory

pytestmark = pytest.mark.django_db


def ja(msgid: str) -> str:
    """The text as the (Japanese) page shows it, translated or not yet."""
    with override("ja"):
        return gettext(msgid)


def _url(name: str, org_slug: str, *args: Any) -> str:
    return reverse(f"people:{name}", args=[org_slug, *args])


def _post_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "bio": "傾聴を大切にしています。",
        "languages": ["ja", "en"],
        "gender": "female",
        "monthly_capacity": "3",
        "max_concurrent": "4",
        "new_specialties": "就職支援、自己理解",
        "qualifications-TOTAL_FORMS": "1",
        "qualifications-INITIAL_FORMS": "0",
        "qualifications-MIN_NUM_FORMS": "0",
        "qualifications-MAX_NUM_FORMS": "10",
        "qualifications-0-id": "",
        "qualifications-0-kind": "career_consultant",
        "qualifications-0-registration_number": "16001234",
        "qualifications-0-name": "",
        "qualifications-0-obtained_on": "2020-04-01",
    }
    data.update(overrides)
    return data


# --- list ----------------------------------------------------------------------------------


def test_supporter_list_shows_sessions_held_and_load(world, client_for):
    response = client_for(world.a.members[Role.COORDINATOR]).get(
        _url("supporters", world.a.organization.slug)
    )

    (row,) = response.context["rows"]
    assert row.profile == world.a.extra["supporter_profile"]
    assert (row.sessions_held, row.active_engagements) == (1, 1)
    assert world.a.members[Role.SUPPORTER].display_name in response.content.decode()


def test_supporter_list_offers_a_profile_for_supporters_without_one(world, client_for):
    client = client_for(world.a.members[Role.COORDINATOR])
    second = world.a.extra["second_supporter"]
    slug = world.a.organization.slug

    listed = client.get(_url("supporters", slug)).context["without_profile"]
    response = client.post(_url("supporter_create", slug), {"user": second.pk})

    assert listed == [second]
    profile = SupporterProfile.objects.get(organization=world.a.organization, user=second)
    assert response.status_code == 302
    assert response["Location"] == _url("supporter_edit", slug, profile.pk)


def test_supporter_create_refuses_a_client_member(world, client_for):
    client_user = world.a.members[Role.CLIENT]
    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("supporter_create", world.a.organization.slug), {"user": client_user.pk}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["user"]
    assert not SupporterProfile.objects.filter(user=client_user).exists()


def test_supporter_list_filters_and_ignores_unknown_filter_values(world, client_for):
    client = client_for(world.a.members[Role.COORDINATOR])
    slug = world.a.organization.slug

    by_language = client.get(_url("supporters", slug), {"language": "vi"}).context["rows"]
    by_kind = client.get(_url("supporters", slug), {"qualification": "skill_1"}).context["rows"]
    bogus = client.get(
        _url("supporters", slug), {"language": "xx", "qualification": "<script>", "specialty": "?"}
    )

    assert by_language == [] and by_kind == []
    assert bogus.status_code == 200 and len(bogus.context["rows"]) == 1


def _supporters_with_history(org: Org, count: int) -> None:
    program = ProgramFactory(organization=org.organization)
    for _ in range(count):
        supporter = org.member(Role.SUPPORTER)
        profile = SupporterProfileFactory(organization=org.organization, user=supporter)
        QualificationFactory(profile=profile)
        QualificationFactory(profile=profile, kind="skill_2", registration_number="")
        engagement = EngagementFactory(
            program=program, client=org.member(Role.CLIENT), supporter=supporter
        )
        SessionFactory(engagement=engagement)


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_supporter_list_query_count_does_not_grow_with_rows(org, client_for):
    client = client_for(org.coordinator)
    url = _url("supporters", org.organization.slug)
    _supporters_with_history(org, 1)
    one = _count_queries(client, url)
    _supporters_with_history(org, 2)
    three = _count_queries(client, url)

    assert len(client.get(url).context["rows"]) == 3
    assert one == three


# --- edit by a coordinator -----------------------------------------------------------------


def test_supporter_edit_saves_profile_and_qualification(world, client_for):
    profile = world.a.extra["supporter_profile"]
    slug = world.a.organization.slug

    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("supporter_edit", slug, profile.pk),
        _post_data(specialties=["就職支援"], new_specialties="ＩＴ業界"),
    )

    assert response.status_code == 302
    assert response["Location"] == _url("supporter_detail", slug, profile.pk)
    profile.refresh_from_db()
    assert profile.languages == ["ja", "en"]
    assert profile.specialties == ["就職支援", "IT業界"]
    assert (profile.monthly_capacity, profile.max_concurrent) == (3, 4)
    qualification = Qualification.objects.get(profile=profile)
    assert (qualification.kind, qualification.registration_number) == (
        "career_consultant",
        "16001234",
    )


def test_supporter_edit_removes_a_qualification_marked_for_removal(world, client_for):
    profile = world.a.extra["supporter_profile"]
    qualification = QualificationFactory(profile=profile)
    data = _post_data(
        **{
            "qualifications-TOTAL_FORMS": "2",
            "qualifications-INITIAL_FORMS": "1",
            "qualifications-0-id": str(qualification.pk),
            "qualifications-0-registration_number": qualification.registration_number,
            "qualifications-0-DELETE": "on",
            "qualifications-1-kind": "skill_1",
        }
    )

    client_for(world.a.members[Role.COORDINATOR]).post(
        _url("supporter_edit", world.a.organization.slug, profile.pk), data
    )

    assert list(Qualification.objects.filter(profile=profile).values_list("kind", flat=True)) == [
        "skill_1"
    ]


def test_supporter_edit_consultant_without_number_redisplays_the_input(world, client_for):
    profile = world.a.extra["supporter_profile"]
    data = _post_data(**{"qualifications-0-registration_number": ""}, bio="入力した紹介文")

    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("supporter_edit", world.a.organization.slug, profile.pk), data
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert ja("A certified career consultant has a registration number: please enter it.") in body
    assert "入力した紹介文" in body
    profile.refresh_from_db()
    assert profile.bio != "入力した紹介文"
    assert not Qualification.objects.filter(profile=profile).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"monthly_capacity": "-3"}, "monthly_capacity"),
        ({"max_concurrent": "999999999999"}, "max_concurrent"),
        ({"monthly_capacity": "たくさん"}, "monthly_capacity"),
        ({"languages": ["ja", "klingon"]}, "languages"),
        ({"bio": "長" * 2001}, "bio"),
        ({"new_specialties": "就職支援🎉"}, "new_specialties"),
        ({"gender": "robot"}, "gender"),
    ],
)
def test_supporter_edit_bad_input_redisplays_with_a_message(world, client_for, overrides, field):
    profile = world.a.extra["supporter_profile"]

    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("supporter_edit", world.a.organization.slug, profile.pk), _post_data(**overrides)
    )

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert 'class="field-error"' in response.content.decode()
    profile.refresh_from_db()
    assert profile.monthly_capacity == 4


def test_supporter_edit_other_without_name_shows_error_on_that_row(world, client_for):
    profile = world.a.extra["supporter_profile"]
    data = _post_data(
        **{"qualifications-0-kind": "other", "qualifications-0-registration_number": ""}
    )

    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("supporter_edit", world.a.organization.slug, profile.pk), data
    )

    assert response.context["formset"].forms[0].errors["name"]
    assert not Qualification.objects.filter(profile=profile).exists()


def test_supporter_edit_without_csrf_token_is_refused(world):
    profile = world.a.extra["supporter_profile"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.a.members[Role.COORDINATOR])

    response = client.post(
        _url("supporter_edit", world.a.organization.slug, profile.pk), _post_data(bio="CSRF")
    )

    assert response.status_code == 403
    profile.refresh_from_db()
    assert profile.bio != "CSRF"


# --- the supporter's own profile -----------------------------------------------------------


def test_my_supporter_profile_is_created_on_first_visit(world, client_for):
    second = world.a.extra["second_supporter"]
    organization = world.a.organization

    response = client_for(second).get(_url("my_supporter_profile", organization.slug))

    assert response.status_code == 200
    assert SupporterProfile.objects.filter(organization=organization, user=second).exists()


def test_my_supporter_profile_saves_only_the_own_profile(world, client_for):
    supporter = world.a.members[Role.SUPPORTER]
    slug = world.a.organization.slug

    response = client_for(supporter).post(
        _url("my_supporter_profile", slug), _post_data(bio="自分の紹介")
    )

    assert response.status_code == 302
    assert response["Location"] == _url("my_supporter_profile", slug)
    assert SupporterProfile.objects.get(user=supporter, organization=world.a.organization).bio == (
        "自分の紹介"
    )
    other_org_profile = world.b.extra["supporter_profile"]
    other_org_profile.refresh_from_db()
    assert other_org_profile.bio != "自分の紹介"


def test_supporter_detail_shows_qualification_with_japanese_date(world, client_for):
    profile = world.a.extra["supporter_profile"]
    QualificationFactory(profile=profile, registration_number="16009999", obtained_on="2025-02-25")

    body = (
        client_for(world.a.members[Role.COORDINATOR])
        .get(_url("supporter_detail", world.a.organization.slug, profile.pk))
        .content.decode()
    )

    assert "16009999" in body
    assert "2025年2月25日(火)" in body
    assert world.a.extra["team"].name in body


def test_supporter_edit_row_without_kind_but_with_a_number_asks_for_the_kind(world, client_for):
    profile = world.a.extra["supporter_profile"]
    data = _post_data(**{"qualifications-0-kind": ""})

    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("supporter_edit", world.a.organization.slug, profile.pk), data
    )

    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["kind"]
    assert not Qualification.objects.filter(profile=profile).exists()


@pytest.mark.parametrize(
    "management",
    [
        {"qualifications-TOTAL_FORMS": None},
        {"qualifications-TOTAL_FORMS": "100000"},
        {"qualifications-INITIAL_FORMS": "abc"},
    ],
)
def test_supporter_edit_tampered_formset_is_refused_without_error(world, client_for, management):
    profile = world.a.extra["supporter_profile"]
    data = {k: v for k, v in {**_post_data(), **management}.items() if v is not None}

    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("supporter_edit", world.a.organization.slug, profile.pk), data
    )

    assert response.status_code == 200
    assert response.context["formset"].non_form_errors()
    assert not Qualification.objects.filter(profile=profile).exists()
