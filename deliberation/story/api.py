"""/api/v1/ endpoint of the story of a proposal (全流程追溯), as JSON steps."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from ninja import Router

from deliberation.story.selectors import proposal_story, story_as_dict

router = Router(tags=["story"])


@router.get(
    "/proposals/{pk}/story",
    auth=None,
    url_name="proposal_story_json",
    summary="The whole story of a proposal (全流程追溯): its steps in order, each with its "
    "state (done / current / pending), time, link, details and ledger entries",
)
def story(request, pk: int) -> dict[str, Any]:
    found = proposal_story(user=request.user, pk=pk)
    if found is None:
        raise Http404
    return story_as_dict(found)
