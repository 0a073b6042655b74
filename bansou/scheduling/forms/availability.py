"""The forms of the availability editor and the closures page. They parse; the rules (end
after start, no overlap, dates, limits in order) are in the services, whose errors land
on these fields through ``orgs.forms.add_service_errors``."""

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from bansou.core.inputs import validate_day_in_range
from bansou.scheduling.models import AvailabilityException, AvailabilityRule, Closure, Weekday
from bansou.scheduling.selectors.availability import Availability

ModelT = TypeVar("ModelT", bound=models.Model)


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")


def _limit(label: Any) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        max_value=999,
        widget=forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"}),
    )


class RuleAddForm(forms.Form):
    weekday = forms.TypedChoiceField(label=_("Weekday"), coerce=int, choices=Weekday.choices)
    starts_at = forms.TimeField(label=_("Start time"), widget=_time_input())
    ends_at = forms.TimeField(label=_("End time"), widget=_time_input())


class ExceptionAddForm(forms.Form):
    day = forms.DateField(label=_("Date"), widget=_date_input(), validators=[validate_day_in_range])
    kind = forms.ChoiceField(
        label=_("What changes"),
        choices=AvailabilityException.Kind.choices,
        initial=AvailabilityException.Kind.OFF,
        widget=forms.RadioSelect,
    )
    starts_at = forms.TimeField(label=_("Start time"), required=False, widget=_time_input())
    ends_at = forms.TimeField(
        label=_("End time"),
        required=False,
        widget=_time_input(),
        help_text=_("Not available: leave both times empty for the whole day."),
    )
    note = forms.CharField(label=_("Note (only staff see it)"), max_length=120, required=False)


class LimitsForm(forms.Form):
    per_day = _limit(_("At most per day"))
    per_week = _limit(_("At most per week"))
    per_month = _limit(_("At most per month"))


class RemoveForm(forms.Form, Generic[ModelT]):
    """A remove button: the posted id must be one of ``objects`` (anything else is an
    invalid choice, nothing is removed)."""

    pk = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)

    def __init__(self, *args: Any, objects: Sequence[ModelT], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = {obj.pk: obj for obj in objects}
        pk_field = self.fields["pk"]
        assert isinstance(pk_field, forms.TypedChoiceField)
        pk_field.choices = [(pk, str(pk)) for pk in self.items]
        pk_field.error_messages["invalid_choice"] = _("This entry no longer exists.")

    @property
    def chosen(self) -> ModelT:
        return self.items[self.cleaned_data["pk"]]


class AvailabilityPageForms:
    """The forms of one person's availability page. On a POST, ``action`` names the one
    that is bound; the others are shown fresh (the limits with the current values)."""

    ACTIONS = ("add_rule", "remove_rule", "add_exception", "remove_exception", "limits")

    def __init__(self, *, availability: Availability, data: Any = None) -> None:
        posted = data.get("action") if data is not None else None
        self.action = posted if posted in self.ACTIONS else "add_rule"

        def bound(action: str) -> Any:
            return data if self.action == action else None

        limits = availability.limits
        initial = (
            {"per_day": limits.per_day, "per_week": limits.per_week, "per_month": limits.per_month}
            if limits is not None
            else {}
        )
        self.add_rule = RuleAddForm(bound("add_rule"), prefix="rule")
        self.remove_rule: RemoveForm[AvailabilityRule] = RemoveForm(
            bound("remove_rule"), objects=availability.rules, prefix="remove_rule"
        )
        self.add_exception = ExceptionAddForm(bound("add_exception"), prefix="exception")
        self.remove_exception: RemoveForm[AvailabilityException] = RemoveForm(
            bound("remove_exception"), objects=availability.exceptions, prefix="remove_exception"
        )
        self.limits = LimitsForm(bound("limits"), initial=initial, prefix="limits")

    @property
    def posted(self) -> forms.Form:
        form: forms.Form = getattr(self, self.action)
        return form

    def context(self) -> dict[str, Any]:
        """Remove buttons have no visible fields: their errors show above the lists."""
        return {
            "rule_form": self.add_rule,
            "exception_form": self.add_exception,
            "limits_form": self.limits,
            "remove_errors": [
                str(e)
                for form in (self.remove_rule, self.remove_exception)
                for errors in form.errors.values()
                for e in errors
            ],
        }


class NewYearForm(forms.Form):
    closed = forms.BooleanField(
        label=_("Closed over the New Year holidays (12/29–1/3)"), required=False
    )


class ClosureAddForm(forms.Form):
    name = forms.CharField(
        label=_("Closure name"), max_length=120, help_text=_("e.g. 夏季休業, a school event.")
    )
    starts_on = forms.DateField(
        label=_("First day"), widget=_date_input(), validators=[validate_day_in_range]
    )
    ends_on = forms.DateField(
        label=_("Last day"),
        widget=_date_input(),
        help_text=_("The same as the first day for a single day."),
        validators=[validate_day_in_range],
    )


class ClosurePageForms:
    """The forms of the closures page, bound by ``action`` like the availability page."""

    ACTIONS = ("new_year", "add", "remove")

    def __init__(
        self, *, closes_new_year: bool, closures: Sequence[Closure], data: Any = None
    ) -> None:
        posted = data.get("action") if data is not None else None
        self.action = posted if posted in self.ACTIONS else "add"

        def bound(action: str) -> Any:
            return data if self.action == action else None

        self.new_year = NewYearForm(
            bound("new_year"), initial={"closed": closes_new_year}, prefix="new_year"
        )
        self.add = ClosureAddForm(bound("add"), prefix="closure")
        self.remove: RemoveForm[Closure] = RemoveForm(
            bound("remove"), objects=closures, prefix="remove"
        )

    @property
    def posted(self) -> forms.Form:
        form: forms.Form = getattr(self, self.action)
        return form

    def context(self) -> dict[str, Any]:
        return {
            "new_year_form": self.new_year,
            "closure_form": self.add,
            "remove_errors": [str(e) for errors in self.remove.errors.values() for e in errors],
        }
