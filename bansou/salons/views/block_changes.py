"""Salons as planned: the coordinators' list across venues, one salon's planning page (for
the coordinators and the salon's own staff; 404 for any other supporter), and the
coordinators' changes: cancel, move, restaff. A salon that has begun or been held cannot be
changed: the pages say so instead of offering the form."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from bansou.core.access import org_roles
from bansou.core.paging import page_of
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView
from bansou.salons.filters import SalonBlockFilter
from bansou.salons.forms.block_changes import BlockCancelForm, BlockMoveForm, BlockRestaffForm
from bansou.salons.models import SalonBlock
from bansou.salons.selectors.planning import block_changeable, block_page, block_staff_ids
from bansou.salons.selectors.screen import block_for
from bansou.salons.selectors.venues import staff_choices, works_at
from bansou.salons.services.block_changes import block_cancel, block_move, block_restaff

COORDINATORS = org_roles(Role.COORDINATOR)
STAFF = org_roles(Role.COORDINATOR, Role.SUPPORTER)


class BlockListView(OrgView):
    """Every venue's salons, from today on by default; by venue, status and dates."""

    access_policy = COORDINATORS
    template_name = "salons/blocks_list.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        found = SalonBlockFilter(self.request.GET, organization=self.organization)
        listing = page_of(found.qs, params=self.request.GET)
        context.update(listing, filter=found, blocks=list(listing["page"].object_list))
        return context


class BlockMixin(OrgView):
    """Loads ``self.block`` (404 unless this person coordinates or staffs the salon)."""

    block: SalonBlock

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.block = block_for(
            organization=self.organization, user=self.user, role=self.role, pk=kwargs["block_pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        block = self.block
        # "salon", not "block": inside a template's {% block %} that name is the block tag.
        return super().get_context_data(salon=block, can_change=block_changeable(block), **kwargs)

    def change(
        self, form: forms.Form, action: Any, done: StrOrPromise, **fields: Any
    ) -> HttpResponse:
        """Runs a change with the form's input; back to the salon's page when it is made."""
        sequence = form.cleaned_data.get("sequence")
        try:
            action(block=self.block, actor=self.user, sequence=sequence, **fields)
        except ValidationError as error:
            add_service_errors(form, error, field_map=getattr(form, "SERVICE_FIELD_MAP", None))
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(self.request, done)
        return redirect("salons:block", self.organization.slug, self.block.pk)


class BlockDetailView(BlockMixin):
    """One salon: when, where, how, who; its slots and who reserved them; visits by kind;
    the closing log once held. Coordinators find the changes here."""

    access_policy = STAFF
    template_name = "salons/blocks_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        page = block_page(block=self.block)
        shows_venue = self.role == Role.COORDINATOR or works_at(
            venue=self.block.venue, user=self.user
        )
        return super().get_context_data(page=page, shows_venue=shows_venue, **kwargs)


class BlockCancelView(BlockMixin):
    access_policy = COORDINATORS
    template_name = "salons/blocks_cancel.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = BlockCancelForm(initial={"sequence": self.block.meeting.sequence})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = BlockCancelForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        reason = form.cleaned_data["reason"]
        return self.change(form, block_cancel, _("The salon has been cancelled."), reason=reason)


class BlockMoveView(BlockMixin):
    access_policy = COORDINATORS
    template_name = "salons/blocks_move.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = BlockMoveForm(initial=BlockMoveForm.initial_for(self.block))
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = BlockMoveForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        starts_at, ends_at = form.window()
        done = _("The salon has been moved.")
        return self.change(form, block_move, done, starts_at=starts_at, ends_at=ends_at)


class BlockRestaffView(BlockMixin):
    access_policy = COORDINATORS
    template_name = "salons/blocks_restaff.html"

    def restaff_form(self, **kwargs: Any) -> BlockRestaffForm:
        choices = staff_choices(organization=self.organization)
        return BlockRestaffForm(organization=self.organization, choices=choices, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        staff, sequence = block_staff_ids(block=self.block), self.block.meeting.sequence
        form = self.restaff_form(initial={"staff": staff, "sequence": sequence})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.restaff_form(data=request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        staff = list(form.cleaned_data["staff"])
        return self.change(form, block_restaff, _("The salon's staff has been saved."), staff=staff)
