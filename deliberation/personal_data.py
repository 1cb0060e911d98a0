"""Deliberation's part of a person's own data (community.privacy): meetings, votes, tasks.

A secret ballot holds no link from a person to a choice: only that they took part is listed.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from community.models import User
from community.privacy import Section, when
from community.roles import Role
from deliberation.models import (
    CheckIn,
    Evaluation,
    GovernanceTask,
    MeetingElector,
    Objection,
    Participation,
    ProgressReport,
    ProxyAuthorization,
    Speech,
)


def sections(user: User) -> list[Section]:
    votes = []
    for p in Participation.objects.filter(user=user).select_related("ballot").order_by("at"):
        secret = p.ballot.secret
        votes.append(
            {
                _("表决"): p.ballot.title,
                _("方式"): p.get_via_display(),
                _("时间"): when(p.at),
                _("选择"): _("无记名表决，不记录您的选择")
                if secret
                else ", ".join(p.named_choices or []),
            }
        )
    return [
        Section(
            _("会议签到"),
            [
                {_("会议"): c.meeting.title, _("时间"): when(c.at)}
                for c in CheckIn.objects.filter(user=user).select_related("meeting")
            ],
        ),
        Section(
            _("会议应到名单（开会时的成员与角色）"),
            [
                {
                    _("会议"): e.meeting.title,
                    _("时间"): when(e.meeting.opened_at),
                    _("角色"): ", ".join(str(Role(r).label) for r in e.roles if r in Role.values),
                }
                for e in MeetingElector.objects.filter(user=user).select_related("meeting")
            ],
        ),
        Section(
            _("会议发言"),
            [
                {
                    _("会议"): s.meeting.title,
                    _("立场"): s.get_stance_display(),
                    _("时间"): when(s.raised_at),
                }
                for s in Speech.objects.filter(user=user).select_related("meeting")
            ],
        ),
        Section(_("表决参与"), votes),
        Section(
            _("委托投票"),
            [
                {
                    _("表决"): a.ballot.title,
                    _("委托人"): str(a.grantor),
                    _("受托人"): str(a.holder),
                    _("时间"): when(a.recorded_at),
                }
                for a in ProxyAuthorization.objects.filter(grantor=user).select_related(
                    "ballot", "grantor", "holder"
                )
                | ProxyAuthorization.objects.filter(holder=user).select_related(
                    "ballot", "grantor", "holder"
                )
            ],
        ),
        Section(
            _("我提出的异议"),
            [
                {
                    _("决议"): o.resolution.title,
                    _("理由"): o.reason,
                    _("答复"): o.answer,
                    _("时间"): when(o.lodged_at),
                }
                for o in Objection.objects.filter(author=user).select_related("resolution")
            ],
        ),
        Section(
            _("我的评议"),
            [
                {_("结果"): str(e.result), _("评价"): e.get_rating_display(), _("意见"): e.comment}
                for e in Evaluation.objects.filter(user=user).select_related("result")
            ],
        ),
        Section(
            _("我负责的治理任务"),
            [
                {
                    _("任务"): t.title,
                    _("状态"): t.get_state_display(),
                    _("期限"): str(t.due_on or ""),
                }
                for t in GovernanceTask.objects.filter(owner=user)
            ],
        ),
        Section(
            _("我写的进展报告"),
            [
                {_("任务"): r.task.title, _("内容"): r.body, _("时间"): when(r.created_at)}
                for r in ProgressReport.objects.filter(author=user).select_related("task")
            ],
        ),
    ]
