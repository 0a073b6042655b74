"""Creating engagements and moving them through their lifecycle."""

import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import UniqueConstraint
from django.utils import timezone
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.core.roles import Role
from bansou.engagements.models import (
    ONE_OPEN_PER_SUPPORTER,
    ONE_OPEN_PER_TEAM,
    OPEN_STATUSES,
    Engagement,
    EngagementEvent,
    RematchRequest,
    Session,
)
from bansou.engagements.selectors.lookups import future_sessions
from bansou.engagements.services.booking_mail import booking_notify
from bansou.engagements.services.sessions import session_set_status
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
# An engagement that ends or is interrupted keeps no future session on anyone's agenda.
CLOSING = (S.ENDED, S.INTERRUPTED)
# What pausing (or ending) does with the sessions still ahead.
FUTURE_CANCEL = "cancel"
FUTURE_KEEP = "keep"
FutureChoice = Literal["cancel", "keep"]


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


def _already_open_message() -> str:
    return _("This client already has an open engagement with them.")


def _violated_constraint(exc: IntegrityError) -> str:
    """The name of the constraint an IntegrityError reports: PostgreSQL names it; SQLite
    names the columns of a unique index, mapped back to the constraint here."""
    diag = getattr(exc.__cause__, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name)
    message = str(exc)
    for constraint in Engagement._meta.constraints:
        if isinstance(constraint, UniqueConstraint):
            columns = ", ".join(f"{Engagement._meta.db_table}.{f}_id" for f in constraint.fields)
            if constraint.name in message or columns in message:
                return constraint.name
    return ""


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
    if team is not None:
        # The same lock team_member_add takes: a member joining at this moment is either
        # seen here (and checked for readiness) or sees this engagement when it joins.
        Team.objects.select_for_update().get(pk=team.pk)
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
    # A friendly early answer; under a race the unique constraints decide (below).
    already = Engagement.objects.filter(program=program, client=client, status__in=OPEN_STATUSES)
    if supporter is not None:
        already = already.filter(supporter=supporter)
    else:
        already = already.filter(team=team)
    if already.exists():
        raise ValidationError(_already_open_message())
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
    # The constraints are checked by the database, not here: full_clean would run the same
    # query as the pre-check above and answer the loser of a race with a generic message.
    engagement.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            engagement.save()
    except IntegrityError as exc:
        if _violated_constraint(exc) in (ONE_OPEN_PER_SUPPORTER, ONE_OPEN_PER_TEAM):
            raise ValidationError(_already_open_message()) from exc
        raise
    EngagementEvent.objects.create(
        organization=engagement.organization,
        engagement=engagement,
        kind=EngagementEvent.Kind.CREATED,
        to_status=engagement.status,
        actor=created_by,
    )
    return engagement


def _future_choice_error(to_status: str, future: str | None) -> str | None:
    if future not in (None, FUTURE_CANCEL, FUTURE_KEEP):
        return _("Choose whether to cancel or keep the future sessions.")
    if to_status in CLOSING and future == FUTURE_KEEP:
        return _(
            "An engagement that ends or is interrupted keeps no future sessions: "
            "they are cancelled."
        )
    return None


def _cancel_future_sessions(
    *, engagement: Engagement, actor: User, reason: str, now: datetime.datetime
) -> int:
    """Cancels each session still ahead the way one session is cancelled (its calendar
    blocks released, no reminder left to send) and queues the cancellation mail to the
    client and every supporter, each in their own language."""
    sessions = future_sessions(engagement=engagement, now=now)
    for session in sessions:
        cancelled = session_set_status(
            session=session, status=Session.Status.CANCELLED, actor=actor, cancel_reason=reason
        )
        booking_notify(session=cancelled, change="cancelled")
    return len(sessions)


@transaction.atomic
def engagement_change_status(
    *,
    engagement: Engagement,
    to_status: str,
    actor: User,
    reason: str,
    ip_address: str | None,
    future: FutureChoice | None = None,
    now: datetime.datetime | None = None,
) -> Engagement:
    """Moves the engagement to ``to_status``. Ending or interrupting it cancels every
    session that has not started yet, whatever ``future`` says ("keep" is refused);
    pausing cancels them only with ``future="cancel"``. The cancellations carry the
    status change's reason and happen in its transaction."""
    locked = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if to_status not in TRANSITIONS.get(locked.status, set()):
        raise ValidationError(
            _("An engagement that is “%(status)s” cannot become “%(target)s”.")
            % {"status": locked.get_status_display(), "target": S(to_status).label}
        )
    if to_status in (S.PAUSED, S.ENDED, S.INTERRUPTED) and not reason.strip():
        raise ValidationError({"reason": _("Please give a reason.")})
    choice_error = _future_choice_error(to_status, future)
    if choice_error:
        raise ValidationError({"future_sessions": choice_error})
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
    cancelled = 0
    if to_status in CLOSING or (to_status == S.PAUSED and future == FUTURE_CANCEL):
        cancelled = _cancel_future_sessions(
            engagement=locked, actor=actor, reason=reason.strip(), now=now or timezone.now()
        )
    audit_log(
        organization=locked.organization,
        actor=actor,
        action="engagement.status_changed",
        target=locked,
        reason=reason.strip(),
        ip_address=ip_address,
        data={"from": from_status, "to": to_status, "sessions_cancelled": cancelled},
    )
    return locked


@transaction.atomic
def engagement_update_goals(
    *, engagement: Engagement, goals: str, next_steps: str, actor: User
) -> Engagement:
    engagement.goals = goals.strip()
    engagement.next_steps = next_steps.strip()
    # created_by empties when its author's account goes (SET_NULL): not this edit's concern.
    engagement.full_clean(exclude=["created_by"])
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
    locked = Engagement.objects.select_for_update().get(pk=engagement.pk)
    if locked.client_id != client.pk:
        raise ValidationError(_("Only the client can ask for a different supporter."))
    existing = RematchRequest.objects.filter(engagement=locked, handled_at__isnull=True).first()
    if existing is not None:
        return existing
    return RematchRequest.objects.create(
        organization=locked.organization, engagement=locked, requested_by=client
    )


@transaction.atomic
def rematch_mark_handled(*, request: RematchRequest, handled_by: User) -> RematchRequest:
    locked = RematchRequest.objects.select_for_update().get(pk=request.pk)
    if locked.handled_at is None:
        locked.handled_at = timezone.now()
        locked.handled_by = handled_by
        locked.save(update_fields=["handled_at", "handled_by"])
    return locked
