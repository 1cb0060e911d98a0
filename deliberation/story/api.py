"""/api/v1/ endpoint of the story of a proposal （全流程追溯），as JSON steps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404
from ninja import Router, Schema

from community.apierrors import answers
from deliberation.story.selectors import proposal_story, story_as_dict

router = Router(tags=["story"])


class LedgerRefOut(Schema):
    seq: int
    kind: str
    label: str
    hash: str
    at: datetime
    url: str


class StepOut(Schema):
    key: str
    title: str
    state: str  # done | current | pending （尚未进行）
    state_label: str
    at: datetime | None
    url: str | None
    summary: str
    data: dict[str, Any]  # the step's details (see docs/dashboard.md, "The whole story")
    ledger: list[LedgerRefOut]


class StoryOut(Schema):
    proposal: dict[str, Any]
    closed_early: bool
    steps: list[StepOut]


@router.get(
    "/proposals/{pk}/story",
    auth=None,
    response=answers(StoryOut, 404, 422),
    url_name="proposal_story_json",
    summary="The whole story of a proposal （全流程追溯）：its steps in order, each with its "
    "state (done / current / pending), time, link, details and ledger entries",
)
def story(request, pk: int):
    found = proposal_story(user=request.user, pk=pk)
    if found is None:
        raise Http404
    return story_as_dict(found)
