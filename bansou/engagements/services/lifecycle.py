"""Creating engagements and moving them through their lifecycle."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, EngagementEvent, RematchRequest
from bansou.orgs.models import Membership
from bansou.people.models import Team, TeamMember
from bansou.programs.models import Program
from bansou.programs.selectors import missing_trainings

S = Engagement.Status
TRANSITIONS: dict[str, set[str]] = {
    S.PROPOSED: {S.ACTIVE, S.INTERRUPTED},
    S.ACTIVE: {S.PAUSED, S.ENDED, S.INTERRUPTED},
    S.PAUSED: {S.ACTIVE, S.ENDED, S.INTERRUPTED},
    S.ENDED: set(),
    S.INTERRUPTED: set(),
}
OPEN_STATUSES = (S.PROPOSED, S.ACTIVE, S.PAUSED)


def _has_role(user: User, program: Program, role: Role) -> bool:
    return Membership.objects.filter(
        organization=program.organization, user=user, role=role, is_active=True
    ).exists()


def _check_supporters_ready(program: Program, users: list[User]) -> None:
    problems = []
    for user in users:
        missing = missing_trainings(program=program, user=user)
        if missing:
            names = "、".join(t.name for t in missing)
            problems.append(
                _("%(name)s has not completed: %(trainings)s")
                % {"name": user.display_name, "trainings": names}
            )
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def engagement_create(
    *,
    program: Program,
    client: User,
    created_by: User,
    supporter: User | None = None,
    team: Team | None = None,
    goals: str = "",
    start_now: bool = False,
) -> Engagement:
    if (supporter is None) == (team is None):
        raise ValidationError(_("Choose either one supporter or one team."))
    if not _has_role(client, program, Role.CLIENT):
        raise ValidationError(
            _("%(name)s is not a client of this organisation.") % {"name": client.display_name}
        )
    members = (
        [supporter]
        if supporter is not None
        else [tm.user for tm in TeamMember.objects.filter(team=team).select_related("user")]
    )
    for member in members:
        if not _has_role(member, program, Role.SUPPORTER):
            raise ValidationError(
                _("%(name)s is not a supporter of this organisation.")
                % {"name": member.display_name}
            )
    if team is not None and len(members) < 2:
        raise ValidationError(_("A team needs at least two supporters."))
    _check_supporters_ready(program, members)
    already = Engagement.objects.filter(
        program=program, client=client, status__in=OPEN_STATUSES
    ).select_for_update()
    if supporter is not None:
        already = already.filter(supporter=supporter)
    else:
        already = already.filter(team=team)
    if already.exists():
        raise ValidationError(_("This client already has an open engagement with them."))
    engagement = Engagement(
        organization=program.organization,
        program=program,
        client=client,
        supporter=supporter,
        team=team,
        goals=goals,
        status=S.ACTIVE if start_now else S.PROPOSED,
        created_by=created_by,
    )
    engagement.full_clean()
    engagement.save()
    EngagementEvent.objects.create(
        organization=engagement.organization,
        engagement=engagement,
        kind=EngagementEvent.Kind.CREATED,
        to_status=engagement.status,
        actor=created_by,
    )
    return engagement


@transaction.atomic
def engagement_change_status(
    *, engagement: Engagement, to_status: str, actor: User, reason: str, ip_address: str | None
) -> Engagement:
    locked = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if to_status not in TRANSITIONS.get(locked.status, set()):
        raise ValidationError(
            _("An engagement that is “%(status)s” cannot become “%(target)s”.")
            % {"status": locked.get_status_display(), "target": S(to_status).label}
        )
    if to_status in (S.PAUSED, S.ENDED, S.INTERRUPTED) and not reason.strip():
        raise ValidationError(_("Please give a reason."))
    from_status = locked.status
    locked.status = to_status
    locked.save(update_fields=["status"])
    EngagementEvent.objects.create(
        organization=locked.organization,
        engagement=locked,
        kind=EngagementEvent.Kind.STATUS,
        from_status=from_status,
        to_status=to_status,
        reason=reason.strip(),
        actor=actor,
    )
    audit_log(
        organization=locked.organization,
        actor=actor,
        action="engagement.status_changed",
        target=locked,
        reason=reason.strip(),
        ip_address=ip_address,
        data={"from": from_status, "to": to_status},
    )
    return locked


@transaction.atomic
def engagement_update_goals(
    *, engagement: Engagement, goals: str, next_steps: str, actor: User
) -> Engagement:
    engagement.goals = goals.strip()
    engagement.next_steps = next_steps.strip()
    engagement.full_clean()
    engagement.save(update_fields=["goals", "next_steps"])
    EngagementEvent.objects.create(
        organization=engagement.organization,
        engagement=engagement,
        kind=EngagementEvent.Kind.GOALS,
        actor=actor,
    )
    return engagement


@transaction.atomic
def rematch_request(*, engagement: Engagement, client: User) -> RematchRequest:
    """The client asks, without giving a reason, for a different supporter. Idempotent
    while a request is open; only coordinators ever see it."""
    if engagement.client_id != client.pk:
        raise ValidationError(_("Only the client can ask for a different supporter."))
    Engagement.objects.select_for_update().get(pk=engagement.pk)
    existing = RematchRequest.objects.filter(engagement=engagement, handled_at__isnull=True).first()
    if existing is not None:
        return existing
    return RematchRequest.objects.create(
        organization=engagement.organization, engagement=engagement, requested_by=client
    )


@transaction.atomic
def rematch_mark_handled(*, request: RematchRequest, handled_by: User) -> RematchRequest:
    locked = RematchRequest.objects.select_for_update().get(pk=request.pk)
    if locked.handled_at is None:
        locked.handled_at = timezone.now()
        locked.handled_by = handled_by
        locked.save(update_fields=["handled_at", "handled_by"])
    return locked
