import logging
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from bansou.core.network import client_address, masked_address, trusted_proxies
from bansou.ops.redaction import redacted_path

logger = logging.getLogger("bansou.request")


class RequestLogMiddleware:
    """One structured log line per request: id, method, path (secret URL keywords
    redacted), status, duration, tenant, the client's address (bansou.core.network)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        trusted_proxies()  # a malformed BANSOU_TRUSTED_PROXIES stops the start, not a request

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        started = time.monotonic()
        response = self.get_response(request)
        organization = getattr(request, "organization", None)
        user = getattr(request, "user", None)
        path = redacted_path(request)
        logger.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
                "organization": organization.slug if organization else None,
                "user_id": user.pk if user is not None and user.is_authenticated else None,
                "client_network": masked_address(client_address(request)) or None,
            },
        )
        response["X-Request-ID"] = request_id
        return response
