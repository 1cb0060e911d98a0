"""Admin registrations of deliberation: each part registers its models in its own admin.py."""

from deliberation.meetings import admin as meeting_admin  # noqa: F401
from deliberation.results import admin as result_admin  # noqa: F401
from deliberation.tasks import admin as task_admin  # noqa: F401
from deliberation.votes import admin as vote_admin  # noqa: F401
