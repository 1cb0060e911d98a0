"""Named permissions of the forum (see community.permissions for the predicates).

Who may propose: domain.md gives "propose, second, comment" to the resident role (any
active member of the hall), so every forum participation permission uses `is_resident`;
members-only things (ballots, meetings) belong to deliberation. Reviewing is for
executives (the head is an executive) and federation admins; moderation for moderators,
heads and admins.
"""

import rules

from community.permissions import is_admin, is_executive, is_head, is_moderator, is_resident


@rules.predicate
def is_author(user, obj) -> bool:
    return obj is not None and getattr(obj, "author_id", None) == user.pk


@rules.predicate
def is_draft(user, proposal) -> bool:
    return proposal is not None and getattr(proposal, "state", None) == "draft"


is_moderator_or_head = is_moderator | is_head | is_admin

PERMISSIONS = {
    "forum.create_proposal": is_resident,
    "forum.publish_proposal": is_author & is_resident,
    "forum.edit_proposal": is_author & is_resident & is_draft,
    "forum.second_proposal": is_resident & ~is_author,
    "forum.review_proposal": is_executive | is_admin,
    "forum.view_proposals": rules.always_allow,
    "forum.join_proposal_room": is_resident,
    "forum.comment": is_resident,
    "forum.react": is_resident,
    "forum.report": is_resident,
    "forum.moderate": is_moderator_or_head,
    "forum.lock_thread": is_moderator_or_head,
}

for _name, _pred in PERMISSIONS.items():
    rules.add_perm(_name, _pred)
