"""Notifications: in-app rows (通知中心), email where the person has an address, per-kind choice."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from community.ids import is_row_id
from forum.events import NOTIFICATIONS_CHANGED, user_room
from forum.models import (
    Comment,
    Notification,
    NotificationKind,
    NotificationPreference,
    Proposal,
)
from realtime.publish import publish


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def publish_unread(user_id: int, latest: str = "") -> None:
    unread = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()
    publish(user_room(user_id), NOTIFICATIONS_CHANGED, {"unread": unread, "latest": latest})


def notify(
    *,
    recipients: Iterable,
    kind: str,
    text: str,
    actor=None,
    proposal: Proposal | None = None,
    comment: Comment | None = None,
    url: str = "",
) -> list[Notification]:
    """Notify each recipient (never the actor) as their preferences for `kind` allow.

    The link is the proposal (and comment) when given, else `url` (e.g. a task's page).
    """
    people = {u.pk: u for u in recipients if u is not None}
    if actor is not None:
        people.pop(actor.pk, None)
    if not people:
        return []
    prefs = {
        p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=people, kind=kind)
    }
    if proposal is not None:
        url = f"/proposals/{proposal.pk}/"
        if comment is not None:
            url += f"#c{comment.pk}"
    created = []
    mail_to = []
    for uid, user in people.items():
        pref = prefs.get(uid)
        if pref is None or pref.in_app:
            created.append(
                Notification(
                    recipient=user,
                    kind=kind,
                    actor=actor,
                    proposal=proposal,
                    comment=comment,
                    text=text[:300],
                    url=url,
                )
            )
        if (pref is None or pref.email) and user.email:
            mail_to.append(user.email)
    Notification.objects.bulk_create(created)
    for n in created:
        publish_unread(n.recipient_id, latest=n.text)
    if mail_to:
        subject = f"【芳华议事厅】{text[:60]}"
        body = text + (f"\n\n{url}" if url else "")

        def send() -> None:
            for address in mail_to:
                send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=True)

        transaction.on_commit(send)
    return created


@transaction.atomic
def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark some (or all) of a person's notifications read; return how many changed."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        # An id no database can hold names no notification (and would be a 500 in the query).
        qs = qs.filter(pk__in=[i for i in ids if is_row_id(i)])
    changed = qs.update(read_at=timezone.now())
    if changed:
        publish_unread(user.pk)
    return changed


@transaction.atomic
def notification_preferences_set(*, user, prefs: dict[str, tuple[bool, bool]]) -> None:
    """Set (in_app, email) per kind for a person."""
    for kind, (in_app, email) in prefs.items():
        if kind not in NotificationKind.values:
            continue
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"in_app": bool(in_app), "email": bool(email)}
        )
