"""Every role against every permission of the forum (on a proposal written by `author`)."""

import pytest

from forum.permissions import PERMISSIONS
from tests.forum.factories import proposal

pytestmark = pytest.mark.django_db

WHO = ["outsider", "applicant", "resident", "member", "executive", "volunteer",
       "moderator", "recorder", "head", "admin", "author"]  # fmt: skip
PARTICIPANTS = set(WHO) - {"outsider", "applicant"}

# permission → the people who have it on a collecting proposal (a draft for edit_proposal)
EXPECTED = {
    # domain.md: residents (any active member of the hall) may propose, second and comment.
    "forum.create_proposal": PARTICIPANTS,
    "forum.publish_proposal": {"author"},
    "forum.edit_proposal": {"author"},
    "forum.second_proposal": PARTICIPANTS - {"author"},
    "forum.review_proposal": {"executive", "head", "admin"},
    "forum.view_proposals": set(WHO),
    "forum.join_proposal_room": PARTICIPANTS,
    "forum.comment": PARTICIPANTS,
    "forum.react": PARTICIPANTS,
    "forum.report": PARTICIPANTS,
    "forum.moderate": {"moderator", "head", "admin"},
    "forum.lock_thread": {"moderator", "head", "admin"},
}


def test_every_permission_is_in_the_matrix():
    assert set(EXPECTED) == set(PERMISSIONS)


@pytest.mark.parametrize("perm", sorted(EXPECTED))
def test_role_matrix(perm, hall, cast):
    state = "draft" if perm == "forum.edit_proposal" else "collecting"
    p = proposal(hall, cast["author"], state=state)
    granted = {who for who in WHO if cast[who].has_perm(perm, p)}
    assert granted == EXPECTED[perm]


def test_editing_is_only_for_drafts(hall, cast):
    p = proposal(hall, cast["author"], state="collecting")
    assert not cast["author"].has_perm("forum.edit_proposal", p)


def test_roles_in_another_hall_grant_nothing_here(hall, cast):
    from tests.community.factories import HallFactory

    other = HallFactory()
    p = proposal(other)
    assert not cast["head"].has_perm("forum.review_proposal", p)
    assert not cast["member"].has_perm("forum.second_proposal", p)
    assert not cast["member"].has_perm("forum.join_proposal_room", p)
