"""Admin of meetings and the ledger: read-only — meetings change through the live room's
services (which publish to the room), the ledger only through ledger_append."""

from django.contrib import admin

from deliberation.admin_base import ReadOnlyAdmin
from deliberation.models import (
    AgendaItem,
    CheckIn,
    LedgerEntry,
    Meeting,
    MeetingChange,
    MinutesVersion,
    Speech,
)


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    can_delete = False
    fields = ("order", "title", "proposal", "budget_minutes", "state")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class MeetingChangeInline(admin.TabularInline):
    model = MeetingChange
    extra = 0
    can_delete = False
    fields = ("kind", "at", "by", "reason", "starts_at_before", "starts_at_after", "venue_after")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ("title", "hall", "starts_at", "opened_at", "state", "moderator", "recorder")
    list_filter = ("state", "hall")
    search_fields = ("title", "venue")
    list_select_related = ("hall", "moderator", "recorder")
    inlines = [AgendaItemInline, MeetingChangeInline]


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin):
    list_display = ("title", "meeting", "order", "state", "proposal")
    list_select_related = ("meeting", "proposal")


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ("meeting", "user", "method", "at", "by")
    list_select_related = ("meeting", "user", "by")


@admin.register(Speech)
class SpeechAdmin(ReadOnlyAdmin):
    list_display = ("meeting", "item", "user", "stance", "state", "started_at", "ended_at")
    list_select_related = ("meeting", "item", "user")


@admin.register(MinutesVersion)
class MinutesVersionAdmin(ReadOnlyAdmin):
    list_display = ("meeting", "number", "author", "at")
    list_select_related = ("meeting", "author")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("hall", "seq", "kind", "at", "hash")
    list_filter = ("hall", "kind")
    list_select_related = ("hall",)
