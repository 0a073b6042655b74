"""Choosing people in a form by typing: a search box that asks the server as one types
(htmx) and shows the matching people as a short list of choices, instead of a drop-down
or a column of checkboxes holding every member of the organisation (10,000 clients make
a 1 MB page)."""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.urls import reverse

from bansou.core.inputs import whole_number
from bansou.core.roles import Role
from bansou.orgs.models import Organization

# What a search offers, by the name the widget sends: one role, or "staff" (supporters
# and coordinators, who attend internal meetings).
STAFF_SEARCH = (Role.SUPPORTER, Role.COORDINATOR)
SEARCH_ROLE_SETS: dict[str, tuple[Role, ...]] = {
    "client": (Role.CLIENT,),
    "supporter": (Role.SUPPORTER,),
    "partner": (Role.PARTNER,),
    "staff": STAFF_SEARCH,
}


class PersonSearchInput(forms.Widget):
    """For a ``ModelChoiceField`` (``multiple=False``: radio buttons) or a
    ``ModelMultipleChoiceField`` (``multiple=True``: checkboxes; the people already chosen
    stay listed above the search while one searches for the next) of people. The field
    posts the chosen ids as before; the widget only replaces how the choice is offered, and
    the field's queryset still decides who may be chosen. ``for_organization`` (or
    ``point_person_searches``) sets where the search asks."""

    template_name = "people/widgets/person_search.html"

    def __init__(
        self, *, role: str, multiple: bool = False, attrs: dict[str, Any] | None = None
    ) -> None:
        assert role in SEARCH_ROLE_SETS
        super().__init__(attrs)
        self.role = role
        self.allow_multiple_selected = multiple
        self.search_url = ""

    def for_organization(self, organization: Organization) -> None:
        self.search_url = reverse("people:search", args=[organization.slug])

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> Any:
        if self.allow_multiple_selected and hasattr(data, "getlist"):
            return data.getlist(name)
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        # An empty set of checkboxes posts nothing: that is a choice of nobody.
        return False if self.allow_multiple_selected else name not in data

    def _chosen(self, value: Any) -> list[Any]:
        values = value if isinstance(value, list | tuple) else [value]
        pks = [pk for pk in (whole_number(v) for v in values) if pk is not None][:100]
        queryset = getattr(getattr(self, "choices", None), "queryset", None)
        if not pks or queryset is None:
            return []
        return list(queryset.filter(pk__in=pks))

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        chosen = self._chosen(value)
        multiple = "&multiple=1" if self.allow_multiple_selected else ""
        context["widget"].update(
            search_url=f"{self.search_url}?role={self.role}&field={name}{multiple}",
            chosen_list=chosen,
            chosen_ids={person.pk for person in chosen},
            multiple=self.allow_multiple_selected,
        )
        return context


def point_person_searches(form: forms.BaseForm, organization: Organization) -> None:
    """Point every person search of ``form`` at ``organization``'s search."""
    for field in form.fields.values():
        if isinstance(field.widget, PersonSearchInput):
            field.widget.for_organization(organization)
