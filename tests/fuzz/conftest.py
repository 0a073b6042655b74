"""The fuzz suite's world and its two budgets.

HYPOTHESIS_PROFILE=long (``make fuzz``) runs many examples per form (FUZZ_EXAMPLES, 150 by
default); otherwise ``fuzz-ci`` runs a few, the same ones every time, inside ``make test``."""

import os
from collections.abc import Iterator

import pytest
from django.db import transaction
from django_scopes import scopes_disabled
from hypothesis import HealthCheck, settings
from pytest_django import DjangoDbBlocker

from tests.access.matrix import enable_mfa
from tests.conftest import A_MARK, CANARY, World, _org_world

_COMMON = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}
settings.register_profile("fuzz-ci", max_examples=10, derandomize=True, database=None, **_COMMON)
settings.register_profile(
    "fuzz-long", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), **_COMMON
)
FUZZ = settings.get_profile(
    "fuzz-long" if os.environ.get("HYPOTHESIS_PROFILE") == "long" else "fuzz-ci"
)


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[World]:
    """The permission matrix's world, built once per module inside a transaction that is
    rolled back at the end; every test (pytest-django's ``db``) and every example (the
    suite's own savepoint) runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic(), scopes_disabled():
        world = World(
            a=_org_world("org-a", f"{A_MARK} 団体A", f"{A_MARK}さん"),
            b=_org_world("org-b", f"{CANARY} 団体B", CANARY),
        )
        enable_mfa(world)
        yield world
        transaction.set_rollback(True)
