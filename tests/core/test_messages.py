"""Django's stock form messages read plainly in Japanese (our catalogue wins over
Django's), and full-width input is folded where a number or an address is typed."""

import pytest
from django import forms
from django.utils import translation
from django.utils.translation import trans_real

from bansou.core.inputs import FoldedCharField, fold_width
from bansou.core.messages import stock_messages, too_long_message
from bansou.people.forms import QualificationForm


def test_every_stock_message_has_our_own_plain_japanese():
    with translation.override("ja"):
        catalogue = trans_real.translation("ja")
        for message in stock_messages():
            ours = catalogue.gettext(message)
            assert ours != message, f"untranslated: {message}"
            assert "フィールド" not in ours and "なければなりません" not in ours, ours
        assert too_long_message(3, 4) == "3 文字以内にしてください（いまは 4 文字です）。"


def test_a_form_says_the_plain_message_on_the_field():
    class Sample(forms.Form):
        name = forms.CharField()
        count = forms.IntegerField(max_value=10)
        note = forms.CharField(max_length=3)

    with translation.override("ja"):
        form = Sample({"name": "", "count": "十", "note": "あいうえ"})
        assert not form.is_valid()
        assert form.errors["name"] == ["入力してください。"]
        assert form.errors["count"] == ["数字で入力してください（例: 12）。"]
        assert form.errors["note"] == ["3 文字以内にしてください（いまは 4 文字です）。"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("１２３４５６", "123456"), (" ＡＢ－０１ ", "AB-01"), ("03-1234-5678", "03-1234-5678")],
)
def test_full_width_numbers_are_folded(typed, stored):
    assert fold_width(typed) == stored
    assert FoldedCharField().clean(typed) == stored


def test_a_qualification_number_typed_in_full_width_is_stored_in_ascii():
    form = QualificationForm(
        {"kind": "career_consultant", "registration_number": "１６０１２３４５"}
    )
    form.is_valid()
    assert form.cleaned_data["registration_number"] == "16012345"
