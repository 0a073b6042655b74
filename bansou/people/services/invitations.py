"""Invitations by email into a role: create, resend (a new token; the old link stops
working), revoke and accept. Only the SHA-256 digest of a token is stored, and a token is
never logged: it exists in the mail that carries it and nowhere else."""

import datetime
import secrets

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bansou.accounts.models import User
from bansou.accounts.names import normalize_kana, normalize_name
from bansou.accounts.services import user_create
from bansou.audit.services import audit_log
from bansou.core.roles import Role
from bansou.ops.mail import MailRecipient, send_templated_mail
from bansou.orgs.models import Invitation, Membership, Organization
from bansou.orgs.selectors import (
    active_member_with_email,
    invitation_account,
    invitation_problem,
    invitation_token_digest,
)
from bansou.orgs.services import membership_grant

INVITATION_LIFETIME = datetime.timedelta(days=7)


def normalize_invite_email(email: str) -> str:
    return email.strip().lower()


def invitation_refusal(*, organization: Organization, email: str) -> ValidationError | None:
    """Why ``email`` cannot be invited now (the import preview asks this for every row)."""
    try:
        validate_email(email)
    except ValidationError:
        return ValidationError({"email": _("Enter a valid email address.")})
    if active_member_with_email(organization=organization, email=email) is not None:
        return ValidationError(
            {"email": _("%(email)s is already a member of this organisation.") % {"email": email}}
        )
    pending = Invitation.objects.filter(
        organization=organization,
        email=email,
        status=Invitation.Status.PENDING,
        expires_at__gt=timezone.now(),
    )
    if pending.exists():
        return _already_invited(email)
    return None


def _already_invited(email: str) -> ValidationError:
    return ValidationError(
        {
            "email": _(
                "%(email)s has already been invited. You can resend the invitation from "
                "the list of pending invitations."
            )
            % {"email": email}
        }
    )


@transaction.atomic
def invitation_create(
    *,
    organization: Organization,
    invited_by: User | None,
    email: str,
    role: str,
    family_name: str = "",
    given_name: str = "",
    family_name_kana: str = "",
    given_name_kana: str = "",
) -> Invitation:
    """Invites ``email`` into ``role`` and mails the link once the transaction commits.
    Refused (ValidationError on ``email``) for an active member or an address with a
    pending invitation; the database constraint decides between simultaneous requests."""
    email = normalize_invite_email(email)
    refusal = invitation_refusal(organization=organization, email=email)
    if refusal is not None:
        raise refusal
    # An expired pending invitation gives way to the new one.
    Invitation.objects.filter(
        organization=organization, email=email, status=Invitation.Status.PENDING
    ).update(status=Invitation.Status.EXPIRED)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        family_name=normalize_name(family_name),
        given_name=normalize_name(given_name),
        family_name_kana=normalize_kana(family_name_kana),
        given_name_kana=normalize_kana(given_name_kana),
        token_hash=invitation_token_digest(token),
        expires_at=now + INVITATION_LIFETIME,
        invited_by=invited_by,
        sent_at=now,
    )
    invitation.full_clean(exclude=["token_hash"])
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise _already_invited(email) from None
    audit_log(
        organization=organization,
        actor=invited_by,
        action="invitation_sent",
        target=invitation,
        data={"role": role},
    )
    _send(invitation=invitation, token=token)
    return invitation


def _locked_pending(*, invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status == Invitation.Status.REVOKED:
        raise ValidationError(_("This invitation has been withdrawn."))
    if locked.status != Invitation.Status.PENDING:
        raise ValidationError(_("This invitation has already been answered."))
    return locked


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User | None) -> Invitation:
    """A new token valid for another 7 days; the link mailed before stops working."""
    locked = _locked_pending(invitation=invitation)
    if active_member_with_email(organization=locked.organization, email=locked.email):
        raise ValidationError(
            _("%(email)s is already a member of this organisation.") % {"email": locked.email}
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    locked.token_hash = invitation_token_digest(token)
    locked.expires_at = now + INVITATION_LIFETIME
    locked.sent_at = now
    locked.save(update_fields=["token_hash", "expires_at", "sent_at"])
    audit_log(organization=locked.organization, actor=by, action="invitation_resent", target=locked)
    _send(invitation=locked, token=token)
    return locked


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User | None) -> Invitation:
    locked = _locked_pending(invitation=invitation)
    locked.status = Invitation.Status.REVOKED
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at"])
    audit_log(
        organization=locked.organization, actor=by, action="invitation_revoked", target=locked
    )
    return locked


def _send(*, invitation: Invitation, token: str) -> None:
    account = invitation_account(invitation=invitation)
    recipient = account or MailRecipient(email=invitation.email, language="ja")
    send_templated_mail(
        recipient=recipient,
        organization=invitation.organization,
        subject=gettext_lazy("You are invited to join %(org)s") % {"org": invitation.organization},
        template="people/email/invitation.txt",
        context={
            "invitation": invitation,
            "token": token,
            "role": Role(invitation.role).label,
            "inviter": invitation.invited_by,
            "has_account": account is not None and account.has_usable_password(),
        },
    )


def _locked_usable(*, invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    problem = invitation_problem(invitation=locked)
    if problem is not None:
        raise ValidationError(problem)
    return locked


def _join(*, invitation: Invitation, user: User) -> Membership:
    """The mailed link was opened: the address is the person's."""
    address = EmailAddress.objects.filter(user=user, email__iexact=invitation.email).first()
    if address is None:
        address = EmailAddress(user=user, email=invitation.email, primary=not user.email)
    if not address.verified:
        address.verified = True
        address.save()
    existing = Membership.objects.filter(
        organization=invitation.organization, user=user, is_active=True
    ).first()
    membership = existing or membership_grant(
        organization=invitation.organization, user=user, role=Role(invitation.role)
    )
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_by = user
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_by", "decided_at"])
    audit_log(
        organization=invitation.organization,
        actor=user,
        action="invitation_accepted",
        target=invitation,
    )
    return membership


@transaction.atomic
def invitation_accept_signed_in(*, invitation: Invitation, user: User) -> Membership:
    """A signed-in person accepts: only the account the invitation is for."""
    locked = _locked_usable(invitation=invitation)
    account = invitation_account(invitation=locked)
    if account is None or account.pk != user.pk:
        raise ValidationError(
            _(
                "This invitation is for %(email)s. Please sign out and open the link again, "
                "or sign in with that address."
            )
            % {"email": locked.email}
        )
    return _join(invitation=locked, user=user)


@transaction.atomic
def invitation_accept_new(
    *,
    invitation: Invitation,
    password: str,
    family_name: str,
    given_name: str,
    family_name_kana: str = "",
    given_name_kana: str = "",
) -> User:
    """The invitee has no account yet (or one the organisation made, with no password):
    their name, reading and password; the address counts as confirmed."""
    locked = _locked_usable(invitation=invitation)
    account = invitation_account(invitation=locked)
    if account is not None and account.has_usable_password():
        raise ValidationError(
            _("An account with this address exists already. Please sign in to accept.")
        )
    names = {
        "family_name": normalize_name(family_name),
        "given_name": normalize_name(given_name),
        "family_name_kana": normalize_kana(family_name_kana),
        "given_name_kana": normalize_kana(given_name_kana),
    }
    if account is None:
        account = user_create(email=locked.email, password=password, email_verified=True, **names)
    else:
        for name, value in names.items():
            setattr(account, name, value)
        account.set_password(password)
        account.full_clean()
        account.save()
    _join(invitation=locked, user=account)
    return account
