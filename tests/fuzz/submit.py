"""Posting one generated submission and judging the answer: never a server error, and a
form that refused its input comes back showing why."""

import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.cookies import SimpleCookie
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.forms import BaseForm, BaseFormSet
from django.http import HttpResponse
from django.test import Client
from django.utils.html import escape

from bansou.accounts.models import User

# What every form's re-display carries when it refuses input (partials/field.html,
# partials/form.html, the pages that write their own error block, allauth's forms).
ERROR_MARKERS = ('role="alert"', "field-error", "form-errors", 'class="errorlist')


def client_as(user: User | None) -> Client:
    client = Client()
    client.raise_request_exception = False  # a 500 is judged below, with its traceback
    if user is not None:
        client.force_login(user)
    return client


@contextmanager
def rolled_back(client: Client) -> Iterator[None]:
    """One example in a savepoint that is rolled back (every example starts from the same
    world), with the client's cookies put back (a login or logout in the example does not
    carry over to the next) and no rate-limit counters (every example is a first try)."""
    cookies = SimpleCookie()
    cookies.load(client.cookies.output(header="", sep=";"))
    cache.clear()
    with transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)
            client.cookies = cookies


def submit(
    client: Client, method: str, url: str, data: Mapping[str, list[str] | str]
) -> HttpResponse:
    with rolled_back(client):
        response: HttpResponse = getattr(client, method)(url, data)
    return response


def problems(response: HttpResponse, *, shown_form: bool = True) -> list[str]:
    """A server error (with its traceback), or a refused form whose page does not say
    what was wrong: every error of every bound form and formset the page was rendered
    with must be on it (a tampered hidden field's at least as some message). A post the
    page offered no form for (``shown_form=False``) needs only to answer without error."""
    if response.status_code >= 500:
        exc_info = getattr(response, "exc_info", None)
        trace = "".join(traceback.format_exception(*exc_info)) if exc_info else ""
        return [f"server error {response.status_code}\n{trace}"]
    refusals = list(_refusals(response)) if shown_form else []
    if not refusals or response.status_code != 200:
        return []
    body = response.content.decode("utf-8", errors="replace")
    found = []
    if not any(marker in body for marker in ERROR_MARKERS):
        found.append("a refused form came back without any message")
    found += [
        f"{where}: {error!r} is not on the page"
        for where, error, hidden in refusals
        if not hidden and escape(error) not in body
    ]
    return found


def _refusals(response: HttpResponse) -> Iterator[tuple[str, str, bool]]:
    """(form.field, message, whether the field is hidden) for every error on the page's
    bound forms and formsets."""
    for value in _context_values(response):
        if isinstance(value, BaseFormSet) and value.is_bound:
            for error in value.non_form_errors():
                yield f"{type(value).__name__}", error, False
            forms = list(value.forms)
        elif isinstance(value, BaseForm) and value.is_bound:
            forms = [value]
        else:
            continue
        for form in forms:
            for name, errors in form.errors.items():
                field = form.fields.get(name)
                hidden = field is not None and field.widget.is_hidden
                for error in errors:
                    yield f"{type(form).__name__}.{name}", error, hidden


def _context_values(response: HttpResponse) -> Iterator[object]:
    contexts: Any = getattr(response, "context", None) or []
    if not isinstance(contexts, list):
        contexts = [contexts]
    seen: set[int] = set()
    for context in contexts:
        for value in context.flatten().values():
            if id(value) not in seen:
                seen.add(id(value))
                yield value
