from django import forms
from django.utils.translation import gettext_lazy as _

from bansou.privacy.models import RETENTION_MAX_MONTHS, RETENTION_MIN_MONTHS

FORMAT_CHOICES = [("pdf", _("PDF (to read and print)")), ("json", _("JSON (machine-readable)"))]


class DisclosureExportForm(forms.Form):
    """A coordinator's export of one client's data for a disclosure request."""

    file_format = forms.ChoiceField(
        label=_("Format"), choices=FORMAT_CHOICES, initial="pdf", widget=forms.RadioSelect
    )
    include_private_notes = forms.BooleanField(
        label=_("Include the supporters' private notes"),
        required=False,
        help_text=_("Only when the request needs them, for example a request under the law."),
    )
    reason = forms.CharField(
        label=_("Why are you making this export?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the client's disclosure request of 3 March. It is recorded."),
    )


class ErasureForm(forms.Form):
    """A coordinator's confirmation that a client is to be erased."""

    confirmation = forms.CharField(
        label=_("Type the client's name to confirm"),
        max_length=200,
        help_text=_("Exactly as shown at the top of this page (spaces do not matter)."),
    )
    reason = forms.CharField(
        label=_("Why is the client being erased?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "For example: the client asked for their data to be deleted. It is recorded "
            "without the client's name."
        ),
    )


class RetentionForm(forms.Form):
    months = forms.IntegerField(
        label=_("Keep ended engagements for (months)"),
        required=False,
        min_value=RETENTION_MIN_MONTHS,
        max_value=RETENTION_MAX_MONTHS,
        help_text=_(
            "After this many months from the end of an engagement, its notes, summaries, "
            "reflections and the client's name are removed automatically; counts for "
            "reports remain. Leave empty to keep them until a client is erased."
        ),
    )


class PrivacyNoticeForm(forms.Form):
    """The organisation's public privacy notice."""

    purposes_of_use = forms.CharField(
        label=_("Purposes of use of personal data"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "What the organisation uses personal data for, whether it gives it to anyone, and "
            "how people ask for disclosure, correction or deletion."
        ),
    )
    privacy_contact = forms.CharField(
        label=_("Contact for privacy enquiries"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "The person or office responsible, with an address and a phone number or email."
        ),
    )
