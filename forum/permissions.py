"""Named permissions of the forum (see community.permissions for the predicates)."""

import rules

from community.permissions import is_admin, is_executive, is_member, is_resident


@rules.predicate
def is_author(user, proposal) -> bool:
    return proposal is not None and getattr(proposal, "author_id", None) == user.pk


PERMISSIONS = {
    "forum.create_proposal": is_member,
    "forum.publish_proposal": is_author & is_member,
    "forum.review_proposal": is_executive | is_admin,
    "forum.view_proposals": rules.always_allow,
    "forum.join_proposal_room": is_resident,
}

for _name, _pred in PERMISSIONS.items():
    rules.add_perm(_name, _pred)
