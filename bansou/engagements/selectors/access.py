import datetime

from django.db.models import Q, QuerySet
from django.http import Http404

from bansou.accounts.models import User
from bansou.core.roles import Role
from bansou.engagements.models import Engagement, Session, SessionNote
from bansou.engagements.rules import is_engagement_client, is_engagement_supporter
from bansou.orgs.models import Organization
from bansou.people.models import TeamMember


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
    since = private_notes_since(engagement=note.session.engagement, user=user)
    if not note_is_visible(note=note, user=user, since=since):
        raise Http404
    return note


def private_notes_since(*, engagement: Engagement, user: User) -> datetime.datetime | None:
    """From when one of the engagement's supporters reads its private notes: a team member
    since they joined the team (notes written before stay hidden from them; shared records
    do not), the engagement's own supporter all of them (``None``). Callers check first that
    ``user`` is one of its supporters."""
    if engagement.team_id is None:
        return None
    return (
        TeamMember.objects.filter(team_id=engagement.team_id, user=user)
        .values_list("joined_at", flat=True)
        .first()
    )


def note_is_visible(*, note: SessionNote, user: User, since: datetime.datetime | None) -> bool:
    """Whether a supporter reading from ``since`` sees this note; their own notes always."""
    return since is None or note.author_id == user.pk or note.created_at >= since


def notes_visible_to(*, session: Session, user: User) -> QuerySet[SessionNote]:
    """The session's private notes this person may read: none unless they are one of the
    engagement's supporters, and for a team member only those since they joined."""
    notes = SessionNote.objects.filter(session=session).select_related("author")
    engagement = session.engagement
    if not is_engagement_supporter(user, engagement):
        return notes.none()
    since = private_notes_since(engagement=engagement, user=user)
    if since is None:
        return notes
    return notes.filter(Q(author=user) | Q(created_at__gte=since))
