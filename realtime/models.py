"""Transport state kept in the database, so a restarted server loses nothing."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RoomSequence(models.Model):
    """The last `seq` handed out in a room (monotonic per room, across processes)."""

    room = models.CharField(max_length=80, primary_key=True)
    seq = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("房间序号")
        verbose_name_plural = _("房间序号")

    def __str__(self) -> str:
        return f"{self.room}#{self.seq}"


class Presence(models.Model):
    """One open websocket connection in a room; stale rows (no heartbeat) do not count."""

    room = models.CharField(max_length=80, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    connected_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("在线连接")
        verbose_name_plural = _("在线连接")

    def __str__(self) -> str:
        return f"{self.user_id} in {self.room}"


class PresenceState(models.Model):
    """The set of people the room's last `presence.changed` described (one row per room).

    The next event's delta (who joined, who left) is taken against this set, with the row locked,
    so processes publishing for the same room one after another each send an exact delta."""

    room = models.CharField(max_length=80, primary_key=True)
    user_ids = models.JSONField(default=list)
    seq = models.BigIntegerField(default=0)  # the seq of the event that described this set

    class Meta:
        verbose_name = _("在线名单")
        verbose_name_plural = _("在线名单")

    def __str__(self) -> str:
        return f"{self.room}: {len(self.user_ids)}"
