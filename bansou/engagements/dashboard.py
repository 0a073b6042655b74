"""What each role's dashboard shows from the accompaniment core."""

from typing import Any

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.selectors.radar import radar_counts
from bansou.engagements.selectors.work import (
    client_journal,
    client_next_session,
    client_sessions_awaiting_reflection,
    my_engagements,
    open_rematch_requests,
    supporter_recent_reflections,
    supporter_records_to_write,
    supporter_sessions_to_record,
    supporter_upcoming_sessions,
)
from bansou.orgs.models import Organization


def dashboard_context(*, role: str, organization: Organization, user: User) -> dict[str, Any]:
    if role == Role.SUPPORTER:
        return {
            "upcoming": supporter_upcoming_sessions(organization=organization, user=user),
            "engagements": list(
                my_engagements(organization=organization, user=user, as_client=False)[:10]
            ),
            "reflections": supporter_recent_reflections(organization=organization, user=user),
            "records_to_write": supporter_records_to_write(organization=organization, user=user),
            "to_record": supporter_sessions_to_record(organization=organization, user=user),
        }
    if role == Role.CLIENT:
        engagements = list(my_engagements(organization=organization, user=user, as_client=True))
        return {
            "next_session": client_next_session(organization=organization, user=user),
            "journal": client_journal(organization=organization, user=user)[:3],
            "awaiting_reflection": client_sessions_awaiting_reflection(
                organization=organization, user=user
            ),
            "engagements": engagements,
        }
    if role == Role.COORDINATOR:
        return {
            "rematch_count": open_rematch_requests(organization=organization).count(),
            # Counts only (the radar page lists them): the three the dashboard shows.
            "radar": radar_counts(organization=organization, only=("quiet", "latent", "to_record")),
        }
    return {}
