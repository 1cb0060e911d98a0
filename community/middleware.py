"""Chinese by default: the language changes only by the page's own switch (a cookie).

Django's LocaleMiddleware would follow the browser's Accept-Language, so a phone set to English
would get English without asking; residents expect the hall in Chinese unless they switch.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from community.permissions import heads_or_administers


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class PermissionsPolicyMiddleware:
    """Send the Permissions-Policy header (settings.PERMISSIONS_POLICY) on every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "PERMISSIONS_POLICY", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response


IDLE_KEY = "fh_idle"  # in the session: {"short": bool, "seen": epoch s, "checked": epoch s}
IDLE_RECHECK_SECONDS = 600  # how often whether the person heads or administers is asked again
IDLE_TOUCH_SECONDS = 60  # the last request is written to the session at most once a minute


def now() -> int:
    return int(time.time())


def idle_state(user, t: int) -> dict:
    return {"short": heads_or_administers(user), "seen": t, "checked": t}


def start_idle_clock(sender, request, user, **kwargs) -> None:
    """On sign-in (Django's `user_logged_in`): note whether the session ends when idle."""
    if request is not None and hasattr(request, "session"):
        request.session[IDLE_KEY] = idle_state(user, now())


class IdleTimeoutMiddleware:
    """Sign out heads of halls and admins after SESSION_IDLE_TIMEOUT_MINUTES without a request.

    A head's or an admin's forgotten session on a shared phone or the community office's
    computer could approve members, change roles and run meetings; a resident's could do far
    less, and elderly residents should not have to sign in daily, so theirs stays long
    (SESSION_COOKIE_AGE). Whether the person heads or administers is asked when she signs in
    (`start_idle_clock`) and again at most every ten minutes (one or two queries), and kept in
    the session with the time of her last request, written at most once a minute for heads and
    admins: other requests cost nothing. A page request after the idle
    time leads to the sign-in page with the reason; other requests go on signed out (the API
    answers 401/403 as for anyone signed out).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timeout = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
        user = getattr(request, "user", None)
        if timeout > 0 and user is not None and user.is_authenticated:
            response = self.check(request, user, timeout)
            if response is not None:
                return response
        return self.get_response(request)

    def check(self, request, user, timeout: int):
        t = now()
        state = request.session.get(IDLE_KEY) or {}
        if state.get("short") and t - state.get("seen", t) > timeout:
            return self.sign_out(request, timeout)
        if "short" not in state or t - state.get("checked", 0) >= IDLE_RECHECK_SECONDS:
            state = idle_state(user, t)
        elif state["short"] and t - state["seen"] >= IDLE_TOUCH_SECONDS:
            state = {**state, "seen": t}
        else:
            return None
        request.session[IDLE_KEY] = state
        return None

    def sign_out(self, request, timeout: int):
        logout(request)
        messages.warning(
            request,
            _("您已有 %(minutes)s 分钟没有操作，为了账户安全，系统已自动退出登录。请重新登录。")
            % {"minutes": timeout // 60},
        )
        if request.method not in ("GET", "HEAD") or request.path.startswith("/api/"):
            return None  # continue signed out: the view refuses as for anyone signed out
        admin = request.path.startswith(reverse("admin:index"))
        login_url = reverse("admin:login") if admin else resolve_url(settings.LOGIN_URL)
        if request.path == login_url:
            return None
        return redirect_to_login(request.get_full_path(), login_url)
