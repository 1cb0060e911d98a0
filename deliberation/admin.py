"""Admin registrations of deliberation (one module per part)."""

from deliberation import admin_meetings, admin_tasks, admin_votes  # noqa: F401
