from django.http import HttpRequest, HttpResponse
from django.urls import path

from bansou.core.access import PUBLIC, declare
from bansou.urls import handler400, handler403, handler404, handler500  # noqa: F401
from bansou.urls import urlpatterns as real_urlpatterns


@declare(PUBLIC)
def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("SECRET-INTERNAL-DETAIL")


urlpatterns = [*real_urlpatterns, path("crash/", crash, name="crash")]
