"""Erasing a client (APPI 第35条): after a coordinator's confirmation, everything that
names or describes the person in this organisation is removed or irreversibly
anonymised, while the counts reports are made of survive (privacy.services.anonymise).

The organisation's rows are re-pointed at a fresh nameless account, so nothing the
organisation keeps leads back to the person. Their own account keeps its name only while
another organisation still holds a membership; once none does it is anonymised too, with
the mail sent to it and the addresses it signed in from."""

import unicodedata
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_scopes import scopes_disabled

from bansou.accounts.models import User
from bansou.audit.models import AuditEntry, SecurityEvent
from bansou.audit.services import audit_log, audit_reason_error
from bansou.engagements.models import (
    OPEN_STATUS_VALUES,
    CalendarBlock,
    Engagement,
    EngagementEvent,
    Nudge,
    Session,
)
from bansou.engagements.services.blocks import blocks_release
from bansou.matching.models import MatchingProfile, MatchRanking, MatchRequest, MatchRound
from bansou.ops.models import OutboxMessage, PreparedFile
from bansou.ops.services.files import prepared_files_forget
from bansou.orgs.models import Membership, Organization
from bansou.people.models import ClientProfile, GuardianConsent
from bansou.privacy.services.anonymise import (
    contains_any,
    identifying_strings,
    new_tombstone,
    new_tombstone_address,
    reassign,
    redact_audit_about,
    scrub,
    strip_engagements,
)
from bansou.programs.models import Application
from bansou.scheduling.models import (
    AvailabilityException,
    AvailabilityRule,
    BookingLimits,
    CalendarFeed,
)
from bansou.surveys.models import Answer

ERASED_LABEL = "（削除済み）"
ALREADY_ERASED = "already_erased"
REASON_NEEDED = _lazy(
    "Please say in a few words why the client is being erased (at least %(n)s characters)."
)


@dataclass(frozen=True)
class ErasureResult:
    tombstone: User
    account_anonymised: bool


def _folded(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def confirmation_matches(*, user: User, typed: str) -> bool:
    """The coordinator types the person's name as shown (spaces and width do not count)."""
    return bool(_folded(typed)) and _folded(typed) == _folded(user.display_name)


def erase_client(
    *,
    organization: Organization,
    profile_pk: int,
    actor: User,
    confirmation: str,
    reason: str,
    ip_address: str | None = None,
) -> ErasureResult:
    """Erases the client of ``profile_pk``. The profile row is locked first, so two
    coordinators erasing at once get one erasure and one plain refusal."""
    if error := audit_reason_error(reason, message=REASON_NEEDED):
        raise ValidationError({"reason": error})
    with transaction.atomic():
        profile = (
            ClientProfile.objects.select_for_update()
            .select_related("user")
            .filter(organization=organization, pk=profile_pk)
            .first()
        )
        if profile is None or profile.user.erased_at is not None:
            raise ValidationError(_("This client has already been erased."), code=ALREADY_ERASED)
        person = profile.user
        if not confirmation_matches(user=person, typed=confirmation):
            raise ValidationError(
                {"confirmation": _("Type the client's name exactly as shown to confirm.")}
            )
        mentions = identifying_strings(person, *_application_addresses(organization, person))
        tombstone = new_tombstone()
        _erase_in_organization(
            organization=organization,
            person=person,
            tombstone=tombstone,
            mentions=mentions,
            actor=actor,
        )
        audit_log(
            organization=organization,
            actor=actor,
            action="client_erased",
            target=profile,
            reason=scrub(reason, identifying_strings(person, parts=True), placeholder=ERASED_LABEL),
            ip_address=ip_address,
        )
        anonymised = not _member_anywhere(person)
        if anonymised:
            _anonymise_account(person=person, mentions=mentions)
    return ErasureResult(tombstone=tombstone, account_anonymised=anonymised)


def _application_addresses(organization: Organization, person: User) -> list[str]:
    return list(
        Application.objects.filter(organization=organization, user=person).values_list(
            "email", flat=True
        )
    )


def _stop_open_work(*, organization: Organization, engagement_ids: list[int], actor: User) -> None:
    """An erased client is no longer accompanied: their open engagements become
    interrupted and their upcoming sessions are cancelled, freeing the supporters' time."""
    now = timezone.now()
    upcoming = Session.objects.filter(
        organization=organization,
        engagement_id__in=engagement_ids,
        status=Session.Status.SCHEDULED,
        starts_at__gte=now,
    )
    for session in upcoming:
        blocks_release(session=session)
    upcoming.update(status=Session.Status.CANCELLED, status_changed_at=now)
    for engagement in Engagement.objects.filter(
        organization=organization, pk__in=engagement_ids, status__in=OPEN_STATUS_VALUES
    ):
        EngagementEvent.objects.create(
            organization=organization,
            engagement=engagement,
            kind=EngagementEvent.Kind.STATUS,
            from_status=engagement.status,
            to_status=Engagement.Status.INTERRUPTED,
            actor=actor,
        )
    Engagement.objects.filter(
        organization=organization, pk__in=engagement_ids, status__in=OPEN_STATUS_VALUES
    ).update(status=Engagement.Status.INTERRUPTED)


def _erase_in_organization(
    *, organization: Organization, person: User, tombstone: User, mentions: list[str], actor: User
) -> None:
    org = {"organization": organization}
    engagement_ids = list(
        Engagement.objects.filter(**org, client=person).values_list("pk", flat=True)
    )
    profile_ids = list(
        ClientProfile.objects.filter(**org, user=person).values_list("pk", flat=True)
    )
    applications = Application.objects.filter(**org).filter(
        Q(user=person) | contains_any("email", mentions)
    )
    redact_audit_about(
        organization=organization,
        person=person,
        objects={
            User: [person.pk],
            ClientProfile: profile_ids,
            Application: applications.values_list("pk", flat=True),
            GuardianConsent: GuardianConsent.objects.filter(
                **org, client_id__in=profile_ids
            ).values_list("pk", flat=True),
            MatchRequest: MatchRequest.objects.filter(**org, client=person).values_list(
                "pk", flat=True
            ),
            Membership: Membership.objects.filter(**org, user=person).values_list("pk", flat=True),
        },
        mentions=mentions,
    )
    _stop_open_work(organization=organization, engagement_ids=engagement_ids, actor=actor)
    strip_engagements(organization=organization, engagement_ids=engagement_ids)
    applications.update(
        email=tombstone.email,
        family_name="",
        given_name="",
        family_name_kana="",
        given_name_kana="",
        answers=[],
        message="",
        decision_message="",
        school_or_organization="",
        guardian_name="",
        guardian_relationship="",
        guardian_contact="",
        user=tombstone,
    )
    ClientProfile.objects.filter(**org, pk__in=profile_ids).update(
        school_or_organization="", wants_help_with="", languages=[]
    )
    GuardianConsent.objects.filter(**org, client_id__in=profile_ids).update(
        guardian_name="", relationship="", note=""
    )
    MatchRequest.objects.filter(**org, client=person).update(message="")
    for model in (
        MatchingProfile,
        MatchRanking,
        CalendarFeed,
        AvailabilityRule,
        AvailabilityException,
        BookingLimits,
    ):
        model.objects.filter(**org, user=person).delete()
    Nudge.objects.filter(**org, recipient=person).delete()
    # What the person wrote in a named survey goes; their numbers stay in the figures.
    Answer.objects.filter(**org, response__respondent=person).update(
        text="", published_text="", publishable=False
    )
    # Files made for or about the person hold their data: they go, file and row.
    prepared_files_forget(
        organization=organization,
        files=PreparedFile.objects.filter(
            Q(requested_by=person) | Q(kind__startswith="privacy.", params__client=person.pk)
        ),
    )
    _relabel_match_rounds(organization=organization, person=person)
    _scrub_free_text(organization=organization, mentions=mentions, person=person)
    SecurityEvent.objects.filter(**org, user=person).redact(detach_person=True)  # type: ignore[attr-defined]
    reassign(organization=organization, person=person, to=tombstone)
    Membership.objects.filter(**org, user=tombstone).update(is_active=False)
    CalendarBlock.objects.filter(**org, user=tombstone).delete()


def _relabel_match_rounds(*, organization: Organization, person: User) -> None:
    """A matching round keeps a snapshot of its clients' names for its result page."""
    key = str(person.pk)
    for match_round in MatchRound.objects.filter(
        organization=organization, result__labels__clients__has_key=key
    ):
        match_round.result["labels"]["clients"][key] = ERASED_LABEL
        match_round.save(update_fields=["result"])


def _scrub_free_text(*, organization: Organization, mentions: list[str], person: User) -> None:
    """Mail sent to the person goes; mail to others and team history that mention them
    keep their shape with the name taken out."""
    mail = OutboxMessage.objects.filter(organization=organization)
    mail.filter(to_address__in=mentions).delete()
    for message in mail.filter(
        contains_any("subject", mentions)
        | contains_any("body", mentions)
        | contains_any("html_body", mentions)
    ):
        for field in ("subject", "body", "html_body"):
            setattr(
                message, field, scrub(getattr(message, field), mentions, placeholder=ERASED_LABEL)
            )
        message.save(update_fields=["subject", "body", "html_body"])
    for event in EngagementEvent.objects.filter(organization=organization).filter(
        contains_any("member_name", mentions) | contains_any("reason", mentions)
    ):
        event.member_name = scrub(event.member_name, mentions, placeholder=ERASED_LABEL)
        event.reason = scrub(event.reason, mentions, placeholder=ERASED_LABEL)
        event.save(update_fields=["member_name", "reason"])


def _member_anywhere(person: User) -> bool:
    with scopes_disabled():
        return Membership.objects.filter(user=person).exists()


def _anonymise_account(*, person: User, mentions: list[str]) -> None:
    """The person belongs to no organisation any more: their account loses its name,
    addresses, second factors and sign-in history, and mail without an organisation
    (sign-in codes, password resets) sent to them goes."""
    with scopes_disabled():
        OutboxMessage.objects.filter(organization=None, to_address__in=mentions).delete()
        SecurityEvent.objects.filter(user=person).redact()  # type: ignore[attr-defined]
        AuditEntry.objects.filter(actor=person).redact(detach_person=True)  # type: ignore[attr-defined]
    EmailAddress.objects.filter(user=person).delete()
    Authenticator.objects.filter(user=person).delete()
    person.email = new_tombstone_address()
    person.family_name = person.given_name = ""
    person.family_name_kana = person.given_name_kana = ""
    person.is_active = False
    person.erased_at = timezone.now()
    person.set_unusable_password()
    person.save()
