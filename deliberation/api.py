"""/api/v1/ endpoints of the deliberation app."""

from ninja import Router

from deliberation.api_votes import router as votes_router
from deliberation.dashboard.api import router as dashboard_router
from deliberation.meetings.api import router as meetings_router
from deliberation.story.api import router as story_router
from deliberation.tasks.api import router as tasks_router
from deliberation.tasks.api_results import router as results_router
from deliberation.views_ledger import ledger_json

router = Router(tags=["deliberation"])
router.add_router("", meetings_router)
router.add_router("", votes_router)
router.add_router("", story_router)
router.add_router("", dashboard_router)
router.add_router("", results_router)
router.add_router("", tasks_router)

# The public ledger of a hall (docs/ledger.md); streamed JSON, so no response schema.
router.get(
    "/halls/{hall_id}/ledger",
    auth=None,
    url_name="ledger_json",
    summary="A hall's ledger (台账链): every entry in seq order, re-verifiable",
    tags=["ledger"],
)(ledger_json)
