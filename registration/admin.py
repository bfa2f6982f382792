"""Django admin registrations of the registration app: read-only views; decisions go through the review service."""

from django.contrib import admin

from portal.admin import ReadOnlyInline
from portal.permissions import student_scope
from registration.models import ItemDecision, RegistrationForm, RegistrationItem


class RegistrationItemInline(ReadOnlyInline):
    model = RegistrationItem
    readonly_fields = ["kind", "state", "reason", "decided_at", "decided_by"]


@admin.register(RegistrationForm)
class RegistrationFormAdmin(admin.ModelAdmin):
    list_display = ["student", "semester", "status", "submitted_at", "location", "housing"]
    list_filter = ["semester", "status", "location", "housing"]
    search_fields = ["student__student_id", "student__name_latin"]
    list_select_related = ["student", "semester"]
    inlines = [RegistrationItemInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(student_scope(request.user, prefix="student__"))

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in RegistrationForm._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ItemDecision)
class ItemDecisionAdmin(admin.ModelAdmin):
    list_display = ["item", "state", "decided_by", "decided_at"]
    list_select_related = ["item", "decided_by"]
    readonly_fields = ["item", "state", "reason", "decided_by", "decided_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Deferred registration: read-only; decisions go through registration.services.deferral ----------------------

from registration.models import (  # noqa: E402
    LeaveDecision,
    RegistrationLeave,
    RegistrationReminder,
    TwoWeekListing,
)


class _ScopedReadOnlyAdmin(admin.ModelAdmin):
    """Rows of students the admin user may see; nothing is added, changed or deleted here."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(student_scope(request.user, prefix="student__"))

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LeaveDecisionInline(ReadOnlyInline):
    model = LeaveDecision
    readonly_fields = ["state", "approved_until", "reason", "decided_by", "decided_at"]


@admin.register(RegistrationLeave)
class RegistrationLeaveAdmin(_ScopedReadOnlyAdmin):
    list_display = ["student", "semester", "state", "expected_on", "approved_until", "created_at"]
    list_filter = ["semester", "state"]
    search_fields = ["student__student_id", "student__name_latin"]
    list_select_related = ["student", "semester"]
    inlines = [LeaveDecisionInline]


@admin.register(TwoWeekListing)
class TwoWeekListingAdmin(_ScopedReadOnlyAdmin):
    list_display = ["student", "semester", "kind", "last_day_to_register", "listed_on", "outcome"]
    list_filter = ["semester", "kind", "outcome"]
    search_fields = ["student__student_id", "student__name_latin"]
    list_select_related = ["student", "semester"]


@admin.register(RegistrationReminder)
class RegistrationReminderAdmin(_ScopedReadOnlyAdmin):
    list_display = ["student", "semester", "deadline", "lead_days", "sent_at"]
    list_filter = ["semester", "lead_days"]
    search_fields = ["student__student_id"]
    list_select_related = ["student", "semester"]


# --- Leaving school and student status --------------------------------------------------------------------------
from registration.models import LeaveTier  # noqa: E402


@admin.register(LeaveTier)
class LeaveTierAdmin(admin.ModelAdmin):
    """The leave approval tiers are data (Academic Rules 13): admins change lengths and routes here."""

    list_display = ["position", "name", "max_days", "max_months", "route"]
    ordering = ["position"]
