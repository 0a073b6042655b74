"""What every people view shares: the organisation from TenancyMiddleware and the mapping
of a service's ValidationError back onto the form that was submitted."""

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest

from bansou.accounts.models import User
from bansou.orgs.models import Organization


class OrgViewMixin:
    request: HttpRequest

    @property
    def organization(self) -> Organization:
        return self.request.organization  # type: ignore[attr-defined]

    @property
    def user(self) -> User:
        return self.request.user  # type: ignore[return-value]


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Shows a service's ValidationError on the form: on the field it names when the form
    has that field, otherwise at the top of the form."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        target = field if field in form.fields and field != NON_FIELD_ERRORS else None
        form.add_error(target, ValidationError(errors))


def int_param(value: Any) -> int | None:
    """A positive integer from a query string, or None for anything else."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None
