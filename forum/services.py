"""Writes of the forum: one function per use case (proposals, seconds, review, comments, moderation).

Every function is keyword-only and atomic; it locks what it changes, validates (ValidationError
with a Chinese message), checks the permission (PermissionDenied), records history, notifies
people and publishes realtime events on commit. Pages, the API and the websocket call these.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from community.audit import audit_record
from community.images import clean_images
from community.markup import render_markdown
from community.models import AuditAction, Building, Hall, MembershipStatus, ServiceBrand, User
from forum import events
from forum.models import (
    Comment,
    CommentRevision,
    Follow,
    ModerationDecision,
    ModerationState,
    NotificationKind,
    Proposal,
    ProposalEvent,
    ProposalImage,
    ProposalState,
    Reaction,
    Report,
    Second,
    Stance,
)
from forum.notifications import notify
from forum.workflow import proposal_transition
from realtime.publish import publish

S = ProposalState
MAX_IMAGES = 6

# (how many, per how many seconds); a setting FORUM_RATE_LIMITS overrides any of them.
DEFAULT_RATE_LIMITS: dict[str, tuple[int, int]] = {
    "proposal": (5, 3600),
    "comment": (10, 60),
    "second": (30, 60),
    "report": (10, 3600),
}


def require(user, perm: str, obj=None, message: str | None = None) -> None:
    if user is None or not user.has_perm(perm, obj):
        raise PermissionDenied(message or _("您没有权限执行此操作。"))


def _rate_limit(action: str, user) -> None:
    """Refuse when the person did `action` too often recently (counted from the database)."""
    limits = {**DEFAULT_RATE_LIMITS, **getattr(settings, "FORUM_RATE_LIMITS", {})}
    count, window = limits[action]
    since = timezone.now() - timedelta(seconds=window)
    recent = {
        "proposal": lambda: Proposal.objects.filter(author=user, created_at__gte=since),
        "comment": lambda: Comment.objects.filter(author=user, created_at__gte=since),
        "second": lambda: Second.objects.filter(user=user, at__gte=since, carried_from=None),
        "report": lambda: Report.objects.filter(reporter=user, at__gte=since),
    }[action]().count()
    if recent >= count:
        minutes = max(1, window // 60)
        raise ValidationError(
            _("操作太频繁：%(minutes)d 分钟内最多 %(count)d 次，请稍后再试。")
            % {"minutes": minutes, "count": count},
            code="rate_limited",
        )


def _follow(proposal: Proposal, user) -> None:
    Follow.objects.get_or_create(proposal=proposal, user=user)


def _publish_proposal(proposal: Proposal) -> None:
    proposal.refresh_from_db()
    publish(
        events.proposal_room(proposal.pk),
        events.PROPOSAL_CHANGED,
        {"proposal": events.proposal_data(proposal)},
    )


def _publish_history(event: ProposalEvent) -> None:
    publish(
        events.proposal_room(event.proposal_id),
        events.HISTORY_ADDED,
        {"event": events.history_data(event)},
    )


def _transition(*, proposal: Proposal, to: str, actor, note: str = "", check=True) -> None:
    """Move the proposal (which tells the author and followers), then publish the change."""
    event = proposal_transition(
        proposal=proposal, to=to, actor=actor, note=note, check_permission=check
    )
    _publish_history(event)
    _publish_proposal(proposal)


# --- proposals


def _proposal_fields(
    *, hall: Hall, title: str, body: str, brand: ServiceBrand | None, building: Building | None
) -> tuple[str, str, dict]:
    """Trimmed title and body, and the errors of the fields a proposal's author writes."""
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("请填写标题。")
    elif len(title) > 80:
        errors["title"] = _("标题不能超过 80 个字。")
    if not body:
        errors["body"] = _("请写下议题的内容。")
    elif len(body) > 20000:
        errors["body"] = _("内容太长了。")
    if brand is not None and brand.hall_id != hall.pk:
        errors["brand"] = _("服务品牌不属于本议事厅。")
    if building is not None and building.compound_id != hall.compound_id:
        errors["building"] = _("楼栋不属于本小区。")
    return title, body, errors


def proposal_create(
    *,
    author: User,
    hall: Hall,
    title: str,
    body: str,
    brand: ServiceBrand | None = None,
    building: Building | None = None,
    images: list | tuple = (),
    publish_now: bool = False,
) -> Proposal:
    """Write a proposal (a private draft unless `publish_now`), with up to 6 photos."""
    require(author, "forum.create_proposal", hall, _("只有本议事厅的居民可以提出议题。"))
    title, body, errors = _proposal_fields(
        hall=hall, title=title, body=body, brand=brand, building=building
    )
    if len(images) > MAX_IMAGES:
        errors["images"] = _("最多上传 %(n)d 张图片。") % {"n": MAX_IMAGES}
    if errors:
        raise ValidationError(errors)
    # Photos are decoded and re-encoded before the transaction: inside it, SQLite's write lock
    # would be held for seconds and other people's writes would fail ("database is locked").
    cleaned = clean_images(images)
    return _proposal_insert(
        author=author,
        hall=hall,
        title=title,
        body=body,
        brand=brand,
        building=building,
        cleaned=cleaned,
        publish_now=publish_now,
    )


@transaction.atomic
def _proposal_insert(
    *, author, hall, title, body, brand, building, cleaned, publish_now
) -> Proposal:
    _rate_limit("proposal", author)
    now = timezone.now()
    proposal = Proposal.objects.create(
        hall=hall,
        author=author,
        title=title,
        body=body,
        brand=brand,
        building=building,
        created_at=now,
        last_activity_at=now,
    )
    _store_images(proposal, cleaned, start=0)
    ProposalEvent.objects.create(
        proposal=proposal, actor=author, from_state="", to_state=S.DRAFT, note=_("起草议题"), at=now
    )
    _follow(proposal, author)
    if publish_now:
        proposal_publish(actor=author, proposal=proposal)
    return proposal


def _store_images(proposal: Proposal, cleaned: list, start: int) -> None:
    for order, (content, width, height) in enumerate(cleaned, start=start):
        ProposalImage.objects.create(
            proposal=proposal, image=content, width=width, height=height, order=order
        )


def proposal_add_images(*, actor: User, proposal: Proposal, images: list) -> Proposal:
    """Add photos to one's own draft (up to 6 in all)."""
    require(actor, "forum.edit_proposal", proposal, _("只能给自己的草稿添加图片。"))
    if proposal.images.count() + len(images) > MAX_IMAGES:
        raise ValidationError({"images": _("最多上传 %(n)d 张图片。") % {"n": MAX_IMAGES}})
    cleaned = clean_images(images)  # before the transaction, as in proposal_create
    return _proposal_images_insert(actor=actor, proposal=proposal, cleaned=cleaned)


@transaction.atomic
def _proposal_images_insert(*, actor: User, proposal: Proposal, cleaned: list) -> Proposal:
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    require(actor, "forum.edit_proposal", proposal, _("只能给自己的草稿添加图片。"))
    have = proposal.images.count()
    if have + len(cleaned) > MAX_IMAGES:
        raise ValidationError({"images": _("最多上传 %(n)d 张图片。") % {"n": MAX_IMAGES}})
    _store_images(proposal, cleaned, start=have)
    return proposal


@transaction.atomic
def proposal_edit(
    *,
    actor: User,
    proposal: Proposal,
    title: str,
    body: str,
    brand: ServiceBrand | None = None,
    building: Building | None = None,
) -> Proposal:
    """Change one's own draft before it is published (published text is kept as written)."""
    locked = Proposal.objects.select_for_update().select_related("hall").get(pk=proposal.pk)
    require(actor, "forum.edit_proposal", locked, _("只能修改自己尚未发布的草稿。"))
    title, body, errors = _proposal_fields(
        hall=locked.hall, title=title, body=body, brand=brand, building=building
    )
    if errors:
        raise ValidationError(errors)
    locked.title, locked.body, locked.brand, locked.building = title, body, brand, building
    locked.save(update_fields=["title", "body", "brand", "building"])
    proposal.refresh_from_db()
    return proposal


@transaction.atomic
def proposal_publish(*, actor: User, proposal: Proposal) -> Proposal:
    """Publish a draft: it becomes public and opens the seconding window （征集附议）."""
    _transition(proposal=proposal, to=S.COLLECTING, actor=actor, note=_("发布议题，开始征集附议"))
    return proposal


@transaction.atomic
def proposal_second(*, user: User, proposal: Proposal) -> Proposal:
    """Second （附议） a proposal once; at the hall's threshold it moves to 待受理 by itself."""
    locked = Proposal.objects.select_for_update().select_related("hall").get(pk=proposal.pk)
    require(
        user,
        "forum.second_proposal",
        locked,
        _("只有本议事厅的居民可以附议，且不能附议自己的议题。"),
    )
    if locked.state != S.COLLECTING:
        raise ValidationError(_("这个议题现在不在征集附议阶段。"))
    if Second.objects.filter(proposal=locked, user=user).exists():
        raise ValidationError(_("您已经附议过这个议题了。"))
    _rate_limit("second", user)
    Second.objects.create(proposal=locked, user=user)
    count = Second.objects.filter(proposal=locked).count()
    Proposal.objects.filter(pk=locked.pk).update(
        second_count=count, last_activity_at=timezone.now()
    )
    _follow(locked, user)
    notify(
        recipients=[locked.author],
        kind=NotificationKind.SECONDED,
        text=_("%(name)s 附议了您的议题「%(title)s」（共 %(n)d 人）")
        % {"name": user, "title": locked.title, "n": count},
        actor=user,
        proposal=locked,
    )
    threshold = locked.hall.seconding_threshold
    if count >= threshold:
        _transition(
            proposal=locked,
            to=S.AWAITING_REVIEW,
            actor=None,
            note=_("附议达到 %(n)d 人，转入待受理") % {"n": threshold},
        )
    else:
        _publish_proposal(locked)
    proposal.refresh_from_db()
    return proposal


@transaction.atomic
def proposal_review(
    *, actor: User, proposal: Proposal, decision: str, reason: str = ""
) -> Proposal:
    """Accept （受理） or reject （不予受理，with a public reason） a proposal."""
    reason = (reason or "").strip()
    if decision == "accept":
        to = S.ACCEPTED
    elif decision == "reject":
        to = S.REJECTED
        if not reason:
            raise ValidationError({"reason": _("不予受理时必须写明理由。")})
    else:
        raise ValidationError(_("未知的审核决定。"))
    # Set first so the published change carries it; a refused transition rolls it back.
    Proposal.objects.filter(pk=proposal.pk).update(review_reason=reason)
    proposal.review_reason = reason
    _transition(proposal=proposal, to=to, actor=actor, note=reason)
    return proposal


@transaction.atomic
def proposal_merge(*, actor: User, proposal: Proposal, into: Proposal, note: str = "") -> Proposal:
    """Merge a proposal into another: seconds and followers carry over; it points to its target."""
    if into.pk == proposal.pk:
        raise ValidationError(_("不能合并到自己。"))
    target = Proposal.objects.select_for_update().select_related("hall").get(pk=into.pk)
    if target.hall_id != proposal.hall_id:
        raise ValidationError(_("只能合并到本议事厅的议题。"))
    if target.state not in (S.COLLECTING, S.AWAITING_REVIEW, S.ACCEPTED):
        raise ValidationError(
            _("目标议题当前为「%(state)s」，不能接收合并。") % {"state": S(target.state).label}
        )
    text = _("合并到议题 #%(id)d「%(title)s」") % {"id": target.pk, "title": target.title}
    if note.strip():
        text += ":" + note.strip()
    Proposal.objects.filter(pk=proposal.pk).update(merged_into=target)
    proposal.merged_into = target
    _transition(proposal=proposal, to=S.MERGED, actor=actor, note=text)
    # Seconds carry over (the target's author cannot second their own, duplicates count once).
    already = set(Second.objects.filter(proposal=target).values_list("user_id", flat=True))
    carried = [
        Second(proposal=target, user_id=s.user_id, at=s.at, carried_from=proposal)
        for s in Second.objects.filter(proposal=proposal)
        if s.user_id not in already and s.user_id != target.author_id
    ]
    if proposal.author_id != target.author_id and proposal.author_id not in already:
        carried.append(Second(proposal=target, user_id=proposal.author_id, carried_from=proposal))
    Second.objects.bulk_create(carried, ignore_conflicts=True)
    followers = set(Follow.objects.filter(proposal=target).values_list("user_id", flat=True))
    Follow.objects.bulk_create(
        [
            Follow(proposal=target, user_id=f.user_id)
            for f in Follow.objects.filter(proposal=proposal)
            if f.user_id not in followers
        ],
        ignore_conflicts=True,
    )
    count = Second.objects.filter(proposal=target).count()
    Proposal.objects.filter(pk=target.pk).update(
        second_count=count, last_activity_at=timezone.now()
    )
    ProposalEvent.objects.create(
        proposal=target,
        actor=actor,
        from_state=target.state,
        to_state=target.state,
        note=_("议题 #%(id)d「%(title)s」合并至此，附议与关注随之转入")
        % {"id": proposal.pk, "title": proposal.title},
    )
    if target.state == S.COLLECTING and count >= target.hall.seconding_threshold:
        _transition(
            proposal=target,
            to=S.AWAITING_REVIEW,
            actor=None,
            note=_("附议达到 %(n)d 人，转入待受理") % {"n": target.hall.seconding_threshold},
        )
    else:
        _publish_proposal(target)
    proposal.refresh_from_db()
    return proposal


@transaction.atomic
def thread_lock(*, actor: User, proposal: Proposal, locked: bool) -> Proposal:
    """Lock (or unlock) a proposal's discussion thread."""
    require(actor, "forum.lock_thread", proposal, _("只有主持人或负责人可以锁定讨论。"))
    Proposal.objects.filter(pk=proposal.pk).update(locked=locked)
    proposal.locked = locked
    _publish_proposal(proposal)
    return proposal


# --- discussion

_MENTION_RE = re.compile(r"@([^\s@,,。.!!??::;;、()()]{1,40})")


def _mentioned_members(hall_id: int, body: str) -> list[User]:
    """Active members of the hall named as @display_name or @username in the text."""
    if "@" not in body:
        return []
    tokens = _MENTION_RE.findall(body)
    if not tokens:
        return []
    members = User.objects.filter(
        memberships__hall_id=hall_id, memberships__status=MembershipStatus.ACTIVE
    ).distinct()
    found = []
    for user in members:
        names = [n for n in (user.display_name, user.username) if n]
        if any(tok.startswith(n) for tok in tokens for n in names):
            found.append(user)
    return found


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("请写下评论内容。")})
    if len(body) > 5000:
        raise ValidationError({"body": _("评论不能超过 5000 字。")})
    return body


@transaction.atomic
def comment_post(
    *,
    author: User,
    proposal: Proposal,
    body: str,
    parent: Comment | None = None,
    stance: str = "",
) -> Comment:
    """Comment on a proposal (or reply to a comment); notify the author, the parent, mentions."""
    proposal = Proposal.objects.select_related("hall", "author").get(pk=proposal.pk)
    require(author, "forum.comment", proposal, _("只有本议事厅的居民可以参与讨论。"))
    if proposal.state == S.DRAFT:
        raise ValidationError(_("草稿还不能讨论。"))
    if proposal.moderation != ModerationState.VISIBLE:
        raise ValidationError(_("这个议题正在审核中，暂不能讨论。"))
    if proposal.locked:
        raise ValidationError(_("讨论已锁定，不能再发表评论。"))
    body = _check_body(body)
    depth = 0
    if parent is not None:
        if parent.proposal_id != proposal.pk:
            raise ValidationError(_("回复的评论不在这个议题下。"))
        if parent.is_deleted or parent.moderation != ModerationState.VISIBLE:
            raise ValidationError(_("不能回复已删除或已隐藏的评论。"))
        if parent.depth >= Comment.MAX_DEPTH:
            # Keep threads readable: a reply to the deepest level stays at that level.
            reply_to = parent
            parent = parent.parent
        else:
            reply_to = parent
        depth = parent.depth + 1
        stance = ""  # only top-level comments take a stance
    else:
        reply_to = None
    if stance and stance not in Stance.values:
        raise ValidationError({"stance": _("立场只能是赞成、反对或建议。")})
    _rate_limit("comment", author)
    comment = Comment.objects.create(
        proposal=proposal,
        author=author,
        parent=parent,
        depth=depth,
        stance=stance,
        body=body,
        body_html=str(render_markdown(body)),
    )
    Proposal.objects.filter(pk=proposal.pk).update(
        comment_count=F("comment_count") + 1, last_activity_at=comment.created_at
    )
    _follow(proposal, author)
    publish(
        events.proposal_room(proposal.pk),
        events.COMMENT_ADDED,
        {"comment": events.comment_data(comment)},
    )
    _publish_proposal(proposal)
    # One notification per person: a mention, else a reply, else "commented on your proposal".
    told = {author.pk}
    mentioned = [u for u in _mentioned_members(proposal.hall_id, body) if u.pk not in told]
    notify(
        recipients=mentioned,
        kind=NotificationKind.MENTIONED,
        text=_("%(name)s 在「%(title)s」的讨论中提到了您")
        % {"name": author, "title": proposal.title},
        actor=author,
        proposal=proposal,
        comment=comment,
    )
    told |= {u.pk for u in mentioned}
    if reply_to is not None and reply_to.author_id not in told:
        notify(
            recipients=[reply_to.author],
            kind=NotificationKind.REPLIED,
            text=_("%(name)s 回复了您在「%(title)s」的评论")
            % {"name": author, "title": proposal.title},
            actor=author,
            proposal=proposal,
            comment=comment,
        )
        told.add(reply_to.author_id)
    if proposal.author_id not in told:
        notify(
            recipients=[proposal.author],
            kind=NotificationKind.COMMENTED,
            text=_("%(name)s 评论了您的议题「%(title)s」")
            % {"name": author, "title": proposal.title},
            actor=author,
            proposal=proposal,
            comment=comment,
        )
    return comment


def _publish_comment(comment: Comment) -> None:
    publish(
        events.proposal_room(comment.proposal_id),
        events.COMMENT_CHANGED,
        {"comment": events.comment_data(comment)},
    )


def _lock_comment(comment: Comment) -> Comment:
    return (
        Comment.objects.select_for_update().select_related("author", "proposal").get(pk=comment.pk)
    )


@transaction.atomic
def comment_edit(*, actor: User, comment: Comment, body: str) -> Comment:
    """Edit one's own comment; the earlier text is kept and the comment is marked edited."""
    comment = _lock_comment(comment)
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("只能修改自己的评论。"))
    if comment.is_deleted or comment.moderation == ModerationState.REMOVED:
        raise ValidationError(_("已删除的评论不能修改。"))
    if comment.proposal.moderation != ModerationState.VISIBLE:
        raise ValidationError(_("这个议题正在审核中，暂不能修改评论。"))
    if comment.proposal.locked:
        raise ValidationError(_("讨论已锁定，不能修改评论。"))
    body = _check_body(body)
    if body == comment.body:
        return comment
    CommentRevision.objects.create(comment=comment, body=comment.body)
    comment.body = body
    comment.body_html = str(render_markdown(body))
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    _publish_comment(comment)
    return comment


@transaction.atomic
def comment_delete(*, actor: User, comment: Comment) -> Comment:
    """Delete one's own comment: it shows as deleted, its replies stay."""
    comment = _lock_comment(comment)
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("只能删除自己的评论。"))
    if comment.is_deleted:
        return comment
    CommentRevision.objects.create(comment=comment, body=comment.body)
    comment.is_deleted = True
    comment.save(update_fields=["is_deleted"])
    _publish_comment(comment)
    _publish_proposal(comment.proposal)
    return comment


@transaction.atomic
def comment_react(*, user: User, comment: Comment, agree: bool = True) -> Comment:
    """认同（agree with） a comment, or take it back."""
    comment = _lock_comment(comment)
    require(user, "forum.react", comment.proposal, _("只有本议事厅的居民可以认同评论。"))
    if comment.author_id == user.pk:
        raise ValidationError(_("不能认同自己的评论。"))
    if comment.is_deleted or comment.moderation != ModerationState.VISIBLE:
        raise ValidationError(_("这条评论已不可见。"))
    if comment.proposal.moderation != ModerationState.VISIBLE:
        # A hidden proposal's thread is out of sight: nothing in it can be reacted to.
        raise ValidationError(_("这个议题正在审核中，暂不能认同评论。"))
    if agree:
        Reaction.objects.get_or_create(comment=comment, user=user)
    else:
        Reaction.objects.filter(comment=comment, user=user).delete()
    comment.agree_count = Reaction.objects.filter(comment=comment).count()
    comment.save(update_fields=["agree_count"])
    _publish_comment(comment)
    return comment


# --- moderation


@transaction.atomic
def report_submit(
    *, reporter: User, reason: str, proposal: Proposal | None = None, comment: Comment | None = None
) -> Report:
    """Report a proposal or a comment; at the hall's threshold it is hidden pending review."""
    if (proposal is None) == (comment is None):
        raise ValidationError(_("请选择要举报的议题或评论。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明举报理由。")})
    if comment is not None:
        target = _lock_comment(comment)
        prop = target.proposal
    else:
        target = Proposal.objects.select_for_update().get(pk=proposal.pk)
        prop = target
    hall = Hall.objects.get(pk=prop.hall_id)
    require(reporter, "forum.report", prop, _("只有本议事厅的居民可以举报。"))
    if target.author_id == reporter.pk:
        raise ValidationError(_("不能举报自己发布的内容。"))
    exists = Report.objects.filter(
        reporter=reporter, comment=comment, proposal=None if comment else target
    ).exists()
    if exists:
        raise ValidationError(_("您已经举报过了，我们会尽快处理。"))
    _rate_limit("report", reporter)
    report = Report.objects.create(
        reporter=reporter,
        reason=reason[:200],
        comment=target if comment is not None else None,
        proposal=target if comment is None else None,
    )
    target.report_count = F("report_count") + 1
    target.save(update_fields=["report_count"])
    target.refresh_from_db()
    if (
        target.moderation == ModerationState.VISIBLE
        and target.report_count >= hall.report_hide_threshold
    ):
        target.moderation = ModerationState.HIDDEN
        target.save(update_fields=["moderation"])
        if comment is not None:
            _publish_comment(target)
            _publish_proposal(prop)
        else:
            _publish_proposal(target)
    return report


@transaction.atomic
def moderation_decide(
    *,
    actor: User,
    decision: str,
    reason: str = "",
    proposal: Proposal | None = None,
    comment: Comment | None = None,
) -> ModerationDecision:
    """Restore or remove a hidden item; the reason is sent to its author."""
    if (proposal is None) == (comment is None):
        raise ValidationError(_("请选择要处理的议题或评论。"))
    if comment is not None:
        target = _lock_comment(comment)
        prop = target.proposal
    else:
        target = Proposal.objects.select_for_update().get(pk=proposal.pk)
        prop = target
    require(actor, "forum.moderate", prop, _("只有主持人或负责人可以处理举报。"))
    reason = (reason or "").strip()
    if decision == "restore":
        outcome = ModerationState.VISIBLE
    elif decision == "remove":
        outcome = ModerationState.REMOVED
        if not reason:
            raise ValidationError({"reason": _("移除时必须写明理由。")})
    else:
        raise ValidationError(_("未知的处理决定。"))
    if target.moderation != ModerationState.HIDDEN:
        raise ValidationError(_("这项内容不在待审核队列中。"))
    target.moderation = outcome
    target.report_count = 0 if outcome == ModerationState.VISIBLE else target.report_count
    target.save(update_fields=["moderation", "report_count"])
    decided = ModerationDecision.objects.create(
        actor=actor,
        proposal=target if comment is None else None,
        comment=target if comment is not None else None,
        outcome=outcome,
        reason=reason[:200],
    )
    audit_record(
        action=AuditAction.MODERATION,
        actor=actor,
        hall=prop.hall,
        target=(
            f"评论 #{target.pk}" if comment is not None else f"议题 #{prop.pk}「{prop.title}」"
        ),
        detail=f"{ModerationState(outcome).label}" + (f":{reason}" if reason else ""),
        owner_id=target.author_id,
    )
    what = _("您的评论") if comment is not None else _("您的议题「%(t)s」") % {"t": prop.title}
    verdict = _("经审核已恢复显示") if outcome == ModerationState.VISIBLE else _("经审核已被移除")
    text = f"{what}{verdict}" + (_("，理由：%(r)s") % {"r": reason} if reason else "")
    notify(
        recipients=[target.author],
        kind=NotificationKind.MODERATION,
        text=text,
        actor=actor,
        proposal=prop,
        comment=target if comment is not None else None,
    )
    if comment is not None:
        _publish_comment(target)
    _publish_proposal(prop)
    return decided
