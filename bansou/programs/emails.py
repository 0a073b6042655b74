"""Mail to applicants, rendered in the recipient's language and sent through the outbox.
Links are on ``BANSOU_BASE_URL`` (``bansou.core.links``)."""

from urllib.parse import urlencode

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.urls import reverse

from bansou.accounts.models import User
from bansou.core.links import absolute_reverse, absolute_url
from bansou.ops.mail import MailRecipient, Recipient, send_templated_mail
from bansou.programs.models import Application, Side


def invitation_url(*, user: User, next_path: str) -> str:
    """A link to set a first password (allauth's password-reset token, valid for
    PASSWORD_RESET_TIMEOUT); a person who already has a password gets the sign-in page."""
    if user.has_usable_password():
        return absolute_url(reverse("account_login") + "?" + urlencode({"next": next_path}))
    return absolute_reverse(
        "account_reset_password_from_key",
        uidb36=user_pk_to_url_str(user),
        key=default_token_generator.make_token(user),
    )


def _public_url(application: Application) -> str:
    return absolute_reverse(
        "public:program",
        org_slug=application.organization.slug,
        program_slug=application.program.slug,
    )


def send_application_received(*, application: Application) -> None:
    """Thanks the applicant for a stored application and says what happens next, in the
    language they applied in (sent after commit)."""
    send_templated_mail(
        recipient=MailRecipient(email=application.email, language=application.language),
        organization=application.organization,
        subject_template="programs/email/received_subject.txt",
        template="programs/email/received_body.txt",
        context={
            "application": application,
            "program": application.program,
            "name": application_name(application),
            "side": Side(application.side).label,
            "public_url": _public_url(application),
        },
    )


def send_application_decision(*, application: Application, status: str) -> None:
    """Tells the applicant about the decision ``status`` (accepted, declined, waitlisted),
    through the outbox."""
    program = application.program
    organization = application.organization
    user = application.user if status == Application.Status.ACCEPTED else None
    recipient: Recipient = (
        user
        if user is not None
        else MailRecipient(email=application.email, language=application.language)
    )
    program_path = reverse(
        "programs:detail", kwargs={"org_slug": organization.slug, "program_slug": program.slug}
    )
    context = {
        "application": application,
        "program": program,
        "name": user.display_name if user is not None else application_name(application),
        "message": application.decision_message,
        "has_password": user.has_usable_password() if user is not None else False,
        "link": invitation_url(user=user, next_path=program_path) if user is not None else "",
        "link_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        "login_url": absolute_reverse("account_login"),
        "public_url": _public_url(application),
    }
    send_templated_mail(
        recipient=recipient,
        organization=organization,
        subject_template=f"programs/email/{status}_subject.txt",
        template=f"programs/email/{status}_body.txt",
        context=context,
    )


def application_name(application: Application) -> str:
    return f"{application.family_name} {application.given_name}".strip()
