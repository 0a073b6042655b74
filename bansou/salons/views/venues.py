"""The salon venues: the coordinators' list, adding and editing a venue with its campus notes,
its people (teachers and supporters) and the school's closed days; one venue's page, for the
coordinators and the venue's own supporters (404 for any other supporter; teachers and
clients are refused by role)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.paging import page_of
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView
from bansou.orgs.models import Venue
from bansou.salons.filters import VenueFilter
from bansou.salons.forms.venues import VenueClosureForms, VenueForm, VenueStaffForms, VenueStateForm
from bansou.salons.selectors.venues import (
    blocks_in_closures,
    partner_choices,
    staff_choices,
    venue_closures_of,
    venue_for,
    venue_page,
    venue_rows,
    venue_staff_of,
)
from bansou.salons.services.venues import (
    venue_closure_add,
    venue_closure_remove,
    venue_create,
    venue_deactivate,
    venue_reactivate,
    venue_staff_add,
    venue_staff_remove,
    venue_update,
)

COORDINATORS = org_roles(Role.COORDINATOR)
STAFF = org_roles(Role.COORDINATOR, Role.SUPPORTER)


class VenueListView(OrgView):
    """The venues, searched by name or address, by kind and whether in use, fifty a page;
    each with its salons to come and its visits this 年度."""

    access_policy = COORDINATORS
    template_name = "salons/venues_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        found = VenueFilter(self.request.GET, organization=self.organization)
        listing = page_of(found.qs, params=self.request.GET)
        rows, year = venue_rows(
            organization=self.organization, venues=list(listing["page"].object_list)
        )
        context.update(listing, filter=found, rows=rows, fiscal_year=year)
        return context


class VenueCreateView(OrgView):
    access_policy = COORDINATORS
    template_name = "salons/venues_form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=VenueForm()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = VenueForm(request.POST)
        if form.is_valid():
            try:
                venue = venue_create(
                    organization=self.organization, actor=self.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The venue has been added."))
                return redirect("salons:venue", self.organization.slug, venue.pk)
        return self.render_to_response(self.get_context_data(form=form))


class VenueMixin(OrgView):
    """Loads ``self.venue`` (404 unless this person coordinates or works at the venue)."""

    venue: Venue

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.venue = venue_for(
            organization=self.organization, user=self.user, role=self.role, pk=kwargs["venue_pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(venue=self.venue, **kwargs)

    def back(self, name: str = "salons:venue") -> HttpResponse:
        return redirect(name, self.organization.slug, self.venue.pk)


class VenueEditView(VenueMixin):
    """The venue's name, kind, address and campus notes; taking it out of use (or back)."""

    access_policy = COORDINATORS
    template_name = "salons/venues_form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = VenueForm(initial=VenueForm.initial_for(self.venue))
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        state = request.POST.get("action") == "state"
        form: VenueForm | VenueStateForm = (VenueStateForm if state else VenueForm)(request.POST)
        if form.is_valid():
            data, venue = form.cleaned_data, self.venue
            try:
                if not state:
                    venue_update(venue=venue, actor=self.user, **data)
                elif data["active"]:
                    venue_reactivate(venue=venue, actor=self.user)
                else:
                    venue_deactivate(venue=venue, actor=self.user)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The venue has been saved."))
                return self.back()
        forms = {"state_form": form} if state else {"form": form}
        base = {"form": VenueForm(initial=VenueForm.initial_for(self.venue))}
        return self.render_to_response(self.get_context_data(**{**base, **forms}))


class VenueDetailView(VenueMixin):
    """The venue's page: where and how to get in, its people, closed days, weekly and next
    salons, and this 年度's figures with a chart of visits by month."""

    access_policy = STAFF
    template_name = "salons/venues_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        page = venue_page(venue=self.venue, viewer=self.user, role=self.role)
        return super().get_context_data(page=page, now=timezone.now(), **kwargs)


class VenueStaffView(VenueMixin):
    """Who works at the venue: add a teacher or a supporter, or remove someone."""

    access_policy = COORDINATORS
    template_name = "salons/venues_staff.html"

    def _forms(self, data: Any = None) -> VenueStaffForms:
        return VenueStaffForms(
            organization=self.organization,
            staff=venue_staff_of(venue=self.venue),
            teachers=partner_choices(organization=self.organization, venue=self.venue),
            supporters=staff_choices(organization=self.organization),
            data=data,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        page = kwargs.pop("forms", None) or self._forms()
        staff = list(page.remove.items.values())
        return super().get_context_data(staff=staff, **page.context(), **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        page = self._forms(request.POST)
        if page.posted.is_valid():
            try:
                if page.action == "remove":
                    venue_staff_remove(staff=page.remove.chosen, actor=self.user)
                else:
                    user = page.posted.cleaned_data["user"]
                    venue_staff_add(venue=self.venue, user=user, kind=page.kind, actor=self.user)
            except ValidationError as error:
                add_service_errors(page.posted, error)
            else:
                messages.success(request, _("The venue's people have been saved."))
                return self.back("salons:venue_staff")
        return self.render_to_response(self.get_context_data(forms=page))


class VenueClosuresView(VenueMixin):
    """The school's own closed days: no weekly salon is generated on them."""

    access_policy = COORDINATORS
    template_name = "salons/venues_closures.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        page = kwargs.pop("forms", None) or VenueClosureForms(
            closures=venue_closures_of(venue=self.venue)
        )
        closures = list(page.remove.items.values())
        clashing = blocks_in_closures(venue=self.venue, closures=closures)
        context = {"closures": closures, "clashing": clashing, "today": timezone.localdate()}
        return super().get_context_data(**context, **page.context(), **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        page = VenueClosureForms(closures=venue_closures_of(venue=self.venue), data=request.POST)
        if page.posted.is_valid():
            try:
                if page.action == "remove":
                    venue_closure_remove(closure=page.remove.chosen, actor=self.user)
                else:
                    venue_closure_add(venue=self.venue, actor=self.user, **page.add.cleaned_data)
            except ValidationError as error:
                add_service_errors(page.posted, error)
            else:
                messages.success(request, _("The school's closed days have been saved."))
                return self.back("salons:venue_closures")
        return self.render_to_response(self.get_context_data(forms=page))
