from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import QueryDict

from bansou.programs.models import Program


class ReminderFilterForm(forms.Form):
    """Client search and program; anything unknown reads as "no filter"."""

    q = forms.CharField(required=False, max_length=100)
    program: forms.TypedChoiceField = forms.TypedChoiceField(
        coerce=int, required=False, empty_value=None
    )

    def __init__(self, params: QueryDict, *, programs: list[Program]) -> None:
        super().__init__(params)
        self.programs = programs
        program = self.fields["program"]
        assert isinstance(program, forms.TypedChoiceField)
        program.choices = [("", "")] + [(p.pk, p.name) for p in programs]
        self.is_valid()

    def filters(self) -> dict[str, Any]:
        data = getattr(self, "cleaned_data", {})
        return {"search": data.get("q", "").strip(), "program_id": data.get("program")}

    def context(self) -> dict[str, Any]:
        chosen = self.filters()
        query = {"q": chosen["search"], "program": chosen["program_id"] or ""}
        return {
            "programs": self.programs,
            "search": chosen["search"],
            "selected_program": chosen["program_id"],
            "query": urlencode({k: v for k, v in query.items() if v}),
        }
