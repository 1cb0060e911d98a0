"""/api/v1/ endpoints of the deliberation app: each part's router."""

from ninja import Router

from deliberation.dashboard.api import router as dashboard_router
from deliberation.ledger.api import router as ledger_router
from deliberation.meetings.api import router as meetings_router
from deliberation.results.api import router as results_router
from deliberation.story.api import router as story_router
from deliberation.tasks.api import router as tasks_router
from deliberation.votes.api import router as votes_router

router = Router(tags=["deliberation"])
for part in (
    meetings_router,
    votes_router,
    ledger_router,
    story_router,
    dashboard_router,
    results_router,
    tasks_router,
):
    router.add_router("", part)
