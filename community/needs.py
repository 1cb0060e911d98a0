"""待我处理：what needs a signed-in member now, gathered from the apps that know it.

community sits below forum and deliberation and never imports them: each registers its
providers in its AppConfig.ready (`register_provider`), as with community/privacy.py's sections.
A provider is a read-only selector, `provider(user=..., now=...) -> list[NeedItem]`, running a
fixed number of queries whatever the number of items. The home page asks `needs_of(user)`,
which puts every item in order of urgency: what is happening now or overdue first, then what
closes soonest, then what has no deadline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from community.models import User


@dataclass(frozen=True)
class NeedItem:
    """One thing a person should do: a big card with an icon, words and one main action."""

    kind: str  # "ballot" | "result" | "meeting" | "proposal" | "task"
    icon: str
    title: str
    text: str
    action: str  # the main button's words
    url: str
    # When it closes (a date: the end of that day), or when it starts (`starts`: a meeting).
    due: datetime | date | None = None
    starts: bool = False
    live: bool = False  # happening now: a meeting in progress, a vote in the room
    live_words: str = ""  # what `live` is called on the card ("正在签到")
    hall: str = ""
    rank: int = 0  # the provider's own order among items without a deadline

    def due_moment(self) -> datetime | None:
        """`due` as a moment (a date is due at the end of that day, in the site's zone)."""
        if self.due is None or isinstance(self.due, datetime):
            return self.due
        end = datetime.combine(self.due + timedelta(days=1), time.min)
        return timezone.make_aware(end, timezone.get_current_timezone())


@dataclass(frozen=True)
class Need:
    """An item as the page shows it: its deadline in words and whether it is pressing."""

    item: NeedItem
    when: str
    pressing: bool  # overdue, live, or closing today: shown in red


Provider = Callable[..., list[NeedItem]]
_providers: list[Provider] = []


def register_provider(provider: Provider) -> Provider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def when_words(item: NeedItem, now: datetime) -> tuple[str, bool]:
    """The deadline in plain Chinese ("还剩 2 天", "今天截止", "已逾期 3 天") and if it presses."""
    if item.live:
        return item.live_words or _("正在进行"), True
    moment = item.due_moment()
    if moment is None:
        return "", False
    local = timezone.localtime(moment)
    today = timezone.localdate(now)
    # A date-only due is the end of that day: count days from the day itself.
    day = item.due if isinstance(item.due, date) and not isinstance(item.due, datetime) else None
    days = ((day or local.date()) - today).days
    if item.starts:
        at = local.strftime("%H:%M")
        if days <= 0:
            return _("今天 %(at)s 开始") % {"at": at}, True
        if days == 1:
            return _("明天 %(at)s 开始") % {"at": at}, False
        return ngettext("还有 %(n)d 天", "还有 %(n)d 天", days) % {"n": days}, False
    if moment <= now:
        late = max(1, -days)
        return ngettext("已逾期 %(n)d 天", "已逾期 %(n)d 天", late) % {"n": late}, True
    if days <= 0:
        return _("今天截止"), True
    if days == 1:
        return _("明天截止"), False
    return ngettext("还剩 %(n)d 天", "还剩 %(n)d 天", days) % {"n": days}, False


def urgency(item: NeedItem, now: datetime) -> tuple:
    """Sort key: live first, then overdue and the soonest deadline; undated last, in their order."""
    if item.live:
        return (0, now, item.rank)
    moment = item.due_moment()
    if moment is None:
        return (2, now, item.rank)
    return (1, moment, item.rank)


def needs_of(user: User, now: datetime | None = None) -> list[Need]:
    """Everything that needs `user` now, most urgent first (empty for anonymous visitors)."""
    if not getattr(user, "is_authenticated", False):
        return []
    now = now or timezone.now()
    items: list[NeedItem] = []
    for provider in _providers:
        items.extend(provider(user=user, now=now))
    items.sort(key=lambda i: urgency(i, now))
    return [Need(item, *when_words(item, now)) for item in items]
