"""Which refusal a page gives, and why.

- **403**: the person's role may not use this kind of page at all. The declared policy
  decides it in TenancyMiddleware, before any object is looked up, so the answer is the
  same whether the object exists or not.
- **404**: the role may use the page, but not on this object (another organisation's, an
  engagement one does not accompany, a program one is not enrolled in). The object's
  selector answers 404, so that its existence is not disclosed.
"""

import pytest
from django.urls import reverse

from bansou.core.roles import Role
from bansou.programs.models import Enrollment

pytestmark = pytest.mark.django_db

MISSING_PK = 987654321


def _status(client_for, user, name, *args):
    return client_for(user).get(reverse(name, args=args)).status_code


# --- 403: wrong role for the page, decided before any lookup --------------------------------


@pytest.mark.parametrize(
    ("role", "name", "object_key"),
    [
        (Role.PARTNER, "engagements:detail", "engagement"),
        (Role.VIEWER, "engagements:session_create", "engagement"),
        (Role.CLIENT, "engagements:status", "engagement"),
        (Role.SUPPORTER, "engagements:team_detail", "team"),
        (Role.CLIENT, "people:client_detail", "client_profile"),
        (Role.SUPPORTER, "matching:round", "match_round"),
    ],
)
def test_wrong_role_gets_403_for_an_existing_and_a_missing_object_alike(
    world, client_for, role, name, object_key
):
    org = world.a.organization
    user = world.a.members[role]
    existing = world.a.extra[object_key].pk
    assert _status(client_for, user, name, org.slug, existing) == 403
    assert _status(client_for, user, name, org.slug, MISSING_PK) == 403


def test_wrong_role_gets_403_on_a_program_page_whatever_the_slug(world, client_for):
    org, program = world.a.organization, world.a.extra["program"]
    client = world.a.members[Role.CLIENT]
    assert _status(client_for, client, "programs:edit", org.slug, program.slug) == 403
    assert _status(client_for, client, "programs:edit", org.slug, "no-such-program") == 403


# --- 404: an object this person may not see -------------------------------------------------


def test_supporter_who_does_not_accompany_the_engagement_gets_404(world, client_for):
    """The engagement's selector refuses before the page's own code runs: there is no
    separate "own supporter" check in the session views that could answer 403."""
    org, engagement = world.a.organization, world.a.extra["engagement"]
    other = world.a.extra["second_supporter"]
    for name in ("engagements:detail", "engagements:session_create", "engagements:cadence"):
        assert _status(client_for, other, name, org.slug, engagement.pk) == 404
    session = world.a.extra["session"]
    for name in ("engagements:session_edit", "engagements:session_status"):
        assert _status(client_for, other, name, org.slug, session.pk) == 404


def test_own_supporter_reaches_the_same_pages(world, client_for):
    org, engagement = world.a.organization, world.a.extra["engagement"]
    supporter = world.a.members[Role.SUPPORTER]
    for name in ("engagements:detail", "engagements:session_create", "engagements:cadence"):
        assert _status(client_for, supporter, name, org.slug, engagement.pk) == 200


def test_another_organisations_objects_are_404_under_this_organisations_slug(world, client_for):
    org, coordinator = world.a.organization, world.a.members[Role.COORDINATOR]
    b = world.b.extra
    assert (
        _status(client_for, coordinator, "engagements:detail", org.slug, b["engagement"].pk) == 404
    )
    assert (
        _status(client_for, coordinator, "engagements:team_detail", org.slug, b["team"].pk) == 404
    )
    assert _status(client_for, coordinator, "programs:detail", org.slug, b["program"].slug) == 404
    assert _status(client_for, coordinator, "matching:criteria", org.slug, b["program"].slug) == 404


def test_program_one_is_not_enrolled_in_is_404_on_every_program_page(world, client_for):
    org, program = world.a.organization, world.a.extra["program"]
    client = world.a.members[Role.CLIENT]
    assert _status(client_for, client, "programs:detail", org.slug, program.slug) == 200
    assert _status(client_for, client, "matching:choose", org.slug, program.slug) == 200
    Enrollment.objects.filter(program=program, user=client).update(is_active=False)
    assert _status(client_for, client, "programs:detail", org.slug, program.slug) == 404
    assert _status(client_for, client, "matching:choose", org.slug, program.slug) == 404
    assert _status(client_for, client, "matching:rank", org.slug, program.slug) == 404


def test_outsider_gets_404_not_403_even_for_a_page_their_role_could_use(world, client_for):
    """A coordinator of organisation B is not a member of A: A's existence is not
    disclosed, whatever the page."""
    outsider = world.b.members[Role.COORDINATOR]
    slug = world.a.organization.slug
    assert _status(client_for, outsider, "orgs:members", slug) == 404
    assert _status(client_for, outsider, "engagements:radar", slug) == 404
