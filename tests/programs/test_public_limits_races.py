"""The public form's limit per address holds when applications arrive at once: on
PostgreSQL, ten simultaneous submissions from one address to one program store exactly
its share and refuse the rest with the plain message."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from bansou.programs.models import Application
from bansou.programs.services.public_limits import PER_ADDRESS, application_submit_limited
from tests.concurrency import in_parallel
from tests.factories import ProgramFactory


@pytest.mark.django_db(transaction=True)
def test_simultaneous_applications_from_one_address_store_only_its_share(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    cache.clear()
    program = ProgramFactory(
        is_public=True,
        accepts_clients=True,
        ends_on=timezone.localdate() + datetime.timedelta(days=90),
    )

    def submit(n: int):
        return lambda: application_submit_limited(
            program=program,
            address="192.0.2.50",
            side="client",
            family_name="佐藤",
            given_name="葵",
            email=f"aoi{n}@example.test",
        )

    results = in_parallel(program.organization, {f"s{n}": submit(n) for n in range(10)})
    assert sorted(results.values()).count("ok") == PER_ADDRESS
    assert set(results.values()) == {"ok", "ValidationError"}
    with scopes_disabled():
        assert Application.objects.filter(program=program).count() == PER_ADDRESS
