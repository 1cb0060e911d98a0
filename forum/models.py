"""Proposals （议题） and their history; seconding, discussion and moderation build on these."""

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


class ModerationState(models.TextChoices):
    VISIBLE = "visible", _("正常")
    HIDDEN = "hidden", _("已隐藏，待审核")
    REMOVED = "removed", _("已移除")


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
    # Moderation and thread state (see forum.services).
    moderation = models.CharField(
        _("审核状态"),
        max_length=10,
        choices=ModerationState.choices,
        default=ModerationState.VISIBLE,
    )
    report_count = models.PositiveIntegerField(default=0)
    locked = models.BooleanField(_("讨论已锁定"), default=False)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["hall", "state", "-created_at"]),
            models.Index(fields=["hall", "-published_at", "-created_at"]),
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


class ProposalImage(models.Model):
    """A photo attached to a proposal; checked, re-encoded and stripped of EXIF on upload."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="images"
    )
    image = models.ImageField(_("图片"), upload_to="proposals/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    order = models.PositiveSmallIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("议题图片")
        verbose_name_plural = _("议题图片")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"image {self.pk} of {self.proposal_id}"


class Second(models.Model):
    """One person's 附议 of a proposal (once each, enforced by the database)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="seconds")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seconds"
    )
    at = models.DateTimeField(default=timezone.now)
    carried_from = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("附议")
        verbose_name_plural = _("附议")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="second_once_per_person")
        ]
        indexes = [models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.user_id} seconds {self.proposal_id}"


class Follow(models.Model):
    """A person following a proposal (author, seconders, commenters, carried over on merge)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="follow_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.proposal_id}"


class Stance(models.TextChoices):
    FOR = "for", _("赞成")
    AGAINST = "against", _("反对")
    SUGGESTION = "suggestion", _("建议")


class Comment(models.Model):
    """A comment in a proposal's thread; replies nest up to MAX_DEPTH."""

    MAX_DEPTH = 2  # 0 = top level; replies deeper than this attach to the deepest level

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("议题"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评论人"),
        on_delete=models.PROTECT,
        related_name="forum_comments",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    stance = models.CharField(_("立场"), max_length=12, choices=Stance.choices, blank=True)
    body = models.TextField(_("内容"), max_length=5000)
    # Rendered (Markdown → sanitised HTML) when written, so a long thread is not re-rendered
    # on every view; `forum_rerender` rebuilds it after a change of the sanitiser.
    body_html = models.TextField(blank=True)
    agree_count = models.PositiveIntegerField(_("认同数"), default=0)
    report_count = models.PositiveIntegerField(default=0)
    moderation = models.CharField(
        max_length=10, choices=ModerationState.choices, default=ModerationState.VISIBLE
    )
    is_deleted = models.BooleanField(_("已删除"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("评论")
        verbose_name_plural = _("评论")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["proposal", "created_at"]),
            models.Index(fields=["author", "-created_at"]),
            models.Index(fields=["moderation"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} on {self.proposal_id}"


class CommentRevision(models.Model):
    """An earlier text of an edited (or deleted) comment."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"revision of {self.comment_id}"


class Reaction(models.Model):
    """认同（agree） on a comment, once per person."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_reactions"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="reaction_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} agrees with {self.comment_id}"


class Report(models.Model):
    """A report of a comment or a proposal, with a reason （举报）."""

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_reports"
    )
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports"
    )
    reason = models.CharField(_("举报理由"), max_length=200)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposal__isnull=False, comment__isnull=True)
                | models.Q(proposal__isnull=True, comment__isnull=False),
                name="report_one_target",
            ),
            models.UniqueConstraint(
                fields=["reporter", "proposal"],
                condition=models.Q(comment__isnull=True),
                name="report_proposal_once",
            ),
            models.UniqueConstraint(fields=["reporter", "comment"], name="report_comment_once"),
        ]
        indexes = [models.Index(fields=["reporter", "-at"])]

    def __str__(self) -> str:
        return f"report by {self.reporter_id}: {self.reason}"


class ModerationDecision(models.Model):
    """A moderator's decision on a hidden item: restore or remove, with a reason."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=ModerationState.choices)
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.outcome}: {self.reason}"


class NotificationKind(models.TextChoices):
    SECONDED = "seconded", _("有人附议了我的议题")
    COMMENTED = "commented", _("有人评论了我的议题")
    REPLIED = "replied", _("有人回复了我")
    MENTIONED = "mentioned", _("有人@了我")
    STATE_CHANGED = "state_changed", _("我的议题状态变化")
    MODERATION = "moderation", _("内容审核结果")
    TASK = "task", _("治理任务分派与督办")
    RESULT = "result", _("实施结果公开与评议")
    MEETING = "meeting", _("会议安排、改期与取消")
    MEETING_REMINDER = "meeting_reminder", _("开会前一天提醒")
    BALLOT = "ballot", _("可以投票了与截止提醒")
    MEMBERSHIP = "membership", _("入会申请与审核结果")


# Which channels a kind uses when the person has not chosen (docs/notifications.md): in-app and
# e-mail for every kind (e-mail only reaches those with an address); text messages cost money and
# wake people up, so only for what makes someone come to a meeting, cast a vote or get in.
SMS_BY_DEFAULT = frozenset(
    {
        NotificationKind.MEETING,
        NotificationKind.MEETING_REMINDER,
        NotificationKind.BALLOT,
        NotificationKind.MEMBERSHIP,
    }
)


class Delivery(models.TextChoices):
    """What became of one notification on one outside channel (e-mail, text message)."""

    NONE = "", _("不发送")
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    DIGEST = "digest", _("待每日汇总")
    DIGESTED = "digested", _("已汇总发送")
    CAPPED = "capped", _("超过每日短信上限")


class Notification(models.Model):
    """An in-app notification for one person （通知中心）."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_notifications"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # The event, e.g. "proposal:12:on_agenda:345": one row per person and event ("" = no key).
    key = models.CharField(max_length=120, blank=True, default="")
    email = models.CharField(max_length=10, blank=True, default="", choices=Delivery.choices)
    sms = models.CharField(max_length=10, blank=True, default="", choices=Delivery.choices)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            models.Index(fields=["email", "recipient"], name="notification_email_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~models.Q(key=""),
                name="notification_once_per_event",
            )
        ]

    def __str__(self) -> str:
        return self.text


class NotificationPreference(models.Model):
    """A person's choice for one kind of notification (default: in-app and email on)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_notification_prefs"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    in_app = models.BooleanField(_("站内通知"), default=True)
    email = models.BooleanField(_("邮件"), default=True)
    sms = models.BooleanField(_("短信"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}"


class EmailMode(models.TextChoices):
    EACH = "each", _("每条通知发一封邮件")
    DIGEST = "digest", _("每天汇总成一封邮件")


class NotificationSettings(models.Model):
    """A person's choices that hold for every kind: single e-mails or a daily digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_notify_settings"
    )
    email_mode = models.CharField(
        _("邮件方式"), max_length=10, choices=EmailMode.choices, default=EmailMode.EACH
    )
    digest_sent_on = models.DateField(null=True, blank=True)  # the digest goes once a day

    def __str__(self) -> str:
        return f"{self.user_id}:{self.email_mode}"
