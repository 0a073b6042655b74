"""Teacher liaison pages. Teachers (partners) see their school's page, refer students and
write in the school's thread; the school's supporters and the coordinators see the liaison
page, record and withdraw consents, send reports and close referrals; a student sees what
they share with which teacher and can stop it. Which object a person may open is decided
by ``salons.selectors.liaison`` (404 otherwise); what a teacher may read, too."""

from typing import Any, Generic, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from bansou.core.access import org_roles
from bansou.core.inputs import whole_number
from bansou.core.paging import page_of
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.http import OrgView
from bansou.orgs.models import Venue
from bansou.salons.filters import ConsentFilter
from bansou.salons.forms.liaison import (
    ConfirmForm,
    ConsentForm,
    MessageForm,
    ReferralForm,
    ReportForm,
)
from bansou.salons.models import Referral, ShareConsent
from bansou.salons.selectors.liaison import (
    consent_for,
    consenting_students,
    referral_for,
    school_page,
    student_consents,
    student_withdrawn,
    teacher_venues,
    thread_page,
    venue_for_student_search,
    venue_for_supporter,
    venue_for_teacher,
    venue_for_thread,
    venue_liaison,
    venue_student_search,
    venue_students,
    venue_teachers,
)
from bansou.salons.services.liaison import (
    consent_record,
    consent_withdraw,
    message_post,
    referral_close,
    referral_create,
    report_send,
)

T = TypeVar("T")

TEACHER = org_roles(Role.PARTNER)
SUPPORTERS = org_roles(Role.SUPPORTER, Role.COORDINATOR)
THREAD = org_roles(Role.PARTNER, Role.SUPPORTER, Role.COORDINATOR)


class TeacherVenueMixin(OrgView):
    """Loads ``self.venue``: a school this teacher teaches at (404 otherwise)."""

    venue: Venue

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.venue = venue_for_teacher(
            organization=self.organization, teacher=self.user, role=self.role, pk=kwargs["venue_pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(venue=self.venue, **kwargs)


class SupporterVenueMixin(OrgView):
    """Loads ``self.venue``: a school this supporter works at, any for a coordinator
    (``venue_loader`` decides; 404 otherwise)."""

    venue: Venue
    venue_loader = staticmethod(venue_for_supporter)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.venue = self.venue_loader(
            organization=self.organization, user=self.user, role=self.role, pk=kwargs["venue_pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(venue=self.venue, **kwargs)


def _liaison_url(view: OrgView, venue_pk: int) -> str:
    return reverse("salons:liaison", args=[view.organization.slug, venue_pk])


# --- teachers ------------------------------------------------------------------------------


class SchoolListView(OrgView):
    """The schools this teacher teaches at; with one, that school's page at once."""

    access_policy = TEACHER
    template_name = "salons/liaison_schools.html"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        venues = teacher_venues(teacher=self.user, organization=self.organization)
        if len(venues) == 1:
            return redirect("salons:school", self.organization.slug, venues[0].pk)
        return self.render_to_response(self.get_context_data(venues=venues))


class SchoolView(TeacherVenueMixin):
    access_policy = TEACHER
    template_name = "salons/liaison_school.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        page = school_page(venue=self.venue, teacher=self.user, params=self.request.GET)
        return super().get_context_data(school=page, **page.referral_listing, **kwargs)


class ReferralCreateView(TeacherVenueMixin):
    access_policy = TEACHER
    template_name = "salons/liaison_referral_form.html"

    def form(self, **kwargs: Any) -> ReferralForm:
        return ReferralForm(
            students=consenting_students(venue=self.venue, teacher=self.user), **kwargs
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=self.form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form(data=request.POST)
        if form.is_valid():
            try:
                referral_create(venue=self.venue, teacher=self.user, **_referral_fields(form))
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Thank you: the salon's supporters have been told."))
                return redirect("salons:school", self.organization.slug, self.venue.pk)
        return self.render_to_response(self.get_context_data(form=form))


def _referral_fields(form: ReferralForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "student": data.get("student"),
        "student_label": data["student_label"],
        "grade": data["grade"],
        "reason": data["reason"],
    }


# --- supporters and coordinators -----------------------------------------------------------


class LiaisonView(SupporterVenueMixin):
    """The school's liaison: open referrals, consents (filtered, paged), recent reports and
    the latest messages of the thread."""

    access_policy = SUPPORTERS
    template_name = "salons/liaison_venue.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        liaison = venue_liaison(venue=self.venue)
        found = ConsentFilter(self.request.GET or None, queryset=liaison.consents)
        listing = page_of(found.qs, params=self.request.GET)
        return super().get_context_data(liaison=liaison, filter=found, **listing, **kwargs)


class ConsentCreateView(SupporterVenueMixin):
    access_policy = SUPPORTERS
    template_name = "salons/liaison_consent_form.html"

    def form(self, **kwargs: Any) -> ConsentForm:
        return ConsentForm(
            venue=self.venue,
            students=venue_students(venue=self.venue),
            teachers=venue_teachers(venue=self.venue),
            **kwargs,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=self.form()))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form(data=request.POST)
        if form.is_valid():
            try:
                consent_record(venue=self.venue, actor=self.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The consent has been recorded."))
                return redirect(_liaison_url(self, self.venue.pk))
        return self.render_to_response(self.get_context_data(form=form))


class ReportCreateView(SupporterVenueMixin):
    """Sends a report; ``?student=<id>&teacher=<id>`` (from a consent's row) fills both."""

    access_policy = SUPPORTERS
    template_name = "salons/liaison_report_form.html"

    def form(self, **kwargs: Any) -> ReportForm:
        return ReportForm(
            venue=self.venue,
            students=venue_students(venue=self.venue),
            teachers=venue_teachers(venue=self.venue),
            **kwargs,
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        initial = {k: whole_number(request.GET.get(k)) for k in ("student", "teacher")}
        form = self.form(initial={k: v for k, v in initial.items() if v is not None})
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form(data=request.POST)
        if form.is_valid():
            try:
                report_send(venue=self.venue, actor=self.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request, _("The report has been sent. The teacher is told by mail.")
                )
                return redirect(_liaison_url(self, self.venue.pk))
        return self.render_to_response(self.get_context_data(form=form))


class VenueStudentSearchView(SupporterVenueMixin):
    """The choices under the student search of the consent and report forms and of the
    salon screen: the school's students only (for its supporters, the coordinators and
    whoever staffs one of its salons today)."""

    access_policy = SUPPORTERS
    venue_loader = staticmethod(venue_for_student_search)
    template_name = "people/widgets/person_choices.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        params = self.request.GET
        field = params.get("field", "")
        field = field if field.isidentifier() and len(field) <= 40 else "student"
        query = params.get(f"{field}_q", "")[:100]
        people, more = venue_student_search(venue=self.venue, query=query)
        return super().get_context_data(
            people=people, more=more, name=field, multiple=False, searched=bool(query.strip())
        )


class ConfirmView(OrgView, Generic[T]):
    """Asks first (GET), then acts (POST) on the object ``load`` finds (404 otherwise): a
    refusal is said on the confirmation; done, it says so and goes back."""

    object_name: str  # what the template calls the object
    pk_kwarg: str
    done_message: StrOrPromise
    target: T

    def load(self, pk: int) -> T:
        raise NotImplementedError

    def act(self) -> None:
        raise NotImplementedError

    def done_url(self) -> str:
        raise NotImplementedError

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.target = self.load(kwargs[self.pk_kwarg])
        return super().dispatch(request, *args, **kwargs)

    def confirm(self, form: ConfirmForm) -> HttpResponse:
        return self.render_to_response(
            self.get_context_data(**{self.object_name: self.target, "form": form})
        )

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.confirm(ConfirmForm())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = ConfirmForm(request.POST)
        try:
            self.act()
        except ValidationError as error:
            add_service_errors(form, error)
            return self.confirm(form)
        messages.success(request, self.done_message)
        return redirect(self.done_url())


class ReferralCloseView(ConfirmView[Referral]):
    """Asks first (GET), then marks the referral followed up (POST)."""

    access_policy = SUPPORTERS
    template_name = "salons/liaison_referral_close.html"
    object_name, pk_kwarg = "referral", "referral_pk"
    done_message = _("The referral has been closed.")

    def load(self, pk: int) -> Referral:
        return referral_for(organization=self.organization, user=self.user, role=self.role, pk=pk)

    def act(self) -> None:
        referral_close(referral=self.target, actor=self.user)

    def done_url(self) -> str:
        return _liaison_url(self, self.target.venue_id)


class ConsentWithdrawView(ConfirmView[ShareConsent]):
    """Asks first (GET), then withdraws the consent (POST): the student on their sharing
    page, or the school's supporters and the coordinators."""

    access_policy = org_roles(Role.CLIENT, Role.SUPPORTER, Role.COORDINATOR)
    template_name = "salons/liaison_consent_withdraw.html"
    object_name, pk_kwarg = "consent", "consent_pk"
    done_message = _("Sharing has stopped: the teacher no longer sees it.")

    def load(self, pk: int) -> ShareConsent:
        return consent_for(organization=self.organization, user=self.user, role=self.role, pk=pk)

    def act(self) -> None:
        consent_withdraw(consent=self.target, actor=self.user)

    def done_url(self) -> str:
        if self.role == Role.CLIENT:
            return reverse("salons:my_sharing", args=[self.organization.slug])
        return _liaison_url(self, self.target.venue_id)


# --- the thread and the student's page -----------------------------------------------------


class ThreadView(OrgView):
    """The school's thread, newest last; the school's teachers and supporters and the
    coordinators read and write."""

    access_policy = THREAD
    template_name = "salons/liaison_thread.html"
    venue: Venue

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.venue = venue_for_thread(
            organization=self.organization, user=self.user, role=self.role, pk=kwargs["venue_pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        listing = thread_page(venue=self.venue, params=self.request.GET)
        kwargs.setdefault("form", MessageForm())
        return super().get_context_data(venue=self.venue, **listing, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                message_post(venue=self.venue, author=self.user, body=form.cleaned_data["body"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                url = reverse("salons:thread", args=[self.organization.slug, self.venue.pk])
                return redirect(f"{url}#latest")
        return self.render_to_response(self.get_context_data(form=form))


class MySharingView(OrgView):
    """What this student shares with which teacher, since when; each can be stopped."""

    access_policy = org_roles(Role.CLIENT)
    template_name = "salons/liaison_my_sharing.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        org, student = self.organization, self.user
        context.update(
            consents=student_consents(organization=org, student=student),
            withdrawn=student_withdrawn(organization=org, student=student),
        )
        return context
