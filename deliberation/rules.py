"""Loaded by rules' autodiscovery so every permission is registered at start-up."""

from deliberation import permissions_votes  # noqa: F401
from deliberation.dashboard import permissions as dashboard_permissions  # noqa: F401
from deliberation.meetings import permissions as meeting_permissions  # noqa: F401
from deliberation.taizhang import permissions as taizhang_permissions  # noqa: F401
from deliberation.tasks import permissions as task_permissions  # noqa: F401
from deliberation.tasks import permissions_results  # noqa: F401
