"""Django admin registrations of the academics app: the catalogue of courses and offerings, and the programmes'
graduation requirements the progress rules read.

Results are not edited here: they change only through academics.services (phase rules, history, audit).
"""

from django.contrib import admin

from academics import services
from academics.models import (
    AcademicDecision,
    Course,
    ExamApplication,
    ExamApplicationEvent,
    Offering,
    ProgrammeRequirement,
    Result,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by academics.services (decisions, applications): the admin reads them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    """Courses saved through academics.services.course_save (audited); code, credits, type and scale are read-only
    once the course has results (Assessment 12, 31-34)."""

    list_display = ["code", "name_en", "name_zh", "school", "credits", "hours", "scale", "course_type"]
    list_filter = ["school", "scale", "course_type"]
    search_fields = ["code", "name_en", "name_zh"]

    def get_readonly_fields(self, request, obj=None):
        fixed = obj is not None and Result.objects.filter(enrolment__offering__course=obj).exists()
        return list(services.COURSE_FIELDS_FIXED_BY_RESULTS) if fixed else []

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in services.COURSE_FIELDS if name in form.cleaned_data}
        saved = services.course_save(actor=request.user, values=values, course=obj if change else None, request=request)
        obj.pk = saved.pk


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ["course", "semester", "school", "assessed_on"]
    list_filter = ["semester", "school"]
    search_fields = ["course__code", "course__name_en"]
    autocomplete_fields = ["course"]


@admin.register(ProgrammeRequirement)
class ProgrammeRequirementAdmin(admin.ModelAdmin):
    """Graduation credits and normal length per programme (Academic Rules 11, 15, 35): the progress rules read them."""

    list_display = ["programme", "graduation_credits", "normal_length_years", "yearly_minimum"]
    search_fields = ["programme"]

    def save_model(self, request, obj, form, change):
        from portal.audit import audit_record

        # Stored as matched (academics.selectors.programme_key): no stray spaces around the name.
        obj.programme = (obj.programme or "").strip()
        # A changed requirement changes who the progress rules flag: keep who changed it, from what and to what.
        changes = {
            name: [str(form.initial.get(name, "") if change else ""), str(form.cleaned_data.get(name, ""))]
            for name in form.changed_data
        }
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="academics.requirement_changed" if change else "academics.requirement_added",
            target=obj,
            changes=changes,
            request=request,
        )


@admin.register(AcademicDecision)
class AcademicDecisionAdmin(ReadOnlyAdmin):
    """Decisions on academic warnings, to read: they are recorded on the student's progress page and never edited."""

    list_display = ["student", "kind", "period", "outcome", "decided_by", "decided_at"]
    list_filter = ["outcome", "kind"]
    search_fields = ["student__student_id", "student__name_latin"]


class ExamApplicationEventInline(admin.TabularInline):
    model = ExamApplicationEvent
    extra = 0
    can_delete = False
    fields = ["at", "actor", "from_state", "to_state", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ExamApplication)
class ExamApplicationAdmin(ReadOnlyAdmin):
    """Applications to defer or give up an examination, to read: the school decides on its queue (the service
    marks the enrolment, decides the proof and tells the student), never here."""

    list_display = ["enrolment", "kind", "deferral_reason", "state", "created_at", "decided_by", "decided_at"]
    list_filter = ["state", "kind", "enrolment__offering__semester"]
    search_fields = [
        "enrolment__student__student_id",
        "enrolment__student__name_latin",
        "enrolment__offering__course__code",
    ]
    list_select_related = [
        "enrolment__student",
        "enrolment__offering__course",
        "enrolment__offering__semester",
        "decided_by",
    ]
    inlines = [ExamApplicationEventInline]
