"""The story page of a proposal （全流程追溯）：every step from posting to evaluation."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from deliberation.story.selectors import proposal_story


def story_page(request, pk: int):
    story = proposal_story(user=request.user, pk=pk)
    if story is None:
        raise Http404(_("没有这个议题，或您无权查看。"))
    return render(
        request,
        "deliberation/story/story.html",
        {"story": story, "proposal": story.proposal, "hall": story.proposal.hall},
    )
