"""The tamper-evident ledger: append-only entries, each holding the SHA-256 of the previous."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LedgerEntry(models.Model):
    """One event that affects a count or a decision, chained per hall (docs/ledger.md)."""

    hall = models.ForeignKey(
        "community.Hall", verbose_name=_("议事厅"), on_delete=models.PROTECT, related_name="ledger"
    )
    seq = models.PositiveBigIntegerField(_("序号"))
    kind = models.CharField(_("事件类型"), max_length=40)
    payload = models.JSONField(_("内容"))
    at = models.DateTimeField(_("时间"), default=timezone.now)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64)
    hash = models.CharField(_("本条哈希"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("台账链条目")
        verbose_name_plural = _("台账链条目")
        ordering = ["hall", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "seq"], name="ledger_seq_once_per_hall")
        ]

    def __str__(self) -> str:
        return f"{self.hall_id}#{self.seq} {self.kind}"
