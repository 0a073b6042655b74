import datetime

import pytest
from django.utils import timezone

from bansou.core.roles import Role
from bansou.programs.models import Program
from tests.conftest import World

TODAY = timezone.localdate


@pytest.fixture
def org(world: World):
    return world.a.organization


@pytest.fixture
def coordinator(world: World):
    return world.a.members[Role.COORDINATOR]


@pytest.fixture
def program(world: World) -> Program:
    return world.a.extra["program"]  # type: ignore[return-value]


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)
