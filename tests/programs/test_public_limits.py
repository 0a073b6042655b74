"""The public application form cannot be flooded: per-address and per-program limits, a
field for bots, and one spelling per email address before duplicates are looked for."""

from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

import bansou
from bansou.accounts.addresses import clean_email, normalize_email
from bansou.programs.models import Application
from bansou.programs.services import public_limits
from bansou.programs.services.applications import application_submit
from bansou.programs.services.public_limits import (
    PER_ADDRESS,
    PER_ADDRESS_SECONDS,
    PER_PROGRAM,
    TOO_MANY,
)
from tests.factories import ProgramFactory
from tests.programs.conftest import days

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
CORRECT_THE_FIELDS = gettext_lazy(
    "Your application was not sent yet. Please correct the fields marked below."
)
DATABASE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "bansou_cache",
    }
}


def _apply(program, side="client"):
    return reverse(
        "public:apply",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug, "side": side},
    )


def _data(n=0, **overrides):
    data = {
        "family_name": "佐藤",
        "given_name": "葵",
        "email": f"aoi{n}@example.test",
        "consent": "on",
        "category": "worker",
    }
    data.update(overrides)
    return data


def _ours():
    """The applications these tests sent (the world holds others)."""
    return Application.objects.filter(family_name="佐藤", given_name="葵")


def _ja(message) -> str:
    with translation.override("ja"):
        return str(message)


def _browser(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """The limits' clock, at the start of a window of every size."""
    fake = _Clock(1_800_000_000.0 - 1_800_000_000.0 % (24 * 3600))
    monkeypatch.setattr(public_limits, "time", fake)
    return fake


# --- email addresses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "aoi@example.test",
        "ａｏｉ＠ｅｘａｍｐｌｅ．ｔｅｓｔ",  # full-width, typed with the input method on
        "aoi@example.test.",  # the fully qualified name's trailing dot
        "aoi@example.test..",
        "  Aoi@Example.TEST　",  # capitals, a full-width space
        "aoi@ＥＸＡＭＰＬＥ.test",
        "aoi@example.test\n",
    ],
)
def test_spellings_of_one_address_normalise_to_one(typed):
    assert normalize_email(typed) == "aoi@example.test"
    assert clean_email(typed) == "aoi@example.test"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "aoi",
        "aoi@",
        "@example.test",
        "aoi@@example.test",
        "ao i@example.test",
        "aoi@exa mple.test",
        "aoi@example",
        "aoi@.",
        "aoi\x00@example.test",
        "aoi\u200b@example.test",
        "あおい@example.test",
        "a" * 250 + "@example.test",
    ],
)
def test_what_is_no_address_once_normalised_is_refused(typed):
    with pytest.raises(ValidationError) as refused:
        clean_email(typed)
    assert refused.value.code == "invalid"


def test_the_service_refuses_a_malformed_address_on_the_email_field(world, program):
    with pytest.raises(ValidationError) as refused:
        application_submit(program=program, side="client", email="aoi@", **_names())
    assert list(refused.value.error_dict) == ["email"]
    assert not _ours().exists()


def _names():
    return {"family_name": "佐藤", "given_name": "葵"}


def test_the_service_marks_full_width_and_trailing_dot_spellings_as_duplicates(world, program):
    first = application_submit(program=program, side="client", email="aoi@example.test", **_names())
    wide = application_submit(
        program=program, side="client", email="ＡＯＩ＠ｅｘａｍｐｌｅ．ｔｅｓｔ", **_names()
    )
    dotted = application_submit(
        program=program, side="client", email="aoi@example.test.", **_names()
    )
    assert first.duplicate_of is None
    assert (wide.duplicate_of, dotted.duplicate_of) == (first, first)
    assert {wide.email, dotted.email} == {"aoi@example.test"}


def test_the_form_accepts_a_full_width_address_and_stores_it_as_ascii(world, program):
    response = _browser("192.0.2.1").post(
        _apply(program), _data(email="ａｏｉ＠ｅｘａｍｐｌｅ．ｔｅｓｔ．")
    )
    assert response.status_code == 302
    assert _ours().get().email == "aoi@example.test"


def test_the_form_refuses_a_malformed_address_on_its_field_and_keeps_the_input(world, program):
    response = _browser("192.0.2.1").post(_apply(program), _data(email="aoi@@example.test"))
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == ["email"]
    body = response.content.decode()
    assert 'value="佐藤"' in body
    assert 'value="aoi@@example.test"' in body
    assert not _ours().exists()


# --- limits ---------------------------------------------------------------------------------


def test_one_address_sends_a_program_its_share_then_is_asked_to_wait(world, program, clock):
    browser = _browser("192.0.2.1")
    for n in range(PER_ADDRESS):
        assert browser.post(_apply(program), _data(n)).status_code == 302
    refused = browser.post(_apply(program), _data(99, message="二度目です"))
    assert refused.status_code == 200
    body = refused.content.decode()
    assert _ja(TOO_MANY) in body
    assert _ja(CORRECT_THE_FIELDS) not in body  # nothing is wrong with the input
    # The input is kept, so the person can send it again later.
    assert 'value="aoi99@example.test"' in body
    assert "二度目です" in body
    assert _ours().filter(program=program).count() == PER_ADDRESS
    assert not Application.objects.filter(email="aoi99@example.test").exists()


def test_the_limit_of_one_address_is_not_anothers_nor_another_programs(world, program, clock):
    other_program = ProgramFactory(
        organization=program.organization, slug="second", is_public=True, ends_on=days(90)
    )
    crowded = _browser("192.0.2.1")
    for n in range(PER_ADDRESS):
        crowded.post(_apply(program), _data(n))
    assert crowded.post(_apply(program), _data(98)).status_code == 200
    assert _browser("192.0.2.2").post(_apply(program), _data(99)).status_code == 302
    assert crowded.post(_apply(other_program), _data(97)).status_code == 302
    assert _ours().filter(program=program).count() == PER_ADDRESS + 1


def test_the_address_may_apply_again_in_the_next_window(world, program, clock):
    browser = _browser("192.0.2.1")
    for n in range(PER_ADDRESS):
        browser.post(_apply(program), _data(n))
    assert browser.post(_apply(program), _data(50)).status_code == 200
    clock.now += PER_ADDRESS_SECONDS
    assert browser.post(_apply(program), _data(51)).status_code == 302


def test_refused_and_invalid_submissions_do_not_use_up_the_share(world, program, clock):
    browser = _browser("192.0.2.1")
    for _ in range(PER_ADDRESS + 2):
        assert browser.post(_apply(program), _data(email="not-an-address")).status_code == 200
    for n in range(PER_ADDRESS):
        assert browser.post(_apply(program), _data(n)).status_code == 302


def test_a_program_takes_its_share_from_everyone_together(world, program, clock):
    for n in range(PER_PROGRAM):
        address = f"198.51.100.{n // PER_ADDRESS + 1}"
        assert _browser(address).post(_apply(program), _data(n)).status_code == 302
    refused = _browser("203.0.113.9").post(_apply(program), _data(999))
    assert refused.status_code == 200
    assert _ja(TOO_MANY) in refused.content.decode()
    assert _ours().filter(program=program).count() == PER_PROGRAM


def test_behind_a_trusted_proxy_each_visitor_has_their_own_share(world, program, clock, settings):
    settings.BANSOU_TRUSTED_PROXIES = [PROXY]
    first = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.10")
    second = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.11")
    for n in range(PER_ADDRESS):
        assert first.post(_apply(program), _data(n)).status_code == 302
    assert first.post(_apply(program), _data(90)).status_code == 200
    # A visitor cannot choose a fresh address by writing the header themselves.
    forged = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5, 192.0.2.10")
    assert forged.post(_apply(program), _data(91)).status_code == 200
    assert second.post(_apply(program), _data(92)).status_code == 302


def test_the_limits_hold_in_the_database_cache_of_the_embedded_default(
    world, program, clock, settings
):
    settings.CACHES = DATABASE_CACHE
    cache.clear()
    browser = _browser("192.0.2.1")
    for n in range(PER_ADDRESS):
        assert browser.post(_apply(program), _data(n)).status_code == 302
    assert browser.post(_apply(program), _data(99)).status_code == 200
    assert _ours().count() == PER_ADDRESS
    # Only a hash of the address is kept (the cache table has no model).
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM bansou_cache")
        keys = [row[0] for row in cursor.fetchall()]
    assert keys
    assert not any("192.0.2.1" in key for key in keys)


# --- the field for bots ---------------------------------------------------------------------


def test_a_submission_that_fills_the_field_for_bots_is_thanked_and_not_stored(
    world, program, clock
):
    response = _browser("192.0.2.1").post(_apply(program), _data(website="http://spam.example"))
    assert response.status_code == 302
    assert response["Location"].endswith("/thanks/")
    assert not _ours().exists()


def test_the_field_for_bots_is_hidden_by_a_class_not_inline_style(world, program):
    body = _browser("192.0.2.1").get(_apply(program)).content.decode()
    assert 'class="form-extra"' in body
    assert 'name="website"' in body
    assert "style=" not in body
    form_part = body.split('class="form-extra"', 1)[0]
    assert 'name="website"' not in form_part  # only inside the hidden block
    stylesheet = (Path(bansou.__file__).parent / "static/css/programs.css").read_text()
    assert ".form-extra { display: none; }" in stylesheet
