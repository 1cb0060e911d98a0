"""Ballots （表决），who voted, what was voted, hand counts, proxies, resolutions and objections.

Secrecy (docs/votes.md): *who voted* is `Participation` (voter, time); *what was voted* is
`VoteRecord` (random UUID key, receipt code, choices) — it has no voter and no time, and no
column of either table points at the other. A named （记名） ballot also keeps the choices on
the participation row, which is public by design.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import MajorityRule
from deliberation.votes.choices import (
    BallotKind,
    BallotMode,
    BallotResult,
    BallotState,
    ElectorateScope,
    ParticipationVia,
    QuorumBasis,
    ResolutionState,
)


class Ballot(models.Model):
    """One vote on a motion or a poll; its settings are locked once it opens."""

    hall = models.ForeignKey(
        "community.Hall", verbose_name=_("议事厅"), on_delete=models.PROTECT, related_name="ballots"
    )
    proposal = models.ForeignKey(
        "forum.Proposal",
        verbose_name=_("议题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ballots",
    )
    # A ballot on a meeting's agenda item belongs to that meeting; its proposal is the item's.
    agenda_item = models.ForeignKey(
        "deliberation.AgendaItem",
        verbose_name=_("议程项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ballots",
    )
    title = models.CharField(_("表决事项"), max_length=120)
    description = models.TextField(_("说明"), blank=True, max_length=5000)
    kind = models.CharField(
        _("表决方式"), max_length=20, choices=BallotKind.choices, default=BallotKind.FOR_AGAINST
    )
    max_choices = models.PositiveSmallIntegerField(_("最多可选"), default=1)
    mode = models.CharField(
        _("表决场合"), max_length=10, choices=BallotMode.choices, default=BallotMode.ONLINE
    )
    secret = models.BooleanField(_("无记名投票"), default=True)
    results_live = models.BooleanField(
        _("实时显示结果"), default=False, help_text=_("否则结束后才显示；无记名投票总是结束后显示")
    )
    electorate_scope = models.CharField(
        _("投票范围"),
        max_length=10,
        choices=ElectorateScope.choices,
        default=ElectorateScope.MEMBERS,
    )
    electorate_building = models.ForeignKey(
        "community.Building",
        verbose_name=_("楼栋/网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    majority_rule = models.CharField(
        _("表决规则"),
        max_length=24,
        choices=MajorityRule.choices,
        default=MajorityRule.FOR_GT_AGAINST,
    )
    quorum_fraction = models.DecimalField(
        _("法定人数比例"), max_digits=4, decimal_places=3, default="0.667"
    )
    quorum_basis = models.CharField(
        _("法定人数基数"), max_length=10, choices=QuorumBasis.choices, default=QuorumBasis.VOTED
    )
    abstentions_count_as_cast = models.BooleanField(_("弃权计入投票数"), default=False)
    proxy_cap = models.PositiveSmallIntegerField(_("每人最多代投"), default=1)
    starts_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    ends_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=BallotState.choices, default=BallotState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    opened_at = models.DateTimeField(_("开始投票时间"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("结束投票时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    electorate_size = models.PositiveIntegerField(_("应到人数"), default=0)
    result = models.CharField(
        _("表决结果"), max_length=10, choices=BallotResult.choices, blank=True
    )
    outcome = models.JSONField(_("计票详情"), null=True, blank=True)

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["hall", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(electorate_scope="building") | Q(electorate_building__isnull=False),
                name="ballot_building_scope_has_building",
            ),
            models.CheckConstraint(
                condition=Q(max_choices__gte=1), name="ballot_max_choices_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def results_visible(self) -> bool:
        """Whether counts may be shown now (always after close; live only for named ballots)."""
        return self.state == BallotState.CLOSED or (
            self.state == BallotState.OPEN and self.results_live and not self.secret
        )

    def is_accepting(self, now=None) -> bool:
        """Whether a vote cast now would be accepted (open, and inside the online window)."""
        now = now or timezone.now()
        if self.state != BallotState.OPEN:
            return False
        if self.starts_at and now < self.starts_at:
            return False
        return not (self.ends_at and now >= self.ends_at)


class BallotOption(models.Model):
    """A choice of a ballot; `key` is what the tally and the ledger use ("for", "o1", …)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="options")
    key = models.CharField(_("代码"), max_length=12)
    label = models.CharField(_("选项"), max_length=80)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("表决选项")
        verbose_name_plural = _("表决选项")
        ordering = ["ballot", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "key"], name="ballot_option_key_once")
        ]

    def __str__(self) -> str:
        return self.label


class Elector(models.Model):
    """A person entitled to vote in a ballot, snapshotted when it opens."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="electors")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("投票人名册")
        verbose_name_plural = _("投票人名册")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "user"], name="elector_once_per_ballot")
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id}:{self.user_id}"


class Participation(models.Model):
    """*Who* voted (one row per person and ballot — the database refuses a second)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="participations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("投票人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    via = models.CharField(
        _("方式"), max_length=10, choices=ParticipationVia.choices, default=ParticipationVia.ONLINE
    )
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代投人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    # Only for named ballots: the choices are public with the name. Always null when secret.
    named_choices = models.JSONField(_("所投（记名）"), null=True, blank=True)

    class Meta:
        verbose_name = _("投票记录（谁投了）")
        verbose_name_plural = _("投票记录（谁投了）")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "user"], name="one_person_one_vote")
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id}:{self.user_id} ({self.via})"


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


class VoteRecord(models.Model):
    """*What* was voted: no voter, no time; a random key; the receipt lets the voter check it."""

    id = models.UUIDField(primary_key=True, default=_uuid, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="records")
    receipt = models.CharField(_("回执码"), max_length=16)
    choices = models.JSONField(_("所投"))  # list of option keys, or ["abstain"]

    class Meta:
        verbose_name = _("选票（投了什么）")
        verbose_name_plural = _("选票（投了什么）")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "receipt"], name="receipt_once_per_ballot")
        ]

    def __str__(self) -> str:
        return self.receipt


class HandCount(models.Model):
    """In-person show of hands （举手表决） entered by the moderator; marked as such everywhere."""

    ballot = models.OneToOneField(Ballot, on_delete=models.CASCADE, related_name="hand_count")
    voters = models.PositiveIntegerField(_("举手表决人数"))
    votes = models.JSONField(_("各选项票数"))  # option key → count, "abstain" included
    # The people present who could be counted by hand; they can no longer vote online.
    counted_user_ids = models.JSONField(_("可举手表决的到会人员"), default=list)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("录入时间"), default=timezone.now)

    class Meta:
        verbose_name = _("现场举手计票")
        verbose_name_plural = _("现场举手计票")

    def __str__(self) -> str:
        return f"{self.ballot_id}: {self.voters}"


class ProxyAuthorization(models.Model):
    """A named person authorised another to vote for them （代投） in one ballot."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="proxies")
    grantor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("委托人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受托人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    note = models.CharField(_("说明（如书面委托书）"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("委托投票")
        verbose_name_plural = _("委托投票")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "grantor"], name="one_proxy_per_grantor"),
            models.CheckConstraint(condition=~Q(grantor=models.F("holder")), name="proxy_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.grantor_id} → {self.holder_id}"


class Resolution(models.Model):
    """决议：a passed motion published on the notice board （居务公开栏） for the notice period."""

    hall = models.ForeignKey(
        "community.Hall",
        verbose_name=_("议事厅"),
        on_delete=models.PROTECT,
        related_name="resolutions",
    )
    ballot = models.OneToOneField(
        Ballot, verbose_name=_("表决"), on_delete=models.PROTECT, related_name="resolution"
    )
    proposal = models.ForeignKey(
        "forum.Proposal",
        verbose_name=_("议题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolutions",
    )
    title = models.CharField(_("决议标题"), max_length=120)
    text = models.TextField(_("决议内容"), max_length=20000)
    state = models.CharField(
        _("状态"), max_length=12, choices=ResolutionState.choices, default=ResolutionState.ON_NOTICE
    )
    published_at = models.DateTimeField(_("公示时间"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    notice_ends_at = models.DateTimeField(_("公示截止"))
    effective_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    # The ledger at publication: the resolution_published entry and the chain head after it.
    ledger_seq = models.PositiveBigIntegerField(_("台账序号"), null=True, blank=True)
    chain_head_seq = models.PositiveBigIntegerField(_("公示时链头序号"), null=True, blank=True)
    chain_head_hash = models.CharField(_("公示时链头哈希"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("决议")
        verbose_name_plural = _("决议")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["hall", "state"])]

    def __str__(self) -> str:
        return self.title


class Objection(models.Model):
    """异议 lodged during the notice period; the head answers it (upheld or not)."""

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="objections")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("异议理由"), max_length=2000)
    lodged_at = models.DateTimeField(_("提出时间"), default=timezone.now)
    answer = models.TextField(_("答复"), blank=True, max_length=2000)
    upheld = models.BooleanField(_("异议成立"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["lodged_at", "pk"]

    def __str__(self) -> str:
        return self.reason[:30]

    @property
    def hall(self):
        return self.resolution.hall

    def answer_due_at(self):
        return self.lodged_at + timedelta(days=self.resolution.hall.objection_answer_days)

    def is_overdue(self, now=None) -> bool:
        """Unanswered past the hall's answer period (flagged on the notice board)."""
        now = now or timezone.now()
        return self.answered_at is None and now > self.answer_due_at()
