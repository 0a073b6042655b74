"""The menu marks one entry as the current page: the most specific one whose address the
page's path is or lies under, in the wide menu and in the phone menu alike."""

import re

import pytest
from django.urls import reverse

from bansou.core.roles import Role
from bansou.orgs.navigation import nav_for

pytestmark = pytest.mark.django_db

CURRENT_LINK = re.compile(r'<a href="([^"]+)" aria-current="page">([^<]+)</a>')
PHONE_CURRENT = re.compile(r'<span class="org-nav-phone-current">([^<]+)</span>')


def _current(slug: str, path: str) -> list[str]:
    items = nav_for(org_slug=slug, role=Role.COORDINATOR, current_path=path)
    return [item["url"] for item in items if item["current"]]


def test_on_the_invitations_page_only_invitations_is_current_in_both_menus(world, client_for):
    slug = world.a.organization.slug
    invitations = reverse("people:invitations", args=[slug])
    assert invitations.startswith(reverse("orgs:members", args=[slug]))  # the case at hand

    html = client_for(world.a.members[Role.COORDINATOR]).get(invitations).content.decode()

    current = CURRENT_LINK.findall(html)
    assert [url for url, _ in current] == [invitations, invitations]  # wide menu, phone menu
    assert {label for _, label in current} == {"招待"}
    assert PHONE_CURRENT.findall(html) == ["招待"]  # the folded phone menu names one page


def test_a_page_under_invitations_keeps_invitations_current_and_members_its_own(world):
    slug = world.a.organization.slug
    invitations = reverse("people:invitations", args=[slug])
    members = reverse("orgs:members", args=[slug])

    assert _current(slug, f"{invitations}import/") == [invitations]
    assert _current(slug, members) == [members]


def test_the_dashboard_is_current_only_on_itself(world):
    slug = world.a.organization.slug
    home = reverse("orgs:dashboard", args=[slug])

    assert _current(slug, home) == [home]
    assert _current(slug, reverse("engagements:radar", args=[slug])) == [
        reverse("engagements:radar", args=[slug])
    ]
    assert _current(slug, f"{home}no-such-page/") == []
