import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("accounts:profile")
VALID = {
    "family_name": "佐藤",
    "given_name": "花子",
    "family_name_kana": "さとう",
    "given_name_kana": "ハナコ",
    "language": "ja",
}


@pytest.fixture
def user(client):
    user = UserFactory(family_name="山田", given_name="太郎")
    client.force_login(user)
    return user


def test_profile_saves_names_and_converts_hiragana_reading(client, user):
    response = client.post(URL, VALID)
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.family_name, user.given_name) == ("佐藤", "花子")
    assert (user.family_name_kana, user.given_name_kana) == ("サトウ", "ハナコ")
    assert user.display_name == "佐藤 花子"


def test_profile_folds_full_width_latin_and_half_width_kana(client, user):
    response = client.post(
        URL,
        {**VALID, "family_name": "ＳＭＩＴＨ", "given_name": "Ｊｏｈｎ", "family_name_kana": "ｽﾐｽ"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.family_name, user.given_name, user.family_name_kana) == ("SMITH", "John", "スミス")


def test_profile_refuses_emoji_and_keeps_the_input(client, user):
    response = client.post(URL, {**VALID, "given_name": "花子🌸"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "氏名に絵文字・記号・制御文字は使えません" in body
    assert 'value="花子🌸"' in body
    user.refresh_from_db()
    assert (user.family_name, user.given_name) == ("山田", "太郎")


def test_profile_refuses_over_long_name_without_saving_anything(client, user):
    response = client.post(URL, {**VALID, "family_name": "長" * 51})
    assert response.status_code == 200
    assert "50 文字以内にしてください（いまは 51 文字です）" in response.content.decode()
    user.refresh_from_db()
    assert user.family_name == "山田"
    assert user.given_name == "太郎"


def test_profile_refuses_kanji_in_the_reading(client, user):
    response = client.post(URL, {**VALID, "family_name_kana": "佐藤"})
    assert response.status_code == 200
    assert "フリガナはカタカナで入力してください" in response.content.decode()


def test_profile_language_choice_switches_the_interface(client, user):
    client.post(URL, {**VALID, "language": "en"})
    user.refresh_from_db()
    assert user.language == "en"
    assert "Profile" in client.get(URL).content.decode()


def test_signed_in_person_sees_their_own_language_until_they_switch(client, user):
    user.language = "en"
    user.save()
    assert '<html lang="en"' in client.get(URL).content.decode()
    client.post("/i18n/setlang/", {"language": "ja", "next": URL})
    assert '<html lang="ja"' in client.get(URL).content.decode()
