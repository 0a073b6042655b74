"""A mail backend that stores instead of sending, for mail that a library renders and
sends itself (allauth's password reset): it joins the outbox like any other mail, and the
outbox delivers it with ``EMAIL_BACKEND``."""

from collections.abc import Sequence

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from bansou.ops.services.outbox import outbox_enqueue


def _html_of(message: EmailMessage) -> str:
    if isinstance(message, EmailMultiAlternatives):
        for content, mimetype in message.alternatives:
            if mimetype == "text/html":
                return str(content)
    return ""


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        for message in email_messages:
            for address in message.recipients():
                outbox_enqueue(
                    to=address,
                    subject=str(message.subject),
                    body=str(message.body),
                    html_body=_html_of(message),
                    reply_to=str(message.reply_to[0]) if message.reply_to else "",
                )
        return len(email_messages)
