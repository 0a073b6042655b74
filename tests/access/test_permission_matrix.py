import pytest
from django.test import Client

from bansou.core.access import THIRD_PARTY_POLICIES
from tests.access.broken_urls import BROKEN_ROUTES
from tests.access.matrix import collect_routes, run_matrix, undeclared
from tests.conftest import ClientFactory

BROKEN_URLCONF = "tests.access.broken_urls"


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
    failures = run_matrix(world, client_for, urlconf=BROKEN_URLCONF, only=BROKEN_ROUTES)
    assert any("no declared policy" in f and "undeclared" in f for f in failures)


@pytest.mark.django_db
def test_matrix_catches_a_view_that_leaks_another_organisation(world, client_for):
    failures = run_matrix(world, client_for, urlconf=BROKEN_URLCONF, only=BROKEN_ROUTES)
    assert any(f.startswith("leaky as a-") and "leaked" in f for f in failures)


class _RecordingClient(Client):
    def __init__(self, paths: list[str]) -> None:
        super().__init__()
        self._paths = paths

    def get(self, path, *args, **kwargs):
        self._paths.append(path)
        return super().get(path, *args, **kwargs)


class _RecordingClientFactory(ClientFactory):
    def __init__(self) -> None:
        self.paths: list[str] = []

    def __call__(self, user):
        client = _RecordingClient(self.paths)
        if user is not None:
            client.force_login(user)
        return client


@pytest.mark.django_db
def test_matrix_self_tests_request_only_the_broken_routes(world):
    recording = _RecordingClientFactory()
    run_matrix(world, recording, urlconf=BROKEN_URLCONF, only=BROKEN_ROUTES)
    assert recording.paths
    assert all(path.endswith("/leaky/") for path in recording.paths), recording.paths


@pytest.mark.django_db
def test_undeclared_view_is_refused_at_request_time(world, client_for, settings):
    settings.ROOT_URLCONF = BROKEN_URLCONF
    client = client_for(world.a.members[next(iter(world.a.members))])
    client.raise_request_exception = False
    response = client.get(f"/o/{world.a.organization.slug}/undeclared/")
    assert response.status_code == 500
    assert b"LEAKCANARY" not in response.content
    assert b"no policy" not in response.content
