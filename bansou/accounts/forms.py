from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.accounts.names import normalize_kana, normalize_name


class ProfileForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ["family_name", "given_name", "family_name_kana", "given_name_kana", "language"]
        help_texts = {
            "family_name_kana": _("Katakana; hiragana is converted."),
            "given_name_kana": _("Katakana; hiragana is converted."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("family_name", "given_name"):
            self.fields[name].required = True

    def clean_family_name(self) -> str:
        return normalize_name(self.cleaned_data["family_name"])

    def clean_given_name(self) -> str:
        return normalize_name(self.cleaned_data["given_name"])

    def clean_family_name_kana(self) -> str:
        return normalize_kana(self.cleaned_data["family_name_kana"])

    def clean_given_name_kana(self) -> str:
        return normalize_kana(self.cleaned_data["given_name_kana"])
