"""Notifications: one row per person and event （通知中心），then e-mail and text message as chosen.

`notify(...)` is the one way every part tells people something (docs/notifications.md):

- the in-app row is always recorded (it is the record of who was told); a kind whose 站内提醒 the
  person switched off is recorded as already read, so it does not ring the bell;
- with a `key` (the event, e.g. "proposal:12:on_agenda:345") a person gets one row per event, so
  a retried or repeated call tells nobody twice (a unique constraint decides);
- e-mail (to people with an address) and text messages (to people with a phone number) are sent
  after the transaction commits, per kind as each person chose (defaults: `SMS_BY_DEFAULT`);
  a person who prefers the daily digest gets one e-mail a day (`send_digest`) instead; at most
  `NOTIFY_SMS_DAILY_CAP` texts a day per person; a failed send is logged and marked on the row,
  the in-app row stays.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, time

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from community import sms
from community.ids import is_row_id
from community.models import Membership, MembershipStatus, User
from community.roles import Role
from community.times import bj_format
from forum.events import NOTIFICATIONS_CHANGED, user_room
from forum.models import (
    SMS_BY_DEFAULT,
    Comment,
    Delivery,
    EmailMode,
    Follow,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationSettings,
    Proposal,
    ProposalEvent,
    ProposalState,
    Second,
    VoteOutcome,
)
from realtime.publish import publish

log = logging.getLogger(__name__)

SENDING = (Delivery.PENDING, Delivery.SENT)


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def publish_unread(user_id: int, latest: str = "") -> None:
    unread = Notification.objects.filter(recipient_id=user_id, read_at__isnull=True).count()
    publish(user_room(user_id), NOTIFICATIONS_CHANGED, {"unread": unread, "latest": latest})


def sms_daily_cap() -> int:
    return int(getattr(settings, "NOTIFY_SMS_DAILY_CAP", 5))


def sms_number(user) -> str:
    """The number a person's texts go to ("" = none): the account's phone number, once she has
    proved it is hers with a code (docs/accounts.md) — never a number merely typed in."""
    if getattr(user, "phone_verified_at", None) is None:
        return ""
    return (getattr(user, "phone", "") or "").strip()


def absolute(url: str) -> str:
    """A link for an e-mail or a text: `SITE_URL` + the path (the path alone when unset)."""
    if not url or url.startswith("http"):
        return url
    return getattr(settings, "SITE_URL", "").rstrip("/") + url


def channels_for(pref: NotificationPreference | None, kind: str) -> tuple[bool, bool, bool]:
    """(in-app bell, e-mail, text message) for a kind: the person's choice or the default."""
    if pref is None:
        return True, True, kind in SMS_BY_DEFAULT
    return pref.in_app, pref.email, pref.sms


def _start_of_today() -> datetime:
    today = timezone.localdate()
    return timezone.make_aware(datetime.combine(today, time.min))


def _texts_today(user_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        Notification.objects.filter(
            recipient_id__in=list(user_ids), sms__in=SENDING, created_at__gte=_start_of_today()
        )
        .values("recipient_id")
        .annotate(n=Count("pk"))
    )
    return {r["recipient_id"]: r["n"] for r in rows}


def _insert(rows: list[Notification]) -> list[Notification]:
    """Insert the rows; a row whose (recipient, key) exists already is left out (a retry)."""
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(rows)
    except IntegrityError:
        kept = []
        for row in rows:
            row.pk = None
            try:
                with transaction.atomic():
                    row.save(force_insert=True)
            except IntegrityError:
                continue
            kept.append(row)
        return kept


def notify(
    *,
    recipients: Iterable,
    kind: str,
    text: str,
    actor=None,
    proposal: Proposal | None = None,
    comment: Comment | None = None,
    url: str = "",
    key: str = "",
) -> list[Notification]:
    """Tell each recipient (never the actor) once per `key`, in the channels they chose for `kind`.

    The link is the proposal (and comment) when given, else `url` (e.g. a task's page).
    Returns the rows created (none for people told of this event before).
    """
    people = {u.pk: u for u in recipients if u is not None}
    if actor is not None:
        people.pop(actor.pk, None)
    if key and people:
        told = Notification.objects.filter(recipient_id__in=list(people), key=key)
        for uid in told.values_list("recipient_id", flat=True):
            people.pop(uid, None)
    if not people:
        return []
    prefs = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user_id__in=list(people), kind=kind)
    }
    digest = set(
        NotificationSettings.objects.filter(
            user_id__in=list(people), email_mode=EmailMode.DIGEST
        ).values_list("user_id", flat=True)
    )
    if proposal is not None:
        url = f"/proposals/{proposal.pk}/"
        if comment is not None:
            url += f"#c{comment.pk}"
    now = timezone.now()
    wants_text = {
        uid
        for uid, user in people.items()
        if channels_for(prefs.get(uid), kind)[2] and sms_number(user)
    }
    texts = _texts_today(wants_text) if wants_text else {}
    cap = sms_daily_cap()
    rows = []
    for uid, user in people.items():
        in_app, email, _sms = channels_for(prefs.get(uid), kind)
        email_state = Delivery.NONE
        if email and user.email:
            email_state = Delivery.DIGEST if uid in digest else Delivery.PENDING
        sms_state = Delivery.NONE
        if uid in wants_text:
            sms_state = Delivery.PENDING if texts.get(uid, 0) < cap else Delivery.CAPPED
        rows.append(
            Notification(
                recipient=user,
                kind=kind,
                actor=actor,
                proposal=proposal,
                comment=comment,
                text=text[:300],
                url=url,
                key=key[:120],
                created_at=now,
                read_at=None if in_app else now,
                email=email_state,
                sms=sms_state,
            )
        )
    created = _insert(rows)
    for n in created:
        if n.read_at is None:
            publish_unread(n.recipient_id, latest=n.text)
    outgoing = [n.pk for n in created if n.email == Delivery.PENDING or n.sms == Delivery.PENDING]
    if outgoing:
        schedule_delivery(outgoing)
    return created


def schedule_delivery(ids: list[int]) -> None:
    """Send the rows' e-mails and texts once the transaction commits (never for a rollback)."""
    transaction.on_commit(lambda: deliver(ids))


def _subject(text: str) -> str:
    return _("【芳华议事厅】") + text[:60]


def deliver(ids: list[int]) -> None:
    """Send the pending e-mails and texts of these rows; mark each sent or failed (and log)."""
    rows = Notification.objects.filter(pk__in=ids).select_related("recipient").order_by("pk")
    for n in rows:
        user = n.recipient
        link = absolute(n.url)
        if n.email == Delivery.PENDING:
            state = Delivery.FAILED
            try:
                if user.email:
                    body = n.text + (f"\n\n{link}" if link else "")
                    send_mail(_subject(n.text), body, settings.DEFAULT_FROM_EMAIL, [user.email])
                    state = Delivery.SENT
            except Exception:
                log.exception("notification %s: e-mail to user %s failed", n.pk, user.pk)
            Notification.objects.filter(pk=n.pk).update(email=state)
        if n.sms == Delivery.PENDING:
            state = Delivery.FAILED
            number = sms_number(user)
            try:
                if number:
                    sms.send_text(
                        number, _("【芳华议事厅】") + n.text[:120] + (f" {link}" if link else "")
                    )
                    state = Delivery.SENT
            except Exception:
                log.exception("notification %s: text to user %s failed", n.pk, user.pk)
            Notification.objects.filter(pk=n.pk).update(sms=state)


# --- the daily digest


def digest_send(*, user: User, today=None) -> int:
    """Send one person's daily digest: their waiting e-mails in one; once a day. Returns rows."""
    today = today or timezone.localdate()
    with transaction.atomic():
        prefs, _created = NotificationSettings.objects.select_for_update().get_or_create(user=user)
        if prefs.digest_sent_on == today:
            return 0
        rows = list(
            Notification.objects.filter(recipient=user, email=Delivery.DIGEST).order_by(
                "created_at", "pk"
            )
        )
        if not rows or not user.email:
            return 0
        prefs.digest_sent_on = today
        prefs.save(update_fields=["digest_sent_on"])
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(email=Delivery.DIGESTED)
    lines = [
        _("您好，%(name)s：以下是您在芳华议事厅的 %(n)d 条新通知。")
        % {"name": user, "n": len(rows)}
    ]
    for n in rows:
        when = bj_format(n.created_at)
        link = absolute(n.url)
        lines.append(f"· {when} {n.text}" + (f"\n  {link}" if link else ""))
    lines.append(_("不想收汇总邮件？在“通知设置”中改为每条单独发送或关闭邮件。"))
    subject = _("【芳华议事厅】每日通知汇总（%(n)d 条）") % {"n": len(rows)}
    try:
        send_mail(subject, "\n\n".join(lines), settings.DEFAULT_FROM_EMAIL, [user.email])
    except Exception:
        log.exception("digest for user %s failed", user.pk)
        Notification.objects.filter(pk__in=[n.pk for n in rows]).update(email=Delivery.FAILED)
        return 0
    return len(rows)


def digests_send(*, today=None) -> dict[int, int]:
    """Send every digest owed today: {user id: rows} for those sent (`send_digest`, from cron)."""
    waiting = (
        Notification.objects.filter(email=Delivery.DIGEST)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    sent = {}
    for user in User.objects.filter(pk__in=list(waiting), is_active=True).order_by("pk"):
        n = digest_send(user=user, today=today)
        if n:
            sent[user.pk] = n
    return sent


# --- what the parts tell


def proposal_state_notice(*, proposal: Proposal, event: ProposalEvent, actor=None) -> None:
    """Tell a proposal's author, seconders and followers that it moved (forum.workflow calls this)."""
    to = event.to_state
    state = ProposalState(to).label
    if to == ProposalState.VOTED and proposal.outcome in VoteOutcome.values:
        state += _("，结果：%(outcome)s") % {"outcome": VoteOutcome(proposal.outcome).label}
    text = _("议题「%(title)s」状态变为：%(state)s") % {"title": proposal.title, "state": state}
    if event.note:
        text += _("(%(note)s)") % {"note": event.note}
    ids = {proposal.author_id}
    ids |= set(Second.objects.filter(proposal=proposal).values_list("user_id", flat=True))
    ids |= set(Follow.objects.filter(proposal=proposal).values_list("user_id", flat=True))
    notify(
        recipients=User.objects.filter(pk__in=ids, is_active=True),
        kind=NotificationKind.STATE_CHANGED,
        text=text,
        actor=actor,
        proposal=proposal,
        key=f"proposal:{proposal.pk}:{to}:{event.pk}",
    )


def _heads(hall) -> list[User]:
    return list(
        User.objects.filter(
            memberships__hall=hall,
            memberships__status=MembershipStatus.ACTIVE,
            memberships__roles__role=Role.HEAD,
            is_active=True,
        ).distinct()
    )


def membership_notice(*, membership: Membership, change: str, actor=None, note: str = "") -> None:
    """Heads when someone applies; the applicant when approved or declined (community.hooks)."""
    hall = membership.hall
    stamp = int((membership.decided_at or membership.requested_at or timezone.now()).timestamp())
    key = f"membership:{membership.pk}:{change}:{stamp}"
    if change == "requested":
        notify(
            recipients=_heads(hall),
            kind=NotificationKind.MEMBERSHIP,
            text=_("%(name)s 申请加入「%(hall)s」，请审核。")
            % {"name": membership.user, "hall": hall},
            actor=actor,
            url=f"/halls/{hall.slug}/members/",
            key=key,
        )
    elif change == "approved":
        notify(
            recipients=[membership.user],
            kind=NotificationKind.MEMBERSHIP,
            text=_("您加入「%(hall)s」的申请已获批准，欢迎您！") % {"hall": hall},
            actor=actor,
            url=f"/halls/{hall.slug}/",
            key=key,
        )
    elif change == "declined":
        text = _("您加入「%(hall)s」的申请未获通过。") % {"hall": hall}
        if note:
            text += _("原因：%(reason)s") % {"reason": note}
        notify(
            recipients=[membership.user],
            kind=NotificationKind.MEMBERSHIP,
            text=text,
            actor=actor,
            url=f"/halls/{hall.slug}/",
            key=key,
        )


# --- a person's choices


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
def notification_preferences_set(
    *, user, prefs: dict[str, tuple[bool, ...]], email_mode: str | None = None
) -> None:
    """Set (in_app, email[, sms]) per kind for a person, and how e-mails come (each or a digest)."""
    for kind, choice in prefs.items():
        if kind not in NotificationKind.values:
            continue
        in_app, email = choice[0], choice[1]
        text = choice[2] if len(choice) > 2 else kind in SMS_BY_DEFAULT
        NotificationPreference.objects.update_or_create(
            user=user,
            kind=kind,
            defaults={"in_app": bool(in_app), "email": bool(email), "sms": bool(text)},
        )
    if email_mode in EmailMode.values:
        NotificationSettings.objects.update_or_create(
            user=user, defaults={"email_mode": email_mode}
        )
