"""Meetings （议事会议）：agenda, check-in, speaker queue with server-side timers, minutes."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_checkin_token() -> str:
    return secrets.token_urlsafe(12)


class MeetingState(models.TextChoices):
    SCHEDULED = "scheduled", _("待召开")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")
    CANCELLED = "cancelled", _("已取消")


class Meeting(models.Model):
    """One 议事会议 of a hall; every live state (current item, check-in) is in these rows."""

    hall = models.ForeignKey(
        "community.Hall",
        verbose_name=_("议事厅"),
        on_delete=models.CASCADE,
        related_name="meetings",
    )
    title = models.CharField(_("会议名称"), max_length=80)
    starts_at = models.DateTimeField(_("开始时间"))
    venue = models.CharField(_("地点"), max_length=200)
    is_hybrid = models.BooleanField(_("线上线下同步"), default=True)
    notice = models.TextField(_("会议通知"), blank=True, max_length=5000)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主持人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录员"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    state = models.CharField(
        _("状态"), max_length=12, choices=MeetingState.choices, default=MeetingState.SCHEDULED
    )
    opened_at = models.DateTimeField(_("开会时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("散会时间"), null=True, blank=True)
    # 应到：the active members when the meeting opened (their rows are MeetingElector); None for a
    # meeting not yet opened, or opened before snapshots were kept (then counted live).
    electorate_size = models.PositiveIntegerField(_("应到人数"), null=True, blank=True)
    checkin_open = models.BooleanField(_("签到开放"), default=False)
    checkin_token = models.CharField(max_length=32, default=new_checkin_token, editable=False)
    current_item = models.ForeignKey(
        "deliberation.AgendaItem",
        verbose_name=_("当前议程"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The recorder's live notes (Markdown); each save is also kept as a MinutesVersion.
    minutes_body = models.TextField(_("会议记录"), blank=True)
    minutes_version = models.PositiveIntegerField(default=0)
    minutes_updated_at = models.DateTimeField(null=True, blank=True)
    # Assembled when the meeting closes; read-only once both confirmations are in.
    minutes_final = models.TextField(_("会议纪要"), blank=True)
    moderator_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderator_confirmed_at = models.DateTimeField(null=True, blank=True)
    recorder_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorder_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("议事会议")
        verbose_name_plural = _("议事会议")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["hall", "-starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def minutes_locked(self) -> bool:
        return bool(self.moderator_confirmed_at and self.recorder_confirmed_at)

    @property
    def held_at(self):
        """When the meeting really opened, else when it is scheduled to start."""
        return self.opened_at or self.starts_at

    @property
    def off_schedule(self) -> bool:
        """Opened on another day than scheduled, or an hour or more away from it （原定 is shown）."""
        if self.opened_at is None:
            return False
        real, planned = timezone.localtime(self.opened_at), timezone.localtime(self.starts_at)
        return real.date() != planned.date() or abs(real - planned) >= timedelta(hours=1)


class AgendaItemState(models.TextChoices):
    PENDING = "pending", _("待审议")
    OPEN = "open", _("审议中")
    DONE = "done", _("已审议")


class AgendaItem(models.Model):
    """One item of a meeting's agenda: an accepted proposal or a free item."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveIntegerField(_("顺序"), default=0)
    title = models.CharField(_("议程名称"), max_length=80)
    proposal = models.ForeignKey(
        "forum.Proposal",
        verbose_name=_("议题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    budget_minutes = models.PositiveSmallIntegerField(_("时间预算（分钟）"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=AgendaItemState.choices, default=AgendaItemState.PENDING
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("议程项")
        verbose_name_plural = _("议程项")
        ordering = ["meeting", "order", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def hall(self):
        return self.meeting.hall


class CheckInMethod(models.TextChoices):
    QR = "qr", _("扫码签到")
    MANUAL = "manual", _("主持人代签")


class CheckIn(models.Model):
    """A person present at a meeting （签到），once each."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="checkins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(_("方式"), max_length=10, choices=CheckInMethod.choices)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="checkin_once_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.meeting_id}"


class Stance(models.TextChoices):
    FOR = "for", _("赞成")
    AGAINST = "against", _("反对")
    ORDER = "order", _("秩序问题")


class SpeechState(models.TextChoices):
    WAITING = "waiting", _("等待发言")
    SPEAKING = "speaking", _("正在发言")
    DONE = "done", _("已发言")
    WITHDRAWN = "withdrawn", _("已放下")
    REMOVED = "removed", _("已移出")


class Speech(models.Model):
    """A raised hand （举手） and, once given the floor, the speech with its server deadline."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="speeches")
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="speeches")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    stance = models.CharField(_("立场"), max_length=10, choices=Stance.choices)
    state = models.CharField(
        _("状态"), max_length=10, choices=SpeechState.choices, default=SpeechState.WAITING
    )
    position = models.PositiveIntegerField(default=0)  # queue order set by raising / reordering
    raised_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True, db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=12, blank=True)  # timer | moderator | speaker | item
    extended_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("发言")
        verbose_name_plural = _("发言")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "user"],
                condition=Q(state__in=["waiting", "speaking"]),
                name="speech_one_hand_per_item",
            ),
            models.UniqueConstraint(
                fields=["meeting"], condition=Q(state="speaking"), name="speech_one_speaker"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.stance} ({self.state})"


class MinutesVersion(models.Model):
    """Each autosave of the recorder's notes, kept."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minutes_versions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("记录版本")
        verbose_name_plural = _("记录版本")
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="minutes_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} v{self.number}"


class MeetingElector(models.Model):
    """One person of a meeting's electorate （应到），as it stood when the meeting opened.

    Written once, at `meeting_open`；应到，attendance and quorum of the meeting are computed from
    these rows from then on, so members who join or leave later do not change its records."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="electors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    roles = models.JSONField(_("角色"), default=list, blank=True)  # role codes held then

    class Meta:
        verbose_name = _("应到成员")
        verbose_name_plural = _("应到成员")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="meeting_elector_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.meeting_id}"


class MeetingChangeKind(models.TextChoices):
    RESCHEDULED = "rescheduled", _("改期")
    CANCELLED = "cancelled", _("取消")


class MeetingChange(models.Model):
    """A reschedule or a cancellation of a scheduled meeting: who, when, why, what it was."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(_("变更"), max_length=12, choices=MeetingChangeKind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    reason = models.CharField(_("原因"), max_length=200)
    starts_at_before = models.DateTimeField(_("原定时间"))
    venue_before = models.CharField(_("原定地点"), max_length=200)
    starts_at_after = models.DateTimeField(_("新时间"), null=True, blank=True)
    venue_after = models.CharField(_("新地点"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("会议变更")
        verbose_name_plural = _("会议变更")
        ordering = ["meeting", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.kind}"
