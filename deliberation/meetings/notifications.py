"""What a meeting tells the hall's members: scheduled, rescheduled, cancelled, and the day before.

All active members are told (a hall that needs a ⅔ quorum lives on people knowing the date),
once per event (`key`), in the channels each chose (forum.notifications, docs/notifications.md).
`meeting_changed_notice` is what the reschedule and cancel services call.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from community.selectors import approved_residents
from deliberation.models import Meeting, MeetingState
from forum.models import NotificationKind
from forum.notifications import notify

# The day of the week after 周（"Fri" in English）.
WEEKDAYS = (
    pgettext_lazy("weekday", "一"),
    pgettext_lazy("weekday", "二"),
    pgettext_lazy("weekday", "三"),
    pgettext_lazy("weekday", "四"),
    pgettext_lazy("weekday", "五"),
    pgettext_lazy("weekday", "六"),
    pgettext_lazy("weekday", "日"),
)


def when(at: datetime) -> str:
    """E.g. 12月5日（周五）19:00, in the hall's time."""
    local = timezone.localtime(at)
    return _("%(m)d月%(d)d日（周%(w)s）%(t)s") % {
        "m": local.month,
        "d": local.day,
        "w": WEEKDAYS[local.weekday()],
        "t": local.strftime("%H:%M"),
    }


def meeting_url(meeting: Meeting) -> str:
    return f"/meetings/{meeting.pk}/"


def _stamp(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y%m%d%H%M")


def _members(meeting: Meeting):
    return approved_residents(hall=meeting.hall)


def meeting_scheduled_notice(*, meeting: Meeting, actor=None) -> None:
    """Tell all active members that a meeting was scheduled (the scheduler is not told)."""
    notify(
        recipients=_members(meeting),
        kind=NotificationKind.MEETING,
        text=_("会议通知：「%(title)s」定于 %(when)s 在%(venue)s召开，请准时参加。")
        % {"title": meeting.title, "when": when(meeting.starts_at), "venue": meeting.venue},
        actor=actor,
        url=meeting_url(meeting),
        key=f"meeting:{meeting.pk}:scheduled",
    )


def meeting_changed_notice(
    *, meeting: Meeting, change: str, reason: str = "", actor=None, was: datetime | None = None
) -> None:
    """Tell all active members that a meeting was rescheduled or cancelled, with the reason.

    `change` is "rescheduled" (call it after `starts_at`/`venue` changed; `was` = the old time)
    or "cancelled". Each new time is its own event; a repeated call tells nobody twice.
    """
    values = {
        "title": meeting.title,
        "when": when(meeting.starts_at),
        "was": when(was) if was else "",
        "venue": meeting.venue,
    }
    if change == "rescheduled":
        if was:
            text = _("会议改期：「%(title)s」由 %(was)s 改为 %(when)s，在%(venue)s召开。") % values
        else:
            text = _("会议改期：「%(title)s」改为 %(when)s，在%(venue)s召开。") % values
        key = f"meeting:{meeting.pk}:rescheduled:{_stamp(meeting.starts_at)}"
    elif change == "cancelled":
        text = _("会议取消：原定 %(when)s 的「%(title)s」取消了。") % values
        key = f"meeting:{meeting.pk}:cancelled"
    else:
        raise ValueError(f"unknown meeting change {change!r}")
    if reason.strip():
        text += _("原因：%(reason)s") % {"reason": reason.strip()}
    notify(
        recipients=_members(meeting),
        kind=NotificationKind.MEETING,
        text=text,
        actor=actor,
        url=meeting_url(meeting),
        key=key,
    )


def meetings_to_remind(*, now: datetime) -> list[Meeting]:
    """Scheduled meetings of today (still ahead) and tomorrow, not scheduled today.

    Run daily, this reminds people the day before; a meeting scheduled today was just announced
    and is reminded on its day. `send_reminders` calls this (from cron).
    """
    today = timezone.localdate(now)
    start_of_today = timezone.make_aware(datetime.combine(today, time.min))
    end_of_tomorrow = start_of_today + timedelta(days=2)
    return list(
        Meeting.objects.filter(
            state=MeetingState.SCHEDULED,
            starts_at__gt=now,
            starts_at__lt=end_of_tomorrow,
            created_at__lt=start_of_today,
        )
        .select_related("hall")
        .order_by("starts_at", "pk")
    )


def meeting_reminders_send(*, now: datetime | None = None) -> list[Meeting]:
    """Remind all active members of each meeting due (once per meeting and time); return them."""
    now = now or timezone.now()
    sent = []
    for meeting in meetings_to_remind(now=now):
        day = timezone.localdate(meeting.starts_at)
        word = _("明天") if day > timezone.localdate(now) else _("今天")
        created = notify(
            recipients=_members(meeting),
            kind=NotificationKind.MEETING_REMINDER,
            text=_("开会提醒：%(day)s %(when)s「%(title)s」在%(venue)s召开，请准时参加。")
            % {
                "day": word,
                "when": when(meeting.starts_at),
                "title": meeting.title,
                "venue": meeting.venue,
            },
            url=meeting_url(meeting),
            key=f"meeting:{meeting.pk}:reminder:{_stamp(meeting.starts_at)}",
        )
        if created:
            sent.append(meeting)
    return sent
