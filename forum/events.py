"""The forum's realtime rooms and event types, and the JSON shapes they carry (docs/realtime.md)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from community.markup import render_markdown
from forum.models import Comment, ModerationState, Proposal, ProposalEvent, Stance
from realtime.protocol import event_type

PROPOSAL_CHANGED = event_type(
    "proposal.changed",
    "A proposal's state or counts changed. data: {proposal: {id, state, state_label, "
    "second_count, comment_count, stance_counts, locked, merged_into}}",
)
HISTORY_ADDED = event_type(
    "history.added",
    "A transition was recorded. data: {event: {id, from_state, to_state, to_label, actor, note, at}}",
)
COMMENT_ADDED = event_type(
    "comment.added", "A comment was posted. data: {comment: {...full comment...}}"
)
COMMENT_CHANGED = event_type(
    "comment.changed",
    "A comment was edited, deleted, hidden, restored or (un)agreed. data: {comment: {...}}",
)
NOTIFICATIONS_CHANGED = event_type(
    "notifications.changed",
    "The person's unread notification count changed (room user.<id>). data: {unread, latest}",
)


def proposal_room(proposal_id: int) -> str:
    return f"proposal.{proposal_id}"


def user_room(user_id: int) -> str:
    return f"user.{user_id}"


def stance_counts(proposal_id: int) -> dict[str, int]:
    """Counts of top-level comments by stance (visible, not deleted)."""
    rows = (
        Comment.objects.filter(
            proposal_id=proposal_id,
            parent__isnull=True,
            is_deleted=False,
            moderation=ModerationState.VISIBLE,
        )
        .exclude(stance="")
        .values("stance")
        .annotate(n=Count("pk"))
    )
    counts = {s: 0 for s in Stance.values}
    counts.update({r["stance"]: r["n"] for r in rows})
    return counts


def stance_counts_for(proposal_ids: list[int]) -> dict[int, dict[str, int]]:
    """stance_counts for many proposals in one query."""
    qs = Comment.objects.filter(
        proposal_id__in=proposal_ids,
        parent__isnull=True,
        is_deleted=False,
        moderation=ModerationState.VISIBLE,
    ).aggregate(
        **{
            f"{pid}_{s}": Count("pk", filter=Q(proposal_id=pid, stance=s))
            for pid in proposal_ids
            for s in Stance.values
        }
    )
    return {pid: {s: qs[f"{pid}_{s}"] for s in Stance.values} for pid in proposal_ids}


def proposal_data(proposal: Proposal, counts: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "id": proposal.pk,
        "title": proposal.title,
        "state": proposal.state,
        "state_label": str(proposal.get_state_display()),
        "second_count": proposal.second_count,
        "comment_count": proposal.comment_count,
        "stance_counts": counts if counts is not None else stance_counts(proposal.pk),
        "locked": proposal.locked,
        "merged_into": proposal.merged_into_id,
        "review_reason": proposal.review_reason,
    }


def history_data(event: ProposalEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "to_label": str(event.get_to_state_display()),
        "actor": str(event.actor) if event.actor_id else None,
        "note": event.note,
        "at": event.at.isoformat(),
    }


def comment_html(comment: Comment) -> str:
    """The comment's sanitised HTML (stored when written; rendered now for older rows)."""
    if comment.body_html or not comment.body:
        return comment.body_html
    return str(render_markdown(comment.body))


def comment_data(comment: Comment) -> dict[str, Any]:
    """A comment as every viewer may see it (hidden or deleted text is not included)."""
    shown = not comment.is_deleted and comment.moderation == ModerationState.VISIBLE
    return {
        "id": comment.pk,
        "parent_id": comment.parent_id,
        "depth": comment.depth,
        "author": {"id": comment.author_id, "name": str(comment.author)},
        "stance": comment.stance,
        "stance_label": str(comment.get_stance_display()) if comment.stance else "",
        "html": comment_html(comment) if shown else "",
        "is_deleted": comment.is_deleted,
        "moderation": comment.moderation,
        "edited": comment.edited_at is not None,
        "agree_count": comment.agree_count,
        "created_at": comment.created_at.isoformat(),
    }
