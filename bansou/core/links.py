"""Links that leave the site (in mail): always on the configured public address
``BANSOU_BASE_URL``, never on the Host a request happened to carry."""

from typing import Any

from django.conf import settings
from django.urls import reverse


def absolute_url(path: str) -> str:
    """``path`` (starting with ``/``) on ``BANSOU_BASE_URL``, which may carry a path."""
    if not path.startswith("/"):
        raise ValueError(f"not a site path: {path!r}")
    return str(settings.BANSOU_BASE_URL).rstrip("/") + path


def absolute_reverse(viewname: str, *args: Any, **kwargs: Any) -> str:
    return absolute_url(reverse(viewname, args=args or None, kwargs=kwargs or None))
