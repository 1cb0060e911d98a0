"""Forum rooms: one per proposal (`proposal.<id>`) and one private per person (`user.<id>`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from forum import events, selectors, services
from forum.models import Comment, Proposal
from forum.notifications import unread_count
from realtime.consumers import RoomConsumer


def _int(data: dict, key: str, required: bool = True) -> int | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{key} 必须是整数。")
    return value


class ProposalConsumer(RoomConsumer):
    """A proposal's page: live comments, reactions, seconds and state changes."""

    handlers = {"comment": "cmd_comment", "react": "cmd_react", "second": "cmd_second"}

    def authorize(self, user) -> str | None:
        if user is None or not user.is_authenticated:
            return None
        pk = self.scope["url_route"]["kwargs"]["proposal_id"]
        proposal = (
            Proposal.objects.select_related("hall__compound__community").filter(pk=pk).first()
        )
        if proposal is None or not user.has_perm("forum.join_proposal_room", proposal):
            return None
        if not selectors.can_view(user, proposal):
            return None
        self.proposal_id = proposal.pk
        return events.proposal_room(proposal.pk)

    def build_snapshot(self) -> dict[str, Any]:
        proposal = Proposal.objects.get(pk=self.proposal_id)
        comments = selectors.comments_of(user=self.user, proposal=proposal)
        return {
            "proposal": events.proposal_data(
                proposal, counts=selectors.stance_counts_from(comments)
            ),
            "comments": [events.comment_data(c) for c in comments],
            "history": [
                events.history_data(e) for e in proposal.events.select_related("actor").all()
            ],
            "my_agreed": [c.pk for c in comments if c.agreed],
        }

    def _proposal(self) -> Proposal:
        return Proposal.objects.get(pk=self.proposal_id)

    def cmd_comment(self, user, data: dict) -> dict:
        body = data.get("body")
        if not isinstance(body, str):
            raise ValidationError("body 必须是文本。")
        parent_id = _int(data, "parent_id", required=False)
        parent = (
            Comment.objects.get(pk=parent_id, proposal_id=self.proposal_id) if parent_id else None
        )
        stance = data.get("stance") or ""
        if not isinstance(stance, str):
            raise ValidationError("stance 必须是文本。")
        comment = services.comment_post(
            author=user, proposal=self._proposal(), body=body, parent=parent, stance=stance
        )
        return {"comment_id": comment.pk}

    def cmd_react(self, user, data: dict) -> dict:
        comment = Comment.objects.get(pk=_int(data, "comment_id"), proposal_id=self.proposal_id)
        agree = data.get("agree", True)
        if not isinstance(agree, bool):
            raise ValidationError("agree 必须是 true 或 false。")
        comment = services.comment_react(user=user, comment=comment, agree=agree)
        return {"comment_id": comment.pk, "agree": agree, "agree_count": comment.agree_count}

    def cmd_second(self, user, data: dict) -> dict:
        proposal = services.proposal_second(user=user, proposal=self._proposal())
        return {"second_count": proposal.second_count, "state": proposal.state}


class MeConsumer(RoomConsumer):
    """A person's private room: the unread notification count, live."""

    track_presence = False

    def authorize(self, user) -> str | None:
        if user is None or not user.is_authenticated:
            return None
        return events.user_room(user.pk)

    def build_snapshot(self) -> dict[str, Any]:
        return {"unread": unread_count(self.user)}
