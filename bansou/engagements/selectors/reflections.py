"""Reads behind the reflection pages, including the mailed single-use link."""

import hashlib
from dataclasses import dataclass

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from bansou.accounts.models import User
from bansou.engagements.models import Engagement, Reflection, ReflectionLink, Session
from bansou.engagements.rules import is_engagement_client, is_engagement_supporter


def token_digest(token: str) -> str:
    """Only this digest of a link's token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class LinkProblem(Exception):
    """The link cannot be used. ``message`` is lazy, so that it is shown in ``language``:
    the language of the person the link was mailed to (None when the link is unknown)."""

    def __init__(self, message: Promise, language: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.language = language


@dataclass(frozen=True)
class ResolvedLink:
    link: ReflectionLink
    session: Session
    language: str


def reflection_link_resolve(*, token: str) -> ResolvedLink:
    """Finds the link across organisations (the visitor is not signed in); the caller then
    activates the link's organisation scope and its recipient's language."""
    with scopes_disabled():
        link = (
            ReflectionLink.objects.filter(nonce=token_digest(token))
            .select_related("session__engagement__program", "session__engagement__client")
            .first()
        )
    if link is None:
        raise LinkProblem(_("This link is not valid. Please check that you copied all of it."))
    language = link.session.engagement.client.language
    if link.used_at is not None or hasattr(link.session, "reflection"):
        raise LinkProblem(_("This reflection has already been sent. Thank you!"), language)
    if link.expires_at <= timezone.now():
        raise LinkProblem(
            _("This link has expired. You can still write your reflection after signing in."),
            language,
        )
    return ResolvedLink(link=link, session=link.session, language=language)


def reflection_of(*, session: Session) -> Reflection | None:
    return Reflection.objects.filter(session=session).first()


def reflection_entry_via(*, user: User, engagement: Engagement) -> str | None:
    """How ``user`` may enter this engagement's reflection: the client writes it on the
    web, one of its supporters types it in with the client; None when neither may (or the
    program has reflections turned off)."""
    if not engagement.program.reflection_enabled:
        return None
    if is_engagement_client(user, engagement):
        return str(Reflection.Via.WEB)
    if is_engagement_supporter(user, engagement):
        return str(Reflection.Via.SUPPORTER)
    return None
