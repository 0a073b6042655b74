"""Who a survey goes to: by hand (a program's enrolled clients or supporters, a venue's
teachers, or everyone of the audience's role), after a held session (its client, its
supporter or every member of its team, the teachers of its venue) and at a phase's end
(the program's enrolled people; for teachers, those of the venues where the program holds
salons). Only active members holding the audience's role are ever invited."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import Session
from bansou.orgs.models import Organization, Venue
from bansou.people.models import TeamMember
from bansou.programs.models import Phase, Side
from bansou.salons.models import SalonBlock, VenueStaff
from bansou.surveys.models import Survey, SurveyInvitation

ROLE_FOR: dict[str, Role] = {
    Survey.Audience.CLIENTS: Role.CLIENT,
    Survey.Audience.SUPPORTERS: Role.SUPPORTER,
    Survey.Audience.PARTNERS: Role.PARTNER,
}
SIDE_FOR: dict[str, str] = {
    Survey.Audience.CLIENTS: Side.CLIENT,
    Survey.Audience.SUPPORTERS: Side.SUPPORTER,
}
# Sessions held and phases ended this many days back are still surveyed (a scan that did
# not run for a while catches up; older ones are left alone).
LOOKBACK_DAYS = 7


class Group:
    PROGRAM = "program"
    VENUE = "venue"
    EVERYONE = "everyone"


def dispatch_groups(*, survey: Survey) -> list[tuple[str, str]]:
    """The groups a coordinator may send this survey to by hand."""
    audience = survey.audience
    if audience not in ROLE_FOR:
        return []
    groups: list[tuple[str, str]] = []
    if audience in SIDE_FOR and survey.program is not None:
        label = (
            _("Clients enrolled in %(program)s")
            if audience == Survey.Audience.CLIENTS
            else _("Supporters enrolled in %(program)s")
        )
        groups.append((Group.PROGRAM, str(label) % {"program": survey.program.name}))
    if audience == Survey.Audience.PARTNERS:
        groups.append((Group.VENUE, str(_("The teachers of one venue"))))
    everyone: dict[str, object] = {
        Survey.Audience.CLIENTS: _("Every client of the organisation"),
        Survey.Audience.SUPPORTERS: _("Every supporter of the organisation"),
        Survey.Audience.PARTNERS: _("Every partner (teacher) of the organisation"),
    }
    groups.append((Group.EVERYONE, str(everyone[audience])))
    return groups


def members_with_role(*, organization: Organization, role: str) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        memberships__organization=organization,
        memberships__role=role,
        memberships__is_active=True,
    )


def audience_people(*, survey: Survey, group: str, venue: Venue | None = None) -> QuerySet[User]:
    """The people of ``group`` for this survey (none for a group it does not offer)."""
    role = ROLE_FOR.get(survey.audience)
    if role is None or group not in dict(dispatch_groups(survey=survey)):
        return User.objects.none()
    people = members_with_role(organization=survey.organization, role=role)
    if group == Group.PROGRAM:
        people = people.filter(
            enrollments__program=survey.program,
            enrollments__side=SIDE_FOR[survey.audience],
            enrollments__is_active=True,
        )
    elif group == Group.VENUE:
        if venue is None or venue.organization_id != survey.organization_id:
            return User.objects.none()
        people = people.filter(venue_staff__venue=venue, venue_staff__kind=VenueStaff.Kind.TEACHER)
    return people.distinct().order_by("family_name_kana", "given_name_kana", "email")


@dataclass(frozen=True)
class DispatchPreview:
    total: int
    already: int

    @property
    def to_invite(self) -> int:
        return self.total - self.already


def dispatch_preview(*, survey: Survey, group: str, venue: Venue | None = None) -> DispatchPreview:
    """How many people the group holds and how many of them were already invited by
    hand (they are not invited again). Two queries."""
    people = audience_people(survey=survey, group=group, venue=venue)
    already = SurveyInvitation.objects.filter(
        survey=survey,
        session__isnull=True,
        phase__isnull=True,
        person__in=people.values("pk"),
    ).count()
    return DispatchPreview(total=people.count(), already=already)


def not_yet_invited_by_hand(*, survey: Survey, people: QuerySet[User]) -> list[User]:
    invited = SurveyInvitation.objects.filter(
        survey=survey, session__isnull=True, phase__isnull=True
    ).values("person_id")
    return list(people.exclude(pk__in=invited))


# --- after each held session -------------------------------------------------------------------


def sessions_to_survey(*, survey: Survey, now: datetime.datetime) -> QuerySet[Session]:
    """The program's sessions held since the survey opened, that ended at most
    ``LOOKBACK_DAYS`` ago."""
    since = now - datetime.timedelta(days=LOOKBACK_DAYS)
    if survey.opened_at is not None:
        since = max(since, survey.opened_at)
    return (
        Session.objects.filter(
            organization=survey.organization,
            engagement__program=survey.program,
            status=Session.Status.HELD,
            ends_at__gte=since,
            ends_at__lte=now,
        )
        .select_related("engagement__client", "engagement__supporter", "venue")
        .order_by("ends_at", "pk")
    )


def session_people(*, survey: Survey, session: Session) -> list[User]:
    """Whom the survey asks about this session: its client, its supporter (every member of
    its team) or its venue's teachers, each an active member with that role."""
    role = ROLE_FOR.get(survey.audience)
    if role is None:
        return []
    people = members_with_role(organization=survey.organization, role=role)
    engagement = session.engagement
    if survey.audience == Survey.Audience.CLIENTS:
        people = people.filter(pk=engagement.client_id)
    elif survey.audience == Survey.Audience.SUPPORTERS:
        if engagement.team_id is not None:
            team = TeamMember.objects.filter(team_id=engagement.team_id).values("user_id")
            people = people.filter(pk__in=team)
        elif engagement.supporter_id is not None:
            people = people.filter(pk=engagement.supporter_id)
        else:
            return []
    else:
        if session.venue_id is None:
            return []
        people = people.filter(
            venue_staff__venue_id=session.venue_id, venue_staff__kind=VenueStaff.Kind.TEACHER
        )
    return list(people.distinct().order_by("pk"))


# --- at a phase's end ------------------------------------------------------------------------


def phases_ended(*, survey: Survey, today: datetime.date) -> list[Phase]:
    """The survey's phase (or every phase of its program) that ended before today, at most
    ``LOOKBACK_DAYS`` ago."""
    if survey.program is None:
        return []
    phases = Phase.objects.filter(
        organization=survey.organization,
        program=survey.program,
        ends_on__lt=today,
        ends_on__gte=today - datetime.timedelta(days=LOOKBACK_DAYS),
    )
    if survey.phase_id is not None:
        phases = phases.filter(pk=survey.phase_id)
    return list(phases.order_by("ends_on", "pk"))


def phase_people(*, survey: Survey) -> list[User]:
    """The program's active enrolled clients or supporters; for teachers, those of the
    venues where the program holds salons."""
    role = ROLE_FOR.get(survey.audience)
    if role is None or survey.program is None:
        return []
    people = members_with_role(organization=survey.organization, role=role)
    if survey.audience in SIDE_FOR:
        people = people.filter(
            enrollments__program=survey.program,
            enrollments__side=SIDE_FOR[survey.audience],
            enrollments__is_active=True,
        )
    else:
        venues = SalonBlock.objects.filter(program=survey.program).values("venue_id")
        people = people.filter(
            venue_staff__venue_id__in=venues, venue_staff__kind=VenueStaff.Kind.TEACHER
        )
    return list(people.distinct().order_by("pk"))
