"""What a ballot tells its electors: it opened (online) and it closes soon (for those who have not
voted). Live ballots are cast in the meeting room: the people there see them, nobody is paged.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import User
from community.times import bj_format
from deliberation.models import Ballot, Elector, Participation
from deliberation.votes.choices import BallotMode, BallotState
from forum.models import NotificationKind
from forum.notifications import notify


def ballot_url(ballot: Ballot) -> str:
    return f"/ballots/{ballot.pk}/"


def _until(at: datetime) -> str:
    return bj_format(at)  # the site's one format (community/times.py)


def ballot_opened_notice(*, ballot: Ballot, actor=None) -> None:
    """Tell every elector that an online ballot is open (the person who opened it is not told)."""
    if ballot.mode != BallotMode.ONLINE:
        return
    electors = User.objects.filter(
        pk__in=Elector.objects.filter(ballot=ballot).values("user_id"), is_active=True
    )
    text = _("可以投票了：「%(title)s」，请在 %(until)s 前在网上投票。") % {
        "title": ballot.title,
        "until": _until(ballot.ends_at),
    }
    notify(
        recipients=electors,
        kind=NotificationKind.BALLOT,
        text=text,
        actor=actor,
        url=ballot_url(ballot),
        key=f"ballot:{ballot.pk}:opened",
    )


def reminder_hours() -> int:
    return int(getattr(settings, "NOTIFY_BALLOT_REMINDER_HOURS", 36))


def ballot_reminders_send(*, now: datetime | None = None) -> list[Ballot]:
    """Remind electors who have not voted that an online ballot closes soon; once per ballot.

    Due: open online ballots ending within `NOTIFY_BALLOT_REMINDER_HOURS` (default 36, so a daily
    run reminds a day or so before) that opened at least 12 hours ago (not right after the
    opening notice). `send_reminders` calls this (from cron).
    """
    now = now or timezone.now()
    due = Ballot.objects.filter(
        state=BallotState.OPEN,
        mode=BallotMode.ONLINE,
        ends_at__gt=now,
        ends_at__lte=now + timedelta(hours=reminder_hours()),
        opened_at__lte=now - timedelta(hours=12),
    ).order_by("ends_at", "pk")
    sent = []
    for ballot in due:
        voted = Participation.objects.filter(ballot=ballot).values("user_id")
        electors = User.objects.filter(
            pk__in=Elector.objects.filter(ballot=ballot).values("user_id"), is_active=True
        ).exclude(pk__in=voted)
        created = notify(
            recipients=electors,
            kind=NotificationKind.BALLOT,
            text=_("投票提醒：「%(title)s」将于 %(until)s 截止，您还没有投票。")
            % {"title": ballot.title, "until": _until(ballot.ends_at)},
            url=ballot_url(ballot),
            key=f"ballot:{ballot.pk}:closing",
        )
        if created:
            sent.append(ballot)
    return sent
