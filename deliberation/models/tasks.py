"""Governance tasks （治理任务），their results （实施结果公开） and residents' evaluation （评议）.

决议 → 落实 → 实施结果公开 → 评议 → 归档：a resolution that took effect is broken into tasks;
each task has one state machine (every move a `TaskEvent`), an owner who posts progress
reports, optional weighted sub-tasks; when all tasks of a resolution are done a
`ResultPublication` opens an evaluation round in which each resident of the place concerned
rates the result once. Too many 不满意 reopens the tasks (a new round follows later).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TaskState(models.TextChoices):
    PENDING = "pending", _("待开始")
    IN_PROGRESS = "in_progress", _("进行中")
    BLOCKED = "blocked", _("受阻")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class GovernanceTask(models.Model):
    """治理任务：one piece of a resolution's implementation, with an owner and a due date."""

    hall = models.ForeignKey(
        "community.Hall", verbose_name=_("议事厅"), on_delete=models.CASCADE, related_name="tasks"
    )
    resolution = models.ForeignKey(
        "deliberation.Resolution",
        verbose_name=_("决议"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    title = models.CharField(_("任务名称"), max_length=80)
    description = models.TextField(_("任务说明"), blank=True, max_length=10000)
    description_html = models.TextField(blank=True, editable=False)
    brand = models.ForeignKey(
        "community.ServiceBrand",
        verbose_name=_("服务品牌"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("执行负责人"),
        on_delete=models.PROTECT,
        related_name="owned_tasks",
    )
    volunteers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("志愿者"),
        blank=True,
        related_name="volunteer_tasks",
    )
    # None: the whole compound.
    building = models.ForeignKey(
        "community.Building",
        verbose_name=_("楼栋/网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    due_on = models.DateField(_("完成期限"))
    state = models.CharField(
        _("状态"), max_length=12, choices=TaskState.choices, default=TaskState.PENDING
    )
    # Why the task is blocked or cancelled (required for those two states).
    state_reason = models.CharField(_("原因"), max_length=300, blank=True)
    # Used only when the task has no sub-tasks; otherwise progress derives from them.
    manual_progress = models.PositiveSmallIntegerField(
        _("进度（%）"), default=0, validators=[MaxValueValidator(100)]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # 督办 reminders, each sent once (send_reminders); cleared when the due date moves.
    due_soon_sent_at = models.DateTimeField(_("到期提醒时间"), null=True, blank=True)
    overdue_sent_at = models.DateTimeField(_("逾期督办时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("治理任务")
        verbose_name_plural = _("治理任务")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["hall", "state"]),
            models.Index(fields=["state", "due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(manual_progress__lte=100), name="task_progress_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state in (TaskState.PENDING, TaskState.IN_PROGRESS, TaskState.BLOCKED)

    def is_overdue(self, today=None) -> bool:
        """督办：an open task past its due date (dates in the site's zone, Asia/Shanghai)."""
        today = today or timezone.localdate()
        return self.is_open and self.due_on < today


class SubTask(models.Model):
    """A weighted step of a task; the task's progress is the done weight over all weight."""

    task = models.ForeignKey(GovernanceTask, on_delete=models.CASCADE, related_name="subtasks")
    title = models.CharField(_("子任务"), max_length=80)
    weight = models.PositiveSmallIntegerField(
        _("权重"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    done = models.BooleanField(_("已完成"), default=False)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("子任务")
        verbose_name_plural = _("子任务")
        ordering = ["order", "pk"]
        constraints = [models.CheckConstraint(condition=Q(weight__gte=1), name="subtask_weight_1")]

    def __str__(self) -> str:
        return self.title


class TaskEvent(models.Model):
    """One move of a task's state machine (or its creation: from_state empty)."""

    task = models.ForeignKey(GovernanceTask, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_state = models.CharField(_("原状态"), max_length=12, blank=True)
    to_state = models.CharField(_("新状态"), max_length=12, choices=TaskState.choices)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("任务记录")
        verbose_name_plural = _("任务记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.from_state} → {self.to_state}"


class ProgressReport(models.Model):
    """进展报告：the owner's (or a volunteer's) report on the task's timeline."""

    task = models.ForeignKey(GovernanceTask, on_delete=models.CASCADE, related_name="reports")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报告人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField(_("进展情况"), max_length=10000)
    body_html = models.TextField(blank=True, editable=False)
    # The task's progress when the report was posted.
    progress = models.PositiveSmallIntegerField(_("当时进度（%）"), default=0)
    created_at = models.DateTimeField(_("报告时间"), default=timezone.now)

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:30]


class ProgressReportImage(models.Model):
    """A photo of a progress report; checked, re-encoded and stripped of EXIF on upload."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("图片"), upload_to="tasks/%Y/%m/")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    order = models.PositiveSmallIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("进展图片")
        verbose_name_plural = _("进展图片")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"image {self.pk} of report {self.report_id}"


class ResultState(models.TextChoices):
    EVALUATING = "evaluating", _("评议中")
    ACCEPTED = "accepted", _("评议通过")
    REOPENED = "reopened", _("不满意，重新落实")


class ResultPublication(models.Model):
    """实施结果公开：the result of a resolution's tasks, on the notice board; one evaluation round.

    A resolution has one publication per round: when residents find a result unsatisfactory
    its tasks are reopened and, once done again, a new publication (round + 1) follows.
    """

    hall = models.ForeignKey(
        "community.Hall", verbose_name=_("议事厅"), on_delete=models.CASCADE, related_name="results"
    )
    resolution = models.ForeignKey(
        "deliberation.Resolution",
        verbose_name=_("决议"),
        on_delete=models.PROTECT,
        related_name="results",
    )
    round = models.PositiveSmallIntegerField(_("轮次"), default=1)
    summary = models.TextField(_("实施结果"), max_length=10000)
    summary_html = models.TextField(blank=True, editable=False)
    published_at = models.DateTimeField(_("公开时间"), default=timezone.now)
    # None: published by the system when the last task was done.
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    evaluation_ends_at = models.DateTimeField(_("评议截止"))
    state = models.CharField(
        _("状态"), max_length=12, choices=ResultState.choices, default=ResultState.EVALUATING
    )
    closed_at = models.DateTimeField(_("评议结束时间"), null=True, blank=True)
    # The place concerned, frozen at publication: building ids, or [] for the whole compound.
    building_ids = models.JSONField(_("涉及楼栋"), default=list, blank=True)
    ledger_seq = models.PositiveBigIntegerField(_("台账序号"), null=True, blank=True)

    class Meta:
        verbose_name = _("实施结果公开")
        verbose_name_plural = _("实施结果公开")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["hall", "state"])]
        constraints = [
            models.UniqueConstraint(fields=["resolution", "round"], name="result_round_once"),
        ]

    def __str__(self) -> str:
        return f"{self.resolution} #{self.round}"

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.state == ResultState.EVALUATING and now < self.evaluation_ends_at


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Evaluation(models.Model):
    """满意度测评：one resident's rating of one published result (once each)."""

    result = models.ForeignKey(
        ResultPublication, on_delete=models.CASCADE, related_name="evaluations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评议人"),
        on_delete=models.PROTECT,
        related_name="evaluations",
    )
    rating = models.CharField(_("评价"), max_length=12, choices=Rating.choices)
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("评议时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评议")
        verbose_name_plural = _("评议")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["result", "user"], name="evaluation_once_per_result"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.rating}"
