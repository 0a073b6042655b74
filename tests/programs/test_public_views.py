import re

import pytest
from django.test import Client
from django.urls import reverse

from bansou.core.roles import Role
from bansou.programs.models import Application, Side
from tests.factories import ProgramFactory
from tests.programs.conftest import days

pytestmark = pytest.mark.django_db


def _page(program):
    return reverse(
        "public:program",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug},
    )


def _apply(program, side="client"):
    return reverse(
        "public:apply",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug, "side": side},
    )


def _thanks(program, side="client"):
    return reverse(
        "public:thanks",
        kwargs={"org_slug": program.organization.slug, "program_slug": program.slug, "side": side},
    )


def _data(**overrides):
    data = {
        "family_name": "佐藤",
        "given_name": "葵",
        "family_name_kana": "さとう",
        "given_name_kana": "アオイ",
        "email": "aoi@example.test",
        "message": "よろしくお願いします",
        "consent": "on",
        "category": "worker",
    }
    data.update(overrides)
    return data


def test_public_page_shows_description_phases_and_apply_links(world, program, client):
    program.description = "毎月2回、オンラインで40分"
    program.accepts_supporters = False
    program.save()
    body = client.get(_page(program)).content.decode()
    assert "毎月2回、オンラインで40分" in body
    assert program.phases.get().name in body
    assert _apply(program, "client") in body
    assert _apply(program, "supporter") not in body
    assert "LEAKCANARY" not in body


def test_public_page_lists_required_training_for_supporters(world, program, client):
    body = client.get(_page(program)).content.decode()
    assert world.a.extra["training"].name in body


def test_public_page_of_a_program_that_is_not_public_is_404(world, program, client):
    program.is_public = False
    program.save()
    assert client.get(_page(program)).status_code == 404
    assert client.get(_apply(program)).status_code == 404
    assert client.get(_thanks(program)).status_code == 404


def test_public_page_of_an_unknown_organisation_is_404(world, program, client):
    url = reverse("public:program", kwargs={"org_slug": "nobody", "program_slug": program.slug})
    assert client.get(url).status_code == 404


def test_public_page_does_not_show_another_organisations_program(world, client):
    only_b = ProgramFactory(organization=world.b.organization, slug="b-only", is_public=True)
    url = reverse(
        "public:program",
        kwargs={"org_slug": world.a.organization.slug, "program_slug": only_b.slug},
    )
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("side", ["partner", "coordinator", "supporters"])
def test_apply_with_an_unknown_side_is_404(world, program, client, side):
    assert client.get(_apply(program, side)).status_code == 404


def test_apply_for_a_side_the_program_does_not_take_is_404(world, program, client):
    program.accepts_supporters = False
    program.save()
    assert client.get(_apply(program, "supporter")).status_code == 404
    response = client.post(_apply(program, "supporter"), _data())
    assert response.status_code == 404
    assert not Application.objects.filter(email="aoi@example.test").exists()


def test_apply_shows_the_programs_extra_questions(world, program, client):
    program.supporter_questions = ["キャリアコンサルタント登録番号を教えてください"]
    program.save()
    body = client.get(_apply(program, "supporter")).content.decode()
    assert "キャリアコンサルタント登録番号を教えてください" in body
    assert 'name="answer_0"' in body
    assert 'name="answer_0"' not in client.get(_apply(program, "client")).content.decode()


def test_apply_stores_the_application_and_thanks(world, program, client):
    program.client_questions = ["相談したいこと"]
    program.save()
    response = client.post(_apply(program), _data(answer_0="進路のこと"))
    assert response.status_code == 302
    assert response["Location"] == _thanks(program)
    application = Application.objects.get(email="aoi@example.test")
    assert application.side == Side.CLIENT
    assert application.family_name_kana == "サトウ"
    assert application.answers == [{"question": "相談したいこと", "answer": "進路のこと"}]
    assert application.language == "ja"


def test_apply_in_english_records_the_language(world, program, client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.post(_apply(program), _data())
    assert Application.objects.get(email="aoi@example.test").language == "en"


def test_apply_twice_gives_the_same_thanks_and_marks_the_duplicate(world, program, client):
    first = client.post(_apply(program), _data())
    second = client.post(_apply(program), _data(email="AOI@example.test"))
    assert first["Location"] == second["Location"] == _thanks(program)
    earlier, later = Application.objects.filter(email="aoi@example.test").order_by("pk")
    assert later.duplicate_of == earlier


def test_apply_thanks_is_the_same_for_a_known_member(world, program, client):
    known = client.post(_apply(program), _data(email=world.a.members[Role.CLIENT].email))
    unknown = client.post(_apply(program), _data())
    assert known["Location"] == unknown["Location"]

    def without_token(response):
        body = response.content.decode()
        return re.sub(r'(X-CSRFToken": "|csrfmiddlewaretoken" value=")[^"]*', "", body)

    assert without_token(client.get(known["Location"])) == without_token(
        client.get(unknown["Location"])
    )


@pytest.mark.parametrize(
    ("overrides", "kept"),
    [
        ({"family_name": "佐藤😀"}, "佐藤😀"),
        ({"given_name_kana": "aoi"}, 'value="aoi"'),
        ({"email": "not-an-email"}, "not-an-email"),
        ({"message": "長" * 2001}, "長" * 2001),
        ({"family_name": "佐" * 51}, "佐" * 51),
        ({"consent": ""}, "佐藤"),
    ],
)
def test_apply_with_bad_input_redisplays_it_with_a_message(world, program, client, overrides, kept):
    data = {k: v for k, v in _data(**overrides).items() if v != ""}
    response = client.post(_apply(program), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "field-error" in body
    assert kept in body
    assert not Application.objects.filter(program=program, family_name__startswith="佐").exists()


def test_apply_without_csrf_token_is_refused_and_stores_nothing(world, program):
    client = Client(enforce_csrf_checks=True)
    response = client.post(_apply(program), _data())
    assert response.status_code == 403
    assert not Application.objects.filter(email="aoi@example.test").exists()


def test_apply_to_an_ended_program_is_closed(world, org, client):
    ended = ProgramFactory(organization=org, starts_on=days(-90), ends_on=days(-1))
    response = client.get(_apply(ended))
    assert response.status_code == 200
    assert 'name="email"' not in response.content.decode()
    client.post(_apply(ended), _data())
    assert not Application.objects.filter(program=ended).exists()


def test_public_page_of_an_ended_program_says_applications_are_closed(world, org, client):
    ended = ProgramFactory(organization=org, starts_on=days(-90), ends_on=days(-1))
    body = client.get(_page(ended)).content.decode()
    assert _apply(ended) not in body
    assert _apply(ended, "supporter") not in body
    assert 'id="apply"' in body
