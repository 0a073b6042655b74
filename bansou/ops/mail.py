"""The one way to send mail: rendered in the recipient's language, stored in the outbox
and delivered by a background task after the surrounding transaction commits.

Every template gets ``base_url`` (``BANSOU_BASE_URL``, the only base of a mailed link:
``bansou.core.links`` or ``{% load mail_links %}``) and, for mail on behalf of an
organisation, ``organization``, whose ``contact_email`` becomes the Reply-To. Templates
end with ``ops/email/_signature.txt`` and ask for a reply only when that address is set."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise

from bansou.core.links import absolute_url
from bansou.ops.models import OutboxMessage
from bansou.ops.services.outbox import Attachment, outbox_enqueue
from bansou.orgs.models import Organization


class Recipient(Protocol):
    """A ``User``, or a ``MailRecipient`` for someone who has no account yet."""

    @property
    def email(self) -> str: ...

    @property
    def language(self) -> str: ...


@dataclass(frozen=True)
class MailRecipient:
    email: str
    language: str
    display_name: str = ""


def render_templated_mail(
    *,
    recipient: Recipient,
    template: str,
    context: dict[str, Any],
    subject: str | Promise = "",
    subject_template: str = "",
    organization: Organization | None = None,
) -> tuple[str, str]:
    """The subject and body exactly as ``send_templated_mail`` sends them (a preview
    calls this too, so that it shows what will be sent)."""
    language = recipient.language or settings.LANGUAGE_CODE
    full_context = {
        "base_url": absolute_url("/"),
        **({"organization": organization} if organization is not None else {}),
        **context,
        "recipient": recipient,
    }
    with translation.override(language):
        if subject_template:
            rendered_subject = " ".join(render_to_string(subject_template, full_context).split())
        else:
            rendered_subject = f"[{settings.BANSOU_SITE_NAME}] {subject!s}"
        body = render_to_string(template, full_context)
    return rendered_subject, body


def send_templated_mail(
    *,
    recipient: Recipient,
    template: str,
    context: dict[str, Any],
    subject: str | Promise = "",
    subject_template: str = "",
    organization: Organization | None = None,
    attachments: Sequence[Attachment] = (),
) -> OutboxMessage:
    """``subject`` should be lazy (gettext_lazy) so that it is translated for the
    recipient, not for whoever triggered the mail; it gets the site prefix. A
    ``subject_template`` is rendered instead, as it is (it carries its own prefix).

    Never raises because of the mail server: delivery happens later, and its failures
    are recorded on the returned outbox row. ``attachments`` are (filename, content,
    mimetype) triples, sent with the mail and, like the body, not kept once delivered."""
    rendered_subject, body = render_templated_mail(
        recipient=recipient,
        template=template,
        context=context,
        subject=subject,
        subject_template=subject_template,
        organization=organization,
    )
    return outbox_enqueue(
        to=recipient.email,
        subject=rendered_subject,
        body=body,
        organization=organization,
        attachments=attachments,
        reply_to=organization.contact_email if organization is not None else "",
    )
