"""Reading the outbox page's filters and its retry button from the request."""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from bansou.ops.models import OutboxMessage


class OutboxFilterForm(forms.Form):
    """Status chip and recipient search; anything unknown reads as "no filter"."""

    status = forms.ChoiceField(choices=OutboxMessage.Status.choices, required=False)
    q = forms.CharField(required=False, max_length=254)

    def __init__(self, params: QueryDict) -> None:
        super().__init__(params)
        self.is_valid()

    def filters(self) -> dict[str, str]:
        data = getattr(self, "cleaned_data", {})
        return {"status": data.get("status", ""), "search": data.get("q", "").strip()}

    def context(self) -> dict[str, Any]:
        chosen = self.filters()
        query = {k: v for k, v in (("status", chosen["status"]), ("q", chosen["search"])) if v}
        return {
            "statuses": OutboxMessage.Status.choices,
            "selected_status": chosen["status"],
            "search": chosen["search"],
            "query": urlencode(query),
        }


class OutboxRetryForm(forms.Form):
    message = forms.IntegerField(min_value=1, max_value=2**63 - 1)
