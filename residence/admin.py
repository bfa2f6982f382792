"""Django admin registrations of the residence app: read-only views of students the admin user may see.

Records are decided through the evidence review, letters through residence.services.letters and reminders by the
beat job; nothing is added, changed or deleted here, so the history each of them keeps stays whole.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin import ReadOnlyInline
from residence.models import (
    InsuranceRecord,
    LetterEvent,
    LetterRequest,
    Obligation,
    PassportLoss,
    PassportRecord,
    PhysicalExamRecord,
    Reminder,
    ResidencePermitRecord,
    VisaRecord,
)
from residence.permissions import record_scope


class _ScopedReadOnlyAdmin(admin.ModelAdmin):
    """Rows of students the admin user may see (the pages' own scope); every field read-only."""

    scope_prefix = "student__"
    search_fields = ["student__student_id", "student__name_latin"]
    list_select_related = ["student"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(record_scope(request.user, prefix=self.scope_prefix))

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class _RecordAdmin(_ScopedReadOnlyAdmin):
    list_filter = ["is_current", "evidence__state"]
    list_select_related = ["student", "evidence"]

    @admin.display(description=_("review"))
    def review_state(self, obj):
        return obj.evidence.get_state_display()


@admin.register(PassportRecord)
class PassportRecordAdmin(_RecordAdmin):
    list_display = [
        "student",
        "number",
        "country",
        "expires_on",
        "reason",
        "is_current",
        "review_state",
        "submitted_at",
    ]
    list_filter = ["is_current", "reason", "evidence__state"]


@admin.register(VisaRecord)
class VisaRecordAdmin(_RecordAdmin):
    list_display = ["student", "visa_type", "entry_date", "permitted_stay_days", "is_current", "review_state"]
    list_filter = ["is_current", "visa_type", "evidence__state"]


@admin.register(ResidencePermitRecord)
class ResidencePermitRecordAdmin(_RecordAdmin):
    list_display = ["student", "number", "issued_on", "expires_on", "is_current", "review_state", "submitted_at"]


@admin.register(PhysicalExamRecord)
class PhysicalExamRecordAdmin(_RecordAdmin):
    list_display = ["student", "certificate_number", "verified_on", "is_current", "review_state", "submitted_at"]


@admin.register(InsuranceRecord)
class InsuranceRecordAdmin(_RecordAdmin):
    list_display = ["student", "insurer", "starts_on", "ends_on", "is_current", "review_state", "submitted_at"]


@admin.register(PassportLoss)
class PassportLossAdmin(_ScopedReadOnlyAdmin):
    list_display = ["student", "lost_on", "reported_at", "state", "replaced_at"]
    list_filter = ["state"]


class ReminderInline(ReadOnlyInline):
    model = Reminder
    readonly_fields = ["lead_days", "sent_at", "run", "notification"]


@admin.register(Obligation)
class ObligationAdmin(_ScopedReadOnlyAdmin):
    list_display = ["student", "kind", "due", "legal_due", "opened_at", "closed_at"]
    list_filter = ["kind", ("closed_at", admin.EmptyFieldListFilter)]
    date_hierarchy = "due"
    inlines = [ReminderInline]


@admin.register(Reminder)
class ReminderAdmin(_ScopedReadOnlyAdmin):
    scope_prefix = "obligation__student__"
    list_display = ["obligation", "lead_days", "sent_at", "run"]
    list_filter = ["lead_days"]
    search_fields = ["obligation__student__student_id", "obligation__student__name_latin"]
    list_select_related = ["obligation__student"]


class LetterEventInline(ReadOnlyInline):
    model = LetterEvent
    readonly_fields = ["from_state", "to_state", "actor", "at", "reason"]


@admin.register(LetterRequest)
class LetterRequestAdmin(_ScopedReadOnlyAdmin):
    list_display = ["student", "purpose", "state", "number", "requested_at", "decided_by", "decided_at"]
    list_filter = ["state", "purpose", "year"]
    search_fields = ["student__student_id", "student__name_latin", "number"]
    list_select_related = ["student", "decided_by"]
    inlines = [LetterEventInline]
