from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.http import HttpRequest
from django.urls import reverse
from django.utils import translation

from bansou.accounts.middleware import activate_user_language
from bansou.accounts.models import User
from bansou.accounts.services import email_confirm_on_first_password
from bansou.accounts.signals import login_throttled
from bansou.core.links import absolute_url
from bansou.core.network import client_address


class AccountAdapter(DefaultAccountAdapter):
    """People join an organisation by invitation (or an accepted application), never by
    open sign-up. allauth's mail joins the outbox like all other mail, in the recipient's
    language, with links on ``BANSOU_BASE_URL``. An address counts once confirmed: by
    allauth's mailed code, or by setting the first password from the mailed link."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def login(self, request: HttpRequest, user: AbstractBaseUser) -> None:
        super().login(request, user)
        if isinstance(user, User):
            activate_user_language(request, user)

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            login_throttled.send(
                sender=type(self), request=request, login=str(credentials.get("email", ""))
            )
            raise

    def set_password(self, user: AbstractBaseUser, password: str) -> None:
        # A first password set from the mailed link proves the address (see the service).
        first = not user.has_usable_password()
        super().set_password(user, password)
        if first and isinstance(user, User):
            email_confirm_on_first_password(user=user)

    def send_notification_mail(
        self,
        template_prefix: str,
        user: AbstractBaseUser,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        # With the user in the context, send_mail picks the recipient's language.
        context = {"user": user, **(context or {})}
        super().send_notification_mail(template_prefix, user, context, email)

    def format_email_subject(self, subject: str) -> str:
        # allauth's default prefix is the request's Host; mail names the site like all mail.
        return f"[{settings.BANSOU_SITE_NAME}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        user = context.get("user")
        language = user.language if isinstance(user, User) and user.language else None
        with translation.override(language or translation.get_language()):
            super().send_mail(template_prefix, email, {**context, **_on_base_url(context)})

    def render_mail(
        self,
        template_prefix: str,
        email: str | list[str],
        context: dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> EmailMessage:
        message = super().render_mail(template_prefix, email, context, headers)
        # Stored in the outbox (bansou.ops), which delivers it with EMAIL_BACKEND.
        message.connection = get_connection(settings.BANSOU_OUTBOX_EMAIL_BACKEND)
        return message

    def get_client_ip(self, request: HttpRequest) -> str:
        # Login throttling counts per address: the one rule of bansou.core.network, with
        # X-Forwarded-For believed only from BANSOU_TRUSTED_PROXIES.
        address = client_address(request)
        if not address:
            raise PermissionDenied("Unable to determine client IP address")
        return address

    def get_reset_password_from_key_url(self, key: str) -> str:
        path = reverse(
            "account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"}
        ).replace("UID-KEY", quote(key))
        return absolute_url(path)


@dataclass(frozen=True)
class MailSite:
    """What allauth's mail templates read as ``current_site``: the site's name and public
    address, instead of the Host header of the request that caused the mail."""

    name: str
    domain: str


# allauth builds these from the request's Host; mail carries them on BANSOU_BASE_URL.
URL_KEYS = ("password_reset_url", "activate_url", "signup_url")


def _on_base_url(context: dict[str, Any]) -> dict[str, Any]:
    links: dict[str, Any] = {
        "current_site": MailSite(name=settings.BANSOU_SITE_NAME, domain=absolute_url("/")),
        "login_url": absolute_url(reverse("account_login")),
    }
    for key in URL_KEYS:
        if context.get(key):
            parts = urlsplit(str(context[key]))
            links[key] = absolute_url(urlunsplit(("", "", parts.path, parts.query, "")))
    return links
