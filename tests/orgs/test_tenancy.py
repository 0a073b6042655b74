import pytest
from django.urls import reverse
from django_scopes import scope
from django_scopes.exceptions import ScopeError

from bansou.core.roles import Role
from bansou.orgs.models import Membership, Venue
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_tenant_query_without_organisation_scope_fails_loudly(world):
    with scope(), pytest.raises(ScopeError):
        list(Venue.objects.all())


def test_tenant_query_inside_a_scope_sees_only_that_organisation(world):
    with scope(organization=world.a.organization):
        names = set(
            Venue.objects.filter(organization=world.a.organization).values_list("name", flat=True)
        )
        assert names == {world.a.venue.name}


def test_dashboard_for_member_outsider_and_unknown_organisation(world, client_for):
    a_slug = world.a.organization.slug
    assert client_for(world.a.members[Role.CLIENT]).get(f"/o/{a_slug}/").status_code == 200
    assert client_for(world.b.members[Role.COORDINATOR]).get(f"/o/{a_slug}/").status_code == 404
    assert client_for(world.a.members[Role.CLIENT]).get("/o/no-such-org/").status_code == 404


@pytest.mark.parametrize("path", ["/o/Ａ社/", "/o/UPPER%20CASE/", "/o/../admin/", "/o/a b/"])
def test_malformed_organisation_slugs_are_404(world, client_for, path):
    response = client_for(world.a.members[Role.COORDINATOR]).get(path)
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_wrong_role_gets_403_with_explanation(world, client_for):
    url = reverse("orgs:members", args=[world.a.organization.slug])
    response = client_for(world.a.members[Role.SUPPORTER]).get(url)
    assert response.status_code == 403
    assert "このページを表示する権限がありません" in response.content.decode()


def test_inactive_membership_is_treated_as_outsider(world, client_for):
    user = world.a.members[Role.SUPPORTER]
    Membership.objects.filter(user=user).update(is_active=False)
    assert client_for(user).get(f"/o/{world.a.organization.slug}/").status_code == 404


@pytest.mark.parametrize(
    ("role", "title"),
    [
        (Role.COORDINATOR, "コーディネーター ダッシュボード"),
        (Role.SUPPORTER, "支援者ダッシュボード"),
        (Role.CLIENT, "マイページ"),
        (Role.PARTNER, "連携先ダッシュボード"),
        (Role.VIEWER, "レポート"),
    ],
)
def test_each_role_lands_on_its_own_dashboard(world, client_for, role, title):
    client = client_for(world.a.members[role])
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == f"/o/{world.a.organization.slug}/"
    assert f"<h1>{title}</h1>" in response.content.decode()


def test_user_in_two_organisations_chooses_and_switches(world, client_for):
    user = world.a.members[Role.SUPPORTER]
    other = OrganizationFactory(name="もう一つの団体", slug="another")
    MembershipFactory(organization=other, user=user, role=Role.COORDINATOR)
    client = client_for(user)
    home = client.get("/").content.decode()
    assert "もう一つの団体" in home and world.a.organization.name in home
    dashboard = client.get(f"/o/{world.a.organization.slug}/").content.decode()
    assert "団体を切り替える" in dashboard and 'href="/o/another/"' in dashboard
    other_dashboard = client.get("/o/another/").content.decode()
    assert "<h1>コーディネーター ダッシュボード</h1>" in other_dashboard


def test_members_list_filters_by_role_and_hides_other_organisations(world, client_for):
    url = reverse("orgs:members", args=[world.a.organization.slug])
    client = client_for(world.a.members[Role.COORDINATOR])
    body = client.get(url, {"role": "client"}).content.decode()
    assert world.a.members[Role.CLIENT].email in body
    assert world.a.members[Role.SUPPORTER].email not in body
    everyone = client.get(url, {"role": "nonsense"}).content.decode()
    assert world.a.members[Role.SUPPORTER].email in everyone
    assert "LEAKCANARY" not in everyone
