"""The steps that erasure and the retention period share: removing the personal content
of engagements, detaching a person from an organisation's rows, redacting audit details.

What stays is what reports count: engagements (program, supporter, status, dates),
sessions (when, mode, status, topics), that a reflection was written, memberships and
client profiles by category, venue and grade. Everything a person wrote or was told, and
everything that names them, goes."""

import secrets
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from bansou.accounts.models import User
from bansou.audit.models import AppendOnly, AuditEntry
from bansou.engagements.models import (
    Engagement,
    EngagementEvent,
    Meeting,
    Nudge,
    Reflection,
    ReflectionLink,
    Session,
    SessionNote,
    SessionRecord,
)
from bansou.matching.models import MatchRequest
from bansou.orgs.models import Organization

ERASED_DOMAIN = "erased.invalid"


def new_tombstone_address() -> str:
    """An address that names nobody and can receive nothing (.invalid, RFC 2606)."""
    return f"erased-{secrets.token_hex(12)}@{ERASED_DOMAIN}"


def new_tombstone() -> User:
    """A person with no name, no address that can receive mail and no way to sign in:
    what an organisation's rows point at once their person is gone. One per erased
    person (or per anonymised engagement), so counts of distinct people survive."""
    tombstone = User(
        email=new_tombstone_address(),
        is_active=False,
        erased_at=timezone.now(),
    )
    tombstone.set_unusable_password()
    tombstone.save()
    return tombstone


def identifying_strings(user: User, *extra: str, parts: bool = False) -> list[str]:
    """How a person's name and address can appear in free text: 姓名 with and without a
    space (half- or full-width), the reading, the address; with ``parts``, each name on
    its own too (for text about this person only: 「田中」 alone also names others).
    Blank parts are skipped."""
    names = [
        (user.family_name, user.given_name),
        (user.family_name_kana, user.given_name_kana),
    ]
    found = {user.email, *extra}
    if parts:
        found |= {part for pair in names for part in pair}
    for family, given in names:
        if family and given:
            found |= {f"{family} {given}", f"{family}\u3000{given}", f"{family}{given}"}
    return sorted((s for s in found if s and len(s) >= 2), key=len, reverse=True)


def scrub(text: str, strings: Iterable[str], *, placeholder: str = "") -> str:
    """``text`` with every occurrence of ``strings`` replaced (compared after NFKC, so a
    full-width spelling of the address is caught too)."""
    normal = unicodedata.normalize("NFKC", text)
    for string in strings:
        text = text.replace(string, placeholder)
        folded = unicodedata.normalize("NFKC", string)
        if folded in normal and folded not in text:
            continue
        text = text.replace(folded, placeholder)
    return text


def contains_any(field: str, strings: Iterable[str]) -> Q:
    condition = Q(pk__in=[])
    for string in strings:
        condition |= Q(**{f"{field}__contains": string})
    return condition


def strip_engagements(*, organization: Organization, engagement_ids: list[int]) -> int:
    """Removes what was written in these engagements and by whom it was told: goals and
    next steps, reasons, places, summaries, private notes, reflection texts, reflection
    links, reminders sent as nudges. Their audit entries keep what happened, not why."""
    engagements = Engagement.objects.filter(organization=organization, pk__in=engagement_ids)
    sessions = Session.objects.filter(organization=organization, engagement_id__in=engagement_ids)
    session_ids = list(sessions.values_list("pk", flat=True))
    note_ids = list(
        SessionNote.objects.filter(
            organization=organization, session_id__in=session_ids
        ).values_list("pk", flat=True)
    )
    reflection_ids = list(
        Reflection.objects.filter(
            organization=organization, session_id__in=session_ids
        ).values_list("pk", flat=True)
    )
    redact_audit_about(
        organization=organization,
        objects={
            Engagement: engagement_ids,
            Session: session_ids,
            SessionNote: note_ids,
            Reflection: reflection_ids,
        },
    )
    engagements.update(goals="", next_steps="", anonymised_at=timezone.now())
    EngagementEvent.objects.filter(
        organization=organization, engagement_id__in=engagement_ids
    ).update(reason="")
    sessions.update(place="", cancel_reason="")
    SessionRecord.objects.filter(organization=organization, session_id__in=session_ids).update(
        shared_summary=""
    )
    SessionNote.objects.filter(organization=organization, pk__in=note_ids).delete()
    Reflection.objects.filter(organization=organization, pk__in=reflection_ids).update(
        important="", noticed="", next_step=""
    )
    ReflectionLink.objects.filter(organization=organization, session_id__in=session_ids).delete()
    Nudge.objects.filter(organization=organization, engagement_id__in=engagement_ids).delete()
    MatchRequest.objects.filter(organization=organization, engagement_id__in=engagement_ids).update(
        message=""
    )
    return len(engagement_ids)


def redact_audit_about(
    *,
    organization: Organization,
    objects: dict[type[models.Model], Iterable[Any]],
    person: User | None = None,
    detach: User | None = None,
    mentions: Iterable[str] = (),
) -> int:
    """Clears the details (reason, data, address) of the organisation's audit entries about
    these objects, by ``person``, or whose reason mentions them; ``person``'s own entries
    lose their actor too, and so do ``detach``'s entries about these objects. What
    happened, to which object and when stay (audit.models)."""
    about = Q(pk__in=[])
    for model, ids in objects.items():
        keys = [str(pk) for pk in ids]
        if keys:
            about |= Q(object_type=model._meta.label_lower, object_id__in=keys)
    about |= contains_any("reason", mentions)
    entries = AuditEntry.objects.filter(organization=organization)
    redacted = 0
    if person is not None:
        redacted += entries.filter(actor=person).redact(detach_person=True)  # type: ignore[attr-defined]
    if detach is not None:
        redacted += entries.filter(about, actor=detach).redact(detach_person=True)  # type: ignore[attr-defined]
    redacted += entries.filter(about).redact()  # type: ignore[attr-defined]
    return redacted


def user_references(
    *, exclude: Iterable[type[models.Model]] = ()
) -> list[tuple[type[models.Model], str]]:
    """Every (tenant model, field) that points at a person, found from the models
    themselves so that a model added later is detached too (audit rows are redacted, not
    re-pointed, and are left out)."""
    skipped = set(exclude)
    found = []
    for model in apps.get_models():
        if (
            model in skipped
            or issubclass(model, AppendOnly)
            or not any(f.name == "organization" for f in model._meta.fields)
        ):
            continue
        for field in model._meta.fields:
            if field.is_relation and field.related_model is _user_model():
                found.append((model, field.name))
    return found


def _user_model() -> type[models.Model]:
    return apps.get_model(settings.AUTH_USER_MODEL)


def reassign(
    *,
    organization: Organization,
    person: User,
    to: User,
    exclude: Iterable[type[models.Model]] = (),
) -> int:
    """Points every row of the organisation that names ``person`` at ``to`` instead."""
    moved = 0
    for model, field in user_references(exclude=exclude):
        manager: Any = model._default_manager
        moved += manager.filter(organization=organization, **{field: person}).update(**{field: to})
    attendance: Any = Meeting.attendees.through  # the one many-to-many to a person
    moved += attendance.objects.filter(meeting__organization=organization, user=person).update(
        user=to
    )
    return moved
