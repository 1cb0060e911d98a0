"""/api/v1/ endpoints of the deliberation app."""

from ninja import Router

router = Router(tags=["deliberation"])
