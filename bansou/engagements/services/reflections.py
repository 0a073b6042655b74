"""The client's reflection (振り返り) and the single-use link that asks for it."""

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.core.links import absolute_url
from bansou.engagements.models import Engagement, Reflection, ReflectionLink, Session
from bansou.engagements.selectors.reflections import token_digest
from bansou.ops.mail import send_templated_mail

LINK_LIFETIME = datetime.timedelta(days=7)


@transaction.atomic
def reflection_link_issue(*, session: Session) -> str:
    """Stores only a digest of the token, so a copy of the database cannot be used to
    answer for a client."""
    token = secrets.token_urlsafe(32)
    ReflectionLink.objects.create(
        organization=session.organization,
        session=session,
        nonce=token_digest(token),
        expires_at=timezone.now() + LINK_LIFETIME,
    )
    return token


def reflection_link_send(*, session: Session) -> str | None:
    """Emails the client a link to reflect on the session, once the transaction commits."""
    if Reflection.objects.filter(session=session).exists():
        return None
    token = reflection_link_issue(session=session)
    client = session.engagement.client
    path = f"/r/{token}/"
    send_templated_mail(
        recipient=client,
        organization=session.organization,
        subject=gettext_lazy("A few minutes to look back on today's session"),
        template="engagements/email/reflection_link.txt",
        context={
            "client": client,
            "session": session,
            "url": absolute_url(path),
            "expires_at": timezone.now() + LINK_LIFETIME,
        },
    )
    return token


@transaction.atomic
def reflection_submit(
    *,
    session: Session,
    via: str,
    important: str,
    noticed: str,
    next_step: str,
    feeling: int | None,
    entered_by: User | None,
    link: ReflectionLink | None = None,
) -> Reflection:
    """Saves the client's reflection; one per session. A link is used up with it."""
    if session.status != Session.Status.HELD:
        raise ValidationError(_("A reflection can be written once the session has been held."))
    if not (important.strip() or noticed.strip() or next_step.strip()):
        raise ValidationError(_("Please write at least one answer."))
    if link is not None:
        locked = ReflectionLink.objects.select_for_update().get(pk=link.pk)
        if locked.used_at is not None:
            raise ValidationError(_("This reflection has already been sent. Thank you!"))
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at"])
    reflection = Reflection(
        organization=session.organization,
        session=session,
        via=via,
        important=important.strip(),
        noticed=noticed.strip(),
        next_step=next_step.strip(),
        feeling=feeling,
        entered_by=entered_by,
    )
    reflection.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            reflection.save()
    except IntegrityError as exc:
        raise ValidationError(_("This reflection has already been sent. Thank you!")) from exc
    return reflection


def reflections_read_audited(
    *, engagement: Engagement, reader: User, shown: int, ip_address: str | None
) -> None:
    """A coordinator who is not one of the engagement's supporters was shown its clients'
    reflections: one audit entry per page shown (the client is told coordinators may read
    them and that each reading is recorded). Nothing when there was none to show."""
    if shown:
        audit_log(
            organization=engagement.organization,
            actor=reader,
            action="reflection.read",
            target=engagement,
            ip_address=ip_address,
            data={"reflections": shown},
        )
