"""The proposal state machine of domain.md, in one table; every move writes a history row.

Services of every app (forum review, deliberation agenda and votes, governance tasks) move
proposals only through `proposal_transition`, which also tells the author, the seconders and
the followers (forum.notifications.proposal_state_notice, once per event). A transition's `permission` is checked here
when set; where it is None, the calling service has checked its own permission (the
transition is a consequence of e.g. a meeting opening an item), and `actor` may be None
for the system (the seconding threshold).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from forum.models import Proposal, ProposalEvent, ProposalState, VoteOutcome
from forum.notifications import proposal_state_notice

S = ProposalState


@dataclass(frozen=True)
class Transition:
    name: str
    permission: str | None  # checked here when set


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.DRAFT, S.COLLECTING): Transition("publish", "forum.publish_proposal"),
    (S.COLLECTING, S.AWAITING_REVIEW): Transition("threshold_reached", None),
    (S.COLLECTING, S.REJECTED): Transition("reject", "forum.review_proposal"),
    (S.COLLECTING, S.MERGED): Transition("merge", "forum.review_proposal"),
    (S.AWAITING_REVIEW, S.ACCEPTED): Transition("accept", "forum.review_proposal"),
    (S.AWAITING_REVIEW, S.REJECTED): Transition("reject", "forum.review_proposal"),
    (S.AWAITING_REVIEW, S.MERGED): Transition("merge", "forum.review_proposal"),
    (S.ACCEPTED, S.MERGED): Transition("merge", "forum.review_proposal"),
    (S.ACCEPTED, S.ON_AGENDA): Transition("put_on_agenda", None),
    (S.ON_AGENDA, S.ACCEPTED): Transition("remove_from_agenda", None),
    (S.ON_AGENDA, S.DELIBERATING): Transition("open_item", None),
    (S.DELIBERATING, S.ACCEPTED): Transition("defer", None),
    (S.DELIBERATING, S.VOTED): Transition("vote", None),
    (S.VOTED, S.ON_NOTICE): Transition("publish_resolution", None),
    (S.VOTED, S.ACCEPTED): Transition("shelve", None),
    (S.VOTED, S.ARCHIVED): Transition("archive_failed", None),
    (S.ON_NOTICE, S.IMPLEMENTING): Transition("take_effect", None),
    (S.ON_NOTICE, S.ACCEPTED): Transition("objection_upheld", None),
    (S.IMPLEMENTING, S.COMPLETED): Transition("complete", None),
    (S.COMPLETED, S.IMPLEMENTING): Transition("reopen", None),
    (S.COMPLETED, S.EVALUATED): Transition("evaluate", None),
    # Late ratings in the same round can still tip the share over the threshold by its end.
    (S.EVALUATED, S.IMPLEMENTING): Transition("reopen", None),
    (S.EVALUATED, S.ARCHIVED): Transition("archive", None),
    (S.REJECTED, S.ARCHIVED): Transition("archive", "forum.review_proposal"),
}


def allowed_targets(state: str) -> list[str]:
    """States a proposal in `state` may move to."""
    return [to for (frm, to) in TRANSITIONS if frm == state]


@transaction.atomic
def proposal_transition(
    *,
    proposal: Proposal,
    to: str,
    actor=None,
    note: str = "",
    outcome: str | None = None,
    check_permission: bool = True,
) -> ProposalEvent:
    """Move a proposal to `to` if the table allows it; record who, when, from, to, note."""
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    frm = locked.state
    rule = TRANSITIONS.get((frm, to))
    if rule is None:
        raise ValidationError(
            _("议题当前为「%(frm)s」，不能变为「%(to)s」。")
            % {"frm": S(frm).label, "to": S(to).label if to in S.values else to}
        )
    if check_permission and rule.permission is not None:
        if actor is None or not actor.has_perm(rule.permission, locked):
            raise PermissionDenied(_("您没有权限执行此操作。"))
    if to == S.VOTED:
        if outcome not in VoteOutcome.values:
            raise ValidationError(_("表决结果必须是通过、未通过或搁置。"))
        locked.outcome = outcome
    now = timezone.now()
    locked.state = to
    locked.last_activity_at = now
    if to == S.COLLECTING and locked.published_at is None:
        locked.published_at = now
    locked.save(update_fields=["state", "outcome", "last_activity_at", "published_at"])
    # Keep the caller's object in step with the database.
    proposal.state, proposal.outcome = locked.state, locked.outcome
    proposal.last_activity_at, proposal.published_at = locked.last_activity_at, locked.published_at
    event = ProposalEvent.objects.create(
        proposal=locked, actor=actor, from_state=frm, to_state=to, note=note, at=now
    )
    # Every step tells the people it concerns: whichever part moved it, here, once per event.
    proposal_state_notice(proposal=locked, event=event, actor=actor)
    return event
