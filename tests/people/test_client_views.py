import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from bansou.core.roles import Role
from bansou.people.models import ClientProfile, GuardianConsent
from tests.factories import ClientProfileFactory, VenueFactory
from tests.people.conftest import GuardianConsentFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def ja(msgid: str) -> str:
    with override("ja"):
        return gettext(msgid)


def _url(name: str, org_slug: str, *args: Any) -> str:
    return reverse(f"people:{name}", args=[org_slug, *args])


def _consent_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "action": "record",
        "consent-guardian_name": "山田 花子",
        "consent-relationship": "母",
        "consent-method": "paper",
        "consent-given_on": TODAY().isoformat(),
        "consent-note": "同意書は事務所の鍵付き棚に保管",
    }
    data.update(overrides)
    return data


@pytest.fixture
def minor(world: Any) -> ClientProfile:
    profile: ClientProfile = world.a.extra["client_profile"]
    profile.is_minor = True
    profile.save()
    return profile


# --- list ----------------------------------------------------------------------------------


def test_client_list_filters_minors_without_consent(org, client_for):
    school = VenueFactory(organization=org.organization, name="さくら高校", kind="school")
    without = ClientProfileFactory(
        organization=org.organization, user=org.member(Role.CLIENT), is_minor=True, venue=school
    )
    with_consent = ClientProfileFactory(
        organization=org.organization, user=org.member(Role.CLIENT), is_minor=True
    )
    GuardianConsentFactory(client=with_consent)
    withdrawn = ClientProfileFactory(
        organization=org.organization, user=org.member(Role.CLIENT), is_minor=True
    )
    GuardianConsentFactory(client=withdrawn, withdrawn_on=TODAY())
    ClientProfileFactory(organization=org.organization, user=org.member(Role.CLIENT))
    client = client_for(org.coordinator)
    url = _url("clients", org.organization.slug)

    missing = client.get(url, {"consent": "missing"}).context["profiles"]
    at_school = client.get(url, {"venue": school.pk}).context["profiles"]
    everyone = client.get(url).context["profiles"]

    assert {p.pk for p in missing} == {without.pk, withdrawn.pk}
    assert [p.pk for p in at_school] == [without.pk]
    assert len(everyone) == 4


def test_client_list_filter_by_category_and_ignores_foreign_venue(world, client_for):
    client = client_for(world.a.members[Role.COORDINATOR])
    url = _url("clients", world.a.organization.slug)

    npo = client.get(url, {"category": "npo_staff"}).context["profiles"]
    students = client.get(url, {"category": "high_school"}).context["profiles"]
    foreign = client.get(url, {"venue": world.b.venue.pk, "category": "nonsense"})

    assert [p.pk for p in npo] == [world.a.extra["client_profile"].pk]
    assert students == []
    assert len(foreign.context["profiles"]) == 1


def test_client_list_query_count_does_not_grow_with_rows(org, client_for):
    school = VenueFactory(organization=org.organization, kind="school")
    client = client_for(org.coordinator)
    url = _url("clients", org.organization.slug)

    def add(n: int) -> None:
        for _ in range(n):
            profile = ClientProfileFactory(
                organization=org.organization,
                user=org.member(Role.CLIENT),
                is_minor=True,
                venue=school,
            )
            GuardianConsentFactory(client=profile)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    add(1)
    one = count()
    add(2)
    three = count()
    assert len(client.get(url).context["profiles"]) == 3
    assert one == three


def test_client_list_offers_a_profile_for_clients_without_one(org, client_for):
    newcomer = org.member(Role.CLIENT)
    client = client_for(org.coordinator)
    slug = org.organization.slug

    listed = client.get(_url("clients", slug)).context["without_profile"]
    response = client.post(
        _url("client_create", slug), {"user": newcomer.pk, "category": "high_school"}
    )

    profile = ClientProfile.objects.get(user=newcomer)
    assert list(listed) == [newcomer]
    assert profile.category == "high_school"
    assert response["Location"] == _url("client_edit", slug, profile.pk)


# --- edit ----------------------------------------------------------------------------------


def test_client_edit_saves_the_profile(world, client_for):
    profile = world.a.extra["client_profile"]
    slug = world.a.organization.slug

    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("client_edit", slug, profile.pk),
        {
            "category": "high_school",
            "school_or_organization": "さくら高等学校",
            "venue": world.a.venue.pk,
            "grade": "2年",
            "languages": ["ja", "tl"],
            "wants_help_with": "卒業後の進路",
            "is_minor": "on",
        },
    )

    assert response["Location"] == _url("client_detail", slug, profile.pk)
    profile.refresh_from_db()
    assert (profile.category, profile.venue, profile.is_minor) == (
        "high_school",
        world.a.venue,
        True,
    )


def test_client_edit_refuses_another_organisations_venue(world, client_for):
    profile = world.a.extra["client_profile"]
    venue_before = profile.venue

    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("client_edit", world.a.organization.slug, profile.pk),
        {"category": "high_school", "venue": world.b.venue.pk, "wants_help_with": "残す入力"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["venue"]
    assert "残す入力" in response.content.decode()
    profile.refresh_from_db()
    assert profile.venue == venue_before != world.b.venue


def test_client_detail_is_not_for_the_supporter(world, client_for):
    profile = world.a.extra["client_profile"]
    profile.wants_help_with = "誰にも言っていない悩み"
    profile.save()
    response = client_for(world.a.members[Role.SUPPORTER]).get(
        _url("client_detail", world.a.organization.slug, profile.pk)
    )

    assert response.status_code == 403
    assert "誰にも言っていない悩み" not in response.content.decode()


# --- guardian consent ----------------------------------------------------------------------


def test_consent_page_records_consent_and_unblocks_booking(world, client_for, minor):
    client = client_for(world.a.members[Role.COORDINATOR])
    url = _url("client_consent", world.a.organization.slug, minor.pk)

    before = client.get(url).context["block_reason"]
    response = client.post(url, _consent_data())
    after = client.get(url)

    assert before is not None
    assert response.status_code == 302
    consent = GuardianConsent.objects.get(client=minor)
    assert consent.recorded_by == world.a.members[Role.COORDINATOR]
    assert after.context["block_reason"] is None
    assert "山田 花子" in after.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"consent-given_on": (TODAY() + datetime.timedelta(days=1)).isoformat()}, "given_on"),
        ({"consent-given_on": "2025-02-30"}, "given_on"),
        ({"consent-guardian_name": "山田 花子🌸"}, "guardian_name"),
        ({"consent-guardian_name": ""}, "guardian_name"),
        ({"consent-relationship": "母" * 41}, "relationship"),
        ({"consent-method": "telepathy"}, "method"),
        ({"consent-note": "長" * 1001}, "note"),
    ],
)
def test_consent_bad_input_redisplays_with_message(world, client_for, minor, overrides, field):
    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("client_consent", world.a.organization.slug, minor.pk), _consent_data(**overrides)
    )

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    kept = "山田 花子" if field == "note" else "同意書は事務所の鍵付き棚に保管"
    assert kept in response.content.decode()
    assert not GuardianConsent.objects.filter(client=minor).exists()


def test_consent_future_date_message_is_clear(world, client_for, minor):
    tomorrow = (TODAY() + datetime.timedelta(days=1)).isoformat()
    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("client_consent", world.a.organization.slug, minor.pk),
        _consent_data(**{"consent-given_on": tomorrow}),
    )

    assert ja("This date is in the future.") in response.content.decode()


def test_consent_withdraw_blocks_booking_again(world, client_for, minor):
    consent = GuardianConsentFactory(client=minor)
    client = client_for(world.a.members[Role.COORDINATOR])
    url = _url("client_consent", world.a.organization.slug, minor.pk)

    response = client.post(
        url, {"action": "withdraw", "withdraw-withdrawn_on": TODAY().isoformat()}
    )

    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == TODAY()
    assert client.get(url).context["block_reason"] is not None


def test_consent_withdraw_in_the_future_is_refused(world, client_for, minor):
    consent = GuardianConsentFactory(client=minor)
    tomorrow = (TODAY() + datetime.timedelta(days=1)).isoformat()

    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("client_consent", world.a.organization.slug, minor.pk),
        {"action": "withdraw", "withdraw-withdrawn_on": tomorrow},
    )

    assert response.status_code == 200
    assert response.context["withdraw_form"].errors["withdrawn_on"]
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_consent_withdraw_without_active_consent_shows_a_message(world, client_for, minor):
    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("client_consent", world.a.organization.slug, minor.pk),
        {"action": "withdraw", "withdraw-withdrawn_on": TODAY().isoformat()},
    )

    assert response.status_code == 200
    assert response.context["withdraw_form"].non_field_errors()


def test_consent_page_of_another_organisations_client_is_404(world, client_for):
    response = client_for(world.a.members[Role.COORDINATOR]).post(
        _url("client_consent", world.a.organization.slug, world.b.extra["client_profile"].pk),
        _consent_data(),
    )

    assert response.status_code == 404
    assert not GuardianConsent.objects.exists()
