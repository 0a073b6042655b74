"""Choosing a person in a form by typing: a search box that asks the server as one types
(htmx) and shows the matching people as a short list of choices, instead of a drop-down
of every member of the organisation (10,000 clients make a 1 MB page)."""

from typing import Any

from django import forms
from django.urls import reverse

from bansou.core.inputs import whole_number
from bansou.orgs.models import Organization

SEARCH_ROLES = ("client", "supporter")


class PersonSearchInput(forms.Widget):
    """For a ``ModelChoiceField`` of people: the field posts the chosen person's id as
    before; the widget only replaces how the choice is offered. ``for_organization`` sets
    where the search asks."""

    template_name = "people/widgets/person_search.html"

    def __init__(self, *, role: str, attrs: dict[str, Any] | None = None) -> None:
        assert role in SEARCH_ROLES
        super().__init__(attrs)
        self.role = role
        self.search_url = ""

    def for_organization(self, organization: Organization) -> None:
        self.search_url = reverse("people:search", args=[organization.slug])

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        chosen = None
        pk = whole_number(value)
        queryset = getattr(self.choices, "queryset", None) if hasattr(self, "choices") else None
        if pk is not None and queryset is not None:
            chosen = queryset.filter(pk=pk).first()
        context["widget"].update(
            search_url=f"{self.search_url}?role={self.role}&field={name}",
            chosen=chosen,
            chosen_list=[chosen] if chosen else [],
        )
        return context
