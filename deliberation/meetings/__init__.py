"""Live meeting rooms （议事会议）：services, selectors, permissions, room, pages and API."""
