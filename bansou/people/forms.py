"""Forms parse and type-check input; the rules live in services (the qualification rule is
shared so that each formset row shows its own message)."""

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bansou.accounts.addresses import NormalizedEmailField
from bansou.accounts.models import User
from bansou.core.inputs import (
    FoldedCharField,
    ModelChoiceField,
    ModelMultipleChoiceField,
    validate_day_in_range,
)
from bansou.core.roles import Role
from bansou.orgs.forms import add_service_errors
from bansou.orgs.models import Organization, Venue
from bansou.people.models import (
    LANGUAGE_CHOICES,
    ClientProfile,
    GuardianConsent,
    Qualification,
    SupporterProfile,
    Team,
)
from bansou.people.selectors import team_candidates, team_member_users
from bansou.people.services.checks import specialties_clean, specialties_parse
from bansou.people.services.consent import NOTE_MAX_LENGTH
from bansou.people.services.invitation_import import MAX_ROWS, ImportRow
from bansou.people.services.profiles import MAX_CONCURRENT, MAX_MONTHLY_CAPACITY, TEXT_MAX_LENGTH
from bansou.people.services.qualifications import (
    MAX_QUALIFICATIONS,
    QualificationInput,
    qualification_check,
)
from bansou.people.widgets import PersonSearchInput, point_person_searches

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# The form's own wording of the consent methods ("Email" alone is already translated as the
# e-mail address field elsewhere).
CONSENT_METHOD_CHOICES = [
    (GuardianConsent.Method.PAPER.value, _("Signed paper form")),
    (GuardianConsent.Method.EMAIL.value, _("By email")),
    (GuardianConsent.Method.IN_PERSON.value, _("In person")),
    (GuardianConsent.Method.PHONE.value, _("By phone")),
    (GuardianConsent.Method.ONLINE.value, _("Online form")),
]
CONSENT_METHOD_LABELS = dict(CONSENT_METHOD_CHOICES)


class PersonChoiceField(ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}（{obj.reading}）" if obj.reading else obj.display_name


class PeopleChoiceField(ModelMultipleChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}（{obj.reading}）" if obj.reading else obj.display_name

    def clean(self, value: Any) -> Any:
        # An id beyond the database's integer range is simply not a choice (SQLite would
        # raise OverflowError on the lookup).
        for item in value if isinstance(value, list | tuple) else []:
            try:
                number = int(str(item))
            except (TypeError, ValueError):
                continue
            if not -(2**63) <= number < 2**63:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().clean(value)


class FreeMultipleChoiceField(forms.MultipleChoiceField):
    """Checkboxes for the suggested values that also accept a value no longer suggested."""

    def valid_value(self, value: str) -> bool:
        return isinstance(value, str)


class SupporterProfileForm(forms.Form):
    specialties = FreeMultipleChoiceField(
        label=_("Specialties"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Tick the specialties that apply; the list shows those already used in the "
            "organisation."
        ),
    )
    new_specialties = forms.CharField(
        label=_("Add specialties"),
        required=False,
        max_length=400,
        help_text=_("Separate several with commas, for example: 就職支援、自己理解"),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    bio = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Shown to coordinators when they match supporters and clients."),
    )
    gender = forms.ChoiceField(
        label=_("Gender"),
        choices=SupporterProfile.Gender.choices,
        required=False,
        help_text=_("Optional. Used only when a client asks for a supporter of a given gender."),
    )
    monthly_capacity = forms.IntegerField(
        label=_("New clients per month"), min_value=0, max_value=MAX_MONTHLY_CAPACITY
    )
    max_concurrent = forms.IntegerField(
        label=_("Concurrent engagements"),
        min_value=0,
        max_value=MAX_CONCURRENT,
        help_text=_("How many people you can accompany at the same time."),
    )

    def __init__(self, *args: Any, suggestions: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = list(self.initial.get("specialties") or [])
        choices = list(dict.fromkeys([*current, *suggestions]))
        self.fields["specialties"].choices = [(tag, tag) for tag in choices]  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, profile: SupporterProfile) -> dict[str, Any]:
        return {
            "specialties": list(profile.specialties),
            "languages": list(profile.languages),
            "bio": profile.bio,
            "gender": profile.gender,
            "monthly_capacity": profile.monthly_capacity,
            "max_concurrent": profile.max_concurrent,
        }

    def clean_gender(self) -> str:
        return self.cleaned_data.get("gender") or SupporterProfile.Gender.UNSPECIFIED

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        tags = [
            *cleaned.get("specialties", []),
            *specialties_parse(cleaned.get("new_specialties", "")),
        ]
        try:
            cleaned["all_specialties"] = specialties_clean(tags)
        except ValidationError as exc:
            self.add_error("new_specialties", exc)
        return cleaned


class QualificationForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Not "required": the extra row stays optional; a row with anything in it needs a kind.
    kind = forms.ChoiceField(
        label=_("Qualification"),
        choices=[("", "—"), *Qualification.Kind.choices],
        required=False,
    )
    registration_number = FoldedCharField(
        label=_("Registration number"),
        required=False,
        max_length=30,
        help_text=_("Required for a certified career consultant."),
    )
    name = forms.CharField(
        label=_("Name of the qualification"),
        required=False,
        max_length=80,
        help_text=_("Only for “Other”."),
    )
    obtained_on = forms.DateField(
        label=_("Obtained on"),
        required=False,
        widget=DATE_WIDGET,
        validators=[validate_day_in_range],
    )

    def clean_obtained_on(self) -> datetime.date | None:
        value: datetime.date | None = self.cleaned_data.get("obtained_on")
        if value is not None and value > timezone.localdate():
            raise ValidationError(_("This date is in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        filled = any(cleaned.get(f) for f in ("id", "name", "registration_number", "obtained_on"))
        if not cleaned.get("kind") and filled and not cleaned.get("DELETE"):
            self.add_error("kind", _("Please choose a qualification."))
        elif cleaned.get("kind"):
            try:
                qualification_check(
                    kind=cleaned["kind"],
                    name=cleaned.get("name", ""),
                    registration_number=cleaned.get("registration_number", ""),
                )
            except ValidationError as exc:
                add_service_errors(self, exc)
        return cleaned


QualificationFormSet = forms.formset_factory(
    QualificationForm,
    extra=1,
    can_delete=True,
    max_num=MAX_QUALIFICATIONS,
    validate_max=True,
    absolute_max=MAX_QUALIFICATIONS + 5,
)


def qualification_initial(profile: SupporterProfile) -> list[dict[str, Any]]:
    return [
        {
            "id": q.pk,
            "kind": q.kind,
            "registration_number": q.registration_number,
            "name": q.name,
            "obtained_on": q.obtained_on,
        }
        for q in profile.qualifications.all()
    ]


def qualification_inputs(formset: forms.BaseFormSet) -> list[QualificationInput]:
    """The rows to keep: filled, not marked for removal."""
    inputs = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE") or not data.get("kind"):
            continue
        inputs.append(
            QualificationInput(
                pk=data.get("id"),
                kind=data["kind"],
                name=data.get("name", ""),
                registration_number=data.get("registration_number", ""),
                obtained_on=data.get("obtained_on"),
            )
        )
    return inputs


class SupporterProfileForms:
    """The profile form and the qualifications formset of one page, checked together."""

    def __init__(
        self, profile: SupporterProfile, data: Any = None, *, suggestions: Sequence[str]
    ) -> None:
        self.profile = profile
        self.form = SupporterProfileForm(
            data, initial=SupporterProfileForm.initial_for(profile), suggestions=suggestions
        )
        self.formset = QualificationFormSet(
            data, initial=qualification_initial(profile), prefix="qualifications"
        )

    def is_valid(self) -> bool:
        return self.form.is_valid() and self.formset.is_valid()

    def as_context(self) -> dict[str, Any]:
        return {"profile": self.profile, "form": self.form, "formset": self.formset}

    def update_fields(self) -> dict[str, Any]:
        """What ``supporter_profile_update`` takes, the profile included."""
        data = self.form.cleaned_data
        return {
            "profile": self.profile,
            "specialties": data["all_specialties"],
            "languages": data["languages"],
            "bio": data["bio"],
            "gender": data["gender"],
            "monthly_capacity": data["monthly_capacity"],
            "max_concurrent": data["max_concurrent"],
            "qualifications": qualification_inputs(self.formset),
        }


class SupporterCreateForm(forms.Form):
    user = PersonChoiceField(
        label=_("Supporter"),
        queryset=User.objects.none(),
        widget=PersonSearchInput(role="supporter"),
        error_messages={"invalid_choice": _("This person is not a supporter without a profile.")},
    )

    def __init__(
        self, *args: Any, queryset: QuerySet[User], organization: Organization, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = queryset  # type: ignore[attr-defined]
        point_person_searches(self, organization)


class ClientCreateForm(forms.Form):
    user = PersonChoiceField(
        label=_("Client"),
        queryset=User.objects.none(),
        widget=PersonSearchInput(role="client"),
        error_messages={"invalid_choice": _("This person is not a client without a profile.")},
    )
    category = forms.ChoiceField(label=_("Category"), choices=ClientProfile.Category.choices)

    def __init__(
        self, *args: Any, queryset: QuerySet[User], organization: Organization, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = queryset  # type: ignore[attr-defined]
        point_person_searches(self, organization)


class ClientProfileForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=ClientProfile.Category.choices)
    school_or_organization = forms.CharField(
        label=_("School or organisation"), required=False, max_length=120
    )
    venue = ModelChoiceField(
        label=_("Venue"),
        queryset=Venue.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("The school where the client meets supporters, if any."),
        error_messages={"invalid_choice": _("Please choose a school of the organisation.")},
    )
    grade = forms.CharField(label=_("Grade or year"), required=False, max_length=20)
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    wants_help_with = forms.CharField(
        label=_("What they want help with"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    is_minor = forms.BooleanField(
        label=_("Minor (guardian consent required before any session)"), required=False
    )

    def __init__(self, *args: Any, venues: QuerySet[Venue], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["venue"].queryset = venues  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, profile: ClientProfile) -> dict[str, Any]:
        return {
            "category": profile.category,
            "school_or_organization": profile.school_or_organization,
            "venue": profile.venue_id,
            "grade": profile.grade,
            "languages": list(profile.languages),
            "wants_help_with": profile.wants_help_with,
            "is_minor": profile.is_minor,
        }


class GuardianConsentForm(forms.Form):
    prefix = "consent"

    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=80)
    relationship = forms.CharField(
        label=_("Relationship to the client"),
        max_length=40,
        help_text=_("For example: 母, 父, 祖母, 後見人"),
    )
    method = forms.ChoiceField(
        label=_("How consent was given"),
        choices=CONSENT_METHOD_CHOICES,
        widget=forms.RadioSelect,
    )
    given_on = forms.DateField(
        label=_("Given on"),
        widget=DATE_WIDGET,
        initial=timezone.localdate,
        validators=[validate_day_in_range],
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example, where the signed form is kept."),
    )


class ConsentWithdrawForm(forms.Form):
    prefix = "withdraw"

    withdrawn_on = forms.DateField(
        label=_("Withdrawn on"),
        widget=DATE_WIDGET,
        initial=timezone.localdate,
        validators=[validate_day_in_range],
    )


def consent_history(consents: Iterable[GuardianConsent]) -> list[GuardianConsent]:
    """The consents as listed on the page, each with the form's wording of its method."""
    history = list(consents)
    for consent in history:
        consent.method_label = CONSENT_METHOD_LABELS.get(  # type: ignore[attr-defined]
            consent.method, consent.method
        )
    return history


class TeamCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Team name"), max_length=80, help_text=_("For example: ひまわりペア")
    )
    members = PeopleChoiceField(
        label=_("Members"),
        queryset=User.objects.none(),
        widget=PersonSearchInput(role="supporter", multiple=True),
        help_text=_("Choose two or more supporters."),
        error_messages={
            "invalid_choice": _("Only active supporters of the organisation can be team members."),
            "required": _("Choose two or more supporters."),
        },
    )

    def __init__(
        self, *args: Any, supporters: QuerySet[User], organization: Organization, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = supporters  # type: ignore[attr-defined]
        point_person_searches(self, organization)


class TeamRenameForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=80)


class TeamAddMemberForm(forms.Form):
    members = PersonChoiceField(
        label=_("Add a supporter"),
        queryset=User.objects.none(),
        widget=PersonSearchInput(role="supporter"),
        error_messages={
            "invalid_choice": _(
                "Only active supporters of the organisation who are not yet in this team can "
                "be added."
            ),
        },
    )

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = candidates  # type: ignore[attr-defined]


class TeamRemoveMemberForm(forms.Form):
    members = PersonChoiceField(
        queryset=User.objects.none(),
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("This person is not a member of this team.")},
    )

    def __init__(self, *args: Any, current: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = current  # type: ignore[attr-defined]


class TeamPageForms:
    """The three forms of a team's page. On a POST, ``action`` names the one that is bound
    (renaming when it names none); the other two are shown fresh."""

    ACTIONS = ("rename", "add", "remove")

    def __init__(self, *, team: Team, data: Any = None) -> None:
        posted = data.get("action") if data is not None else None
        self.action = posted if posted in self.ACTIONS else "rename"

        def bound(action: str) -> Any:
            return data if self.action == action else None

        self.rename = TeamRenameForm(bound("rename"), initial={"name": team.name}, prefix="rename")
        self.add = TeamAddMemberForm(
            bound("add"), candidates=team_candidates(team=team), prefix="add"
        )
        point_person_searches(self.add, team.organization)
        self.remove = TeamRemoveMemberForm(
            bound("remove"), current=team_member_users(team=team), prefix="remove"
        )

    @property
    def posted(self) -> forms.Form:
        form: forms.Form = getattr(self, self.action)
        return form

    def context(self) -> dict[str, Any]:
        """The remove buttons have no fields of their own: their errors show above the list."""
        return {
            "rename_form": self.rename,
            "add_form": self.add,
            "remove_errors": [str(e) for errors in self.remove.errors.values() for e in errors],
        }


class _InvitedNameFields(forms.Form):
    family_name = forms.CharField(label=_("Family name (姓)"), max_length=50, required=False)
    given_name = forms.CharField(label=_("Given name (名)"), max_length=50, required=False)
    family_name_kana = forms.CharField(
        label=_("Family name reading (セイ)"), max_length=50, required=False
    )
    given_name_kana = forms.CharField(
        label=_("Given name reading (メイ)"), max_length=50, required=False
    )


class InvitationForm(_InvitedNameFields):
    """One invitation: the address and the role; the name and reading are optional (the
    invitee can fill them in when accepting)."""

    field_order = ["email", "role"]

    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("Choose a role")), *Role.choices])


class InvitationAcceptForm(_InvitedNameFields):
    """The invitee's own name, reading and password."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["family_name"].required = True
        self.fields["given_name"].required = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords are not the same."))
        elif first:
            probe = User(
                email=self.email,
                family_name=cleaned.get("family_name", ""),
                given_name=cleaned.get("given_name", ""),
            )
            try:
                validate_password(first, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class InvitationImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "The first row names the columns: メール, 姓, 名, セイ, メイ, 役割 (or email, "
            "family name, given name, family name kana, given name kana, role). UTF-8 "
            "and Shift_JIS are both fine."
        ),
    )
    role = forms.ChoiceField(
        label=_("Role for rows without one"), choices=Role.choices, initial=Role.CLIENT
    )


class ImportRowForm(forms.Form):
    """One row of the import preview; the checks are the service's, shown per field."""

    line = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=10**6)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[("", "—"), *Role.choices], required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=254, required=False)
    given_name = forms.CharField(label=_("Given name"), max_length=254, required=False)
    family_name_kana = forms.CharField(
        label=_("Family name reading"), max_length=254, required=False
    )
    given_name_kana = forms.CharField(label=_("Given name reading"), max_length=254, required=False)


ImportRowFormSet = forms.formset_factory(
    ImportRowForm,
    extra=0,
    can_delete=True,
    max_num=MAX_ROWS,
    validate_max=True,
    absolute_max=MAX_ROWS,
)


def import_rows_from(formset: forms.BaseFormSet[ImportRowForm]) -> list[ImportRow]:
    """The rows of a valid preview formset that were not left out."""
    return [
        ImportRow.of(line=data["line"], values=data)
        for data in formset.cleaned_data
        if data and not data.get("DELETE")
    ]


class MemberCorrectForm(forms.Form):
    """A coordinator corrects a member. The rules, the reading in katakana among them, live
    in ``people.services.members``, which says every refusal at once, each on its field.
    Fields that may not change here (the name and address of someone who also belongs to
    another organisation, a coordinator's own address, a deactivated membership's role)
    are shown, not editable."""

    family_name = forms.CharField(label=_("Family name (姓)"), max_length=50)
    given_name = forms.CharField(label=_("Given name (名)"), max_length=50)
    family_name_kana = forms.CharField(
        label=_("Family name reading (セイ)"), max_length=50, required=False
    )
    given_name_kana = forms.CharField(
        label=_("Given name reading (メイ)"), max_length=50, required=False
    )
    email = NormalizedEmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def __init__(self, *args: Any, fixed: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in fixed:
            self.fields[name].disabled = True
