"""The two ways into a survey without signing in: a person's mailed single-use link (an
invitation) and a survey's public link (for anyone with it).

An invitation's token is an HMAC of its random ``nonce`` under the site's secret key; only
the token's SHA-256 is stored. So the reminder mails the same link again, a forged or
mistyped token finds nothing, and a copy of the database alone cannot answer for anyone.

Every problem is a ``LinkProblem`` whose lazy message is shown on a plain page in the
language of the person the link was mailed to: nothing about the survey or its answers
is disclosed to whoever holds a wrong link."""

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass

from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from bansou.orgs.models import Organization
from bansou.surveys.models import Response, Survey, SurveyInvitation

INVITATION_SALT = "bansou.surveys.invitation"
ALREADY_SENT = _("This survey has already been answered with this link. Thank you!")
NOT_VALID = _("This link is not valid. Please check that you copied all of it.")


def invitation_token(nonce: str) -> str:
    """The token of the invitation whose nonce this is (43 URL-safe characters)."""
    digest = salted_hmac(INVITATION_SALT, nonce, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_digest(token: str) -> str:
    """Only this digest of a link's token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


class LinkProblem(Exception):
    """The link cannot be used; ``language`` is its recipient's (None when unknown).
    ``used_for`` is the survey of a link already used (its own answer form sent again is
    thanked again, see ``submitted_with_key``)."""

    def __init__(
        self, message: Promise, language: str | None = None, used_for: Survey | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.language = language
        self.used_for = used_for


def closed_problem(survey: Survey, language: str | None) -> LinkProblem | None:
    """Why ``survey`` takes no answers today (a draft, closed, or past its closing date)."""
    if survey.status == Survey.Status.DRAFT:
        return LinkProblem(_("This survey is not open yet."), language)
    if survey.status == Survey.Status.CLOSED or survey.closes_on < timezone.localdate():
        return LinkProblem(_("This survey has closed. Thank you for your interest."), language)
    return None


@dataclass(frozen=True)
class InvitationLink:
    invitation: SurveyInvitation
    survey: Survey
    language: str


def invitation_link_resolve(*, organization: Organization, token: str) -> InvitationLink:
    """The invitation of this organisation whose token this is, still usable; otherwise a
    ``LinkProblem``: unknown (or another organisation's), already used, survey closed."""
    invitation = (
        SurveyInvitation.objects.filter(organization=organization, token_hash=token_digest(token))
        .select_related("survey__organization", "survey__program", "person", "session")
        .first()
    )
    # Compared again in constant time: the lookup by digest is the only use of the token.
    if invitation is None or not hmac.compare_digest(invitation_token(invitation.nonce), token):
        raise LinkProblem(NOT_VALID)
    language = invitation.person.language
    if invitation.used_at is not None:
        raise LinkProblem(ALREADY_SENT, language, used_for=invitation.survey)
    problem = closed_problem(invitation.survey, language)
    if problem is not None:
        raise problem
    return InvitationLink(invitation=invitation, survey=invitation.survey, language=language)


def public_survey_resolve(*, organization: Organization, token: str) -> Survey:
    """The open survey for anyone with the link whose link this is; else a ``LinkProblem``."""
    survey = (
        Survey.objects.filter(
            organization=organization, audience=Survey.Audience.LINK, link_token=token
        )
        .exclude(link_token="")
        .select_related("organization", "program")
        .first()
    )
    if survey is None:
        raise LinkProblem(NOT_VALID)
    problem = closed_problem(survey, None)
    if problem is not None:
        raise problem
    return survey


def submitted_with_key(*, survey: Survey, key: str) -> bool:
    """Whether the answer form with this key was already stored for the survey (a double
    tap: the form's own key, known only to the page that sent it)."""
    try:
        value = uuid.UUID(str(key))
    except ValueError:
        return False
    return Response.objects.filter(
        organization=survey.organization, survey=survey, key=value
    ).exists()
