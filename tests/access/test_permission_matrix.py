import pytest

from bansou.core.access import THIRD_PARTY_POLICIES
from tests.access.matrix import collect_routes, run_matrix, undeclared


@pytest.mark.django_db
def test_permission_matrix_every_url_every_actor(world, client_for):
    failures = run_matrix(world, client_for)
    assert failures == []


def test_permission_matrix_covers_every_url_pattern():
    routes = collect_routes()
    assert undeclared(routes) == []
    assert len(routes) >= 28


def test_third_party_policies_name_only_existing_urls():
    names = {route.name for route in collect_routes()}
    assert set(THIRD_PARTY_POLICIES) - names == set()


@pytest.mark.django_db
def test_matrix_catches_an_undeclared_view(world, client_for):
    failures = run_matrix(world, client_for, urlconf="tests.access.broken_urls")
    assert any("no declared policy" in f and "undeclared" in f for f in failures)


@pytest.mark.django_db
def test_matrix_catches_a_view_that_leaks_another_organisation(world, client_for):
    failures = run_matrix(world, client_for, urlconf="tests.access.broken_urls")
    assert any(f.startswith("leaky as a-") and "leaked" in f for f in failures)


@pytest.mark.django_db
def test_undeclared_view_is_refused_at_request_time(world, client_for, settings):
    settings.ROOT_URLCONF = "tests.access.broken_urls"
    client = client_for(world.a.members[next(iter(world.a.members))])
    client.raise_request_exception = False
    response = client.get(f"/o/{world.a.organization.slug}/undeclared/")
    assert response.status_code == 500
    assert b"LEAKCANARY" not in response.content
    assert b"no policy" not in response.content
