from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, field_map: Mapping[str, str] | None = None
) -> None:
    """Shows a service's ValidationError on the form: on the field it names when the form
    has it (``field_map`` renames a model field to the form's, e.g. ``starts_at`` →
    ``start_time``), otherwise at the top of the form. Nothing is saved; the input stays.
    The one way to do this: every view and form helper calls it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        field = (field_map or {}).get(name, name)
        target = field if field in form.fields else None
        for item in errors:
            form.add_error(target, item)


class OrganizationMailForm(forms.Form):
    contact_email = forms.EmailField(
        label=_("Contact email"),
        required=False,
        max_length=254,
        help_text=_(
            "Mail sent on behalf of the organisation carries this address as its reply "
            "address and in its signature, and invites people to reply. Leave empty and "
            "mail says that replies are not read."
        ),
    )
