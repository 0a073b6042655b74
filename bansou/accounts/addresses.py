"""Normalisation and validation of email addresses, before they are stored or compared.

One address has many spellings that reach the same mailbox: full-width letters and ＠ typed
with a Japanese input method, a domain written in capitals or with the trailing dot of a
fully qualified name. ``normalize_email`` folds them into one, so that duplicate detection
(an application from an address that already applied) compares like with like;
``clean_email`` also refuses what is not an address once folded.
"""

import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

EMAIL_MAX_LENGTH = 254

_validate = EmailValidator(message=_("Please enter a valid email address (name@example.jp)."))


def normalize_email(value: str) -> str:
    """NFKC (full-width letters, digits, ＠ and ． become ASCII), surrounding spaces
    removed, lowercased (accounts are stored lowercased), and the domain without trailing
    dots. Anything else is left for ``clean_email`` to judge."""
    folded = unicodedata.normalize("NFKC", value).strip().lower()
    local, at, domain = folded.rpartition("@")
    if not at:
        return folded
    return f"{local}@{domain.rstrip('.')}"


def clean_email(value: str) -> str:
    """``normalize_email``, then Django's ``EmailValidator`` on the result: a
    ``ValidationError`` with a plain message for anything that is not an address."""
    address = normalize_email(value)
    if not address or len(address) > EMAIL_MAX_LENGTH or any(ch.isspace() for ch in address):
        raise ValidationError(_validate.message, code="invalid")
    _validate(address)
    return address


class NormalizedEmailField(forms.CharField):
    """An address folded into one spelling (``normalize_email``) before it is checked:
    full-width letters and a trailing dot are accepted as the same address, anything that
    is not an address once folded is refused. Every form that takes an address uses it."""

    widget = forms.EmailInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", EMAIL_MAX_LENGTH)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        return clean_email(text) if text else text
