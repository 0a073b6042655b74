"""Who may do what with an engagement, as django-rules predicates on (user, engagement).

The role gate (coordinator, supporter, client...) is the view's declared access policy;
these predicates add the relationship: *this* engagement's supporters or client."""

from typing import Any

import rules

from bansou.engagements.models import Engagement
from bansou.people.models import TeamMember


@rules.predicate
def is_engagement_supporter(user: Any, engagement: Engagement | None) -> bool:
    if engagement is None or not user.is_authenticated:
        return False
    if engagement.supporter_id is not None:
        return bool(engagement.supporter_id == user.pk)
    if engagement.team_id is None:
        return False
    return TeamMember.objects.filter(team_id=engagement.team_id, user=user).exists()


@rules.predicate
def is_engagement_client(user: Any, engagement: Engagement | None) -> bool:
    return bool(engagement is not None and engagement.client_id == user.pk)


def supporter_ids(engagement: Engagement) -> set[int]:
    """The users who accompany the client: the supporter, or every member of the team."""
    if engagement.supporter_id is not None:
        return {engagement.supporter_id}
    if engagement.team_id is None:
        return set()
    return set(
        TeamMember.objects.filter(team_id=engagement.team_id).values_list("user_id", flat=True)
    )
