"""Named permissions of published results （实施结果公开） and their evaluation （评议）.

Anyone may read a published result （居务公开，like the notice board）. Only active members of
the hall who live in the place the tasks concerned (the buildings frozen on the round, or the
whole compound) may rate it — heads and federation admins included only if they live there:
the rating is the residents' word on the result, not the organisers'. Heads and admins may
correct or add to the summary. Comments are shown without names to the hall's residents.
"""

from __future__ import annotations

import rules

from community.permissions import is_admin, is_head, is_resident
from deliberation.models import ResultPublication
from deliberation.results.services import residents_of_place


@rules.predicate
def lives_in_place(user, result) -> bool:
    """The user is an active member of the result's hall living in the place it concerns."""
    if not isinstance(result, ResultPublication) or not getattr(user, "is_authenticated", False):
        return False
    return (
        residents_of_place(hall=result.hall, building_ids=result.building_ids)
        .filter(pk=user.pk)
        .exists()
    )


PERMISSIONS = {
    "deliberation.view_result": rules.always_allow,
    "deliberation.evaluate_result": is_resident & lives_in_place,
    "deliberation.manage_result": is_head | is_admin,
    "deliberation.view_evaluation_comments": is_resident | is_admin,
}

for _name, _pred in PERMISSIONS.items():
    rules.add_perm(_name, _pred)
