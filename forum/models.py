"""Proposals (议题) and their history; seconding, discussion and moderation build on these."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProposalState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    COLLECTING = "collecting", _("征集中")
    AWAITING_REVIEW = "awaiting_review", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")
    ON_AGENDA = "on_agenda", _("列入议程")
    DELIBERATING = "deliberating", _("议事中")
    VOTED = "voted", _("已表决")
    ON_NOTICE = "on_notice", _("公示中")
    IMPLEMENTING = "implementing", _("落实中")
    COMPLETED = "completed", _("已办结")
    EVALUATED = "evaluated", _("已评议")
    ARCHIVED = "archived", _("归档")


class VoteOutcome(models.TextChoices):
    PASSED = "passed", _("通过")
    FAILED = "failed", _("未通过")
    SHELVED = "shelved", _("搁置")


class Proposal(models.Model):
    """A resident's issue, from draft to archive; `state` moves only through forum.workflow."""

    hall = models.ForeignKey(
        "community.Hall",
        verbose_name=_("议事厅"),
        on_delete=models.CASCADE,
        related_name="proposals",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提议人"),
        on_delete=models.PROTECT,
        related_name="proposals",
    )
    title = models.CharField(_("标题"), max_length=80)
    body = models.TextField(_("内容"), max_length=20000)
    brand = models.ForeignKey(
        "community.ServiceBrand",
        verbose_name=_("服务品牌"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals",
    )
    building = models.ForeignKey(
        "community.Building",
        verbose_name=_("涉及楼栋"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("留空表示全小区"),
        related_name="proposals",
    )
    state = models.CharField(
        _("状态"), max_length=20, choices=ProposalState.choices, default=ProposalState.DRAFT
    )
    outcome = models.CharField(
        _("表决结果"), max_length=10, choices=VoteOutcome.choices, blank=True
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并到"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
    )
    review_reason = models.TextField(_("受理意见/不予受理理由"), blank=True)
    second_count = models.PositiveIntegerField(_("附议数"), default=0)
    comment_count = models.PositiveIntegerField(_("评论数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    last_activity_at = models.DateTimeField(_("最近活动"), default=timezone.now)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["hall", "state", "-created_at"]),
            models.Index(fields=["hall", "-last_activity_at"]),
            models.Index(fields=["hall", "-second_count"]),
            models.Index(fields=["hall", "-comment_count"]),
        ]

    def __str__(self) -> str:
        return self.title


class ProposalEvent(models.Model):
    """One transition of a proposal: who, when, from, to, note."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_state = models.CharField(
        _("原状态"), max_length=20, choices=ProposalState.choices, blank=True
    )
    to_state = models.CharField(_("新状态"), max_length=20, choices=ProposalState.choices)
    note = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("议题记录")
        verbose_name_plural = _("议题记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.from_state} → {self.to_state}"
