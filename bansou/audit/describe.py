"""Audit entries as sentences in the reader's language: 「佐藤 美咲が伊藤 さくらさんの非公開メモを
閲覧（理由: …）」.

The entry names its object by type and id only (audit rows hold no personal data). The
person or thing it concerns is looked up for a page of entries at once, one query per
kind of object on the page; the audit app sits below the apps whose models it names, so it
reaches them by label through the app registry, not by import."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from bansou.audit.models import AuditEntry
from bansou.orgs.models import Organization

# For each kind of object: the path to the person it concerns ("" for the row itself),
# or None when it is named by its own ``name``.
PERSON_PATHS: dict[str, str | None] = {
    "accounts.user": "",
    "orgs.membership": "user",
    "people.clientprofile": "user",
    "people.guardianconsent": "client__user",
    "people.teammember": "user",
    "engagements.engagement": "client",
    "engagements.session": "engagement__client",
    "engagements.sessionnote": "session__engagement__client",
    "engagements.reflection": "session__engagement__client",
    "scheduling.availabilityrule": "user",
    "scheduling.availabilityexception": "user",
    "scheduling.bookinglimits": "user",
    "scheduling.calendarfeed": "user",
    "salons.visit": "student",
    "salons.shareconsent": "student",
    "salons.teacherreport": "student",
    "programs.application": None,
    "programs.program": None,
    "people.team": None,
    "scheduling.appointmenttype": None,
    "scheduling.closure": None,
}

# What each action says; %(actor)s and %(subject)s are filled in.
SENTENCES: dict[str, str | Promise] = {
    "session_note.read": gettext_lazy("%(actor)s read a private note about %(subject)s"),
    "session_note.shown": gettext_lazy("%(actor)s opened the private notes about %(subject)s"),
    "notes_read": gettext_lazy("%(actor)s read the private notes about %(subject)s"),
    "salon_visit_note.read": gettext_lazy(
        "%(actor)s read the private note of a salon visit of %(subject)s"
    ),
    "salon_visit_note.shown": gettext_lazy(
        "%(actor)s opened the private note of a salon visit of %(subject)s"
    ),
    "salons.consent.recorded": gettext_lazy(
        "%(actor)s recorded the consent of %(subject)s to share with a teacher"
    ),
    "salons.consent.withdrawn": gettext_lazy(
        "%(actor)s withdrew the consent of %(subject)s to share with a teacher"
    ),
    "salons.report.sent": gettext_lazy("%(actor)s sent a teacher a report about %(subject)s"),
    "reflection.read": gettext_lazy("%(actor)s read the reflections of %(subject)s"),
    "engagement.status_changed": gettext_lazy(
        "%(actor)s changed the status of the engagement with %(subject)s"
    ),
    "people.guardian_consent.recorded": gettext_lazy(
        "%(actor)s recorded a guardian's consent for %(subject)s"
    ),
    "people.guardian_consent.withdrawn": gettext_lazy(
        "%(actor)s recorded that the guardian of %(subject)s withdrew consent"
    ),
    "people.team_member.added": gettext_lazy("%(actor)s added %(subject)s to a team"),
    "people.team_member.removed": gettext_lazy("%(actor)s removed a member from %(subject)s"),
    "programs.program.created": gettext_lazy("%(actor)s created the program %(subject)s"),
    "programs.program.updated": gettext_lazy("%(actor)s changed the program %(subject)s"),
    "programs.application.accepted": gettext_lazy(
        "%(actor)s accepted the application of %(subject)s"
    ),
    "programs.application.declined": gettext_lazy(
        "%(actor)s declined the application of %(subject)s"
    ),
    "programs.application.waitlisted": gettext_lazy(
        "%(actor)s put the application of %(subject)s on the waiting list"
    ),
    "scheduling.appointment_type.created": gettext_lazy(
        "%(actor)s created the appointment type %(subject)s"
    ),
    "scheduling.appointment_type.updated": gettext_lazy(
        "%(actor)s changed the appointment type %(subject)s"
    ),
    "scheduling.appointment_type.activated": gettext_lazy(
        "%(actor)s opened the appointment type %(subject)s for booking"
    ),
    "scheduling.appointment_type.deactivated": gettext_lazy(
        "%(actor)s closed the appointment type %(subject)s for booking"
    ),
    "scheduling.availability_rule.added": gettext_lazy(
        "%(actor)s added weekly open hours for %(subject)s"
    ),
    "scheduling.availability_rule.removed": gettext_lazy(
        "%(actor)s removed weekly open hours of %(subject)s"
    ),
    "scheduling.availability_exception.added": gettext_lazy(
        "%(actor)s added a dated change to the hours of %(subject)s"
    ),
    "scheduling.availability_exception.removed": gettext_lazy(
        "%(actor)s removed a dated change to the hours of %(subject)s"
    ),
    "scheduling.booking_limits.set": gettext_lazy(
        "%(actor)s set the booking limits of %(subject)s"
    ),
    "scheduling.calendar_feed.issued": gettext_lazy(
        "%(actor)s issued a calendar feed for %(subject)s"
    ),
    "scheduling.calendar_feed.renewed": gettext_lazy(
        "%(actor)s renewed the calendar feed of %(subject)s"
    ),
    "scheduling.calendar_feed.revoked": gettext_lazy("%(actor)s revoked a calendar feed"),
    "scheduling.closure.added": gettext_lazy("%(actor)s added the closure %(subject)s"),
    "scheduling.closure.removed": gettext_lazy("%(actor)s removed the closure %(subject)s"),
    "scheduling.new_year.set": gettext_lazy("%(actor)s set the New Year closure"),
    "privacy.personal_data_exported": gettext_lazy("%(actor)s downloaded their own data"),
    "privacy.disclosure_exported": gettext_lazy(
        "%(actor)s exported the data of %(subject)s for a disclosure request"
    ),
    "client_erased": gettext_lazy("%(actor)s erased a client"),
    "retention_set": gettext_lazy("%(actor)s set the retention period"),
    "privacy.notice.changed": gettext_lazy("%(actor)s changed the privacy policy"),
    "retention_applied": gettext_lazy(
        "Ended engagements past the retention period were anonymised"
    ),
    "audit.exported": gettext_lazy("%(actor)s exported the audit log"),
    "reports.exported": gettext_lazy("%(actor)s exported figures of the program %(subject)s"),
    "surveys.invitations_sent": gettext_lazy("%(actor)s sent a survey"),
    "surveys.named_answers_read": gettext_lazy("%(actor)s read the named answers of a survey"),
    "surveys.answer_published": gettext_lazy("%(actor)s chose a survey answer for reports"),
    "surveys.answer_unpublished": gettext_lazy("%(actor)s withdrew a survey answer from reports"),
    "invitation_sent": gettext_lazy("%(actor)s sent an invitation"),
    "invitation_resent": gettext_lazy("%(actor)s sent an invitation again"),
    "invitation_revoked": gettext_lazy("%(actor)s revoked an invitation"),
    "invitation_accepted": gettext_lazy("%(actor)s accepted an invitation"),
    "membership_deactivated": gettext_lazy("%(actor)s deactivated a membership"),
    "people.member.name_corrected": gettext_lazy("%(actor)s corrected the name of %(subject)s"),
    "people.member.email_change_requested": gettext_lazy(
        "%(actor)s asked to change the email address of %(subject)s"
    ),
    "people.member.email_changed": gettext_lazy("%(actor)s confirmed a new email address"),
    "people.member.role_changed": gettext_lazy("%(actor)s changed the role of %(subject)s"),
}


@dataclass(frozen=True)
class AuditLine:
    entry: AuditEntry
    sentence: str
    reason: str


def action_label(action: str) -> str:
    """The action in words, with the people left out (for the filter)."""
    template = SENTENCES.get(action)
    return str(template) % {"actor": "…", "subject": "…"} if template is not None else action


def _person_name(family: str | None, given: str | None, erased: object) -> str:
    if erased is not None:
        return _("(erased)")
    full = f"{family or ''} {given or ''}".strip()
    # In Japanese a person in a sentence takes さん.
    return pgettext("a person named in a sentence", "%(name)s") % {"name": full} if full else "—"


def _subjects(
    organization: Organization, entries: Iterable[AuditEntry]
) -> dict[tuple[str, str], str]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.object_type in PERSON_PATHS and entry.object_id.isdigit():
            wanted[entry.object_type].add(int(entry.object_id))
    found: dict[tuple[str, str], str] = {}
    for label, ids in wanted.items():
        model = apps.get_model(label)
        manager = model._default_manager
        rows = manager.filter(pk__in=ids)
        if _has_field(model, "organization"):
            rows = rows.filter(organization=organization)
        path = PERSON_PATHS[label]
        if path is None:
            fields = ("family_name", "given_name") if label == "programs.application" else ("name",)
            for pk, *names in rows.values_list("pk", *fields):
                found[(label, str(pk))] = " ".join(n for n in names if n) or "—"
            continue
        prefix = f"{path}__" if path else ""
        for pk, family, given, erased in rows.values_list(
            "pk", f"{prefix}family_name", f"{prefix}given_name", f"{prefix}erased_at"
        ):
            found[(label, str(pk))] = _person_name(family, given, erased)
    return found


def _has_field(model: type, name: str) -> bool:
    try:
        model._meta.get_field(name)  # type: ignore[attr-defined]
    except FieldDoesNotExist:
        return False
    return True


def audit_lines(*, organization: Organization, entries: Iterable[AuditEntry]) -> list[AuditLine]:
    """One sentence per entry, in the active language (entries with their actors)."""
    entries = list(entries)
    subjects = _subjects(organization, entries)
    lines = []
    for entry in entries:
        actor = entry.actor.display_name if entry.actor is not None else _("Someone (erased)")
        if entry.actor_id is None and entry.redacted_at is None:
            actor = _("Bansō (automatic)")
        subject = subjects.get((entry.object_type, entry.object_id), "—")
        template = SENTENCES.get(entry.action)
        if template is None:
            sentence = _("%(actor)s: %(action)s (%(subject)s)") % {
                "actor": actor,
                "action": entry.action,
                "subject": subject,
            }
        else:
            sentence = str(template) % {"actor": actor, "subject": subject}
        lines.append(AuditLine(entry=entry, sentence=sentence, reason=entry.reason))
    return lines
