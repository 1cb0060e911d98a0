"""Loaded by rules' autodiscovery so every part's permissions are registered at start-up."""

from deliberation.dashboard import permissions as dashboard_permissions  # noqa: F401
from deliberation.meetings import permissions as meeting_permissions  # noqa: F401
from deliberation.results import permissions as result_permissions  # noqa: F401
from deliberation.taizhang import permissions as taizhang_permissions  # noqa: F401
from deliberation.tasks import permissions as task_permissions  # noqa: F401
from deliberation.votes import permissions as vote_permissions  # noqa: F401
