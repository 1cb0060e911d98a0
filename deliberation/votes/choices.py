"""The enums of votes and their labels, in one place: models, tally, pages, API and the room.

Every wording shown to people comes from these labels (`get_FOO_display()`,
`Choices(value).label`); the models import them from here, so no migration changes.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BallotKind(models.TextChoices):
    FOR_AGAINST = "for_against", _("赞成/反对/弃权")
    SINGLE_CHOICE = "single_choice", _("单选")
    MULTIPLE_CHOICE = "multiple_choice", _("多选")


class BallotMode(models.TextChoices):
    LIVE = "live", _("现场表决")
    ONLINE = "online", _("线上表决")


class BallotState(models.TextChoices):
    DRAFT = "draft", _("未开始")
    OPEN = "open", _("投票中")
    CLOSED = "closed", _("已结束")


class ElectorateScope(models.TextChoices):
    MEMBERS = "members", _("议事厅成员")
    COMPOUND = "compound", _("全小区居民")
    BUILDING = "building", _("一个楼栋/网格")


class QuorumBasis(models.TextChoices):
    PRESENT = "present", _("到会人数")
    VOTED = "voted", _("参加投票人数")


class BallotResult(models.TextChoices):
    PASSED = "passed", _("通过")
    FAILED = "failed", _("未通过")
    NO_QUORUM = "no_quorum", _("未达法定人数")


class Source(models.TextChoices):
    """Where counted votes came from (the tally keeps each source apart)."""

    ONLINE = "online", _("线上投票")
    HAND = "hand", _("现场举手")
    PROXY = "proxy", _("委托投票")


class ParticipationVia(models.TextChoices):
    """How a person's own vote reached the ballot (a subset of `Source`, same labels)."""

    ONLINE = Source.ONLINE.value, Source.ONLINE.label
    PROXY = Source.PROXY.value, Source.PROXY.label


class ResolutionState(models.TextChoices):
    ON_NOTICE = "on_notice", _("公示中")
    EFFECTIVE = "effective", _("已生效")
    RETURNED = "returned", _("异议成立，退回重议")


class OptionKey(models.TextChoices):
    """The fixed option keys of a motion, and the abstention (a blank ballot in a poll)."""

    FOR = "for", _("赞成")
    AGAINST = "against", _("反对")
    ABSTAIN = "abstain", _("弃权")


BLANK_LABEL = _("空白票")  # "abstain" in a poll （单选/多选）
