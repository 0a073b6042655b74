"""A student reserves a salon slot from their phone, sees their reservations and cancels
one; the salon's supporters cancel one for them."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView
from bansou.salons.forms.screen import ReserveForm
from bansou.salons.models import Reservation
from bansou.salons.selectors.reservations import (
    my_reservations,
    reservable_block_for,
    reservable_blocks,
    reservation_for,
)
from bansou.salons.services.reservations import reservation_cancel, reservation_create


class ReserveView(OrgView):
    access_policy = org_roles(Role.CLIENT)
    template_name = "salons/reserve.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        org, student = self.organization, self.user
        context.update(
            blocks=reservable_blocks(organization=org, student=student),
            reservations=my_reservations(organization=org, student=student),
        )
        context.setdefault("form", ReserveForm())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ReserveForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                block = reservable_block_for(
                    organization=self.organization, student=self.user, pk=data["block"]
                )
                reservation_create(
                    block=block,
                    student=self.user,
                    slot_starts_at=data["slot"],
                    note=data["note"],
                    actor=self.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your reservation is made. See you at the salon!"))
                return redirect("salons:reserve", self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form))


class ReservationCancelView(OrgView):
    """Asks first (GET), then cancels (POST)."""

    access_policy = org_roles(Role.CLIENT, Role.SUPPORTER, Role.COORDINATOR)
    template_name = "salons/confirm.html"

    def _reservation(self) -> Reservation:
        return reservation_for(
            organization=self.organization,
            user=self.user,
            role=self.role,
            pk=self.kwargs["reservation_pk"],
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        reservation = self._reservation()
        when = date_format(timezone.localtime(reservation.slot_starts_at), "DATETIME_FORMAT")
        back = reverse("salons:reserve", args=[self.organization.slug])
        if self.role != Role.CLIENT:
            back = reverse("salons:screen", args=[self.organization.slug, reservation.block_id])
        context = {
            "confirm_title": _("Cancel this reservation?"),
            "confirm_text": when,
            "confirm_button": _("Cancel the reservation"),
            "back_url": back,
        }
        return self.render_to_response(self.get_context_data(**context))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        reservation = self._reservation()
        try:
            reservation_cancel(reservation=reservation, actor=self.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The reservation has been cancelled."))
        if self.role == Role.CLIENT:
            return redirect("salons:reserve", self.organization.slug)
        return redirect("salons:screen", self.organization.slug, reservation.block_id)
