from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from bansou.core.access import org_roles
from bansou.core.paging import page_of
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.programs import selectors
from bansou.programs.filters import AttendanceFilter
from bansou.programs.forms.trainings import AttendanceForm, TrainingForm, checklist_user_ids
from bansou.programs.models import Enrollment, Training
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


def _attendance_list(training: Training, params: QueryDict) -> dict[str, Any]:
    """The checklist's supporters, searched, filtered by attendance and paged."""
    found = AttendanceFilter(params or None, training=training)
    return {**page_of(found.qs, params=params), "filter": found}


class TrainingDetailView(TrainingMixin):
    """The attendance checklist of the program's enrolled supporters, a page at a time;
    saving changes only the rows the submitted page showed (``checklist_user_ids``)."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "programs/trainings/detail.html"

    def _form(self, enrolments: Iterable[Enrollment], data: Any = None) -> AttendanceForm:
        training = self.get_training()
        rows = selectors.attendance_rows(training=training, enrolments=enrolments)
        return AttendanceForm(data, rows=rows, training=training)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        listing = _attendance_list(self.get_training(), self.request.GET)
        context.update(listing, training=self.get_training())
        if "form" not in context:
            context["form"] = self._form(listing["page"])
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        shown = selectors.supporter_enrolments_among(
            program=self.program, user_ids=checklist_user_ids(request.POST)
        )
        form = self._form(shown, request.POST)
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
                return redirect(request.get_full_path())
        return self.render_to_response(self.get_context_data(form=form))
