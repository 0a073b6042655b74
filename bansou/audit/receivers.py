"""Sign-ins, failed sign-ins and throttled attempts, recorded as security events."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from bansou.accounts.models import User
from bansou.accounts.signals import login_throttled
from bansou.audit.models import SecurityEvent
from bansou.audit.services import security_event


def _account(login: str) -> User | None:
    return User.objects.filter(email__iexact=login.strip()).first() if login.strip() else None


@receiver(user_logged_in)
def record_login(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    security_event(kind=SecurityEvent.Kind.LOGIN, request=request, user=user)


@receiver(user_login_failed)
def record_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    login = str(credentials.get("email") or credentials.get("username") or "")
    security_event(
        kind=SecurityEvent.Kind.LOGIN_FAILED, request=request, user=_account(login), login=login
    )


@receiver(login_throttled)
def record_lockout(sender: Any, request: HttpRequest, login: str, **kwargs: Any) -> None:
    security_event(
        kind=SecurityEvent.Kind.LOCKOUT, request=request, user=_account(login), login=login
    )
