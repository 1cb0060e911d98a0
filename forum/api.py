"""/api/v1/ endpoints of the forum app."""

from ninja import Router

router = Router(tags=["forum"])
