"""Idempotent forms: a token per form submission, so a double-submitted form makes one record.

A form that creates something carries a hidden `submission_token` (`{% submission_token %}`, a
fresh random value each time the page is drawn). The first POST of a token claims it in the cache
and runs the view; if the view answers with a redirect (the result: the new comment, the
proposal, the resolution), the redirect is remembered for an hour. The same form sent again —
a double tap, the browser resending, the back button — gets that same redirect, with a short
note, and the view does not run again: one record, no error page. A second POST arriving while
the first is still running waits for it (`SUBMISSION_WAIT_SECONDS`).

What counts as "the same form" is the person, the token and the form's contents: the page kept
open and used again with other words (back button, a second comment typed into the old page) is
a new submission. A form whose view answers anything but a redirect (a form shown again with its
errors, a refusal page) is forgotten, so it can be corrected and sent again.

Only signed-in people's POSTs to our pages (CSRF-protected views; the API is exempt and has
none of these forms) are looked at. The cache must be shared by every process (REDIS_URL in
production) for a double submission landing on two processes to be caught.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

FIELD = "submission_token"
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
PENDING = "pending"
PENDING_SECONDS = 120  # a claim whose request died is given up after this
REMEMBER_SECONDS = 3600
IGNORED_FIELDS = {FIELD, "csrfmiddlewaretoken"}


def new_token() -> str:
    """A fresh token for one drawing of a form."""
    return secrets.token_urlsafe(16)


def submission_key(*, user_id: int, token: str, post, files=None) -> str:
    """The cache key of one submission: the person, the token and what the form said."""
    digest = hashlib.sha256()
    for name in sorted(post):
        if name in IGNORED_FIELDS:
            continue
        for value in post.getlist(name):
            digest.update(f"{name}\0{value}\0".encode())
    for name in sorted(files or {}):
        for upload in files.getlist(name):
            digest.update(f"{name}\0{upload.name}\0{upload.size}\0".encode())
    return f"submission:{user_id}:{token}:{digest.hexdigest()[:32]}"


def _wait_seconds() -> float:
    return float(getattr(settings, "SUBMISSION_WAIT_SECONDS", 10))


def _back(request: HttpRequest) -> str:
    referer = request.META.get("HTTP_REFERER", "")
    ok = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return referer if ok and referer else "/"


class SubmissionOnceMiddleware:
    """Answer a form sent twice with the first answer's redirect (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "_submission_key", None)
        if key is not None:
            location = response.get("Location") if 300 <= response.status_code < 400 else None
            if location:
                cache.set(key, location, REMEMBER_SECONDS)
            else:
                cache.delete(key)  # not done: the same form may be corrected and sent again
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or getattr(view_func, "csrf_exempt", False):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        token = request.POST.get(FIELD, "")
        if not TOKEN.fullmatch(token):
            return None
        key = submission_key(user_id=user.pk, token=token, post=request.POST, files=request.FILES)
        deadline = time.monotonic() + _wait_seconds()
        while True:
            if cache.add(key, PENDING, PENDING_SECONDS):
                request._submission_key = key  # first time: run the view, remember its answer
                return None
            seen = cache.get(key)
            if seen is not None and seen != PENDING:
                messages.info(
                    request, _("这份表单已经提交过了，没有重复记录。"), fail_silently=True
                )
                return HttpResponseRedirect(seen)
            if seen == PENDING and time.monotonic() >= deadline:
                messages.info(
                    request,
                    _("您的提交正在处理中，请稍候刷新页面查看，不必再次提交。"),
                    fail_silently=True,
                )
                return HttpResponseRedirect(_back(request))
            if seen == PENDING:
                time.sleep(0.1)
