from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.programs import selectors
from bansou.programs.forms.trainings import AttendanceForm, TrainingForm
from bansou.programs.models import Training
from bansou.programs.services.trainings import (
    training_attendance_set,
    training_create,
    training_update,
)
from bansou.programs.views.base import ProgramView


class TrainingMixin(ProgramView):
    def get_training(self) -> Training:
        if not hasattr(self, "_training"):
            self._training = selectors.training_for(
                program=self.program, pk=self.kwargs["training_pk"]
            )
        return self._training

    def _to_detail(self, training: Training) -> HttpResponse:
        return redirect(
            "programs:training",
            org_slug=self.organization.slug,
            program_slug=self.program.slug,
            training_pk=training.pk,
        )


class TrainingCreateView(TrainingMixin):
    access_policy = org_roles(Role.COORDINATOR)
    template_name = "programs/trainings/form.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=TrainingForm()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = TrainingForm(request.POST)
        if form.is_valid():
            try:
                training = training_create(program=self.program, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The training has been added."))
                return self._to_detail(training)
        return self.render_to_response(self.get_context_data(form=form))


class TrainingEditView(TrainingMixin):
    access_policy = org_roles(Role.COORDINATOR)
    template_name = "programs/trainings/form.html"

    def _initial(self) -> dict[str, Any]:
        t = self.get_training()
        return {
            "name": t.name,
            "description": t.description,
            "held_on": t.held_on,
            "is_required": t.is_required,
        }

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["training"] = self.get_training()
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = TrainingForm(initial=self._initial())
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = TrainingForm(request.POST, initial=self._initial())
        if form.is_valid():
            try:
                training = training_update(training=self.get_training(), **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The training has been saved."))
                return self._to_detail(training)
        return self.render_to_response(self.get_context_data(form=form))


class TrainingDetailView(TrainingMixin):
    """The attendance checklist of the program's enrolled supporters."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "programs/trainings/detail.html"

    def _form(self, data: Any = None) -> AttendanceForm:
        training = self.get_training()
        rows = selectors.training_attendance_rows(training=training)
        return AttendanceForm(data, rows=rows, training=training)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["training"] = self.get_training()
        context.setdefault("form", self._form())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self._form(request.POST)
        if form.is_valid():
            try:
                training_attendance_set(
                    training=self.get_training(),
                    attended=form.attendance_map(),
                    recorded_by=self.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Attendance has been saved."))
                return self._to_detail(self.get_training())
        return self.render_to_response(self.get_context_data(form=form))
