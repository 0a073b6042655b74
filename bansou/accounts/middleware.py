import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

SESSION_LOGIN_AT_KEY = "bansou_login_at"


class AbsoluteSessionLimitMiddleware:
    """Ends a session 12 hours after login however active it is. The idle limit is
    Django's own SESSION_COOKIE_AGE with SESSION_SAVE_EVERY_REQUEST."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            login_at = request.session.setdefault(SESSION_LOGIN_AT_KEY, now)
            if now - int(login_at) > settings.SESSION_ABSOLUTE_LIMIT_SECONDS:
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
                return redirect(settings.LOGIN_URL)
        return self.get_response(request)


class UserLanguageMiddleware:
    """A signed-in person sees their own language (profile setting) unless they chose one
    with the language switcher in this browser, which sets the language cookie."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and request.user.language in dict(settings.LANGUAGES)
        ):
            translation.activate(request.user.language)
            request.LANGUAGE_CODE = request.user.language
        return self.get_response(request)
