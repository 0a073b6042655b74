"""The mails of a booking: to the client (with links to change or cancel it) and to every
supporter it holds, each in their own language with the session as an ``.ics``
attachment (the same UID every time, so calendars update the event in place)."""

from typing import Literal

from django.urls import reverse
from django.utils.translation import gettext_lazy

from bansou.accounts.models import User
from bansou.core.links import absolute_url
from bansou.engagements.ical import Method, session_invite
from bansou.engagements.models import Session
from bansou.engagements.services.blocks import session_holders
from bansou.ops.mail import send_templated_mail

Change = Literal["booked", "moved", "cancelled"]

SUBJECTS = {
    "booked": gettext_lazy("Your booking is confirmed"),
    "moved": gettext_lazy("Your booking has been changed"),
    "cancelled": gettext_lazy("Your booking has been cancelled"),
}
SUPPORTER_SUBJECTS = {
    "booked": gettext_lazy("New booking"),
    "moved": gettext_lazy("A booking has been changed"),
    "cancelled": gettext_lazy("A booking has been cancelled"),
}


def booking_url(session: Session) -> str:
    path = reverse(
        "engagements:booking",
        kwargs={"org_slug": session.organization.slug, "session_pk": session.pk},
    )
    return absolute_url(path)


def _send(*, session: Session, recipient: User, change: Change, for_client: bool) -> None:
    method: Method = "CANCEL" if change == "cancelled" else "REQUEST"
    send_templated_mail(
        recipient=recipient,
        organization=session.organization,
        subject=(SUBJECTS if for_client else SUPPORTER_SUBJECTS)[change],
        template=f"engagements/email/booking_{'client' if for_client else 'supporter'}.txt",
        context={
            "session": session,
            "change": change,
            "client": session.engagement.client,
            "supporters": session_holders(engagement=session.engagement),
            "url": booking_url(session) if for_client else "",
        },
        attachments=[
            (
                "cancel.ics" if method == "CANCEL" else "invite.ics",
                session_invite(session=session, recipient=recipient, method=method),
                f"text/calendar; method={method}; charset=utf-8",
            )
        ],
    )


def booking_notify(*, session: Session, change: Change) -> None:
    """Queues the mails about a booked, moved or cancelled session (sent after commit)."""
    _send(session=session, recipient=session.engagement.client, change=change, for_client=True)
    for supporter in session_holders(engagement=session.engagement):
        _send(session=session, recipient=supporter, change=change, for_client=False)
