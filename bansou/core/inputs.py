"""What the project accepts from outside before it reaches the database or a page: whole
numbers written in ASCII digits, and days within a range that every database, every
time-zone conversion and every page can hold. One place, so that every form and service
refuses the same input with the same plain message.

Why: 「²」「①」 are ``str.isdigit()`` but not ``int()``; a number past 2**63 - 1 overflows
SQLite; a session on 0001-01-01 in Asia/Tokyo is in year 0 in UTC, which Python cannot
read back, so the page showing it fails for everyone."""

import datetime
import unicodedata
from typing import Any, TypeVar

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

_M = TypeVar("_M", bound=Model)

# The largest id or count a database column holds (a 64-bit integer).
MAX_ID = 2**63 - 1
EARLIEST_DAY = datetime.date(1900, 1, 1)  # a qualification or consent may be decades old
LATEST_DAY = datetime.date(2100, 12, 31)


def whole_number(value: object, *, maximum: int = MAX_ID) -> int | None:
    """A whole number of 0 or more a page passed on, written in ASCII digits, at most
    ``maximum``; None for anything else (empty, 「²」, 「①」, 「１」, a sign, a huge number)."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


def validate_day_in_range(value: datetime.date | datetime.datetime | None) -> None:
    """Refuses a day (or the day of a moment) outside EARLIEST_DAY..LATEST_DAY: forms put
    it on their date fields, services call it where days and times arrive."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValidationError(
            _("Enter a date between the years %(earliest)s and %(latest)s."),
            code="date_out_of_range",
            params={"earliest": EARLIEST_DAY.year, "latest": LATEST_DAY.year},
        )


def validate_days_in_range(**days: Any) -> None:
    """validate_day_in_range for several named days or moments at once, each error on its
    own name (``starts_at=..., ends_at=...``): for services, whose callers map the names
    onto their forms."""
    errors: dict[str, ValidationError] = {}
    for name, value in days.items():
        try:
            validate_day_in_range(value)
        except ValidationError as error:
            errors[name] = error
    if errors:
        raise ValidationError(errors)


class ModelChoiceField(forms.ModelChoiceField[_M]):
    """A model choice by id that refuses, as an invalid choice, an id no database
    integer can hold (SQLite raises OverflowError on one) or that is not ASCII digits."""

    def to_python(self, value: Any) -> Any:
        if (
            self.to_field_name is None
            and value not in self.empty_values
            and whole_number(value) is None
        ):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField[_M]):
    """Several model choices by id, refusing ids as ``ModelChoiceField`` does."""

    def _check_values(self, value: Any) -> Any:
        if self.to_field_name is None:
            for pk in value:
                if whole_number(pk) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)  # type: ignore[misc]  # private in the stubs


def fold_width(value: str) -> str:
    """Full-width digits, letters and symbols typed with a Japanese input method
    (「１２３４５」「ＡＢ－１」) as the ASCII they stand for, surrounding spaces removed.
    Kana and kanji are left as they are (NFKC would turn half-width kana full-width,
    which is what a reading wants anyway)."""
    return unicodedata.normalize("NFKC", value).strip()


class FoldedCharField(forms.CharField):
    """Text such as a registration number or a phone number, folded by ``fold_width``
    before it is checked and stored, so 「１２３４５６」 and 「123456」 are one number."""

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        return fold_width(text) if text else text


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's model choice, with the choice field above: a query string with an
    id no database integer can hold is set aside like any other bad value."""

    field_class = ModelChoiceField


class OrderingFilter(django_filters.OrderingFilter):
    """django-filter's ordering, with the "descending" choices worded in this project's
    catalogue (django-filter has no Japanese one)."""

    descending_fmt = _("%s (descending)")


class SearchFilter(django_filters.CharFilter):
    """A list's search box (``q``): a search field with an example, at most 100
    characters, filtered by the FilterSet's ``search`` method. Shown with
    ``partials/list_search.html``."""

    def __init__(self, *, label: Any = None, method: str = "search", **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"type": "search", "placeholder": _("e.g. 山田, やまだ, yamada")}
            ),
        )
        super().__init__(label=label or _("Name, reading or email"), method=method, **kwargs)


STALE_PAGE = _("This page is out of date. Reload it and try again.")


class HiddenErrorsOnTop(forms.Form):
    """A form whose hidden fields carry what the page was showing (a ``sequence``, a
    state): an unreadable value there has no field to stand beside, so it becomes one
    message at the top of the form."""

    def full_clean(self) -> None:
        super().full_clean()
        hidden = [
            name
            for name in self.errors
            if name in self.fields and self.fields[name].widget.is_hidden
        ]
        for name in hidden:
            del self.errors[name]
        if hidden:
            self.add_error(None, STALE_PAGE)
