"""Team membership changes, which reach the team's engagements: a new member takes part in
every open engagement of the team at once, so they must be ready for each of its programs
(the matching rule, ``programs.selectors.missing_trainings``), and each open engagement
records who joined or left. Creating and renaming a team stay in ``people.services.teams``.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.engagements.models import Engagement, EngagementEvent
from bansou.engagements.services.blocks import team_member_blocks_add, team_member_blocks_remove
from bansou.engagements.services.lifecycle import OPEN_STATUSES
from bansou.people.models import Team, TeamMember
from bansou.people.services.teams import TEAM_MIN_MEMBERS, team_members_check
from bansou.programs.selectors import missing_trainings


def _lock_team(team: Team) -> Team:
    return Team.objects.select_for_update().get(organization=team.organization, pk=team.pk)


def _open_engagements(team: Team) -> QuerySet[Engagement]:
    return (
        Engagement.objects.filter(
            organization=team.organization, team=team, status__in=OPEN_STATUSES
        )
        .select_related("program")
        .order_by("pk")
    )


def _check_ready(*, engagements: list[Engagement], user: User) -> None:
    programs = sorted(
        {e.program_id: e.program for e in engagements}.values(), key=lambda p: (p.name, p.pk)
    )
    problems = []
    for program in programs:
        missing = missing_trainings(program=program, user=user)
        if missing:
            problems.append(
                ValidationError(
                    _(
                        "%(name)s cannot join yet: the team accompanies clients in "
                        "“%(program)s”, whose required trainings they have not completed: "
                        "%(trainings)s."
                    ),
                    params={
                        "name": user.display_name,
                        "program": program.name,
                        "trainings": "、".join(t.name for t in missing),
                    },
                    code="not_ready",
                )
            )
    if problems:
        raise ValidationError({"members": problems})


def _record(*, engagements: list[Engagement], user: User, kind: str, actor: User) -> list[int]:
    EngagementEvent.objects.bulk_create(
        EngagementEvent(
            organization=e.organization,
            engagement=e,
            kind=kind,
            member_name=user.display_name,
            actor=actor,
        )
        for e in engagements
    )
    return [e.pk for e in engagements]


@transaction.atomic
def team_member_add(*, team: Team, user: User, actor: User) -> TeamMember:
    """Adds a supporter, from now on: the team's private notes written before they joined
    stay hidden from them (``selectors.access.private_notes_since``). With open engagements,
    they must be ready for each of their programs."""
    team = _lock_team(team)
    team_members_check(organization=team.organization, users=[user])
    if TeamMember.objects.filter(organization=team.organization, team=team, user=user).exists():
        raise ValidationError(
            {
                "members": ValidationError(
                    _("%(name)s is already a member of this team."),
                    params={"name": user.display_name},
                    code="duplicate",
                )
            }
        )
    engagements = list(_open_engagements(team))
    _check_ready(engagements=engagements, user=user)
    member = TeamMember(organization=team.organization, team=team, user=user)
    member.full_clean()
    member.save()
    team_member_blocks_add(team=team, user=user)
    engagement_ids = _record(
        engagements=engagements, user=user, kind=EngagementEvent.Kind.MEMBER_JOINED, actor=actor
    )
    audit_log(
        organization=team.organization,
        actor=actor,
        action="people.team_member.added",
        target=member,
        data={"team": team.pk, "user": user.pk, "engagements": engagement_ids},
    )
    return member


@transaction.atomic
def team_member_remove(*, team: Team, user: User, actor: User) -> None:
    """Removes a member; a team keeps at least two (the lock serialises two removals)."""
    team = _lock_team(team)
    members = TeamMember.objects.filter(organization=team.organization, team=team)
    membership = members.filter(user=user).first()
    if membership is None:
        raise ValidationError(
            {
                "members": ValidationError(
                    _("%(name)s is not a member of this team."),
                    params={"name": user.display_name},
                    code="not_member",
                )
            }
        )
    if members.count() <= TEAM_MIN_MEMBERS:
        raise ValidationError(
            {
                "members": ValidationError(
                    _(
                        "A team keeps at least %(min)d members. Add another supporter before "
                        "removing %(name)s."
                    ),
                    params={"min": TEAM_MIN_MEMBERS, "name": user.display_name},
                    code="too_few",
                )
            }
        )
    engagement_ids = _record(
        engagements=list(_open_engagements(team)),
        user=user,
        kind=EngagementEvent.Kind.MEMBER_LEFT,
        actor=actor,
    )
    audit_log(
        organization=team.organization,
        actor=actor,
        action="people.team_member.removed",
        target=team,
        data={"team": team.pk, "user": user.pk, "engagements": engagement_ids},
    )
    team_member_blocks_remove(team=team, user=user)
    membership.delete()
