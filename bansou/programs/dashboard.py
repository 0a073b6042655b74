"""What the coordinator's dashboard shows about programs and applications."""

from typing import Any

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.orgs.models import Organization
from bansou.programs.selectors import pending_application_count, recent_programs


def dashboard_context(*, role: str, organization: Organization, user: User) -> dict[str, Any]:
    if role != Role.COORDINATOR:
        return {}
    return {
        "programs": recent_programs(organization=organization, limit=10),
        "pending_applications": pending_application_count(organization=organization),
    }
