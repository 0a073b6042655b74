"""Appointment types of a program (coordinators): the list with a form for a new type,
and the edit page of one type."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.programs.views.base import ProgramView
from bansou.scheduling.forms.appointment_types import AppointmentTypeForm
from bansou.scheduling.models import AppointmentType
from bansou.scheduling.selectors.appointment_types import (
    appointment_type_for,
    appointment_types_of,
)
from bansou.scheduling.services.appointment_types import (
    appointment_type_create,
    appointment_type_update,
)


class AppointmentTypeMixin(ProgramView):
    access_policy = org_roles(Role.COORDINATOR)

    def _to_list(self) -> HttpResponse:
        return redirect(
            "scheduling:appointment_types",
            org_slug=self.organization.slug,
            program_slug=self.program.slug,
        )


class AppointmentTypeListView(AppointmentTypeMixin):
    template_name = "scheduling/appointment_types/list.html"

    def _form(self, data: Any = None) -> AppointmentTypeForm:
        return AppointmentTypeForm(data, organization=self.organization, program=self.program)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["appointment_types"] = list(appointment_types_of(program=self.program))
        context.setdefault("form", self._form())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            try:
                created = appointment_type_create(
                    program=self.program, actor=self.user, **form.service_fields()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("“%(name)s” has been added.") % {"name": created})
                return self._to_list()
        return self.render_to_response(self.get_context_data(form=form))


class AppointmentTypeEditView(AppointmentTypeMixin):
    template_name = "scheduling/appointment_types/form.html"

    def _type(self) -> AppointmentType:
        if not hasattr(self, "_appointment_type"):
            pk = self.kwargs["type_pk"]
            self._appointment_type = appointment_type_for(program=self.program, pk=pk)
        return self._appointment_type

    def _form(self, data: Any = None) -> AppointmentTypeForm:
        return AppointmentTypeForm(
            data,
            organization=self.organization,
            program=self.program,
            appointment_type=self._type(),
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["appointment_type"] = self._type()
        context.setdefault("form", self._form())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            try:
                saved = appointment_type_update(
                    appointment_type=self._type(), actor=self.user, **form.service_fields()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("“%(name)s” has been saved.") % {"name": saved})
                return self._to_list()
        return self.render_to_response(self.get_context_data(form=form))
