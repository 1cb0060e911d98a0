"""/api/v1/ endpoints of the deliberation app."""

from ninja import Router

from deliberation.meetings.api import router as meetings_router

router = Router(tags=["deliberation"])
router.add_router("", meetings_router)
