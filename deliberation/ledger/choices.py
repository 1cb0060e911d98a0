"""The kinds of ledger entries （台账链） and their labels: services append only these."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LedgerKind(models.TextChoices):
    """Every kind of entry the ledger accepts (services append only these)."""

    BALLOT_OPENED = "ballot_opened", _("表决开始")
    BALLOT_CLOSED = "ballot_closed", _("表决结束")
    BALLOT_CAST = "ballot_cast", _("投票")
    HAND_COUNT_ENTERED = "hand_count_entered", _("录入现场举手计票")
    PROXY_CAST = "proxy_cast", _("委托投票")
    OUTCOME_RECORDED = "outcome_recorded", _("表决结果")
    RESOLUTION_PUBLISHED = "resolution_published", _("决议公示")
    OBJECTION_LODGED = "objection_lodged", _("提出异议")
    OBJECTION_ANSWERED = "objection_answered", _("答复异议")
    RESOLUTION_EFFECTIVE = "resolution_effective", _("决议生效")
    RESULT_PUBLISHED = "result_published", _("实施结果公开")
    EVALUATION_CLOSED = "evaluation_closed", _("评议结果")


# Module-level names for callers: `ledger_append(hall=h, kind=ledger.BALLOT_OPENED, payload=…)`.
BALLOT_OPENED = LedgerKind.BALLOT_OPENED.value
BALLOT_CLOSED = LedgerKind.BALLOT_CLOSED.value
BALLOT_CAST = LedgerKind.BALLOT_CAST.value
HAND_COUNT_ENTERED = LedgerKind.HAND_COUNT_ENTERED.value
PROXY_CAST = LedgerKind.PROXY_CAST.value
OUTCOME_RECORDED = LedgerKind.OUTCOME_RECORDED.value
RESOLUTION_PUBLISHED = LedgerKind.RESOLUTION_PUBLISHED.value
OBJECTION_LODGED = LedgerKind.OBJECTION_LODGED.value
OBJECTION_ANSWERED = LedgerKind.OBJECTION_ANSWERED.value
RESOLUTION_EFFECTIVE = LedgerKind.RESOLUTION_EFFECTIVE.value
RESULT_PUBLISHED = LedgerKind.RESULT_PUBLISHED.value
EVALUATION_CLOSED = LedgerKind.EVALUATION_CLOSED.value
