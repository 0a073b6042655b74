"""At the salon, on a phone: today's salons, one salon's screen with its big buttons, a tap
(answered in JSON to the page's script, or with a redirect without it), a visit's details
afterwards, a next visit, individual support from a visit, and closing the salon."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView
from bansou.salons.forms.screen import (
    GRADES,
    REFERRAL_KINDS,
    RESERVATION_KINDS,
    CloseForm,
    TapForm,
)
from bansou.salons.models import SalonBlock
from bansou.salons.selectors.liaison import is_venue_supporter
from bansou.salons.selectors.screen import (
    block_for,
    blocks_today,
    salon_screen,
    unmarked_reservations,
)
from bansou.salons.services.blocks import block_close
from bansou.salons.services.visits import visit_record

STAFF = org_roles(Role.COORDINATOR, Role.SUPPORTER)


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def error_text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


class TodayView(OrgView):
    """The salons of today and the coming week that this person staffs."""

    access_policy = STAFF
    template_name = "salons/today.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["blocks"] = blocks_today(
            organization=self.organization, user=self.user, role=self.role
        )
        return context


class BlockMixin(OrgView):
    """Loads ``self.block`` (404 unless this person staffs it or coordinates here)."""

    block: SalonBlock

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.block = block_for(
            organization=self.organization, user=self.user, role=self.role, pk=kwargs["block_pk"]
        )
        return super().dispatch(request, *args, **kwargs)


class ScreenView(BlockMixin):
    access_policy = STAFF
    template_name = "salons/screen.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            screen=salon_screen(block=self.block),
            tap_form=TapForm(block=self.block),
            is_open=self.block.status == SalonBlock.Status.SCHEDULED,
            # Staffing this salon does not open the school's liaison: its supporters' page.
            may_liaise=is_venue_supporter(venue=self.block.venue, user=self.user, role=self.role),
            grades=GRADES,
            reservation_kinds=RESERVATION_KINDS,
            referral_kinds=REFERRAL_KINDS,
        )
        return context


class TapView(ScreenView):
    """Records a tap (GET shows the screen). The page's script reads the JSON answer; a
    retry of a recorded key answers with the same visit (``created`` false)."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = TapForm(request.POST, block=self.block)
        try:
            if not form.is_valid():
                raise ValidationError(_("This tap could not be read. Reload the page."))
            visit, created = visit_record(block=self.block, actor=self.user, **form.cleaned_data)
        except ValidationError as error:
            if wants_json(request):
                return JsonResponse({"ok": False, "error": error_text(error)}, status=409)
            messages.error(request, error_text(error))
            return redirect("salons:screen", self.organization.slug, self.block.pk)
        label = visit.get_kind_display()
        if wants_json(request):
            answer = {"ok": True, "visit": visit.pk, "created": created, "kind": visit.kind}
            return JsonResponse({**answer, "label": label})
        messages.success(request, _("Recorded: %(kind)s.") % {"kind": label})
        return redirect("salons:screen", self.organization.slug, self.block.pk)


class CloseView(BlockMixin):
    """Closes the salon with its log; unmarked reservations become no-shows."""

    access_policy = STAFF
    template_name = "salons/close.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", CloseForm(initial={"room": self.block.meeting.place}))
        context.update(salon=self.block, unmarked=unmarked_reservations(block=self.block))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = CloseForm(request.POST)
        if form.is_valid():
            try:
                block_close(block=self.block, actor=self.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The salon is closed: it now counts as held."))
                return redirect("salons:today", self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form))
