"""The permission matrix: every URL pattern × every actor, checked against the view's
declared policy. Used by test_permission_matrix.py, and by its own tests to show that it
catches an undeclared view and a view that leaks another organisation's data."""

import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Any

from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

from bansou.core.access import OrgRoles, Policy, Public, PublicInOrg, SignedIn, policy_for
from bansou.core.roles import Role
from bansou.orgs.models import Membership
from tests.conftest import A_MARK, CANARY, ClientFactory, World


# How to fill each URL keyword for organisation "a" (the organisation under test) or "b"
# (the other one). A new keyword without an entry here fails the matrix.
def _pk(name: str) -> Callable[[World, str], Any]:
    return lambda world, org: getattr(world, org).extra[name].pk


KWARG_PROVIDERS: dict[str, Callable[[World, str], Any]] = {
    "org_slug": lambda world, org: getattr(world, org).organization.slug,
    "key": lambda world, org: "not-a-real-key",
    "uidb36": lambda world, org: "zz",
    "side": lambda world, org: "client",
    "token": lambda world, org: "not-a-real-token",
    # A live calendar feed (planted in conftest): an unknown one answers 404.
    "feed_token": lambda world, org: getattr(world, org).extra["feed_token"],
    "program_slug": lambda world, org: getattr(world, org).extra["program"].slug,
    "application_pk": _pk("application"),
    "training_pk": _pk("training"),
    "supporter_pk": _pk("supporter_profile"),
    "client_pk": _pk("client_profile"),
    "team_pk": _pk("team"),
    "engagement_pk": _pk("engagement"),
    "session_pk": _pk("session"),
    "note_pk": _pk("note"),
    "round_pk": _pk("match_round"),
    "request_pk": _pk("match_request"),
    "type_pk": _pk("appointment_type"),
    "meeting_pk": _pk("meeting"),
    "invitation_pk": _pk("invitation"),
    "venue_pk": lambda world, org: getattr(world, org).venue.pk,
    "series_pk": _pk("series"),
    "block_pk": _pk("block"),
    "reservation_pk": _pk("reservation"),
    "visit_pk": _pk("visit"),
    "referral_pk": _pk("referral"),
    "consent_pk": _pk("consent"),
    "report_pk": _pk("report"),
    "venue_closure_pk": _pk("venue_closure"),
    "event_pk": _pk("event"),
    "survey_pk": _pk("survey"),
    "question_pk": _pk("survey_question"),
    "answer_pk": _pk("survey_answer"),
    # A live public survey link (planted in conftest): an unknown one gives a plain page.
    "link_token": lambda world, org: getattr(world, org).extra["survey_link"],
    "member_pk": lambda world, org: (
        Membership.objects.get(
            organization=getattr(world, org).organization,
            user=getattr(world, org).members[Role.SUPPORTER],
        ).pk
    ),
    "user_pk": lambda world, org: getattr(world, org).members[Role.SUPPORTER].pk,
}
# Objects that belong to one person (a prepared file): each actor asks for its own, planted
# per role in World.extra["files"]; the coordinator's stands in for actors without one.
OWN_OBJECT_KWARGS: dict[str, Callable[[World, str, str], Any]] = {
    "file_pk": lambda world, org, role: getattr(world, org).extra["files"][role].pk,
}
for _own in OWN_OBJECT_KWARGS:
    KWARG_PROVIDERS[_own] = lambda world, org, k=_own: OWN_OBJECT_KWARGS[k](
        world, org, Role.COORDINATOR
    )


def _url_for(
    route: "Route", world: World, org: str, actor: str, urlconf: str | None, slug: str = ""
) -> str:
    """The route's URL with organisation ``org``'s sample objects (the actor's own where an
    object belongs to one person), under organisation ``slug`` when one is given."""
    role = actor.split("-", 1)[-1]
    if role not in Role.values:
        role = Role.COORDINATOR
    kwargs = {
        k: OWN_OBJECT_KWARGS[k](world, org, role)
        if k in OWN_OBJECT_KWARGS
        else KWARG_PROVIDERS[k](world, org)
        for k in route.kwargs
    }
    if slug:
        kwargs["org_slug"] = slug
    return reverse(route.name or "", urlconf=urlconf, kwargs=kwargs)


# Keywords that are not objects of one organisation.
NON_OBJECT_KWARGS = {"org_slug", "key", "uidb36", "side", "token", "feed_token", "link_token"}
# Pages that send an allowed person straight on to the one page they can use (a teacher of
# one school goes to that school's page): 302 to a page of the same organisation is right.
FORWARDING_ROUTES = {"salons:schools"}


@dataclass(frozen=True)
class Route:
    route: str
    name: str | None
    kwargs: tuple[str, ...]
    policy: Policy | None


def collect_routes(urlconf: str | None = None) -> list[Route]:
    return list(_walk(get_resolver(urlconf).url_patterns, "", None, ()))


def _walk(
    patterns: list[Any], prefix: str, namespace: str | None, outer: tuple[str, ...]
) -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(
                pattern.url_patterns,
                prefix + str(pattern.pattern),
                ns,
                outer + _kwarg_names(pattern.pattern),
            )
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            kwargs = outer + _kwarg_names(pattern.pattern)
            yield Route(prefix + str(pattern.pattern), name, kwargs, _policy(pattern, name))


def _kwarg_names(pattern: Any) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    if isinstance(pattern, RegexPattern):
        return tuple(re.compile(pattern._regex).groupindex)
    return ()


def _policy(pattern: URLPattern, name: str | None) -> Policy | None:
    class _Match:
        func = pattern.callback
        view_name = name

    return policy_for(_Match())  # type: ignore[arg-type]


def undeclared(routes: list[Route]) -> list[str]:
    return [f"{r.route} ({r.name})" for r in routes if r.policy is None or r.name is None]


def expected_statuses(policy: Policy, actor: str) -> set[int]:
    """What a GET by ``actor`` must answer. Actors: anonymous, a-<role>, b-coordinator."""
    if isinstance(policy, Public | PublicInOrg):
        return {200, 301, 302}
    if actor == "anonymous":
        return {302}
    if isinstance(policy, SignedIn):
        return {200, 301, 302}
    assert isinstance(policy, OrgRoles)
    if actor == "b-coordinator":
        return {404}
    role = actor.removeprefix("a-")
    return {200} if policy.allows(role) else {403}


def enable_mfa(world: World) -> None:
    """Gives every signed-in actor TOTP and recovery codes, so that the two-factor pages
    have something to show instead of answering 404."""
    for user in world.actors().values():
        if user is not None:
            TOTP.activate(user, generate_totp_secret())
            RecoveryCodes.activate(user)


def run_matrix(
    world: World,
    client_for: ClientFactory,
    urlconf: str | None = None,
    only: Collection[str] | None = None,
) -> list[str]:
    """Returns every violation; an empty list means the matrix holds. ``only`` restricts
    the walk to the routes with those names (the matrix's own tests walk just the broken
    routes of their URLconf, not the whole project again)."""
    enable_mfa(world)
    if urlconf is None:
        return _run(world, client_for, None, only)
    with override_settings(ROOT_URLCONF=urlconf):
        return _run(world, client_for, urlconf, only)


def _run(
    world: World, client_for: ClientFactory, urlconf: str | None, only: Collection[str] | None
) -> list[str]:
    routes = collect_routes(urlconf)
    if only is not None:
        routes = [route for route in routes if route.name in only]
        assert {route.name for route in routes} == set(only), "unknown route in only="
    failures = [f"no declared policy: {item}" for item in undeclared(routes)]
    actors = world.actors()
    clients = {name: client_for(user) for name, user in actors.items()}
    for client in clients.values():
        client.raise_request_exception = False  # a 500 is reported as a failure below
    for route in routes:
        if route.policy is None or route.name is None:
            continue
        missing = [k for k in route.kwargs if k not in KWARG_PROVIDERS]
        if missing:
            failures.append(f"{route.name}: no sample value for {missing}")
            continue
        for actor, client in clients.items():
            url = _url_for(route, world, "a", actor, urlconf)
            response = client.get(url)
            allowed = expected_statuses(route.policy, actor)
            if route.name in FORWARDING_ROUTES and allowed == {200}:
                allowed = {200, 302}
                home = f"/o/{world.a.organization.slug}/"
                if response.status_code == 302 and not response["Location"].startswith(home):
                    failures.append(f"{route.name} as {actor}: forwarded out of the organisation")
            if response.status_code not in allowed:
                failures.append(
                    f"{route.name} as {actor}: {response.status_code}, expected {sorted(allowed)}"
                )
            if (
                actor == "anonymous"
                and response.status_code == 302
                and route.policy != Public()
                and "/accounts/login/" not in response["Location"]
            ):
                failures.append(f"{route.name} as anonymous: redirected elsewhere than login")
            raw = b"".join(response.streaming_content) if response.streaming else response.content
            body = raw.decode("utf-8", errors="replace")
            foreign = A_MARK if actor == "b-coordinator" else CANARY
            public_page_of_a = isinstance(route.policy, PublicInOrg) and foreign == A_MARK
            if foreign in body and not public_page_of_a:
                failures.append(f"{route.name} as {actor}: another organisation's data leaked")
        failures.extend(_cross_tenant_objects(world, clients, route, urlconf))
    return failures


def _cross_tenant_objects(
    world: World, clients: dict[str, Any], route: Route, urlconf: str | None
) -> list[str]:
    """Organisation A's URL holding organisation B's object ids must be a 404 for every
    member of A whose role the view allows."""
    object_kwargs = [k for k in route.kwargs if k not in NON_OBJECT_KWARGS]
    if not object_kwargs or "org_slug" not in route.kwargs:
        return []
    failures = []
    for actor, client in clients.items():
        if not actor.startswith("a-") or expected_statuses(route.policy, actor) != {200}:
            continue
        url = _url_for(route, world, "b", actor, urlconf, slug=world.a.organization.slug)
        response = client.get(url)
        if response.status_code != 404:
            failures.append(
                f"{route.name}: B's objects under A's URL as {actor}: {response.status_code}"
            )
    return failures
