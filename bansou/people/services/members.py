"""A coordinator corrects a member: 姓・名, セイ・メイ, the email address and the role.

- Names and the address belong to the person, not to one organisation: they are corrected
  here only while the person belongs to this organisation alone
  (``orgs.selectors.belongs_elsewhere``); otherwise the person corrects them in their own
  profile and account pages, and the page says so.
- An address counts only once confirmed. A new one is stored as an unconfirmed allauth
  ``EmailAddress`` and mailed a link (allauth's ``EmailConfirmationHMAC`` key); the login,
  reset links and sign-in codes stay on the old address until the link is opened
  (``email_change_confirm``), when the new one becomes the primary address and the login.
  The person, at the old address, is told at once that a change was requested.
- The role: the organisation's coordinators are locked before anything is checked, so two
  coordinators demoting each other at once leave one coordinator, never none.

Every change writes an audit entry naming the membership (never the names or addresses).
"""

from dataclasses import dataclass

from allauth.account import app_settings as allauth_settings
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bansou.accounts.addresses import clean_email
from bansou.accounts.models import User
from bansou.accounts.names import (
    normalize_kana,
    normalize_name,
    validate_kana,
    validate_person_name,
)
from bansou.accounts.selectors import address_taken_by_another, address_used_by_another
from bansou.audit.services import audit_log
from bansou.core.registry import app_modules
from bansou.core.roles import Role
from bansou.ops.mail import MailRecipient, send_templated_mail
from bansou.orgs.models import Membership, Organization
from bansou.orgs.selectors import belongs_elsewhere
from bansou.orgs.services import coordinators_locked, last_coordinator_error

NAME_FIELDS = ("family_name", "given_name", "family_name_kana", "given_name_kana")

# Apps above this one that may refuse a role change (``<app>.guards.role_change_refusal``).
ROLE_GUARD_APPS = ("engagements",)


@dataclass(frozen=True)
class Correction:
    """What a correction changed."""

    names: tuple[str, ...] = ()  # the name fields that changed
    email_requested: str = ""  # the new address now waiting for confirmation
    role_from: str = ""  # the earlier role, when the role changed

    @property
    def changed(self) -> bool:
        return bool(self.names or self.email_requested or self.role_from)


def confirm_days() -> int:
    """How long the mailed confirmation link works (allauth's setting for its own links)."""
    return int(allauth_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS)


def person_correctable_here(*, membership: Membership) -> bool:
    """Whether a coordinator of this organisation may correct the person's name and address."""
    return not belongs_elsewhere(user=membership.user, organization=membership.organization)


@transaction.atomic
def member_correct(
    *,
    membership: Membership,
    actor: User,
    family_name: str,
    given_name: str,
    family_name_kana: str,
    given_name_kana: str,
    email: str,
    role: str,
) -> Correction:
    """Applies what differs from the person's current details, all or nothing. Refusals are
    a ValidationError naming the field (a bad reading, an address another account uses, the
    last coordinator's role)."""
    member, coordinators = coordinators_locked(
        organization_id=membership.organization_id, membership_pk=membership.pk, actor=actor
    )
    person = User.objects.select_for_update().get(pk=member.user_id)
    names = _names_clean(
        person,
        family_name=family_name,
        given_name=given_name,
        family_name_kana=family_name_kana,
        given_name_kana=given_name_kana,
    )
    errors: dict[str, list[str]] = dict(names.errors)
    address, email_error = _email_clean(person, actor=actor, email=email)
    if email_error:
        errors["email"] = [email_error]
    if (names.changed or address) and belongs_elsewhere(
        user=person, organization=member.organization
    ):
        errors.setdefault("__all__", []).append(
            _(
                "This person also belongs to another organisation, so they correct their "
                "name and email address themselves."
            )
        )
    role_error = _role_error(member, coordinators=coordinators, actor=actor, role=role)
    if role_error:
        errors["role"] = [role_error]
    if errors:
        raise ValidationError(errors)
    role_from = _role_apply(member, actor=actor, role=role)
    if names.changed:
        for field, value in names.changed.items():
            setattr(person, field, value)
        person.save(update_fields=list(names.changed))
        audit_log(
            organization=member.organization,
            actor=actor,
            action="people.member.name_corrected",
            target=member,
            data={"fields": sorted(names.changed)},
        )
    if address:
        _email_request(member, person=person, actor=actor, address=address)
    return Correction(names=tuple(names.changed), email_requested=address, role_from=role_from)


@dataclass(frozen=True)
class _Names:
    changed: dict[str, str]
    errors: dict[str, list[str]]


def _names_clean(person: User, **typed: str) -> _Names:
    changed: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for field in NAME_FIELDS:
        is_kana = field.endswith("_kana")
        value = (normalize_kana if is_kana else normalize_name)(typed[field])
        try:
            if not value and field in ("family_name", "given_name"):
                raise ValidationError(_("Please enter the name."), code="required")
            (validate_kana if is_kana else validate_person_name)(value)
            model_field = User._meta.get_field(field)
            if isinstance(model_field, models.CharField):  # its length and validators
                model_field.clean(value, person)
        except ValidationError as error:
            errors[field] = list(error.messages)
            continue
        if value != getattr(person, field):
            changed[field] = value
    return _Names(changed=changed, errors=errors)


def _email_clean(person: User, *, actor: User, email: str) -> tuple[str, str]:
    """(the new address to request, or ""; why it cannot be, or "")."""
    try:
        address = clean_email(email)
    except ValidationError as error:
        return "", " ".join(error.messages)
    if address == person.email.lower():
        return "", ""
    if person.pk == actor.pk:
        return "", _(
            "Change your own address in your account's email settings: it asks for your "
            "password first."
        )
    if address_used_by_another(user=person, email=address):
        return "", _("Another account already uses this address. Please check it with the person.")
    return address, ""


def _role_error(
    member: Membership, *, coordinators: list[Membership], actor: User, role: str
) -> str:
    if role not in Role.values:
        return _("Choose one of the roles.")
    if role == member.role:
        return ""
    if not member.is_active:
        return _("This membership is deactivated: its role cannot change.")
    if role != Role.COORDINATOR:
        refusal = last_coordinator_error(membership=member, coordinators=coordinators)
        if refusal:
            return refusal
    for module in app_modules(apps=ROLE_GUARD_APPS, module="guards"):
        refusal = module.role_change_refusal(membership=member, role=role)
        if refusal:
            return str(refusal)
    return ""


def _role_apply(member: Membership, *, actor: User, role: str) -> str:
    if role == member.role:
        return ""
    before = member.role
    member.role = role
    member.save(update_fields=["role"])
    audit_log(
        organization=member.organization,
        actor=actor,
        action="people.member.role_changed",
        target=member,
        data={"from": before, "to": role},
    )
    return before


def _email_request(member: Membership, *, person: User, actor: User, address: str) -> None:
    """The new address waits, unconfirmed, beside the login; an earlier request gives way
    (its link stops working). The new address gets the link, the old one the notice."""
    EmailAddress.objects.filter(user=person, verified=False).exclude(
        email__iexact=person.email
    ).delete()
    pending = EmailAddress.objects.create(user=person, email=address, verified=False, primary=False)
    organization = member.organization
    context = {"person": person, "new_email": address, "old_email": person.email}
    send_templated_mail(
        recipient=MailRecipient(
            email=address, language=person.language, display_name=person.display_name
        ),
        organization=organization,
        subject=gettext_lazy("Please confirm your new email address"),
        template="people/email/email_change_confirm.txt",
        context={**context, "key": EmailConfirmationHMAC(pending).key, "days": confirm_days()},
    )
    send_templated_mail(
        recipient=person,
        organization=organization,
        subject=gettext_lazy("A change of your email address was requested"),
        template="people/email/email_change_requested.txt",
        context=context,
    )
    audit_log(
        organization=organization,
        actor=actor,
        action="people.member.email_change_requested",
        target=member,
    )


def email_change_pending(*, organization: Organization, key: str) -> EmailAddress | None:
    """The unconfirmed address a mailed link names, for a member of ``organization``
    (None: unknown, expired, used, replaced, or someone else's organisation)."""
    confirmation = EmailConfirmationHMAC.from_key(key)
    if confirmation is None:
        return None
    address = confirmation.email_address
    if not Membership.objects.filter(organization=organization, user_id=address.user_id).exists():
        return None
    return address


@transaction.atomic
def email_change_confirm(*, organization: Organization, key: str) -> User:
    """The person opened the link: the new address is confirmed and becomes the login and
    the primary address; the old one is removed and told."""
    refused = ValidationError(
        _(
            "This link is not valid any more: it was used, it expired, or a newer change "
            "replaced it. Please ask your organisation to send it again."
        )
    )
    pending = email_change_pending(organization=organization, key=key)
    if pending is None:
        raise refused
    person = User.objects.select_for_update().get(pk=pending.user_id)
    address = EmailAddress.objects.select_for_update().filter(pk=pending.pk, verified=False).first()
    member = Membership.objects.filter(organization=organization, user=person).first()
    if address is None or member is None:
        raise refused
    taken = ValidationError(
        _("Another account confirmed this address meanwhile. Please ask your organisation.")
    )
    if address_taken_by_another(user=person, email=address.email):
        raise taken
    old = person.email
    EmailAddress.objects.filter(user=person).exclude(pk=address.pk).delete()
    address.verified = True
    address.primary = True
    address.save(update_fields=["verified", "primary"])
    person.email = address.email
    try:
        with transaction.atomic():
            person.save(update_fields=["email"])
    except IntegrityError:
        raise taken from None
    audit_log(
        organization=organization,
        actor=person,
        action="people.member.email_changed",
        target=member,
    )
    send_templated_mail(
        recipient=MailRecipient(email=old, language=person.language),
        organization=organization,
        subject=gettext_lazy("Your email address has been changed"),
        template="people/email/email_changed.txt",
        context={"person": person, "new_email": address.email, "old_email": old},
    )
    return person


def fixed_fields(*, membership: Membership, actor: User, shared: bool) -> tuple[str, ...]:
    """The fields of the correction form that may not change here: the name and address of
    a person who also belongs to another organisation, a coordinator's own address (it
    changes in their account settings, after the password), and the role of a deactivated
    membership. ``shared``: ``not person_correctable_here(...)``."""
    fixed: list[str] = []
    if shared:
        fixed += [*NAME_FIELDS, "email"]
    if membership.user_id == actor.pk:
        fixed.append("email")
    if not membership.is_active:
        fixed.append("role")
    return tuple(dict.fromkeys(fixed))
