"""What the fuzz suite requests: every named URL of the permission matrix, as every role
its policy allows (anonymous for public pages), with organisation A's objects."""

import pytest
from django.urls import reverse

from bansou.core.access import OrgRoles, Policy, SignedIn
from tests.access.matrix import KWARG_PROVIDERS, collect_routes
from tests.conftest import World

ROLES = ("coordinator", "supporter", "client", "partner", "viewer")


def actors_for(policy: Policy | None) -> list[str]:
    if isinstance(policy, OrgRoles):
        return [f"a-{role}" for role in ROLES if policy.allows(role)]
    if isinstance(policy, SignedIn):
        return [f"a-{role}" for role in ROLES]
    return ["anonymous"]


TARGETS = [
    pytest.param(route.name, actor, id=f"{route.name}[{actor}]")
    for route in collect_routes()
    if route.name is not None
    for actor in actors_for(route.policy)
]


def page_url(world: World, name: str) -> str:
    route = next(r for r in collect_routes() if r.name == name)
    return reverse(name, kwargs={k: KWARG_PROVIDERS[k](world, "a") for k in route.kwargs})
