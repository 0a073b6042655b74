"""What supporters write after a session, and the coordinator's audited read of it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bansou.accounts.models import User
from bansou.audit.services import audit_log, audit_reason_error
from bansou.engagements.models import Session, SessionNote, SessionRecord
from bansou.engagements.rules import is_engagement_supporter
from bansou.programs.models import Topic


@transaction.atomic
def session_record_save(
    *,
    session: Session,
    author: User,
    topics: list[Topic],
    shared_summary: str,
    private_note: str = "",
) -> SessionRecord:
    """Topics and the summary the client sees; an optional private note is appended."""
    if not is_engagement_supporter(author, session.engagement):
        raise PermissionDenied
    if session.status != Session.Status.HELD:
        raise ValidationError(_("Records are written for sessions that were held."))
    if any(topic.program_id != session.engagement.program_id for topic in topics):
        raise ValidationError(_("Choose topics of this program."))
    record, _created = SessionRecord.objects.select_for_update().get_or_create(
        session=session, defaults={"organization": session.organization, "written_by": author}
    )
    record.shared_summary = shared_summary.strip()
    record.written_by = author
    record.full_clean()
    record.save()
    record.topics.set(topics)
    if private_note.strip():
        note = SessionNote(
            organization=session.organization,
            session=session,
            author=author,
            body=private_note.strip(),
        )
        note.full_clean()
        note.save()
    return record


@transaction.atomic
def note_read_audited(
    *, note: SessionNote, reader: User, reason: str, ip_address: str | None
) -> SessionNote:
    """A coordinator reads a private note. Allowed only with a reason, and always leaves one
    audit entry: who, when, which note, why, from where."""
    problem = audit_reason_error(reason)
    if problem:
        raise ValidationError({"reason": problem})
    audit_log(
        organization=note.organization,
        actor=reader,
        action="session_note.read",
        target=note,
        reason=reason.strip(),
        ip_address=ip_address,
        data={"session": note.session_id, "engagement": note.session.engagement_id},
    )
    return note


def notes_read_by_supporter(
    *, notes: list[SessionNote], reader: User, ip_address: str | None
) -> None:
    """The engagement's own supporter was shown these private notes: one audit entry for
    the page, naming each note (every read of a private note is on record)."""
    if not notes:
        return
    first = notes[0]
    audit_log(
        organization=first.organization,
        actor=reader,
        action="session_note.shown",
        target=first,
        ip_address=ip_address,
        data={"notes": [note.pk for note in notes]},
    )
