"""Forms of client booking: the chosen time (and counsellor), a reschedule, a cancel."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.core.inputs import validate_day_in_range, whole_number

ANY = "any"


def parse_moment(value: str) -> datetime.datetime:
    """An ISO 8601 time from the page; one without an offset is read in Asia/Tokyo."""
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise ValidationError(_("Choose a time from the list."), "invalid") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.get_default_timezone())
    validate_day_in_range(moment)
    return moment


class MomentField(forms.CharField):
    """A start time chosen from the list (a hidden ISO 8601 value)."""

    widget = forms.HiddenInput

    def to_python(self, value: object) -> datetime.datetime | None:  # type: ignore[override]
        text = super().to_python(value) or ""
        if len(text) > 40:
            raise ValidationError(_("Choose a time from the list."), "invalid")
        return parse_moment(text) if text else None


class BookingForm(forms.Form):
    starts_at = MomentField(label=_("Time"), error_messages={"required": _("Choose a time.")})
    supporter = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)

    def clean_supporter(self) -> int | None:
        value = self.cleaned_data["supporter"].strip()
        if value in ("", ANY):
            return None
        number = whole_number(value)
        if number is None:
            raise ValidationError(_("Choose someone from the list."))
        return number


class RescheduleForm(forms.Form):
    starts_at = MomentField(label=_("New time"), error_messages={"required": _("Choose a time.")})
    sequence = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class CancelBookingForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Please tell us why you are cancelling.")},
    )
    sequence = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


def as_int(value: object) -> int | None:
    """A whole number a page passed on, or None when absent or not a number."""
    return whole_number(value, maximum=10**9 - 1)


def int_param(request: HttpRequest, name: str) -> int | None:
    """A whole number from the query string, or None."""
    return as_int(request.GET.get(name))


def moment_or_none(value: object) -> datetime.datetime | None:
    """The time a page passed on, for showing it back (None when it is not a time)."""
    try:
        return parse_moment(str(value)) if value else None
    except ValidationError:
        return None
