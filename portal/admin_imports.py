"""The admissions-list import inside the Django admin, for the same service as the staff page.

How to wire it (portal/admin.py):

    from portal.admin_imports import StudentImportAdminMixin

    @admin.register(Student)
    class StudentAdmin(StudentImportAdminMixin, admin.ModelAdmin):
        ...

The mixin adds the page /admin/portal/student/import/ (URL name "admin:portal_student_import") and puts a link to
it in the change list's context as `import_url`. Without a changelist template override the page can be linked
from anywhere with `{% url 'admin:portal_student_import' %}`. Only users allowed by
`permissions.can_import_students` (the international office and admins) may open it; others get 403.
"""

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from portal import permissions
from portal.views.imports import handle_import_upload, import_page_context


class StudentImportAdminMixin:
    """Adds an "import/" page to a ModelAdmin of Student."""

    import_template = "portal/staff_import.html"

    def _import_url_name(self) -> str:
        return f"{self.model._meta.app_label}_{self.model._meta.model_name}_import"

    def get_urls(self):
        extra = [path("import/", self.admin_site.admin_view(self.import_view), name=self._import_url_name())]
        # Before the inherited patterns, whose "<path:object_id>/" would otherwise swallow "import/".
        return extra + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if permissions.can_import_students(request.user):
            extra_context["import_url"] = reverse(f"{self.admin_site.name}:{self._import_url_name()}")
        return super().changelist_view(request, extra_context=extra_context)

    def import_view(self, request):
        if not permissions.can_import_students(request.user):
            raise PermissionDenied
        form, result = handle_import_upload(request)
        context = {
            **self.admin_site.each_context(request),
            **import_page_context(form, result),
            "base_template": "admin/base_site.html",
            "opts": self.model._meta,
            "title": _("Import the admissions list"),
        }
        return TemplateResponse(request, self.import_template, context)
