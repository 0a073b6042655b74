"""The outbox: every mail is stored first, then delivered in the background with retries.

Delivery never raises into the request that caused the mail. With a broker, the
``bansou.ops.deliver_outbox_message`` task is sent after commit; in the embedded default
(no broker) the same delivery runs inline after commit. Whatever the hand-over does, the
row stays queued until delivered, and the periodic job ``ops.outbox_resend`` picks up
anything due (a lost task, a broker that was down, a retry under the inline default)."""

import base64
import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from email.mime.base import MIMEBase

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import SafeMIMEText
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from bansou.ops.models import OutboxMessage
from bansou.orgs.models import Organization

logger = logging.getLogger("bansou.mail")

DELIVER_TASK = "bansou.ops.deliver_outbox_message"
MAX_ATTEMPTS = 5
# Wait after the 1st, 2nd, 3rd and 4th failed attempt: 1, 5, 25 and 125 minutes.
BACKOFF_BASE_SECONDS = 60
BACKOFF_FACTOR = 5
# A worker's clock may run slightly behind the one that set next_attempt_at.
CLOCK_SKEW = datetime.timedelta(seconds=10)
ERROR_LENGTH = 500
RESEND_BATCH = 200

# (filename, content, mimetype), e.g. ("invite.ics", b"BEGIN:VCALENDAR…",
# "text/calendar; method=REQUEST; charset=utf-8"): parameters after the type are kept.
Attachment = tuple[str, bytes, str]


@dataclass(frozen=True)
class Delivery:
    status: str
    retry_in: int | None = None


def retry_delay(*, attempts: int) -> int:
    """Seconds to wait after the ``attempts``-th failed attempt."""
    return int(BACKOFF_BASE_SECONDS * BACKOFF_FACTOR ** (attempts - 1))


def outbox_enqueue(
    *,
    to: str,
    subject: str,
    body: str,
    html_body: str = "",
    organization: Organization | None = None,
    attachments: Sequence[Attachment] = (),
    reply_to: str = "",
) -> OutboxMessage:
    message = OutboxMessage.objects.create(
        organization=organization,
        to_address=to,
        reply_to=reply_to,
        subject=subject[:255],
        body=body,
        html_body=html_body,
        attachments=[
            {
                "filename": filename,
                "mimetype": mimetype,
                "content": base64.b64encode(content).decode("ascii"),
            }
            for filename, content, mimetype in attachments
        ],
        next_attempt_at=timezone.now(),
    )
    message_id = message.pk
    transaction.on_commit(lambda: _hand_over(message_id=message_id))
    return message


def _hand_over(*, message_id: int) -> None:
    """Runs after commit, still inside the request: it must never raise."""
    try:
        if settings.CELERY_TASK_ALWAYS_EAGER:
            outbox_deliver(message_id=message_id)
        else:
            current_app.send_task(DELIVER_TASK, args=[message_id])
    except Exception as exc:  # the periodic job will try again
        logger.warning(
            "outbox message %s not handed over: %s",
            message_id,
            type(exc).__name__,
            extra={"outbox_message": message_id},
        )


def _describe(exc: BaseException) -> str:
    """What went wrong, for coordinators: the exception's class and message only."""
    return f"{type(exc).__name__}: {exc}"[:ERROR_LENGTH]


def _mime_part(*, filename: str, content: bytes, mimetype: str) -> MIMEBase:
    """One attachment as a MIME part that keeps the type's parameters (a calendar
    invitation needs ``method=REQUEST`` on its part for mail clients to offer it)."""
    main, *raw_params = (piece.strip() for piece in mimetype.split(";"))
    params = dict(p.split("=", 1) for p in raw_params if "=" in p)
    maintype, subtype = main.split("/", 1)
    part: MIMEBase
    if maintype == "text":
        charset = params.pop("charset", "utf-8")
        part = SafeMIMEText(content.decode(charset), subtype, charset)
    else:
        part = MIMEBase(maintype, subtype)
        part.set_payload(base64.b64encode(content).decode("ascii"))
        part["Content-Transfer-Encoding"] = "base64"
    for name, value in params.items():
        part.set_param(name, value.strip('"'))
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def _send(message: OutboxMessage) -> None:
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address],
        reply_to=[message.reply_to] if message.reply_to else None,
        connection=get_connection(fail_silently=False),
    )
    if message.html_body:
        mail.attach_alternative(message.html_body, "text/html")
    for item in message.attachments:
        mail.attach(
            _mime_part(
                filename=item["filename"],
                content=base64.b64decode(item["content"]),
                mimetype=item["mimetype"],
            )
        )
    mail.send()


def outbox_deliver(*, message_id: int, now: datetime.datetime | None = None) -> Delivery:
    """One delivery attempt, if the message is queued and due. The row is locked for the
    attempt, so a task and the periodic job cannot both send it."""
    # The worker and the periodic job serve every organisation (and mail with none).
    with scopes_disabled(), transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        now = now or timezone.now()
        if message is None:
            return Delivery(status="missing")
        if message.status != OutboxMessage.Status.QUEUED or (
            message.next_attempt_at is not None and message.next_attempt_at > now + CLOCK_SKEW
        ):
            return Delivery(status=message.status)
        message.attempts += 1
        retry_in: int | None = None
        try:
            _send(message)
        except Exception as exc:
            message.last_error = _describe(exc)
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboxMessage.Status.FAILED
                message.next_attempt_at = None
            else:
                retry_in = retry_delay(attempts=message.attempts)
                message.next_attempt_at = now + datetime.timedelta(seconds=retry_in)
            logger.warning(
                "outbox message %s not delivered (attempt %s of %s): %s",
                message.pk,
                message.attempts,
                MAX_ATTEMPTS,
                type(exc).__name__,
                extra={"outbox_message": message.pk, "attempts": message.attempts},
            )
        else:
            message.status = OutboxMessage.Status.SENT
            message.sent_at = now
            message.next_attempt_at = None
            message.last_error = ""
            # Bodies may carry single-use links; once delivered they are not kept.
            message.body = ""
            message.html_body = ""
            message.attachments = []
        message.save()
    return Delivery(status=message.status, retry_in=retry_in)


def outbox_retry(*, message: OutboxMessage) -> OutboxMessage:
    """A coordinator asks to try a failed message again: a fresh series of attempts."""
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if locked.status != OutboxMessage.Status.FAILED:
            raise ValidationError(_("Only a message that failed can be sent again."))
        locked.status = OutboxMessage.Status.QUEUED
        locked.attempts = 0
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["status", "attempts", "next_attempt_at"])
        message_id = locked.pk
        transaction.on_commit(lambda: _hand_over(message_id=message_id))
    return locked


def outbox_resend_due(*, now: datetime.datetime) -> int:
    """Delivers queued messages whose next attempt is due; returns how many were sent."""
    with scopes_disabled():  # a background scan over every organisation's mail
        due = list(
            OutboxMessage.objects.filter(
                status=OutboxMessage.Status.QUEUED, next_attempt_at__lte=now + CLOCK_SKEW
            )
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:RESEND_BATCH]
        )
    sent = 0
    for message_id in due:
        if outbox_deliver(message_id=message_id, now=now).status == OutboxMessage.Status.SENT:
            sent += 1
    return sent
