"""Field builders and limits shared by the program forms."""

from typing import Any

from django import forms
from django.db import models
from django.utils.text import capfirst
from django_stubs_ext import StrOrPromise

from bansou.core.inputs import validate_day_in_range

TEXT_MAX_LENGTH = 5000
MESSAGE_MAX_LENGTH = 2000


def label_for(model: type[models.Model], name: str) -> StrOrPromise:
    return capfirst(model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]


def date_field(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_day_in_range],
    )


def split_lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})
