"""Django admin registrations of the academics app: the catalogue of courses and offerings.

Results are not edited here: they change only through academics.services (phase rules, history, audit).
"""

from django.contrib import admin

from academics.models import Course, Offering


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh", "school", "credits", "hours", "scale", "course_type"]
    list_filter = ["school", "scale", "course_type"]
    search_fields = ["code", "name_en", "name_zh"]


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ["course", "semester", "school", "assessed_on"]
    list_filter = ["semester", "school"]
    search_fields = ["course__code", "course__name_en"]
    autocomplete_fields = ["course"]
