"""Admin of votes: read-only (every change goes through the services, and so through the ledger)."""

from django.contrib import admin

from deliberation.admin_base import ReadOnlyAdmin
from deliberation.models import (
    Ballot,
    HandCount,
    Objection,
    Participation,
    ProxyAuthorization,
    Resolution,
    VoteRecord,
)


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    list_display = ("title", "hall", "kind", "mode", "secret", "state", "result", "created_at")
    list_filter = ("state", "mode", "secret", "kind")
    search_fields = ("title",)
    list_select_related = ("hall",)


@admin.register(Participation)
class ParticipationAdmin(ReadOnlyAdmin):
    list_display = ("ballot", "user", "via", "cast_by", "at")
    list_select_related = ("ballot", "user", "cast_by")


@admin.register(VoteRecord)
class VoteRecordAdmin(ReadOnlyAdmin):
    # Ordered by receipt: nothing here shows the order of casting.
    list_display = ("receipt", "ballot", "choices")
    ordering = ("ballot", "receipt")
    list_select_related = ("ballot",)


@admin.register(HandCount)
class HandCountAdmin(ReadOnlyAdmin):
    list_display = ("ballot", "voters", "votes", "entered_by", "entered_at")


@admin.register(ProxyAuthorization)
class ProxyAuthorizationAdmin(ReadOnlyAdmin):
    list_display = ("ballot", "grantor", "holder", "recorded_by", "recorded_at")


@admin.register(Resolution)
class ResolutionAdmin(ReadOnlyAdmin):
    list_display = ("title", "hall", "state", "published_at", "notice_ends_at", "effective_at")
    list_filter = ("state",)


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ("resolution", "author", "lodged_at", "upheld", "answered_at")
