from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
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
from realtime.publish import access_changed


class AccessAdmin(admin.ModelAdmin):
    """Changes made here to who may do what reach the people's open websockets at once.

    The admin saves rows without our services, so it says itself, after commit, whose access
    changed (`realtime.publish.access_changed`): their sockets re-authorise, rooms they may no
    longer see close with 4403. `people(obj)` names them — before and after the change.
    """

    def people(self, obj) -> set[int]:
        raise NotImplementedError

    def _stored_people(self, obj) -> set[int]:
        if obj.pk is None:
            return set()
        stored = type(obj)._default_manager.filter(pk=obj.pk).first()
        return self.people(stored) if stored is not None else set()

    def _tell(self, user_ids: set[int]) -> None:
        for user_id in user_ids:
            if user_id is not None:
                access_changed(user_id)

    def save_model(self, request, obj, form, change):
        before = self._stored_people(obj) if change else set()
        super().save_model(request, obj, form, change)
        self._tell(before | self.people(obj))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # inlines: roles of a membership
        self._tell(self.people(form.instance))

    def delete_model(self, request, obj):
        people = self.people(obj)
        super().delete_model(request, obj)
        self._tell(people)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        people = set().union(*(self.people(obj) for obj in queryset))
        super().delete_queryset(request, queryset)
        self._tell(people)


@admin.register(User)
class UserAdmin(AccessAdmin, BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("居民信息"),
            {
                "fields": (
                    "display_name",
                    "phone",
                    "phone_verified_at",
                    "email_verified_at",
                    "building",
                )
            },
        ),
    )
    # A number signs in only once its owner proved it with a code (/me/phone/), and an address
    # receives reset links only once verified: nobody sets them here.
    readonly_fields = ("phone", "phone_verified_at", "email_verified_at")
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("居民信息"), {"fields": ("display_name", "building")}),
    )
    list_display = ("username", "display_name", "building", "is_staff", "is_active")
    search_fields = ("username", "display_name", "phone")
    list_select_related = ("building",)

    def people(self, obj) -> set[int]:
        return {obj.pk}  # deactivated, deleted, made staff or superuser


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
class MembershipAdmin(AccessAdmin):
    list_display = ("user", "hall", "status", "building", "requested_at")
    list_filter = ("hall", "status")
    search_fields = ("user__username", "user__display_name")
    list_select_related = ("user", "hall", "building")
    inlines = [MembershipRoleInline, MembershipEventInline]

    def people(self, obj) -> set[int]:
        return {obj.user_id}


@admin.register(MembershipRole)
class MembershipRoleAdmin(AccessAdmin):
    list_display = ("membership", "role", "granted_at")
    list_filter = ("role",)

    def people(self, obj) -> set[int]:
        return {obj.membership.user_id}


@admin.register(MembershipEvent)
class MembershipEventAdmin(admin.ModelAdmin):
    list_display = ("membership", "from_status", "to_status", "actor", "at")


@admin.register(AdminAssignment)
class AdminAssignmentAdmin(AccessAdmin):
    list_display = ("user", "street", "community")

    def people(self, obj) -> set[int]:
        return {obj.user_id}


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
