from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from bansou.matching.adapter import SLOTS
from bansou.matching.explain import slot_label
from bansou.matching.models import WEIGHT_FIELDS, MatchingCriteria, MatchingProfile
from bansou.people.models import LANGUAGE_CHOICES, SupporterProfile


class CriteriaForm(forms.ModelForm[MatchingCriteria]):
    class Meta:
        model = MatchingCriteria
        fields = [*WEIGHT_FIELDS, "allow_self_match"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in WEIGHT_FIELDS:
            field = self.fields[name]
            field.widget = forms.NumberInput(attrs={"min": 0, "max": 10, "step": 1})
            field.help_text = _("0 (ignored) to 10 (most important)")

    def criteria_fields(self) -> dict[str, Any]:
        """What ``criteria_save`` takes from this form: the weights and the self-match flag."""
        data = self.cleaned_data
        return {
            "weights": {k: v for k, v in data.items() if k != "allow_self_match"},
            "allow_self_match": data["allow_self_match"],
        }


class RoundCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120, required=False)
    clients = forms.MultipleChoiceField(
        label=_("Clients in the pool"), widget=forms.CheckboxSelectMultiple, required=False
    )
    units = forms.MultipleChoiceField(
        label=_("Supporters and teams in the pool"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    mode = forms.ChoiceField(
        label=_("Matching mode"),
        choices=[
            ("optimal", _("Optimal: most clients matched, then the highest total fit")),
            ("stable", _("Stable: from both sides' rankings (no pair would rather switch)")),
        ],
        initial="optimal",
        widget=forms.RadioSelect,
    )

    def __init__(
        self,
        *args: Any,
        clients: list[tuple[int, str]],
        units: list[tuple[int, str]],
        stable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not stable:
            del self.fields["mode"]
        self.fields["clients"].choices = [(str(k), v) for k, v in clients]  # type: ignore[attr-defined]
        self.fields["units"].choices = [(str(k), v) for k, v in units]  # type: ignore[attr-defined]

    def round_fields(self) -> dict[str, Any]:
        """What ``round_create`` takes from this form (mode ``optimal`` unless offered)."""
        data = self.cleaned_data
        return {
            "client_ids": [int(c) for c in data["clients"]],
            "unit_ids": [int(u) for u in data["units"]],
            "title": data["title"],
            "mode": data.get("mode", "optimal"),
        }


class RankForm(forms.Form):
    """One optional rank (1 = first choice) per person of the other side."""

    def __init__(self, *args: Any, people: list[tuple[int, str, int | None]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for pk, name, rank in people:
            self.fields[f"rank_{pk}"] = forms.IntegerField(
                label=name, min_value=1, max_value=99, required=False, initial=rank
            )

    def ranked_ids(self) -> list[int]:
        ranked = [
            (value, int(name.removeprefix("rank_")))
            for name, value in self.cleaned_data.items()
            if value is not None
        ]
        return [pk for _rank, pk in sorted(ranked)]


class PairForm(forms.Form):
    ACTIONS = [
        ("lock", _("Lock this pair (or swap: give the client this supporter)")),
        ("unlock", _("Remove the lock")),
        ("exclude", _("Exclude this pair")),
        ("include", _("Allow this pair again")),
    ]
    client = forms.TypedChoiceField(label=_("Client"), coerce=int)
    unit = forms.TypedChoiceField(label=_("Supporter or team"), coerce=int)
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)

    def __init__(
        self,
        *args: Any,
        clients: list[tuple[int, str]],
        units: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = clients  # type: ignore[attr-defined]
        self.fields["unit"].choices = units  # type: ignore[attr-defined]


class FilterForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"), choices=[("", _("Any")), *LANGUAGE_CHOICES], required=False
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=[("", _("Any"))]
        + [c for c in SupporterProfile.Gender.choices if c[0] != "unspecified"],
        required=False,
    )
    text = forms.CharField(label=_("Specialty or keyword"), max_length=60, required=False)


class RequestForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the supporter (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        required=False,
    )


def slot_choices() -> list[tuple[str, str]]:
    return [(key, slot_label(key)) for key in SLOTS]


class PreferencesForm(forms.Form):
    """What matching uses beyond the profile: times, modes, areas and preferences."""

    slots = forms.MultipleChoiceField(
        label=_("Times that suit you"), widget=forms.CheckboxSelectMultiple, required=False
    )
    areas = forms.CharField(
        label=_("Areas (comma-separated, e.g. 東京都, 横浜市)"), max_length=200, required=False
    )
    modes = forms.MultipleChoiceField(
        label=_("Online / in person"),
        choices=MatchingProfile.Mode.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    preferred_mode = forms.ChoiceField(
        label=_("Preferred mode"),
        choices=[("", _("No preference")), *MatchingProfile.Mode.choices],
        required=False,
    )
    preferred_gender = forms.ChoiceField(
        label=_("Preferred supporter gender"),
        choices=[
            ("", _("No preference")),
            *[c for c in SupporterProfile.Gender.choices if c[0] != "unspecified"],
        ],
        required=False,
    )
    keep_previous = forms.BooleanField(
        label=_("I would like to keep my previous supporter"), required=False
    )
    experience_level = forms.IntegerField(
        label=_("Experience"), min_value=0, max_value=3, required=False
    )

    def __init__(self, *args: Any, side: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slots"].choices = slot_choices()  # type: ignore[attr-defined]
        if side == "supporter":
            for name in ("preferred_mode", "preferred_gender", "keep_previous"):
                del self.fields[name]
            self.fields["experience_level"].label = _("Experience (0 = new, 3 = very experienced)")
        else:
            del self.fields["modes"]
            self.fields["experience_level"].label = _(
                "How complex is your situation? (0 = simple, 3 = complex)"
            )
