"""Admin registrations of deliberation (one module per part)."""

from django.contrib import admin

from deliberation import admin_meetings, admin_tasks, admin_votes  # noqa: F401
from deliberation.admin_votes import ReadOnlyAdmin
from deliberation.models import Evaluation, ResultPublication


# Published results and ratings: read-only (evaluation goes through the services).
@admin.register(ResultPublication)
class ResultPublicationAdmin(ReadOnlyAdmin):
    list_display = ("resolution", "round", "hall", "state", "published_at", "evaluation_ends_at")
    list_filter = ("state",)
    list_select_related = ("resolution", "hall")


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ("result", "user", "rating", "created_at")
    list_filter = ("rating",)
    list_select_related = ("result__resolution", "user")
