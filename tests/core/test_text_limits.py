"""Text past a field's limit is never cut silently: the widget carries no maxlength (the
browser would refuse or cut what is pasted) but the limit for the live counter, and the
server refuses the text with a message on the field that says the limit and the length,
showing the input again untouched."""

import html as html_module
import re

import pytest
from django import forms
from django.urls import reverse
from django.utils.translation import gettext, override

from bansou.core.messages import too_long_message
from bansou.core.roles import Role
from tests.people.test_supporter_views import _post_data

MAXLENGTH = re.compile(r"\smaxlength=")


class _Sample(forms.Form):
    name = forms.CharField(max_length=100)
    note = forms.CharField(max_length=400, widget=forms.Textarea, required=False)
    free = forms.CharField(required=False)


def test_a_limited_field_renders_the_counter_attributes_and_no_maxlength():
    with override("ja"):
        html = str(_Sample().as_div())
        count_text = gettext("{count} / {limit} characters")

    assert not MAXLENGTH.search(html)
    name = re.search(r"<input [^>]*name=\"name\"[^>]*>", html)
    note = re.search(r"<textarea [^>]*name=\"note\"[^>]*>", html)
    free = re.search(r"<input [^>]*name=\"free\"[^>]*>", html)
    assert name and 'data-maxlength="100"' in name[0]
    assert f'data-count-text="{count_text}"' in name[0]
    assert 'data-count-over="' in name[0]
    assert note and 'data-maxlength="400"' in note[0]
    assert free and "data-maxlength" not in free[0]  # no limit, no counter
    assert "\n" not in name[0]  # the attributes stay inside the tag, on its line


@pytest.mark.django_db
def test_too_long_text_comes_back_whole_with_the_limit_and_its_length_on_the_field(
    world, client_for
):
    profile = world.a.extra["supporter_profile"]
    # Past 2000 characters, with a line break, an emoji and markup-like text among them.
    typed = "長い紹介文です。" * 250 + "\r\n🎉 <最後> & 残る"
    assert len(typed) > 2000

    response = client_for(world.a.members[Role.COORDINATOR]).post(
        reverse("people:supporter_edit", args=[world.a.organization.slug, profile.pk]),
        _post_data(bio=typed),
    )

    assert response.status_code == 200
    html = response.content.decode()
    bio = re.search(r"<textarea [^>]*name=\"bio\"[^>]*>\n(.*?)</textarea>", html, re.S)
    assert bio and html_module.unescape(bio[1]) == typed  # all of it, as typed
    assert not MAXLENGTH.search(bio[0]) and 'data-maxlength="2000"' in bio[0]
    with override("ja"):
        message = too_long_message(2000, len(typed))
    assert message == f"2000 文字以内にしてください（いまは {len(typed)} 文字です）。"
    error = re.search(r'<small class="field-error" id="id_bio_error"[^>]*>(.*?)</small>', html)
    assert error and error[1].strip() == message
    profile.refresh_from_db()
    assert profile.bio != typed
