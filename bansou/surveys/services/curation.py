"""What coordinators do with the answers: choose free-text answers for reports (as a
version edited for anonymity; the original stays as written, and both are shown to the
coordinator), and the audit entry left when a named survey's answers are read."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.audit.services import audit_log
from bansou.surveys.models import Answer, Question, Survey
from bansou.surveys.services.builder import check_coordinator

PUBLISHED_MAX_LENGTH = 4000


@transaction.atomic
def answer_curate(*, answer: Answer, actor: User, publishable: bool, published_text: str) -> Answer:
    """Marks a free-text answer publishable or not and keeps the text to publish: the
    coordinator's edit, or the original when the edit is left empty. Unpublishing keeps
    the edit for next time. Publishing is recorded in the audit log."""
    check_coordinator(organization=answer.organization, actor=actor)
    locked = (
        Answer.objects.select_for_update(of=("self",))
        .select_related("question", "response__survey")
        .get(organization_id=answer.organization_id, pk=answer.pk)
    )
    if locked.question.kind != Question.Kind.TEXT:
        raise ValidationError(_("Only free-text answers can be published."))
    text = published_text.strip()
    if len(text) > PUBLISHED_MAX_LENGTH:
        raise ValidationError(
            {
                "published_text": _("Keep it under %(n)s characters (it has %(length)s).")
                % {"n": PUBLISHED_MAX_LENGTH, "length": len(text)}
            }
        )
    was_published = locked.publishable
    locked.published_text = text or (locked.text if publishable else "")
    locked.publishable = publishable
    if publishable:
        locked.published_by = actor
        locked.published_at = timezone.now()
    locked.save(update_fields=["publishable", "published_text", "published_by", "published_at"])
    if publishable or was_published:
        audit_log(
            organization=locked.organization,
            actor=actor,
            action="surveys.answer_published" if publishable else "surveys.answer_unpublished",
            target=locked.response.survey,
            data={"answer": locked.pk, "edited": locked.published_text != locked.text},
        )
    return locked


def named_answers_read_audited(
    *, survey: Survey, reader: User, shown: int, ip_address: str | None
) -> None:
    """A coordinator was shown a named survey's answers with the respondents' names: one
    entry per page shown (nothing for an anonymous survey or an empty page)."""
    if shown and not survey.anonymous:
        audit_log(
            organization=survey.organization,
            actor=reader,
            action="surveys.named_answers_read",
            target=survey,
            ip_address=ip_address,
            data={"responses": shown},
        )
