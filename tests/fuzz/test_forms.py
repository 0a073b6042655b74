"""Every form of every page in the permission matrix, as every role the page allows,
posted with generated values (tests/fuzz/values.py): no submission may answer a server
error, and a form that refuses its input shows a message."""

from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from hypothesis import given

from tests.conftest import World
from tests.fuzz.conftest import FUZZ
from tests.fuzz.pages import Form, post_forms
from tests.fuzz.submit import client_as, problems, submit
from tests.fuzz.targets import TARGETS, page_url
from tests.fuzz.values import form_data

# On every page (the header); posted by their own test below, not once per page.
HEADER_ACTIONS = {"/i18n/setlang/", "/accounts/logout/"}


def forms_on(html: str, url: str) -> list[Form]:
    forms = []
    for form in post_forms(html, url):
        form.action = urljoin(url, form.action)
        if urlsplit(form.action).path not in HEADER_ACTIONS:
            forms.append(form)
    return forms


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "actor"), TARGETS)
def test_fuzz_every_form(fuzz_world: World, name: str, actor: str) -> None:
    url = page_url(fuzz_world, name)
    user = fuzz_world.actors()[actor]
    client = client_as(user)
    page = client.get(url)
    assert page.status_code < 500, problems(page)
    shown = page.status_code == 200 and not page.streaming  # a download holds no form
    forms = forms_on(page.content.decode(errors="replace"), url) if shown else []
    if not forms:
        # A page without a form still receives posts from outside testers.
        _fuzz_form(client, Form(action=url), shown_form=False)
    for form in forms:
        _fuzz_form(client, form, shown_form=True)


def _fuzz_form(client: Client, form: Form, *, shown_form: bool) -> None:
    defaults = form.defaults()
    defaults["csrfmiddlewaretoken"] = [form.csrf]

    @FUZZ
    @given(data=form_data(list(form.fields.values()), defaults))
    def run(data: dict[str, list[str]]) -> None:
        data.setdefault("csrfmiddlewaretoken", [form.csrf])
        response = submit(client, "post", form.action, data)
        found = problems(response, shown_form=shown_form)
        assert not found, f"POST {form.action} {_short(data)}\n" + "\n".join(found)

    run()


def _short(data: dict[str, list[str]]) -> dict[str, list[str]]:
    return {
        k: [v if len(v) < 80 else f"{v[:20]}…({len(v)} chars)" for v in vs]
        for k, vs in data.items()
    }


@pytest.mark.django_db
@pytest.mark.parametrize("actor", ["anonymous", "a-client"])
def test_fuzz_the_header_forms(fuzz_world: World, actor: str) -> None:
    """The language switcher and the logout button, on every page."""
    client = client_as(fuzz_world.actors()[actor])
    url = "/accounts/login/" if actor == "anonymous" else "/accounts/profile/"
    page = client.get(url)
    header = [
        form
        for form in post_forms(page.content.decode(), url)
        if urlsplit(urljoin(url, form.action)).path in HEADER_ACTIONS
    ]
    assert len(header) == (1 if actor == "anonymous" else 2), [f.action for f in header]
    for form in header:
        form.action = urljoin(url, form.action)
        _fuzz_form(client, form, shown_form=True)
