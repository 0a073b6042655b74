"""Client booking pages: what can be booked, the open times by day, confirming a time,
and a booking's own page to reschedule or cancel it. Staff book on a client's behalf with
``?client=<id>`` (a coordinator, or a supporter of that client)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.engagements.forms.booking import (
    BookingForm,
    CancelBookingForm,
    RescheduleForm,
    as_int,
    int_param,
    moment_or_none,
)
from bansou.engagements.selectors.booking_targets import (
    bookable_clients,
    bookable_type_for,
    bookable_types,
    booking_client_for,
    booking_for,
    booking_target,
    booking_times,
    client_upcoming_bookings,
    reschedule_target,
)
from bansou.engagements.services.booking import (
    booking_cancel,
    booking_create,
    booking_reschedule,
    change_deadline,
)
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView

BOOKERS = org_roles(Role.CLIENT, Role.SUPPORTER, Role.COORDINATOR)


class ClientMixin(OrgView):
    """Loads ``self.client``: the signed-in client, or ``?client=`` for staff; staff who
    have not chosen a client yet get the chooser."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        client = booking_client_for(
            organization=self.organization,
            user=self.user,
            role=self.role,
            client_pk=int_param(request, "client"),
        )
        if client is None:
            return ClientChooserView.as_view()(request, *args, **kwargs)
        self.client = client
        self.for_staff = client.pk != self.user.pk
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(client=self.client, for_staff=self.for_staff)
        return context


class ClientChooserView(OrgView):
    """Staff choose whom they book for (by name or kana), then continue where they were."""

    access_policy = BOOKERS
    template_name = "engagements/booking/choose_client.html"
    http_method_names = ["get"]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:100]
        clients = bookable_clients(
            organization=self.organization, user=self.user, role=self.role, query=query
        )
        context.update(
            query=query, page_obj=Paginator(clients, 20).get_page(self.request.GET.get("page"))
        )
        return context


class BookIndexView(ClientMixin):
    access_policy = BOOKERS
    template_name = "engagements/booking/index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["targets"] = bookable_types(organization=self.organization, client=self.client)
        context["bookings"] = client_upcoming_bookings(
            organization=self.organization, client=self.client
        )
        return context


class TypeMixin(ClientMixin):
    """Loads ``self.target``: whom the client books this appointment type with; when they
    may not book it, back to the list with the reason."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.appointment_type = bookable_type_for(
            organization=self.organization, pk=kwargs["type_pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.refused() or self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["appointment_type"] = self.appointment_type
        return context

    def refused(self) -> HttpResponse | None:
        try:
            self.target = booking_target(appointment_type=self.appointment_type, client=self.client)
        except ValidationError as error:
            context = self.get_context_data(refusal=" ".join(error.messages))
            return TemplateResponse(self.request, "engagements/booking/refused.html", context)
        return None


class BookTimesView(TypeMixin):
    access_policy = BOOKERS
    template_name = "engagements/booking/times.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        supporter = int_param(self.request, "supporter")
        if supporter not in self.target.supporter_ids or self.target.mode != "pool":
            supporter = None
        context.update(
            target=self.target,
            supporter=supporter,
            page=booking_times(
                target=self.target,
                supporter_id=supporter,
                week=int_param(self.request, "week") or 0,
            ),
        )
        return context


class BookConfirmView(TypeMixin):
    access_policy = BOOKERS
    template_name = "engagements/booking/confirm.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form") or BookingForm(self.request.GET or None)
        form.is_valid()
        context.update(
            target=self.target,
            form=form,
            chosen_at=moment_or_none(form.data.get("starts_at")),
            supporter=as_int(form.data.get("supporter")),
        )
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = BookingForm(request.POST)
        if refused := self.refused():
            return refused
        if form.is_valid():
            try:
                session = booking_create(
                    appointment_type=self.appointment_type,
                    client=self.client,
                    starts_at=form.cleaned_data["starts_at"],
                    supporter_id=form.cleaned_data["supporter"],
                    booked_by=self.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Booked. A confirmation email is on its way."))
                return redirect("engagements:booking", self.organization.slug, session.pk)
        return self.render_to_response(self.get_context_data(form=form))


class BookingMixin(OrgView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.session = booking_for(
            organization=self.organization, user=self.user, role=self.role, pk=kwargs["session_pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        session = self.session
        deadline = change_deadline(session)
        context.update(
            session=session,
            deadline=deadline,
            can_change=session.status == session.Status.SCHEDULED
            and deadline is not None
            and (self.user.pk != session.engagement.client_id or timezone.now() <= deadline),
            cancel_form=kwargs.get("cancel_form")
            or CancelBookingForm(initial={"sequence": session.sequence}),
            reschedule_form=kwargs.get("reschedule_form"),
            stale=int_param(self.request, "v") not in (None, session.sequence),
        )
        if context["can_change"]:
            context["page"] = booking_times(
                target=reschedule_target(session=session),
                week=int_param(self.request, "week") or 0,
                moving=session.pk,
            )
        return context


class BookingView(BookingMixin):
    """A booking's page: when and with whom, and (until the deadline) other open times of
    the same supporter(s) to move it to, or a form to cancel it with a reason."""

    access_policy = BOOKERS
    template_name = "engagements/booking/detail.html"


class BookingRescheduleView(BookingMixin):
    access_policy = BOOKERS
    template_name = "engagements/booking/detail.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = RescheduleForm(request.POST)
        if form.is_valid():
            try:
                booking_reschedule(
                    session=self.session,
                    starts_at=form.cleaned_data["starts_at"],
                    sequence=form.cleaned_data["sequence"],
                    actor=self.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("The booking has been moved. We have emailed everyone.")
                )
                return redirect("engagements:booking", self.organization.slug, self.session.pk)
        return self.render_to_response(self.get_context_data(reschedule_form=form))


class BookingCancelView(BookingMixin):
    access_policy = BOOKERS
    template_name = "engagements/booking/detail.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = CancelBookingForm(request.POST)
        if form.is_valid():
            try:
                booking_cancel(
                    session=self.session,
                    reason=form.cleaned_data["reason"],
                    sequence=form.cleaned_data["sequence"],
                    actor=self.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The booking has been cancelled."))
                return redirect("engagements:booking", self.organization.slug, self.session.pk)
        return self.render_to_response(self.get_context_data(cancel_form=form))
