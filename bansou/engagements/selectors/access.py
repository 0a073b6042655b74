from django.db.models import Q, QuerySet
from django.http import Http404

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, Session, SessionNote
from bansou.engagements.rules import is_engagement_client, is_engagement_supporter
from bansou.orgs.models import Organization


def engagements_visible_to(
    *, organization: Organization, user: User, role: str
) -> QuerySet[Engagement]:
    engagements = Engagement.objects.filter(organization=organization)
    if role == Role.COORDINATOR:
        return engagements
    if role == Role.SUPPORTER:
        return engagements.filter(Q(supporter=user) | Q(team__memberships__user=user)).distinct()
    if role == Role.CLIENT:
        return engagements.filter(client=user)
    return engagements.none()


def engagement_for(*, organization: Organization, user: User, role: str, pk: int) -> Engagement:
    """The engagement if this person may see it; 404 otherwise (no existence leak)."""
    engagement = (
        Engagement.objects.filter(organization=organization, pk=pk)
        .select_related("program", "client", "supporter", "team")
        .first()
    )
    if engagement is None:
        raise Http404
    allowed = (
        role == Role.COORDINATOR
        or (role == Role.SUPPORTER and is_engagement_supporter(user, engagement))
        or (role == Role.CLIENT and is_engagement_client(user, engagement))
    )
    if not allowed:
        raise Http404
    return engagement


def session_for(*, organization: Organization, user: User, role: str, pk: int) -> Session:
    session = Session.objects.filter(organization=organization, pk=pk).first()
    if session is None:
        raise Http404
    session.engagement = engagement_for(
        organization=organization, user=user, role=role, pk=session.engagement_id
    )
    return session


def note_for_supporter(*, organization: Organization, user: User, pk: int) -> SessionNote:
    """A private note, for one of its engagement's supporters only."""
    note = (
        SessionNote.objects.filter(organization=organization, pk=pk)
        .select_related("session__engagement", "author")
        .first()
    )
    if note is None or not is_engagement_supporter(user, note.session.engagement):
        raise Http404
    return note
