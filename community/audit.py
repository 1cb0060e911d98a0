"""The audit log （审计日志，MLPS level 2）：who did what, when, from where — append-only.

Services call `audit_record` in their transaction, so an entry exists exactly when the change
does. Sign-ins come through Django's authentication signals (the login views are Django's, so
the signals are the documented place to hear them); `community.apps` connects the receivers.
"""

from __future__ import annotations

from datetime import timedelta

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.utils import timezone

from community.models import AuditAction, AuditEntry, Hall, User

# At least six months (MLPS level 2 asks for ≥ 6 months of logs); AUDIT_RETENTION_DAYS may raise it.
MIN_RETENTION_DAYS = 183


def _label(user: User | None) -> str:
    if user is None or not getattr(user, "pk", None):
        return ""
    return f"{user.display_name or user.username}({user.username})"


def client_ip(request) -> str | None:
    """The address django-axes resolved for this request (the same rule: proxies trusted by count)."""
    if request is None:
        return None
    return get_client_ip_address(request) or None


def audit_record(
    *,
    action: str,
    actor: User | None,
    hall: Hall | None = None,
    target: str = "",
    detail: str = "",
    request=None,
    owner_id: int | None = None,
) -> AuditEntry:
    """Append one entry; `owner_id` (whose content it is) marks a superuser acting on another's."""
    return AuditEntry.objects.create(
        action=action,
        actor=actor if actor is not None and actor.pk else None,
        actor_label=_label(actor),
        hall=hall,
        target=target[:200],
        detail=detail[:500],
        ip_address=client_ip(request),
        superuser_acting=bool(
            actor is not None
            and getattr(actor, "is_superuser", False)
            and owner_id is not None
            and owner_id != actor.pk
        ),
    )


def retention_days() -> int:
    return max(MIN_RETENTION_DAYS, int(getattr(settings, "AUDIT_RETENTION_DAYS", 200)))


def audit_prune(*, now=None) -> int:
    """Delete entries older than the retention period; return how many."""
    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    deleted, _ = AuditEntry.objects.filter(at__lt=cutoff).delete()
    return deleted


# --- receivers of Django's authentication signals (connected in community.apps) ------------


def on_logged_in(sender, request, user, **kwargs) -> None:
    audit_record(action=AuditAction.LOGIN, actor=user, request=request)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, actor=user, request=request)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    # The username tried is kept (it names the account under attack); never the password.
    username = str(credentials.get("username", ""))[:150]
    if "phone" in credentials:  # a sign-in by text-message code: the number, masked (PIPL)
        username = username[:3] + "****" + username[-4:] if len(username) >= 11 else "****"
    audit_record(action=AuditAction.LOGIN_FAILED, actor=None, target=username, request=request)
