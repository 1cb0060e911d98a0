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
# The token first: a request that carries one is not a cookie session, so CSRF (which protects
# cookies a browser sends by itself) does not apply; without a token, the session and its CSRF
# check. The other order let the session's CSRF failure refuse every token write.
AUTH = [token_auth, session_auth]
