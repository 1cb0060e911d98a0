"""API authentication: the browser's session (CSRF enforced) or a personal bearer token."""

from __future__ import annotations

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from community.models import ApiToken


class TokenAuth(HttpBearer):
    """`Authorization: Bearer fh_…` — a personal API token."""

    def authenticate(self, request, token: str):
        found = ApiToken.lookup(token)
        if found is None or not found.user.is_active:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.user = found.user
        return found.user


session_auth = SessionAuth(csrf=True)
token_auth = TokenAuth()
AUTH = [session_auth, token_auth]
