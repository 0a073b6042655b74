"""A refused organisation page (not a member: 404; a member without the role: 403) leaves
one security event with the client address. ``TenancyMiddleware`` decides and marks the
request; this middleware, just outside it, records."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from bansou.audit.models import SecurityEvent
from bansou.audit.services import security_event
from bansou.orgs.middleware import DENIED_ATTRIBUTE


class RefusedPageAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        denied = getattr(request, DENIED_ATTRIBUTE, None)
        if denied is not None and response.status_code in (403, 404):
            user = request.user if request.user.is_authenticated else None
            security_event(
                kind=SecurityEvent.Kind.DENIED,
                request=request,
                user=user,
                organization=denied,
            )
        return response
