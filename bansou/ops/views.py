import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from bansou.core.access import PUBLIC, declare

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
    from django.template import loader

    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)
