"""Django admin of the fees app: fee schedules are entered here; money records are read-only (services write them)."""

from django.contrib import admin

from fees.models import FeeSchedule, LedgerEntry, Receipt, RefundRequest, RemittanceConfirmation, SuspensionCredit


@admin.register(FeeSchedule)
class FeeScheduleAdmin(admin.ModelAdmin):
    list_display = ["academic_year", "kind", "program", "programme", "room_type", "period", "amount"]
    list_filter = ["academic_year", "kind", "program", "period"]

    def save_model(self, request, obj, form, change):
        from portal.audit import audit_record

        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="fees.schedule_changed" if change else "fees.schedule_added",
            target=obj,
            changes={"amount": str(obj.amount)},
            request=request,
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "student",
        "entry_type",
        "fee_kind",
        "academic_year",
        "amount",
        "channel",
        "reference",
    ]
    list_filter = ["entry_type", "fee_kind", "academic_year", "channel"]
    search_fields = ["student__student_id", "reference"]
    list_select_related = ["student"]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["number", "student", "issued_at"]
    search_fields = ["number", "student__student_id"]
    list_select_related = ["student"]


@admin.register(RemittanceConfirmation)
class RemittanceConfirmationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "student", "amount", "currency", "state", "credited_rmb"]
    list_filter = ["state"]
    search_fields = ["student__student_id"]
    list_select_related = ["student"]


@admin.register(RefundRequest)
class RefundRequestAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "student", "academic_year", "state", "proposed_amount", "approved_amount"]
    list_filter = ["state", "academic_year"]
    search_fields = ["student__student_id"]
    list_select_related = ["student"]


@admin.register(SuspensionCredit)
class SuspensionCreditAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "student", "suspended_semester", "resumption_semester", "amount"]
    search_fields = ["student__student_id"]
    list_select_related = ["student", "suspended_semester", "resumption_semester"]
