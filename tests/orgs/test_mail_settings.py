"""The coordinator's mail settings: the organisation's contact address (Reply-To and
signature of its mail)."""

import pytest
from django.urls import reverse

from bansou.core.roles import Role

pytestmark = pytest.mark.django_db


def _url(world):
    return reverse("orgs:mail_settings", kwargs={"org_slug": world.a.organization.slug})


def test_a_coordinator_sets_and_clears_the_contact_address(world, client_for):
    client = client_for(world.a.members[Role.COORDINATOR])
    page = client.get(_url(world)).content.decode()
    assert 'name="contact_email"' in page
    lead = page.split('class="lead">', 1)[1].split("</p>", 1)[0]
    assert world.a.organization.name in lead  # the page names whose mail it sets
    response = client.post(_url(world), {"contact_email": " Office@Org-A.test "})
    assert response.status_code == 302 and response["Location"] == _url(world)
    world.a.organization.refresh_from_db()
    assert world.a.organization.contact_email == "office@org-a.test"
    assert 'value="office@org-a.test"' in client.get(_url(world)).content.decode()
    client.post(_url(world), {"contact_email": ""})
    world.a.organization.refresh_from_db()
    assert world.a.organization.contact_email == ""
    world.b.organization.refresh_from_db()
    assert world.b.organization.contact_email == ""


def test_a_malformed_address_is_refused_and_kept(world, client_for):
    client = client_for(world.a.members[Role.COORDINATOR])
    response = client.post(_url(world), {"contact_email": "office@"})
    assert response.status_code == 200
    assert 'value="office@"' in response.content.decode()
    world.a.organization.refresh_from_db()
    assert world.a.organization.contact_email == ""


def test_only_coordinators_see_the_page_in_their_menu(world, client_for):
    dashboard = reverse("orgs:dashboard", kwargs={"org_slug": world.a.organization.slug})
    coordinator = client_for(world.a.members[Role.COORDINATOR]).get(dashboard)
    assert _url(world) in coordinator.content.decode()
    supporter = client_for(world.a.members[Role.SUPPORTER])
    assert _url(world) not in supporter.get(dashboard).content.decode()
    assert supporter.get(_url(world)).status_code == 403
