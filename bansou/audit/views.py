from typing import Any

from django.core.paginator import Paginator

from bansou.audit.selectors import audit_actions, audit_entries
from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.http import OrgView


class AuditLogView(OrgView):
    access_policy = org_roles(Role.COORDINATOR)
    template_name = "audit/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        actions = audit_actions(organization=self.organization)
        action = self.request.GET.get("action", "")
        if action not in actions:
            action = ""
        entries = audit_entries(organization=self.organization, action=action)
        page = Paginator(entries, 50).get_page(self.request.GET.get("page"))
        context.update(page=page, actions=actions, selected_action=action)
        return context
