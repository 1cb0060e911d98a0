"""The forum's part of a person's own data (community.privacy): what they wrote and did here."""

from __future__ import annotations

from django.utils.translation import gettext as _

from community.models import User
from community.privacy import Section, when
from forum.models import (
    Comment,
    Follow,
    Notification,
    NotificationPreference,
    NotificationSettings,
    Proposal,
    Reaction,
    Report,
    Second,
)


def sections(user: User) -> list[Section]:
    return [
        Section(
            _("我提出的议题"),
            [
                {
                    _("议题"): p.title,
                    _("状态"): p.get_state_display(),
                    _("内容"): p.body,
                    _("创建时间"): when(p.created_at),
                }
                for p in Proposal.objects.filter(author=user).order_by("created_at")
            ],
        ),
        Section(
            _("我的评论"),
            [
                {_("议题"): c.proposal.title, _("内容"): c.body, _("时间"): when(c.created_at)}
                for c in Comment.objects.filter(author=user, is_deleted=False)
                .select_related("proposal")
                .order_by("created_at")
            ],
        ),
        Section(
            _("我附议的议题"),
            [
                {_("议题"): s.proposal.title, _("时间"): when(s.at)}
                for s in Second.objects.filter(user=user).select_related("proposal")
            ],
        ),
        Section(
            _("我认同的评论"),
            [
                {_("议题"): r.comment.proposal.title, _("时间"): when(r.at)}
                for r in Reaction.objects.filter(user=user).select_related("comment__proposal")
            ],
        ),
        Section(
            _("我的举报"),
            [
                {_("理由"): r.reason, _("时间"): when(r.at)}
                for r in Report.objects.filter(reporter=user)
            ],
        ),
        Section(
            _("我关注的议题"),
            [
                {_("议题"): f.proposal.title, _("时间"): when(f.at)}
                for f in Follow.objects.filter(user=user).select_related("proposal")
            ],
        ),
        Section(
            _("通知"),
            [
                {_("内容"): n.text, _("时间"): when(n.created_at), _("已读"): when(n.read_at)}
                for n in Notification.objects.filter(recipient=user).order_by("-created_at")[:500]
            ],
        ),
    ]


def erase(user: User) -> None:
    """On account deletion: notifications, their settings and follows go; writings stay."""
    Notification.objects.filter(recipient=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    NotificationSettings.objects.filter(user=user).delete()
    Follow.objects.filter(user=user).delete()
