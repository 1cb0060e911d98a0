"""Admin of governance tasks: read-only (every change goes through the task services)."""

from django.contrib import admin

from deliberation.admin_base import ReadOnlyAdmin
from deliberation.models import (
    GovernanceTask,
    ProgressReport,
    ProgressReportImage,
    SubTask,
    TaskEvent,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SubTaskInline(ReadOnlyInline):
    model = SubTask
    fields = ("title", "weight", "done", "done_at")


class TaskEventInline(ReadOnlyInline):
    model = TaskEvent
    fields = ("at", "actor", "from_state", "to_state", "note")


@admin.register(GovernanceTask)
class GovernanceTaskAdmin(ReadOnlyAdmin):
    list_display = ("title", "hall", "resolution", "owner", "state", "due_on", "done_at")
    list_filter = ("state", "hall")
    search_fields = ("title",)
    date_hierarchy = "due_on"
    list_select_related = ("hall", "resolution", "owner")
    inlines = [SubTaskInline, TaskEventInline]


@admin.register(TaskEvent)
class TaskEventAdmin(ReadOnlyAdmin):
    list_display = ("task", "from_state", "to_state", "actor", "note", "at")
    list_filter = ("to_state",)
    list_select_related = ("task", "actor")


class ProgressReportImageInline(ReadOnlyInline):
    model = ProgressReportImage
    fields = ("image", "width", "height", "uploaded_at")


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdmin):
    list_display = ("task", "author", "progress", "created_at")
    search_fields = ("body", "task__title")
    list_select_related = ("task", "author")
    inlines = [ProgressReportImageInline]
