from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from community.models import (
    AdminAssignment,
    ApiToken,
    AuditEntry,
    Building,
    Community,
    Compound,
    Hall,
    Membership,
    MembershipEvent,
    MembershipRole,
    ServiceBrand,
    Street,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("居民信息"), {"fields": ("display_name", "phone", "building")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("居民信息"), {"fields": ("display_name", "building")}),
    )
    list_display = ("username", "display_name", "building", "is_staff", "is_active")
    search_fields = ("username", "display_name", "phone")
    list_select_related = ("building",)


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):
    list_display = ("name", "district")


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("name", "street")
    list_select_related = ("street",)


class BuildingInline(admin.TabularInline):
    model = Building
    extra = 0


@admin.register(Compound)
class CompoundAdmin(admin.ModelAdmin):
    list_display = ("name", "community", "address")
    inlines = [BuildingInline]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("name", "compound", "grid_name", "order")
    list_filter = ("compound",)


class ServiceBrandInline(admin.TabularInline):
    model = ServiceBrand
    extra = 0


@admin.register(Hall)
class HallAdmin(admin.ModelAdmin):
    list_display = ("name", "home_name", "compound", "seconding_threshold", "notice_period_days")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [ServiceBrandInline]
    fieldsets = (
        (None, {"fields": ("compound", "slug", "name", "home_name", "theme", "founded_on")}),
        (
            _("五个微元素"),
            {"fields": ("venue", "structure", "rules_text", "yearly_plan", "services")},
        ),
        (
            _("议事规则"),
            {
                "fields": (
                    "rules_preset",
                    "speech_limit_seconds",
                    "speeches_per_item",
                    "quorum_fraction",
                    "default_majority_rule",
                    "notice_period_days",
                    "objection_answer_days",
                    "seconding_threshold",
                    "report_hide_threshold",
                    "evaluation_days",
                    "dissatisfaction_threshold",
                )
            },
        ),
    )


@admin.register(ServiceBrand)
class ServiceBrandAdmin(admin.ModelAdmin):
    list_display = ("name", "hall", "order", "is_active")
    list_filter = ("hall",)


class MembershipRoleInline(admin.TabularInline):
    model = MembershipRole
    extra = 0
    fields = ("role", "granted_at", "granted_by")
    readonly_fields = ("granted_at", "granted_by")


class MembershipEventInline(admin.TabularInline):
    model = MembershipEvent
    extra = 0
    can_delete = False
    readonly_fields = ("actor", "from_status", "to_status", "note", "at")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "hall", "status", "building", "requested_at")
    list_filter = ("hall", "status")
    search_fields = ("user__username", "user__display_name")
    list_select_related = ("user", "hall", "building")
    inlines = [MembershipRoleInline, MembershipEventInline]


@admin.register(MembershipRole)
class MembershipRoleAdmin(admin.ModelAdmin):
    list_display = ("membership", "role", "granted_at")
    list_filter = ("role",)


@admin.register(MembershipEvent)
class MembershipEventAdmin(admin.ModelAdmin):
    list_display = ("membership", "from_status", "to_status", "actor", "at")


@admin.register(AdminAssignment)
class AdminAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "street", "community")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only (entries leave only by age, `prune_audit`)."""

    list_display = (
        "at",
        "action",
        "actor_label",
        "hall",
        "target",
        "ip_address",
        "superuser_acting",
    )
    list_filter = ("action", "superuser_acting", "hall")
    search_fields = ("actor_label", "target", "detail")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
