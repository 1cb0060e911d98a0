"""Admin of published results and ratings: read-only (evaluation goes through the services)."""

from django.contrib import admin

from deliberation.admin_base import ReadOnlyAdmin
from deliberation.models import Evaluation, ResultPublication


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
