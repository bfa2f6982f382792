"""The Django admin for administrators: every list goes through the same visibility rules as the pages."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal import permissions
from portal.admin_imports import StudentImportAdminMixin
from portal.audit import audit_record, field_changes
from portal.models import Evidence, GeneratedDocument, Notification, ReviewEvent, School, Semester, Student, User


class AuditedAdminMixin:
    """An admin's edit is a change like any other: the changed fields are recorded with old and new values."""

    audited_fields: tuple[str, ...] | None = None  # None: every field of the form

    def save_model(self, request, obj, form, change):
        model = type(obj)
        fields = [f for f in form.changed_data if self.audited_fields is None or f in self.audited_fields]
        attnames = {field: model._meta.get_field(field).attname for field in fields}
        before = {}
        if change and fields:
            before = model.objects.filter(pk=obj.pk).values(*attnames.values()).first() or {}
        super().save_model(request, obj, form, change)
        if fields:
            audit_record(
                actor=request.user,
                action=f"{model._meta.model_name}.{'updated' if change else 'created'}",
                target=obj,
                changes=field_changes(
                    {field: before.get(attname) for field, attname in attnames.items()},
                    {field: getattr(obj, attname) for field, attname in attnames.items()},
                ),
                reason="admin",
                request=request,
            )


class ScopedAdminMixin:
    """Admin lists show only what the signed-in user may see (the same querysets as pages and API)."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if hasattr(queryset, "visible_to"):
            return queryset.visible_to(request.user)
        return queryset


@admin.register(User)
class PortalUserAdmin(AuditedAdminMixin, UserAdmin):
    list_display = ["username", "email", "role", "school", "is_active", "must_change_password", "last_login"]
    list_filter = ["role", "school", "is_active", "must_change_password"]
    fieldsets = UserAdmin.fieldsets + (
        (
            _("Portal"),
            {"fields": ["role", "school", "language", "must_change_password", "initial_password_expires_at"]},
        ),
    )
    add_fieldsets = UserAdmin.add_fieldsets + ((_("Portal"), {"fields": ["email", "role", "school"]}),)
    audited_fields = ("role", "school", "is_active", "is_staff", "is_superuser", "email", "must_change_password")


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh"]


@admin.register(Semester)
class SemesterAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_en",
        "starts_on",
        "ends_on",
        "preregistration_opens_at",
        "preregistration_closes_at",
        "registration_day",
    ]


@admin.register(Student)
class StudentAdmin(AuditedAdminMixin, StudentImportAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["student_id", "name_latin", "name_zh", "nationality", "school", "degree_level", "funding", "status"]
    list_filter = ["school", "degree_level", "funding", "status"]
    # Not searchable by passport number: the search term would end up in access logs.
    search_fields = ["student_id", "name_latin", "name_zh"]
    list_select_related = ["school"]
    raw_id_fields = ["user"]


class ReadOnlyInline(admin.TabularInline):
    """History shown beside its record: decisions are made through services, never typed into the admin."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ReviewEventInline(ReadOnlyInline):
    model = ReviewEvent
    readonly_fields = ["from_state", "to_state", "actor", "at", "reason"]


@admin.register(Evidence)
class EvidenceAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["pk", "student", "kind", "state", "uploaded_at", "decided_by"]
    list_filter = ["kind", "state"]
    search_fields = ["student__student_id", "student__name_latin"]
    list_select_related = ["student", "decided_by"]
    inlines = [ReviewEventInline]
    # Review decisions go through the review page (and its audit trail), never through an admin edit.
    exclude = ["file"]
    readonly_fields = [f.name for f in Evidence._meta.fields if f.name != "file"] + ["file_link"]

    @admin.display(description=_("file"))
    def file_link(self, obj):
        # Private files have no URL of their own: link to the view that checks permission.
        if not obj.file:
            return _("file removed")
        return format_html('<a href="{}">{}</a>', reverse("evidence_file", args=[obj.pk]), obj.original_name)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "subject", "created_at", "read_at", "emailed_at"]
    search_fields = ["user__username", "subject"]
    list_select_related = ["user"]
    # Messages are what was sent: an admin reads them, never rewrites them.
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(admin.ModelAdmin):
    list_display = ["pk", "owner", "kind", "title", "status", "done_items", "total_items", "created_at"]
    list_filter = ["kind", "status"]
    exclude = ["file"]


# Only portal administrators reach the Django admin, even if another account was given is_staff by mistake.
_default_has_permission = admin.site.has_permission
admin.site.has_permission = lambda request: _default_has_permission(request) and permissions.is_admin(request.user)
