from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from bansou.accounts.models import User
from bansou.audit.describe import action_label
from bansou.audit.selectors import audit_actions, audit_actors
from bansou.core.inputs import ModelChoiceField, validate_day_in_range
from bansou.orgs.models import Organization


class AuditFilterForm(forms.Form):
    """The log's filters, read from the query string so that a filtered view is a link."""

    actor = ModelChoiceField(
        label=_("Who"), queryset=User.objects.none(), required=False, empty_label=_("Anyone")
    )
    who = forms.CharField(
        label=_("or by name, reading or email"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("e.g. 山田, やまだ, yamada")}
        ),
    )
    action = forms.ChoiceField(label=_("What"), required=False)
    since = forms.DateField(
        label=_("From"),
        required=False,
        validators=[validate_day_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = forms.DateField(
        label=_("Until"),
        required=False,
        validators=[validate_day_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("", _("Newest first")), ("oldest", _("Oldest first"))],
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actor_field = self.fields["actor"]
        assert isinstance(actor_field, ModelChoiceField)
        actor_field.queryset = audit_actors(organization=organization)
        action_field = self.fields["action"]
        assert isinstance(action_field, forms.ChoiceField)
        action_field.choices = [("", _("Anything"))] + [
            (a, action_label(a)) for a in audit_actions(organization=organization)
        ]

    def summary(self) -> list[tuple[str, str]]:
        """The filters in use as (label, value) pairs, to say what an export holds."""
        if not self.is_bound or not self.is_valid():
            return []
        data, shown = self.cleaned_data, []
        if data.get("actor"):
            shown.append((str(_("Who")), data["actor"].display_name))
        if data.get("who"):
            shown.append((str(_("Name, reading or email")), data["who"]))
        if data.get("action"):
            shown.append((str(_("What")), str(action_label(data["action"]))))
        for key in ("since", "until"):
            if data.get(key):
                shown.append((str(self.fields[key].label), date_format(data[key], "DATE_FORMAT")))
        return shown

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period comes before its start."))
        return data

    def filters(self) -> dict[str, Any]:
        """What to narrow the log by: nothing when the filters are not valid."""
        if not self.is_valid():
            return {}
        return {
            "actor": self.cleaned_data.get("actor"),
            "action": self.cleaned_data.get("action") or "",
            "since": self.cleaned_data.get("since"),
            "until": self.cleaned_data.get("until"),
            "who": self.cleaned_data.get("who") or "",
            "oldest_first": self.cleaned_data.get("order") == "oldest",
        }
