"""Forms of trainings and their attendance checklist."""

import datetime
from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.core.inputs import whole_number
from bansou.programs.forms.fields import (
    TEXT_MAX_LENGTH,
    date_field,
    label_for,
    textarea,
)
from bansou.programs.models import Training
from bansou.programs.selectors import AttendanceRow


class TrainingForm(forms.Form):
    name = forms.CharField(label=label_for(Training, "name"), max_length=120)
    description = forms.CharField(
        label=label_for(Training, "description"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=textarea(3),
    )
    held_on = date_field(label_for(Training, "held_on"), required=False)
    is_required = forms.BooleanField(
        label=label_for(Training, "is_required"),
        required=False,
        initial=True,
        help_text=_("A supporter can be matched only after attending every required training."),
    )


# More rows than one page of the checklist shows are never read from one submission.
MAX_CHECKLIST_ROWS = 200


def checklist_user_ids(data: Mapping[str, Any]) -> list[int]:
    """The supporters a submitted checklist showed: every row sends its date field (even
    empty) and, ticked, its box, named ``date_<user id>`` and ``attended_<user id>``. The
    checklist pages, so a submission changes these rows only: anyone the page did not show
    (another page, someone enrolled meanwhile) is left as they are."""
    ids = []
    for key in data:
        prefix, _sep, number = key.partition("_")
        user_id = whole_number(number) if prefix in ("date", "attended") else None
        if user_id is not None and user_id not in ids:
            ids.append(user_id)
    return ids[:MAX_CHECKLIST_ROWS]


class AttendanceForm(forms.Form):
    """The checklist: per enrolled supporter, attended (yes/no) and the date."""

    def __init__(self, *args: Any, rows: list[AttendanceRow], training: Training, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rows = rows
        today = timezone.localdate()
        default_day = training.held_on if training.held_on and training.held_on <= today else None
        for row in rows:
            uid = row.user.pk
            name = row.user.display_name
            attended_on = row.attendance.attended_on if row.attendance else None
            self.fields[f"attended_{uid}"] = forms.BooleanField(
                label=_("%(name)s attended") % {"name": name},
                required=False,
                initial=row.attendance is not None,
            )
            self.fields[f"date_{uid}"] = date_field(
                _("Date %(name)s attended") % {"name": name}, required=False
            )
            self.fields[f"date_{uid}"].initial = attended_on or default_day

    def bound_rows(self) -> list[tuple[AttendanceRow, forms.BoundField, forms.BoundField]]:
        return [(r, self[f"attended_{r.user.pk}"], self[f"date_{r.user.pk}"]) for r in self.rows]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        today = timezone.localdate()
        for row in self.rows:
            uid = row.user.pk
            day = cleaned.get(f"date_{uid}")
            if cleaned.get(f"attended_{uid}"):
                if day is None and f"date_{uid}" not in self.errors:
                    self.add_error(f"date_{uid}", _("Please enter the date of attendance."))
                elif day is not None and day > today:
                    self.add_error(f"date_{uid}", _("An attendance date cannot be in the future."))
        return cleaned

    def attendance_map(self) -> dict[int, datetime.date | None]:
        return {
            r.user.pk: (
                self.cleaned_data[f"date_{r.user.pk}"]
                if self.cleaned_data.get(f"attended_{r.user.pk}")
                else None
            )
            for r in self.rows
        }
