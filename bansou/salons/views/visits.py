"""One visit after the tap: its topics, grade, student and private note (the salon's
supporters read and write the note, on record; a coordinator reads it only with a reason,
audited), taking a mistaken tap back, booking the next visit, and starting individual
support from it."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bansou.audit.services import client_ip
from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView
from bansou.salons.forms.screen import NextVisitForm, NoteReasonForm, VisitForm
from bansou.salons.models import Visit
from bansou.salons.selectors.screen import next_block_for, next_slots, staffs_block, visit_for
from bansou.salons.services.accompaniment import visit_start_engagement
from bansou.salons.services.reservations import reservation_create
from bansou.salons.services.visits import (
    visit_note_read,
    visit_note_shown,
    visit_undo,
    visit_update,
)

StrOrPromise = str | Promise
STAFF = org_roles(Role.COORDINATOR, Role.SUPPORTER)


class VisitMixin(OrgView):
    """Loads ``self.visit`` (404 unless this person staffs its salon or coordinates)."""

    visit: Visit

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.visit = visit_for(
            organization=self.organization, user=self.user, role=self.role, pk=kwargs["visit_pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def back(self) -> HttpResponse:
        return redirect("salons:screen", self.organization.slug, self.visit.block_id)

    def confirm(
        self, *, title: StrOrPromise, text: StrOrPromise, button: StrOrPromise, **extra: Any
    ) -> HttpResponse:
        """The page a POST-only step shows on GET: what it will do, and its button."""
        back = reverse("salons:screen", args=[self.organization.slug, self.visit.block_id])
        return TemplateResponse(
            self.request,
            "salons/confirm.html",
            {
                "confirm_title": title,
                "confirm_text": text,
                "confirm_button": button,
                "back_url": back,
                **extra,
            },
        )


class VisitView(VisitMixin):
    access_policy = STAFF
    template_name = "salons/visit.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        staffs = staffs_block(block=self.visit.block, user=self.user)
        if staffs and "form" not in context:
            context["form"] = VisitForm(visit=self.visit, initial=VisitForm.initial_for(self.visit))
            visit_note_shown(visit=self.visit, reader=self.user, ip_address=client_ip(self.request))
        context.setdefault("reason_form", NoteReasonForm())
        context.update(visit=self.visit, staffs=staffs)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = VisitForm(request.POST, visit=self.visit)
        if form.is_valid():
            data = {"student": None, **form.cleaned_data}
            try:
                visit_update(visit=self.visit, actor=self.user, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The visit has been saved."))
                return self.back()
        return self.render_to_response(self.get_context_data(form=form))


class VisitNoteView(VisitView):
    """A coordinator who does not staff the salon reads the note: with a reason, audited
    (GET shows the visit's page with the reason's form)."""

    access_policy = org_roles(Role.COORDINATOR)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = NoteReasonForm(request.POST)
        shown = False
        if form.is_valid():
            try:
                visit_note_read(
                    visit=self.visit,
                    reader=self.user,
                    ip_address=client_ip(request),
                    **form.cleaned_data,
                )
                shown = True
            except ValidationError as error:
                add_service_errors(form, error)
        context = {"visit": self.visit, "staffs": False, "reason_form": form, "note_shown": shown}
        return self.render_to_response(context)


class VisitUndoView(VisitMixin):
    access_policy = STAFF

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.confirm(
            title=_("Take this tap back?"),
            text=_("The visit is removed, as if the tap had not happened."),
            button=_("Take it back"),
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            visit_undo(visit=self.visit, actor=self.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The tap has been taken back."))
        return self.back()


class NextVisitView(VisitMixin):
    """Books the student's next visit in one step, from the visit's row on the screen."""

    access_policy = STAFF

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.confirm(
            title=_("Book the next visit"),
            text=_("A free time at this venue's next salons; the student gets an email."),
            button=_("Book"),
            form=NextVisitForm(slots=next_slots(block=self.visit.block)),
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = NextVisitForm(request.POST)
        try:
            if not form.is_valid() or self.visit.student is None:
                raise ValidationError(_("Choose one of the times offered."))
            block_pk, slot = form.cleaned_data["choice"]
            block = next_block_for(visit=self.visit, pk=block_pk)
            reservation_create(
                block=block, student=self.visit.student, slot_starts_at=slot, actor=self.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The next visit is booked; the student gets an email."))
        return self.back()


class VisitEngageView(VisitMixin):
    access_policy = STAFF

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.confirm(
            title=_("Start individual support"),
            text=_("An engagement between this student and you starts in the salon's program."),
            button=_("Start individual support"),
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            engagement = visit_start_engagement(visit=self.visit, actor=self.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("salons:visit", self.organization.slug, self.visit.pk)
        messages.success(request, _("Individual support has started."))
        return redirect("engagements:detail", self.organization.slug, engagement.pk)
