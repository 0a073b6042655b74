"""A URL configuration with two deliberate mistakes, for the matrix's own tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django_scopes import scopes_disabled

from bansou.core.access import ANY_MEMBER, declare
from bansou.orgs.models import Organization
from bansou.urls import urlpatterns as real_urlpatterns


def undeclared_view(request: HttpRequest, org_slug: str) -> HttpResponse:
    return HttpResponse("no policy")


@declare(ANY_MEMBER)
def leaky_view(request: HttpRequest, org_slug: str) -> HttpResponse:
    with scopes_disabled():
        names = ", ".join(Organization.objects.values_list("name", flat=True))
    return HttpResponse(names)


# The matrix's own tests walk only these routes; the real ones are covered by the matrix.
BROKEN_ROUTES = ("undeclared", "leaky")

urlpatterns = [
    *real_urlpatterns,
    path("o/<slug:org_slug>/undeclared/", undeclared_view, name="undeclared"),
    path("o/<slug:org_slug>/leaky/", leaky_view, name="leaky"),
]
