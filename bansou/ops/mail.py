"""Sending mail in the recipient's language, after the surrounding transaction commits."""

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise

from bansou.accounts.models import User


def send_templated_mail(
    *, recipient: User, subject: str | Promise, template: str, context: dict[str, Any]
) -> None:
    """``subject`` should be lazy (gettext_lazy) so that it is translated for the
    recipient, not for whoever triggered the mail."""
    language = recipient.language or settings.LANGUAGE_CODE
    with translation.override(language):
        rendered_subject = f"[Bansō] {subject!s}"
        body = render_to_string(template, {**context, "recipient": recipient})
    transaction.on_commit(
        lambda: send_mail(rendered_subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
    )
