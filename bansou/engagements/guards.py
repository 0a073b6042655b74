"""What the accompaniment says before a member's role changes (asked by
``people.services.members`` through ``core.registry``, as the lower app cannot import
this one): a supporter who still accompanies someone, or a client still accompanied,
keeps the role until their open engagements are handed over or ended."""

from django.db.models import Q
from django.utils.translation import ngettext

from bansou.core.roles import Role
from bansou.engagements.models import OPEN_STATUS_VALUES, Engagement
from bansou.orgs.models import Membership


def role_change_refusal(*, membership: Membership, role: str) -> str:
    """Why ``membership`` cannot take ``role`` now ("" when it can)."""
    if role == membership.role or membership.role not in (Role.SUPPORTER, Role.CLIENT):
        return ""
    user = membership.user
    open_here = Engagement.objects.filter(
        organization=membership.organization, status__in=OPEN_STATUS_VALUES
    )
    if membership.role == Role.SUPPORTER:
        count = open_here.filter(Q(supporter=user) | Q(team__memberships__user=user)).distinct()
        n = count.count()
        message = ngettext(
            "%(name)s still accompanies %(n)s open engagement. Hand it over (rematch) or end "
            "it before changing the role.",
            "%(name)s still accompanies %(n)s open engagements. Hand them over (rematch) or "
            "end them before changing the role.",
            n,
        )
    else:
        n = open_here.filter(client=user).count()
        message = ngettext(
            "%(name)s still has %(n)s open engagement as a client. End it before changing "
            "the role.",
            "%(name)s still has %(n)s open engagements as a client. End them before changing "
            "the role.",
            n,
        )
    return message % {"name": user.display_name, "n": n} if n else ""
