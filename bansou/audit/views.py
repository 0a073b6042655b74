from typing import Any

from django.core.paginator import Paginator

from bansou.audit.models import AuditEntry
from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.views import OrgTemplateView


class AuditLogView(OrgTemplateView):
    access_policy = org_roles(Role.COORDINATOR)
    template_name = "audit/list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        entries = AuditEntry.objects.filter(organization=self.organization).select_related("actor")
        actions = sorted(set(entries.values_list("action", flat=True)))
        action = self.request.GET.get("action", "")
        if action in actions:
            entries = entries.filter(action=action)
        page = Paginator(entries, 50).get_page(self.request.GET.get("page"))
        context.update(page=page, actions=actions, selected_action=action)
        return context
