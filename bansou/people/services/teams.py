"""Teams of supporters acting as one unit: created and renamed. Adding and removing members
reaches the team's engagements, so it lives above them, in ``engagements.services.teams``."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.accounts.names import normalize_name
from bansou.core.roles import Role
from bansou.orgs.models import Membership, Organization
from bansou.people.models import Team, TeamMember
from bansou.people.services.checks import has_symbols

TEAM_MIN_MEMBERS = 2


def _team_name_clean(*, organization: Organization, name: str, team: Team | None) -> str:
    name = normalize_name(name)
    if not name:
        raise ValidationError({"name": ValidationError(_("Please give the team a name."))})
    if has_symbols(name):
        raise ValidationError(
            {"name": ValidationError(_("A team name cannot contain emoji or symbols."))}
        )
    others = Team.objects.filter(organization=organization, name=name)
    if team is not None:
        others = others.exclude(pk=team.pk)
    if others.exists():
        raise ValidationError({"name": ValidationError(_("Another team already has this name."))})
    return name


def team_members_check(*, organization: Organization, users: Sequence[User]) -> None:
    """Refuses anyone who is not an active supporter of the organisation."""
    supporter_ids = set(
        Membership.objects.filter(
            organization=organization,
            role=Role.SUPPORTER,
            is_active=True,
            user_id__in=[u.pk for u in users],
        ).values_list("user_id", flat=True)
    )
    outsiders = [u for u in users if u.pk not in supporter_ids]
    if outsiders:
        raise ValidationError(
            {
                "members": ValidationError(
                    _("Only active supporters of the organisation can be team members: %(names)s."),
                    params={"names": "、".join(u.display_name for u in outsiders)},
                    code="not_supporter",
                )
            }
        )


@transaction.atomic
def team_create(*, organization: Organization, name: str, members: Sequence[User]) -> Team:
    """A team of two or more active supporters acting as one unit (e.g. a mentor pair)."""
    unique_members = list({u.pk: u for u in members}.values())
    name = _team_name_clean(organization=organization, name=name, team=None)
    if len(unique_members) < TEAM_MIN_MEMBERS:
        raise ValidationError(
            {
                "members": ValidationError(
                    _("A team needs at least %(min)d supporters."),
                    params={"min": TEAM_MIN_MEMBERS},
                    code="too_few",
                )
            }
        )
    team_members_check(organization=organization, users=unique_members)
    team = Team(organization=organization, name=name)
    team.full_clean()
    team.save()
    for user in unique_members:
        member = TeamMember(organization=organization, team=team, user=user)
        member.full_clean()
        member.save()
    return team


@transaction.atomic
def team_rename(*, team: Team, name: str) -> Team:
    """Renames a locked copy: a refused name leaves the caller's ``team`` as it was."""
    locked = Team.objects.select_for_update().get(organization=team.organization, pk=team.pk)
    locked.name = _team_name_clean(organization=team.organization, name=name, team=locked)
    locked.full_clean()
    locked.save()
    return locked
