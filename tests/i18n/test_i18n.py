import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format

from scripts.check_translations import main as check_catalogue

pytestmark = pytest.mark.django_db


def test_japanese_dates_carry_the_weekday():
    with translation.override("ja"):
        assert date_format(datetime.date(2025, 2, 25)) == "2025年2月25日(火)"
        assert date_format(datetime.date(2026, 11, 22)) == "2026年11月22日(日)"


def test_english_dates_carry_the_weekday():
    with translation.override("en"):
        assert date_format(datetime.date(2025, 2, 25)) == "Tue, 25 Feb 2025"


def test_defaults_are_japanese_and_tokyo():
    assert settings.LANGUAGE_CODE == "ja"
    assert settings.TIME_ZONE == "Asia/Tokyo"


def test_japanese_catalogue_is_complete_and_compiled():
    po = Path(settings.BASE_DIR, "bansou/locale/ja/LC_MESSAGES/django.po")
    assert check_catalogue(str(po)) == 0
    with translation.override("ja"):
        assert translation.gettext("Sign in") == "ログイン"
        assert translation.gettext("Switch organisation") == "団体を切り替える"


def test_language_switcher_changes_the_interface(client):
    assert "ログイン" in client.get("/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    body = response.content.decode()
    assert '<html lang="en"' in body
    assert "Sign in" in body and "ログイン" not in body
