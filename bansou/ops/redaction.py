"""Secrets in URLs stay out of the logs: a private calendar feed's token, a reflection
link's token, a password-reset key. Any URL keyword named ``key`` or ending in ``token``
is replaced by ``[redacted]`` in the path that is logged."""

import logging

from django.http import HttpRequest
from django.urls import Resolver404, resolve

REDACTED = "[redacted]"


def _is_secret(name: str) -> bool:
    return name == "key" or name.endswith("token")


def redacted_path(request: HttpRequest) -> str:
    """``request.path`` with the values of secret URL keywords replaced."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return request.path
    path = request.path
    for name, value in match.kwargs.items():
        if _is_secret(name) and isinstance(value, str) and value:
            path = path.replace(value, REDACTED)
    return path


class RedactSecretsFilter(logging.Filter):
    """For Django's own request lines (``Not Found: /path``, ``"GET /path" 404``): a record
    that carries the request gets its path redacted in the arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if isinstance(request, HttpRequest) and isinstance(record.args, tuple):
            clean = redacted_path(request)
            if clean != request.path:
                record.args = tuple(
                    a.replace(request.path, clean) if isinstance(a, str) else a for a in record.args
                )
        return True
