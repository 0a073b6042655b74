"""Planning a weekly salon at a venue: the form, a preview listing every date of the period
and why a date is skipped, then the creation (the same plan, checked again)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.salons.forms.series import SeriesForm
from bansou.salons.selectors.venues import (
    latest_program,
    latest_series,
    salon_programs,
    staff_choices,
    venue_staff_ids,
)
from bansou.salons.services.series import series_create, series_preview
from bansou.salons.views.venues import VenueMixin

DONE = _("Salons planned: %(made)d. Dates skipped: %(skipped)d.")


class SeriesCreateView(VenueMixin):
    access_policy = org_roles(Role.COORDINATOR)
    template_name = "salons/series_new.html"

    def series_form(self, **kwargs: Any) -> SeriesForm:
        return SeriesForm(
            organization=self.organization,
            programs=salon_programs(organization=self.organization),
            staff_choices=staff_choices(organization=self.organization),
            **kwargs,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        venue = self.venue
        initial = SeriesForm.initial_for(
            venue=venue,
            staff_ids=venue_staff_ids(venue=venue),
            program=latest_program(organization=self.organization),
            latest=latest_series(venue=venue),
        )
        form = self.series_form(initial=initial)
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form, preview = self.series_form(data=request.POST), None
        create = request.POST.get("step") == "create"
        if form.is_valid():
            plan = {"venue": self.venue, **form.plan()}
            try:
                preview = series_preview(**plan)
                if create:
                    outcome = series_create(actor=self.user, **plan)
            except ValidationError as error:
                add_service_errors(form, error, field_map=SeriesForm.SERVICE_FIELD_MAP)
            else:
                if create:
                    counts = {"made": len(outcome.blocks), "skipped": len(outcome.skipped)}
                    messages.success(request, DONE % counts)
                    return self.back()
        return self.render_to_response(self.get_context_data(form=form, preview=preview))
