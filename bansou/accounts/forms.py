from typing import Any

from allauth.account.forms import RequestLoginCodeForm, ResetPasswordForm
from django import forms
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.accounts.names import normalize_kana, normalize_name
from bansou.accounts.selectors import address_reaches_account


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


# allauth finds accounts by any of their addresses, confirmed or not. An address still
# waiting for its owner's confirmation (one a coordinator entered) must open nothing: the
# two forms below send a reset link or a sign-in code only to a login or a confirmed
# address, and answer like an unknown address otherwise (no enumeration either way).


class ConfirmedAddressResetPasswordForm(ResetPasswordForm):
    users: list[User]

    def clean_email(self) -> str:
        email = str(super().clean_email())
        self.users = [u for u in self.users if address_reaches_account(user=u, email=email)]
        return email


class ConfirmedAddressLoginCodeForm(RequestLoginCodeForm):
    _user: User | None

    def clean_email(self) -> str:
        email = str(super().clean_email())
        if self._user is not None and not address_reaches_account(user=self._user, email=email):
            self._user = None
        return email
