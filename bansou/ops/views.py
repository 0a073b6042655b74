import logging
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from bansou.core.access import ANY_MEMBER, PUBLIC, declare, org_roles
from bansou.core.paging import page_of
from bansou.core.roles import Role
from bansou.ops.forms import OutboxFilterForm, OutboxRetryForm
from bansou.ops.models import PreparedFile
from bansou.ops.selectors import (
    outbox_message_for,
    outbox_messages,
    prepared_file_for,
    prepared_files_of,
)
from bansou.ops.services.files import KEEP_FOR, prepared_file_open
from bansou.ops.services.outbox import outbox_retry
from bansou.orgs.http import OrgView

logger = logging.getLogger("bansou.health")


@declare(PUBLIC)
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            ok = cursor.fetchone() == (1,)
    except DatabaseError:
        logger.exception("health check: database unreachable")
        ok = False
    status = "ok" if ok else "error"
    return JsonResponse(
        {"status": status, "checks": {"database": status}}, status=200 if ok else 503
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "errors/csrf.html", status=403)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: they may touch the database that has just failed.
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


class OutboxView(OrgView):
    """The organisation's outgoing mail: what was sent, what is waiting, what failed and
    why; a failed message can be sent again. Bodies are never shown (they may carry
    single-use links)."""

    access_policy = org_roles(Role.COORDINATOR)
    template_name = "ops/outbox.html"
    paginate_by = 25

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        filters = OutboxFilterForm(self.request.GET)
        messages_ = outbox_messages(organization=self.organization, **filters.filters())
        page = Paginator(messages_, self.paginate_by).get_page(self.request.GET.get("page"))
        context.update(page=page, **filters.context())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = OutboxRetryForm(request.POST)
        message = (
            outbox_message_for(organization=self.organization, pk=form.cleaned_data["message"])
            if form.is_valid()
            else None
        )
        if message is None:
            raise Http404
        try:
            outbox_retry(message=message)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The message will be sent again."))
        return redirect(request.get_full_path())


class PreparedFilesView(OrgView):
    """The files I asked for in the last days, with their state."""

    access_policy = ANY_MEMBER
    template_name = "ops/prepared_files.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        files = prepared_files_of(organization=self.organization, user=self.user)
        return super().get_context_data(
            **page_of(files, params=self.request.GET), keep_days=KEEP_FOR.days, **kwargs
        )


class PreparedFileMixin(OrgView):
    """One of my files, found by ``file_pk`` (another person's answers 404)."""

    def prepared(self) -> PreparedFile:
        prepared = prepared_file_for(
            organization=self.organization, user=self.user, pk=self.kwargs["file_pk"]
        )
        if prepared is None:
            raise Http404
        return prepared


class PreparedFileView(PreparedFileMixin):
    """The file's progress while it is prepared, then its download. htmx polls the status
    part of the page every second until the file is ready."""

    access_policy = ANY_MEMBER
    template_name = "ops/prepared_file.html"

    def get_template_names(self) -> list[str]:
        if getattr(self.request, "htmx", False):
            return ["ops/_prepared_file_status.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(prepared=self.prepared(), **kwargs)


class PreparedFileDownloadView(PreparedFileMixin):
    """The file itself, as an attachment; before it is ready, its page."""

    access_policy = ANY_MEMBER

    def get(  # type: ignore[override]  # a file is a streaming response, not a page
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        prepared = self.prepared()
        content = prepared_file_open(prepared=prepared)
        if content is None:
            return redirect("ops:prepared_file", self.organization.slug, prepared.pk)
        return FileResponse(
            content,
            as_attachment=True,
            filename=prepared.filename,
            content_type=prepared.content_type,
        )
