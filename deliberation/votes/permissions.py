"""Named permissions of ballots, resolutions and objections (docs/votes.md, "Who may do what").

The moderator runs votes (neutral: opens, closes, enters hand counts); the head (and the
federation admin) may do the same outside a meeting, publishes resolutions and answers
objections. The recorder writes the minutes and manages no vote. Any resident of the hall may
lodge an objection; anyone may read the notice board （居务公开）.
"""

import rules

from community.permissions import is_admin, is_head, is_moderator, is_resident
from deliberation.models import Ballot, Elector


@rules.predicate
def is_elector(user, ballot) -> bool:
    """The user is on the ballot's electorate snapshot (taken when it opened)."""
    if not isinstance(ballot, Ballot) or not getattr(user, "is_authenticated", False):
        return False
    return Elector.objects.filter(ballot_id=ballot.pk, user_id=user.pk).exists()


runs_votes = is_moderator | is_head | is_admin

PERMISSIONS = {
    "deliberation.view_ballot": is_resident | is_elector,
    "deliberation.manage_ballot": runs_votes,
    "deliberation.cast_vote": is_elector,
    "deliberation.enter_hand_count": runs_votes,
    "deliberation.record_proxy": runs_votes,
    "deliberation.publish_resolution": is_head | is_admin,
    "deliberation.lodge_objection": is_resident,
    "deliberation.answer_objection": is_head | is_admin,
    "deliberation.view_notice_board": rules.always_allow,
}

for _name, _pred in PERMISSIONS.items():
    rules.add_perm(_name, _pred)
