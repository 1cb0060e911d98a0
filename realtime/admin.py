from django.contrib import admin

from realtime.models import Presence, RoomSequence


@admin.register(RoomSequence)
class RoomSequenceAdmin(admin.ModelAdmin):
    list_display = ("room", "seq")
    search_fields = ("room",)


@admin.register(Presence)
class PresenceAdmin(admin.ModelAdmin):
    list_display = ("room", "user", "connected_at", "last_seen")
